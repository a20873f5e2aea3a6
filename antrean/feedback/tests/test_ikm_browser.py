"""The staff IKM page in Chromium at 360 px without JavaScript: readable, nothing wider than
the screen, downloads linked (ANTREAN_SCREENSHOTS=1 keeps docs/screenshots/ikm.png)."""

import datetime as dt
import os
import random
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from antrean.feedback.tests.helpers import MAN, WOMAN, make_response, serve_walk_ins
from antrean.testing.browser import launch, needs_chromium, refuse_outside
from antrean.testing.factories import (
    make_agency,
    make_counter,
    make_office,
    make_officer,
    make_service,
)
from antrean.testing.signin import sign_in

pytestmark = [pytest.mark.browser, needs_chromium]
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
DAY = dt.date(2025, 2, 10)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_ikm_page_at_360_px(live_server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    office = make_office(code="mpp-badung", name="Mal Pelayanan Publik Kabupaten Badung")
    dukcapil = make_agency(office, name="Disdukcapil", code="dukcapil")
    samsat = make_agency(office, name="Samsat", code="samsat")
    ktp = make_service(agency=dukcapil, name="KTP Elektronik")
    stnk = make_service(agency=samsat, name="Pajak Kendaraan Tahunan")
    counter = make_counter(agency=dukcapil, services=[ktp], name="Loket 1")
    officer = make_officer(dukcapil)
    officer.first_name = "Komang Ayu"
    officer.save()
    rng = random.Random(12)
    for i in range(14):
        answers = {key: rng.choice((3, 3, 4, 4, 2)) for key in ("persyaratan", "waktu", "sarpras")}
        make_response(
            ktp if i % 2 else stnk,
            DAY,
            answers,
            counter=counter if i % 2 else None,
            officer=officer if i % 2 else None,
            profile=WOMAN if i % 3 else MAN,
            suggestion="Ruang tunggu perlu kipas angin." if i == 3 else "",
        )
    serve_walk_ins(ktp, counter=counter, officer=officer, day=DAY, count=3)
    admin = make_officer(dukcapil, role="office_admin")
    client = sign_in(Client(), admin)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value

    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(
            viewport={"width": 360, "height": 780}, java_script_enabled=False, locale="id-ID"
        )
        outside = refuse_outside(context, live_server.url)
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/staf/ikm/?periode=tw1&tahun=2025")
        assert page.get_by_role("heading", name="Indeks Kepuasan Masyarakat").is_visible()
        assert page.locator(".ikm-value").is_visible()
        assert page.get_by_text("Ruang tunggu perlu kipas angin.").is_visible()
        assert page.get_by_role("link", name="Unduh laporan (PDF)").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        if os.environ.get("ANTREAN_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "ikm.png"), full_page=True)
        context.close()
        browser.close()
    assert outside == []


def test_a_thin_month_is_explained_at_360_px(live_server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    office = make_office(code="mpp-badung", name="Mal Pelayanan Publik Kabupaten Badung")
    dukcapil = make_agency(office, name="Disdukcapil", code="dukcapil")
    ktp = make_service(agency=dukcapil, name="KTP Elektronik")
    for _ in range(6):
        make_response(ktp, DAY, 4)
    make_response(ktp, dt.date(2025, 3, 3), 1)  # alone in March
    client = sign_in(Client(), make_officer(dukcapil, role="office_admin"))
    session = client.cookies[settings.SESSION_COOKIE_NAME].value

    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(
            viewport={"width": 360, "height": 780}, java_script_enabled=False, locale="id-ID"
        )
        outside = refuse_outside(context, live_server.url)
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/staf/ikm/?periode=rentang&dari=2025-02-10&sampai=2025-03-05")
        assert page.get_by_text("1 Feb 2025 – 31 Mar 2025").is_visible()
        assert page.get_by_text("Ada bulan dalam periode ini").is_visible()
        assert page.get_by_text("diperluas ke awal dan akhir bulannya").is_visible()
        assert page.locator(".ikm-value").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        if os.environ.get("ANTREAN_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "ikm-thin-month.png"), full_page=True)
        context.close()
        browser.close()
    assert outside == []
