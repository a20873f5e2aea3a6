"""A citizen reports from their booking and follows the report; the inspectorate reads it.
Chromium at 360 px, JavaScript off; screenshots for docs/screenshots/."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client
from django.utils import timezone

from antrean.booking.views import OWNED_KEY
from antrean.privacy.services import personal_data_erase_expired
from antrean.reports.models import Report
from antrean.testing.browser import launch, needs_chromium, refuse_outside
from antrean.testing.signin import sign_in

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs a loop here

pytestmark = [pytest.mark.browser, needs_chromium]

SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
TEXT = "Petugas di loket meminta Rp50.000 supaya KTP-el saya dicetak hari ini."


def shot(page, name: str) -> None:
    """Screenshots for docs/screenshots/ only when asked (ANTREAN_SCREENSHOTS=1): a test run
    must not rewrite the repository's files."""
    if os.environ.get("ANTREAN_SCREENSHOTS") == "1":
        page.screenshot(path=str(SHOTS / name), full_page=True)


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def session_of(client: Client) -> dict:
    return {"name": django_settings.SESSION_COOKIE_NAME, "value": client.cookies["sessionid"].value}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_report_track_and_handle_at_360px(desk, live_server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    # The booking's owner (as after booking) and the inspectorate (signed in with its second
    # factor), each as a session made by the test client.
    owner = Client()
    session = owner.session
    session[OWNED_KEY] = [desk.ticket.code]
    session.save()
    owner.cookies["sessionid"] = session.session_key
    inspector = sign_in(Client(), desk.inspector)
    try:
        with sync_api.sync_playwright() as playwright:
            browser = launch(playwright)
            citizen = browser.new_context(
                viewport={"width": 360, "height": 780}, java_script_enabled=False, locale="id-ID"
            )
            outside = refuse_outside(citizen, live_server.url)
            citizen.add_cookies([{**session_of(owner), "url": live_server.url}])
            page = citizen.new_page()
            page.goto(live_server.url + f"/antrean/{desk.ticket.code}/", wait_until="load")
            with page.expect_navigation():
                page.get_by_role("link", name="Laporkan permintaan imbalan").click()
            assert page.url.endswith(f"/antrean/{desk.ticket.code}/lapor/")
            page.get_by_label("Apa yang terjadi?").fill(TEXT)
            assert not page.get_by_label("Kantor boleh mengetahui identitas saya").is_checked()
            assert no_horizontal_scroll(page)
            shot(page, "report-1-form.png")
            with page.expect_navigation():
                page.get_by_role("button", name="Kirim laporan").click()
            report = Report.objects.get()
            assert report.tracking_display in page.locator(".tracking-code").inner_text()
            assert no_horizontal_scroll(page)
            shot(page, "report-2-receipt.png")
            with page.expect_navigation():
                page.get_by_role("link", name="Lacak laporan").click()
            page.get_by_label("Kode pelacakan").fill(report.tracking_display)
            with page.expect_navigation():
                page.get_by_role("button", name="Lihat status").click()
            body = page.locator("main").inner_text()
            assert "Diterima" in body and TEXT not in body
            assert report.tracking_code not in page.url  # typed, never in the address
            assert no_horizontal_scroll(page)
            shot(page, "report-3-track.png")

            staff = browser.new_context(
                viewport={"width": 360, "height": 780}, java_script_enabled=False, locale="id-ID"
            )
            refuse_outside(staff, live_server.url, into=outside)
            staff.add_cookies([{**session_of(inspector), "url": live_server.url}])
            page = staff.new_page()
            page.goto(live_server.url + "/inspektorat/laporan/", wait_until="load")
            assert report.tracking_display in page.locator("main").inner_text()
            shot(page, "inspectorate-list.png")
            with page.expect_navigation():
                page.get_by_role("link", name=report.tracking_display).click()
            assert TEXT in page.locator("main").inner_text()
            # The inspectorate's own link in the staff navigation, and the move form at 360 px.
            assert page.get_by_role("link", name="Laporan gratifikasi").is_visible()
            page.locator("#id_to").select_option("closed")
            page.get_by_label("Hasil (untuk menutup)").select_option("substantiated")
            page.get_by_label("Alasan tertulis (untuk menutup)").fill(
                "Terbukti dari rekaman kamera loket dan keterangan dua saksi."
            )
            assert no_horizontal_scroll(page)
            with page.expect_navigation():
                page.get_by_role("button", name="Catat langkah").click()
            assert "Terbukti" in page.locator("main").inner_text()
            # A year and a day later the retention job erases the text; the page says so.
            later = timezone.now() + dt.timedelta(days=django_settings.ANTREAN_RETENTION_DAYS + 1)
            assert personal_data_erase_expired(now=later, scrub_sessions=False).reports == 1
            # (That run, a year on, also removed every session as expired: sign in again.)
            staff.add_cookies(
                [{**session_of(sign_in(Client(), desk.inspector)), "url": live_server.url}]
            )
            page.reload(wait_until="load")
            body = page.locator("main").inner_text()
            assert TEXT not in body and "dihapus" in body
            assert no_horizontal_scroll(page)
            shot(page, "inspectorate-report-erased.png")
            citizen.close()
            staff.close()
            browser.close()
        assert outside == [], f"external requests: {outside}"
    finally:
        connections.close_all()
