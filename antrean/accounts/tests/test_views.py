"""The sign-in pages: the second step at /staf/masuk/ and /admin/login/, setting an
authenticator up, recovery codes, turning it off, staff sessions, and unlocking accounts."""

import datetime as dt
import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from antrean.accounts import services
from antrean.accounts.models import AccountUnlock, SignInLock
from antrean.accounts.signin import SEEN_KEY, STARTED_KEY
from antrean.api.tests.staff_setup import PASSWORD, make_staff, make_user
from antrean.tenancy.models import Membership
from antrean.testing.factories import make_agency, make_office
from antrean.testing.signin import sign_in

pytestmark = pytest.mark.django_db

LOGIN = reverse("queueing:login")
ADMIN_LOGIN = reverse("admin:login")
VERIFY = reverse("accounts:verify")
SETUP = reverse("accounts:setup")
ADMIN = reverse("admin:index")
COUNTERS = reverse("queueing:counters")
AUDIT = reverse("queueing:audit")


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def wrong_code(device: TOTPDevice) -> str:
    near = {totp_code(device, steps_ahead=n) for n in (-2, -1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)


def unthrottle(device) -> None:
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )


@pytest.fixture
def agency():
    return make_agency(make_office(code="mpp-uji", name="MPP Uji"))


@pytest.fixture
def office_admin(agency):
    return make_staff(office=agency.office, role=Membership.Role.OFFICE_ADMIN, username="admin-uji")


@pytest.fixture
def officer(agency):
    return make_staff(agency, username="petugas-uji")


