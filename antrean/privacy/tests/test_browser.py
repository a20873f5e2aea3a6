"""A citizen asks for their data on a small phone with JavaScript off: Chromium at 360 px."""

import os
import re
from pathlib import Path

import pytest
from django.db import connections

from antrean.privacy.tests.conftest import book_on, days_ago
from antrean.testing.browser import launch, needs_chromium, refuse_outside
from antrean.testing.factories import make_nik, make_office, make_service

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs a loop here

NIK = make_nik(1, region="510301")

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def ticket(transactional_db):
    # Made before the browser starts: signing the certificate runs its own event loop, which
    # cannot start inside the one Playwright's sync API keeps running.
    office = make_office(code="mpp-badung", name="Mal Pelayanan Publik Kabupaten Badung")
    service = make_service(office, name="Perekaman dan Pencetakan KTP-el")
    return book_on(service, days_ago(-1), nik=NIK, whatsapp="081234567890").ticket


@pytest.fixture
def page(live_server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(
            viewport={"width": 360, "height": 780},
            java_script_enabled=False,
            locale="id-ID",
            accept_downloads=True,
        )
        outside = refuse_outside(context, live_server.url)
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()
        assert outside == [], f"external requests: {outside}"


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def follow(page, locator) -> None:
    with page.expect_navigation(wait_until="load"):
        locator.click()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_citizen_sees_and_downloads_their_data_without_javascript(ticket, page, live_server):
    try:
        walk(page, live_server, ticket)
    finally:
        connections.close_all()


def walk(page, live_server, ticket):
    code = f"{ticket.code[:4]}-{ticket.code[4:]}"

    page.goto(live_server.url + "/antrean/data-saya/", wait_until="load")
    assert no_horizontal_scroll(page)

    page.get_by_label("Kode pemesanan").fill(code)
    page.get_by_label("NIK").fill(make_nik(2, region="510301"))  # not theirs
    follow(page, page.get_by_role("button", name="Tampilkan data saya"))
    assert "tidak cocok" in page.locator(".error-summary").inner_text()
    assert page.get_by_label("NIK").input_value() == ""  # the NIK typed is not shown again
    assert no_horizontal_scroll(page)

    page.get_by_label("NIK").fill(NIK)
    follow(page, page.get_by_role("button", name="Tampilkan data saya"))
    assert page.url == live_server.url + "/antrean/data-saya/hasil/"
    assert NIK not in page.url
    assert page.get_by_text("5103********0001").is_visible()
    assert page.get_by_text(re.compile(r"\+62812\*\*\*\*7890")).is_visible()
    assert NIK not in page.content()
    assert no_horizontal_scroll(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Unduh semua data")).click()
    download = download_info.value
    assert download.suggested_filename == f"data-saya-{ticket.code}.json"
    assert NIK in Path(download.path()).read_text(encoding="utf-8")

    follow(page, page.get_by_role("button", name=re.compile("Selesai")))
    assert page.url == live_server.url + "/antrean/data-saya/"
