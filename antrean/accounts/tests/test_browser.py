"""An office admin's two-factor sign-in in a real browser: Chromium at 360 px, JavaScript off.

Signs in with the password, is sent to set up an authenticator, reads the secret off the
page and computes the code as an app would (django-otp's own TOTP), keeps the recovery codes,
reaches the admin; signs out, signs in again at /admin/login/ with password and code; a wrong
code is refused.
"""

import os
import time
from base64 import b32decode
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django_otp.oath import TOTP

from antrean.accounts.models import SignInLock
from antrean.api.tests.staff_setup import PASSWORD, make_staff
from antrean.tenancy.models import Membership
from antrean.testing.browser import launch, needs_chromium, refuse_outside
from antrean.testing.factories import make_office

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, needs_chromium]
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


@pytest.fixture
def page(live_server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(
            viewport={"width": 360, "height": 780}, java_script_enabled=False, locale="id-ID"
        )
        outside = refuse_outside(context, live_server.url)
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()
        assert outside == [], f"external requests: {outside}"


def follow(page, locator) -> None:
    with page.expect_navigation(wait_until="load"):
        locator.click()


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def shot(page, name: str) -> None:
    """With ANTREAN_SCREENSHOTS=1, keep the page under docs/screenshots/ (signin-*.png)."""
    if os.environ.get("ANTREAN_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"signin-{name}.png"), full_page=True)


def code_for(secret: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the secret typed from the page."""
    compact = secret.replace(" ", "")
    totp = TOTP(b32decode(compact + "=" * (-len(compact) % 8)))
    totp.time = time.time() + steps_ahead * totp.step
    return f"{totp.token():06d}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_office_admin_enrols_then_signs_in_with_a_code(page, live_server):
    try:
        office = make_office(code="mpp-uji", name="MPP Uji")
        make_staff(office=office, role=Membership.Role.OFFICE_ADMIN, username="admin-mpp-uji")
        walk(page, live_server.url)
    finally:
        connections.close_all()


def walk(page, base: str) -> None:
    # Password first: the account holds an admin role and has no authenticator yet.
    page.goto(f"{base}/staf/masuk/?next=/admin/", wait_until="load")
    page.get_by_label("Nama pengguna").fill("admin-mpp-uji")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Masuk"))
    assert page.url == f"{base}/staf/keamanan/autentikator/"
    assert page.get_by_role("heading", name="Pasang verifikasi dua langkah").is_visible()
    assert page.locator("svg.qr").is_visible()
    assert no_horizontal_scroll(page)
    shot(page, "1-setup")

    # Nothing else is reachable before it is set up.
    admin_page = page.context.new_page()
    admin_page.goto(f"{base}/admin/", wait_until="load")
    assert "/admin/login/" in admin_page.url
    admin_page.close()

    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("Kode 6 angka dari aplikasi").fill(code_for(secret))
    follow(page, page.get_by_role("button", name="Konfirmasi dan aktifkan"))

    # The recovery codes, once, with a download; then on to the admin.
    assert page.get_by_role("heading", name="Kode pemulihan").is_visible()
    assert page.locator("#recovery-codes li").count() == 10
    assert page.get_by_role("button", name="Unduh (.txt)").is_visible()
    assert not page.get_by_role("button", name="Cetak").is_visible()  # needs JavaScript
    assert no_horizontal_scroll(page)
    shot(page, "2-recovery-codes")
    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh (.txt)").click()
    saved = download.value.path().read_text()
    first_code = page.locator("#recovery-codes li").first.inner_text().strip()
    assert first_code in saved
    follow(page, page.get_by_role("link", name="Saya sudah menyimpannya, lanjutkan"))
    assert page.url == f"{base}/admin/"
    assert page.get_by_role("heading", name="Pengelolaan kantor, layanan, dan pakta integritas")

    # Sign out, and in again at the admin's own login page: password, then the code.
    page.goto(f"{base}/staf/keamanan/", wait_until="load")
    follow(page, page.get_by_role("button", name="Keluar"))
    page.goto(f"{base}/admin/", wait_until="load")
    assert "/admin/login/" in page.url
    page.get_by_label("Nama pengguna").fill("admin-mpp-uji")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Masuk"))
    assert page.url == f"{base}/staf/masuk/kode/"
    assert no_horizontal_scroll(page)
    shot(page, "3-second-step")

    # A wrong code is refused.
    near = {code_for(secret, steps_ahead=n) for n in (-2, -1, 0, 1, 2)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in near)
    page.get_by_label("Kode verifikasi").fill(wrong)
    follow(page, page.get_by_role("button", name="Verifikasi"))
    assert "Kode verifikasi salah" in page.locator("#id_code_error").inner_text()
    assert SignInLock.objects.get(username="admin-mpp-uji").failures == 1
    shot(page, "4-wrong-code")

    # The right one (the next time step: the current one was used to set it up), after the
    # second the device waits following a wrong code.
    page.wait_for_timeout(1_200)
    page.get_by_label("Kode verifikasi").fill(code_for(secret, steps_ahead=1))
    follow(page, page.get_by_role("button", name="Verifikasi"))
    assert page.url == f"{base}/admin/"
    assert page.get_by_text("admin-mpp-uji", exact=False).first.is_visible()