def password_step(client, username, *, url=LOGIN, password=PASSWORD, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- Second step -------------------------------------------------------------------------------


def test_admin_with_an_authenticator_passes_the_second_step_and_reaches_the_admin(
    client, office_admin
):
    device = TOTPDevice.objects.create(user=office_admin, confirmed=True)

    response = password_step(client, "admin-uji", url=f"{LOGIN}?next={ADMIN}")

    assert response["Location"] == VERIFY
    # Half-way, the session is not logged in: no admin, no console.
    assert not logged_in(client)
    assert client.get(ADMIN)["Location"].startswith(ADMIN_LOGIN)
    assert client.get(COUNTERS).status_code == 302
    page = client.get(VERIFY).content.decode()
    assert "Verifikasi dua langkah" in page and "admin-uji" in page

    done = client.post(VERIFY, {"code": totp_code(device)})

    assert done["Location"] == ADMIN
    assert logged_in(client)
    assert client.get(ADMIN).status_code == 200


def test_a_wrong_code_is_refused_and_counted(client, office_admin):
    device = TOTPDevice.objects.create(user=office_admin, confirmed=True)
    password_step(client, "admin-uji")

    response = client.post(VERIFY, {"code": wrong_code(device)})

    assert response.status_code == 401
    assert "Kode verifikasi salah" in response.content.decode()
    assert not logged_in(client)
    assert SignInLock.objects.get(username="admin-uji").failures == 1


def test_a_used_code_is_refused(client, office_admin):
    device = TOTPDevice.objects.create(user=office_admin, confirmed=True)
    code = totp_code(device)
    password_step(client, "admin-uji")
    client.post(VERIFY, {"code": code})
    other = Client()
    password_step(other, "admin-uji")

    replay = other.post(VERIFY, {"code": code})

    assert replay.status_code == 401
    assert "sudah dipakai" in replay.content.decode()
    assert not logged_in(other)


def test_wrong_codes_lock_the_account_from_that_address_like_passwords(
    client, office_admin, settings
):
    settings.ANTREAN_SIGNIN_FAILURE_LIMIT = 3
    device = TOTPDevice.objects.create(user=office_admin, confirmed=True)
    password_step(client, "admin-uji")
    for _ in range(2):
        unthrottle(device)
        assert client.post(VERIFY, {"code": wrong_code(device)}).status_code == 401

    unthrottle(device)
    locked = client.post(VERIFY, {"code": wrong_code(device)})

    assert locked.status_code == 429
    assert "coba lagi dalam 2 menit" in locked.content.decode()
    # Back to the password, which the lock now refuses even when right.
    assert client.get(VERIFY)["Location"] == LOGIN
    again = password_step(client, "admin-uji")
    assert again.status_code == 429
    assert 'data-error="too_many_attempts"' in again.content.decode()
    # From another address the account is not locked.
    other = Client(REMOTE_ADDR="10.20.30.40")
    assert password_step(other, "admin-uji")["Location"] == VERIFY


def test_a_recovery_code_passes_the_second_step_once(client, office_admin):
    TOTPDevice.objects.create(user=office_admin, confirmed=True)
    codes = services.recovery_codes_regenerate(user=office_admin)
    password_step(client, "admin-uji")

    assert client.post(VERIFY, {"code": codes[0].upper()})["Location"] == COUNTERS
    assert services.recovery_codes_left(office_admin) == 9


def test_the_second_step_without_the_password_goes_back_to_it(client):
    assert client.get(VERIFY)["Location"] == LOGIN
    assert client.post(VERIFY, {"code": "123456"})["Location"] == LOGIN


def test_the_pending_step_expires(client, office_admin, settings):
    device = TOTPDevice.objects.create(user=office_admin, confirmed=True)
    password_step(client, "admin-uji")
    session = client.session
    session["signin_pending"]["at"] -= 11 * 60
    session.save()

    assert client.post(VERIFY, {"code": totp_code(device)})["Location"] == LOGIN
    assert not logged_in(client)


def test_admin_login_page_asks_for_the_second_step_too(client, office_admin):
    device = TOTPDevice.objects.create(user=office_admin, confirmed=True)
    page = client.get(ADMIN_LOGIN).content.decode()
    assert "Masuk sebagai staf" in page

    response = password_step(client, "admin-uji", url=f"{ADMIN_LOGIN}?next={ADMIN}")

    assert response["Location"] == VERIFY
    assert client.get(ADMIN)["Location"].startswith(ADMIN_LOGIN)
    assert client.post(VERIFY, {"code": totp_code(device)})["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_admin_login_page_shows_the_lockout_in_indonesian(client, office_admin, settings):
    settings.ANTREAN_SIGNIN_FAILURE_LIMIT = 2
    password_step(client, "admin-uji", url=ADMIN_LOGIN, password="salah")
    locked = password_step(client, "admin-uji", url=ADMIN_LOGIN, password="salah")
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "Terlalu banyak percobaan masuk yang gagal." in body
    assert "coba lagi dalam 2 menit" in body


def test_officer_without_an_authenticator_signs_in_with_the_password(client, officer):
    response = password_step(client, "petugas-uji")
    assert response["Location"] == COUNTERS
    assert logged_in(client)


def test_officer_who_turned_it_on_passes_the_second_step(client, officer):
    device = TOTPDevice.objects.create(user=officer, confirmed=True)
    assert password_step(client, "petugas-uji")["Location"] == VERIFY
    assert client.post(VERIFY, {"code": totp_code(device)})["Location"] == COUNTERS


# --- An admin role without an authenticator ----------------------------------------------------


def test_admin_without_an_authenticator_must_set_one_up_first(client, office_admin):
    response = password_step(client, "admin-uji", url=f"{LOGIN}?next={ADMIN}")

    assert response["Location"] == SETUP
    assert not logged_in(client)
    for page in (ADMIN, COUNTERS, AUDIT, reverse("accounts:overview")):
        assert client.get(page).status_code == 302, page
    setup_page = client.get(SETUP)
    body = setup_page.content.decode()
    assert "wajib memakai verifikasi dua langkah" in body
    assert '<svg width="' in body and 'class="qr"' in body
    assert "<script" not in body and "style=" not in body
    device = TOTPDevice.objects.get(user=office_admin, confirmed=False)
    assert services.totp_secret(device)[:4] in body

    confirmed = client.post(SETUP, {"code": totp_code(device)})

    assert confirmed["Location"] == reverse("accounts:recovery_codes")
    assert logged_in(client)
    codes_page = client.get(confirmed["Location"]).content.decode()
    codes = _codes_in(codes_page)
    assert len(codes) == 10
    assert services.recovery_codes_owned(user=office_admin, codes=codes) == codes
    assert f'href="{ADMIN}"' in codes_page  # then on to where the sign-in was going
    assert client.get(ADMIN).status_code == 200
    # Shown once: a reload shows them no more.
    again = client.get(reverse("accounts:recovery_codes")).content.decode()
    assert not set(codes) & set(_codes_in(again))


def _codes_in(page: str) -> list[str]:
    return [part.split("</code>")[0] for part in page.split("<code>")[1:]]


def test_a_wrong_code_does_not_confirm_the_authenticator(client, office_admin):
    password_step(client, "admin-uji")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=office_admin)

    response = client.post(SETUP, {"code": wrong_code(device)})

    assert response.status_code == 401
    assert not logged_in(client)
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_a_session_of_an_admin_that_skipped_the_second_step_is_ended(client, office_admin):
    """Sessions from before two-factor sign-in, or logged in by any other path."""
    client.force_login(office_admin)
    response = client.get(AUDIT)
    assert response.status_code == 302
    assert not logged_in(client)
    client.force_login(office_admin)
    assert client.get(ADMIN)["Location"].startswith(ADMIN_LOGIN)


def test_the_verification_belongs_to_the_session(client, office_admin):
    sign_in(client, office_admin)
    assert client.get(AUDIT).status_code == 200
    other = Client()
    other.force_login(office_admin)  # the same account, a session that never passed the step
    assert other.get(AUDIT).status_code == 302
    assert client.get(AUDIT).status_code == 200


def test_the_admin_refuses_an_admin_role_without_it_even_if_the_session_survives(rf, office_admin):
    from django.contrib import admin
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get(ADMIN)
    request.user = office_admin
    office_admin.otp_device = None
    office_admin.is_verified = lambda: False
    request.session = SessionStore()
    assert not admin.site.has_permission(request)


# --- Recovery codes, turning off ---------------------------------------------------------------


def test_recovery_codes_download_gives_only_the_accounts_unused_codes(client, officer):
    TOTPDevice.objects.create(user=officer, confirmed=True)
    sign_in(client, officer)
    codes = services.recovery_codes_regenerate(user=officer)

    response = client.post(
        reverse("accounts:recovery_codes_download"), {"code": [codes[0], codes[1], "zzzzzzzz"]}
    )

    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert codes[0] in text and codes[1] in text and "zzzzzzzz" not in text
    assert "no-store" in response["Cache-Control"]


def test_regenerating_shows_new_codes_once(client, officer):
    TOTPDevice.objects.create(user=officer, confirmed=True)
    sign_in(client, officer)
    old = services.recovery_codes_regenerate(user=officer)

    response = client.post(reverse("accounts:recovery_codes_regenerate"), follow=True)

    shown = _codes_in(response.content.decode())
    assert len(shown) == 10 and not set(shown) & set(old)
    assert services.recovery_codes_owned(user=officer, codes=shown) == shown


def test_an_officer_turns_it_off(client, officer):
    TOTPDevice.objects.create(user=officer, confirmed=True)
    sign_in(client, officer)
    assert 'data-two-factor="on"' in client.get(reverse("accounts:overview")).content.decode()

    client.post(reverse("accounts:disable"))

    assert not services.has_two_factor(officer)
    page = client.get(reverse("accounts:overview")).content.decode()
    assert 'data-two-factor="off"' in page


def test_an_admin_cannot_turn_it_off(client, office_admin):
    sign_in(client, office_admin)
    page = client.get(reverse("accounts:overview")).content.decode()
    assert reverse("accounts:disable") not in page

    response = client.post(reverse("accounts:disable"), follow=True)

    assert services.has_two_factor(office_admin)
    assert "tidak dapat dimatikan" in response.content.decode()


def test_an_officer_sets_one_up_from_the_security_page(client, officer):
    sign_in(client, officer)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=officer)
    response = client.post(SETUP, {"code": totp_code(device)})
    assert response["Location"] == reverse("accounts:recovery_codes")
    assert services.has_two_factor(officer)
    # The session goes on, verified with the new device.
    assert client.get(COUNTERS).status_code == 200


