"""The onboarding page in Chromium without JavaScript: upload a workbook, read the preview,
apply it. Readable at 360 px; ANTREAN_SCREENSHOTS=1 keeps
docs/screenshots/onboarding-preview.png (at 1280 px, as a regional admin sees it on a desk)."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from antrean.catalog.models import Counter
from antrean.demo.data import OFFICES
from antrean.demo.seed import seed_demo
from antrean.onboarding.services import office_export
from antrean.onboarding.tests.helpers import add_row, delete_rows, edit, row_of
from antrean.tenancy.models import Agency, Office
from antrean.testing.browser import launch, needs_chromium, refuse_outside
from antrean.testing.factories import make_regional_admin
from antrean.testing.signin import sign_in

pytestmark = [pytest.mark.browser, needs_chromium]
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def _edited_badung(office) -> bytes:
    exported = office_export(actor=None, office=office)
    ktp = row_of(exported, "Layanan", "code", "ktp-el")
    workbook = edit(
        exported,
        [
            ("Kantor", 2, "daily_cutoff", "11:30"),
            ("Layanan", ktp, "slot_capacity", 10),
            ("Layanan", ktp, "walkin_daily_quota", 80),
        ],
    )
    workbook = delete_rows(workbook, "Loket", row_of(workbook, "Loket", "number", 18))
    workbook = add_row(
        workbook,
        "Instansi",
        {
            "code": "bapenda",
            "name": "Badan Pendapatan Daerah Kabupaten Badung",
            "short_name": "Bapenda",
        },
    )
    workbook = add_row(
        workbook,
        "Layanan",
        {
            "code": "pbb-p2",
            "agency": "bapenda",
            "name": "Pelayanan PBB-P2",
            "prefix": "PB",
            "requirements": "Fotokopi KTP-el\nSPPT PBB tahun terakhir",
        },
    )
    return add_row(workbook, "Loket", {"number": 19, "agency": "bapenda"})


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_upload_preview_and_apply_in_a_browser(live_server, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    seed_demo(offices=[OFFICES[0]])
    office = Office.objects.get(code="mpp-badung")
    workbook = tmp_path / "kantor-mpp-badung.xlsx"
    workbook.write_bytes(_edited_badung(office))
    client = sign_in(Client(), make_regional_admin(office.region, username="pemkab-badung"))
    session = client.cookies[settings.SESSION_COOKIE_NAME].value

    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        for width in (360, 1280):
            context = browser.new_context(
                viewport={"width": width, "height": 800}, java_script_enabled=False, locale="id-ID"
            )
            outside = refuse_outside(context, live_server.url)
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
            page = context.new_page()
            page.goto(f"{live_server.url}/staf/kantor/impor/")
            assert page.get_by_role("heading", name="Kantor dari lembar kerja").is_visible()
            page.get_by_label("Lembar kerja (.xlsx)").set_input_files(str(workbook))
            page.get_by_role("button", name="Periksa dan tampilkan pratinjau").click()
            # The click returns once the answer starts to arrive; the width is measured once its
            # stylesheet applies (before, a wide table overflowed now and then: a flaky run).
            page.wait_for_load_state("load")
            assert page.get_by_text("Pratinjau — belum ada yang disimpan").is_visible()
            assert page.get_by_role("rowheader", name="Kuota daring per jadwal").first.is_visible()
            assert page.get_by_role("button", name="Terapkan 6 perubahan").is_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            if width == 1280 and os.environ.get("ANTREAN_SCREENSHOTS") == "1":
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / "onboarding-preview.png"), full_page=True)
            if width == 1280:
                page.get_by_role("button", name="Terapkan 6 perubahan").click()
                assert page.get_by_text("Lembar kerja diterapkan: 6 perubahan.").is_visible()
            context.close()
            assert outside == []
        browser.close()
    assert Agency.objects.get(office=office, code="bapenda").services.count() == 1
    assert not Counter.objects.get(office=office, number=18).is_active