# --- Staff sessions ----------------------------------------------------------------------------


def test_staff_sessions_end_with_the_browser(client, officer):
    response = password_step(client, "petugas-uji")
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""


def test_staff_sessions_end_after_twelve_hours(client, officer, settings):
    password_step(client, "petugas-uji")
    assert client.get(COUNTERS).status_code == 200
    session = client.session
    session[STARTED_KEY] -= settings.ANTREAN_STAFF_SESSION_HOURS * 3600 + 1
    session.save()

    response = client.get(COUNTERS)

    assert response.status_code == 302
    assert not logged_in(client)


def test_staff_sessions_end_after_a_while_without_a_request(client, officer, settings):
    """ASVS 3.3.2: a counter PC left signed in is signed out after the idle time."""
    password_step(client, "petugas-uji")
    assert client.get(COUNTERS).status_code == 200
    session = client.session
    session[SEEN_KEY] -= settings.ANTREAN_STAFF_IDLE_MINUTES * 60 - 30  # 30 s before the limit
    session.save()
    assert client.get(COUNTERS).status_code == 200  # still in time: and the clock restarts
    session = client.session
    session[SEEN_KEY] -= settings.ANTREAN_STAFF_IDLE_MINUTES * 60 + 1
    session.save()

    response = client.get(COUNTERS)

    assert response.status_code == 302
    assert not logged_in(client)


# --- Unlocking accounts ------------------------------------------------------------------------


@pytest.fixture
def locked_officer(officer, settings):
    settings.ANTREAN_SIGNIN_FAILURE_LIMIT = 1
    password_step(Client(REMOTE_ADDR="10.0.0.7"), "petugas-uji", password="salah")
    assert SignInLock.objects.get(username="petugas-uji").locked_until is not None
    return officer


def test_office_admin_unlocks_an_officer_of_their_office(client, office_admin, locked_officer):
    sign_in(client, office_admin)
    page = client.get(reverse("accounts:locked_accounts")).content.decode()
    assert 'data-username="petugas-uji"' in page
    assert "10.0.0.7" in page
    assert "WITA" in page  # the office's zone (make_office: Asia/Makassar)

    response = client.post(reverse("accounts:unlock", args=[locked_officer.pk]), follow=True)

    assert "Kunci akun petugas-uji sudah dibuka." in response.content.decode()
    assert SignInLock.objects.get(username="petugas-uji").locked_until is None
    record = AccountUnlock.objects.get()
    assert (record.account, record.unlocked_by, record.addresses) == (
        locked_officer,
        office_admin,
        "10.0.0.7",
    )
    assert "admin-uji" in response.content.decode()  # in the history
    # The officer signs in again from that address.
    assert password_step(Client(REMOTE_ADDR="10.0.0.7"), "petugas-uji")["Location"] == COUNTERS


def test_office_admin_of_another_office_cannot_unlock(client, locked_officer):
    stranger = make_staff(office=make_office(code="mpp-lain"), role=Membership.Role.OFFICE_ADMIN)
    sign_in(client, stranger)
    before = list(SignInLock.objects.values())

    page = client.get(reverse("accounts:locked_accounts")).content.decode()
    response = client.post(reverse("accounts:unlock", args=[locked_officer.pk]))

    assert 'data-username="petugas-uji"' not in page
    assert response.status_code == 403
    assert list(SignInLock.objects.values()) == before
    assert not AccountUnlock.objects.exists()


def test_officers_do_not_see_the_locked_accounts_page(client, officer):
    sign_in(client, officer)
    assert client.get(reverse("accounts:locked_accounts")).status_code == 403


def test_superuser_unlocks_any_account(client, locked_officer):
    root = make_user("akar", is_superuser=True)
    sign_in(client, root)
    client.post(reverse("accounts:unlock", args=[locked_officer.pk]))
    assert AccountUnlock.objects.get().unlocked_by == root


def test_pages_render_at_360px_without_inline_script_or_style(client, office_admin):
    sign_in(client, office_admin)
    for name in ("overview", "setup", "recovery_codes", "locked_accounts"):
        body = client.get(reverse(f"accounts:{name}")).content.decode()
        assert "<style" not in body and "style=" not in body, name
        assert "<script>" not in body and "<script " not in body.replace('<script src="', ""), name


def test_lock_survives_no_longer_than_its_delay(client, officer, settings):
    settings.ANTREAN_SIGNIN_FAILURE_LIMIT = 1
    password_step(client, "petugas-uji", password="salah")
    lock = SignInLock.objects.get(username="petugas-uji")
    SignInLock.objects.filter(pk=lock.pk).update(
        locked_until=lock.locked_until - dt.timedelta(minutes=3)
    )
    assert password_step(client, "petugas-uji")["Location"] == COUNTERS


# --- The admin asks every account for the second step (ASVS 4.3.1) ----------------------------


def test_an_officer_signed_in_with_the_password_alone_cannot_open_the_admin(client, officer):
    password_step(client, "petugas-uji")
    assert client.get(COUNTERS).status_code == 200  # the console is theirs

    response = client.get("/admin/")
    page = client.get(response["Location"]) if response.status_code == 302 else response

    assert page.status_code == 403
    body = page.content.decode()
    assert "Admin memerlukan verifikasi dua langkah" in body
    assert reverse("accounts:overview") in body


def test_an_officer_who_passed_a_second_step_opens_the_admin(client, officer):
    from antrean.testing.signin import sign_in

    sign_in(client, officer, second_step=True)
    assert client.get("/admin/").status_code == 200
