"""Staff login over the API: tokens, their end, and the lockout after repeated failures."""

import datetime as dt
import hashlib
import time

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from antrean.accounts.models import SignInLock
from antrean.accounts.services import recovery_codes_regenerate
from antrean.api.auth import TOKEN_LIFETIME, api_token_issue, api_token_revoke
from antrean.api.models import ApiToken
from antrean.api.tests.staff_setup import PASSWORD, make_staff, make_user
from antrean.tenancy.models import Membership
from antrean.testing.factories import make_agency, make_office
from antrean.testing.signin import sign_in

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"
PACT = "/api/v1/officer/pact"


@pytest.fixture
def login(client):
    def _login(username: str, password: str = PASSWORD, otp: str | None = None, **extra):
        body = {"username": username, "password": password}
        if otp is not None:
            body["otp"] = otp
        return client.post(TOKEN, body, content_type="application/json", **extra)

    return _login


def authenticator(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="uji", confirmed=True)


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


@pytest.fixture
def agency():
    return make_agency(
        make_office(code="mpp-uji", name="MPP Uji"), code="dukcapil", name="Dukcapil"
    )


def _bad_credentials(response) -> None:
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == "bad_credentials"
    assert body["message"]
    assert "detail" not in body


# --- Issuing --------------------------------------------------------------------------------


def test_officer_gets_a_token_that_opens_staff_endpoints(client, login, agency):
    officer = make_staff(agency, username="petugas-a", first_name="Ketut", last_name="Sari")
    before = timezone.now()

    response = login("petugas-a", HTTP_USER_AGENT="Konsol Loket/1.0")

    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {"username": "petugas-a", "name": "Ketut Sari"}
    assert body["memberships"] == [
        {
            "role": "officer",
            "office": {"code": "mpp-uji", "name": "MPP Uji"},
            "agency": {"code": "dukcapil", "name": "Dukcapil"},
        }
    ]
    secret = body["token"]
    assert len(secret) >= 40
    stored = ApiToken.objects.get(user=officer)
    # Only the hash is kept, never the secret itself.
    assert stored.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {stored.key_hash, stored.label}
    assert stored.label == "Konsol Loket/1.0"
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert before + TOKEN_LIFETIME <= expires <= timezone.now() + TOKEN_LIFETIME
    assert abs(stored.expires_at - expires) < dt.timedelta(milliseconds=1)  # JSON keeps ms
    officer.refresh_from_db()
    assert officer.last_login is not None

    pact = client.get(PACT, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert pact.status_code == 200
    assert pact.json()["signed_today"] is False


def test_each_login_gives_a_new_token(login, agency):
    make_staff(agency, username="petugas-a")
    first, second = login("petugas-a").json()["token"], login("petugas-a").json()["token"]
    assert first != second
    assert ApiToken.objects.count() == 2


def test_superuser_without_membership_gets_a_token(login):
    root = make_user("akar", is_superuser=True)
    response = login("akar", otp=totp_code(authenticator(root)))
    assert response.status_code == 200
    assert response.json()["memberships"] == []


def test_office_admin_gets_a_token(login, agency):
    admin = make_staff(
        office=agency.office, role=Membership.Role.OFFICE_ADMIN, username="admin-kantor"
    )
    response = login("admin-kantor", otp=totp_code(authenticator(admin)))
    assert response.status_code == 200
    assert response.json()["memberships"][0]["role"] == "office_admin"
    assert response.json()["memberships"][0]["agency"] is None


def test_wrong_password_and_unknown_user_say_the_same(login, agency):
    make_staff(agency, username="petugas-a")

    wrong = login("petugas-a", "salah-sandi")
    unknown = login("tidak-ada")

    _bad_credentials(wrong)
    _bad_credentials(unknown)
    assert wrong.json() == unknown.json()
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "account",
    ["staff_without_membership", "member_not_staff", "inactive_officer"],
)
def test_accounts_that_may_not_hold_a_token_look_like_wrong_credentials(login, agency, account):
    if account == "staff_without_membership":
        make_user("akun")
    elif account == "member_not_staff":
        make_staff(agency, username="akun", is_staff=False)
    else:
        make_staff(agency, username="akun", is_active=False)
    reference = login("tidak-ada").json()

    response = login("akun")

    _bad_credentials(response)
    assert response.json() == reference
    assert not ApiToken.objects.exists()


def test_a_nul_byte_in_the_username_is_refused_before_any_login_attempt(login, agency):
    make_staff(agency, username="petugas-a")

    response = login("petugas-a\x00")

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    assert response.json()["field"] == "username"
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{"username": "a"}, {"password": "b"}, {"username": 1, "password": "b"}, []],
)
def test_malformed_login_is_invalid_request(client, body):
    response = client.post(TOKEN, body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"


# --- Using and ending tokens ---------------------------------------------------------------


def test_last_used_at_is_recorded(client, agency):
    officer = make_staff(agency)
    issued = api_token_issue(user=officer)
    assert issued.token.last_used_at is None

    client.get(PACT, HTTP_AUTHORIZATION=f"Bearer {issued.secret}")

    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


def test_expired_token_is_refused(client, agency):
    officer = make_staff(agency)
    issued = api_token_issue(user=officer, now=timezone.now() - TOKEN_LIFETIME - dt.timedelta(1))
    _bad_credentials(client.get(PACT, HTTP_AUTHORIZATION=f"Bearer {issued.secret}"))


def test_token_just_before_expiry_still_works(client, agency):
    officer = make_staff(agency)
    issued = api_token_issue(
        user=officer, now=timezone.now() - TOKEN_LIFETIME + dt.timedelta(minutes=5)
    )
    assert client.get(PACT, HTTP_AUTHORIZATION=f"Bearer {issued.secret}").status_code == 200


def test_revoked_token_is_refused(client, agency):
    officer = make_staff(agency)
    issued = api_token_issue(user=officer)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
    assert client.get(PACT, **headers).status_code == 200

    api_token_revoke(token=issued.token)

    _bad_credentials(client.get(PACT, **headers))


def test_revoking_twice_keeps_the_first_time(agency):
    issued = api_token_issue(user=make_staff(agency))
    first = api_token_revoke(token=issued.token).revoked_at
    assert (
        api_token_revoke(token=issued.token, now=timezone.now() + dt.timedelta(1)).revoked_at
        == first
    )


@pytest.mark.parametrize("change", ["deactivated", "membership_removed", "staff_flag_removed"])
def test_token_stops_working_when_the_account_may_no_longer_hold_one(client, agency, change):
    officer = make_staff(agency)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=officer).secret}"}
    assert client.get(PACT, **headers).status_code == 200

    if change == "deactivated":
        officer.is_active = False
        officer.save()
    elif change == "staff_flag_removed":
        officer.is_staff = False
        officer.save()
    else:
        Membership.objects.filter(user=officer).delete()

    _bad_credentials(client.get(PACT, **headers))


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer tidak-ada-token-seperti-ini",
        "Token abc",
        "Basic cGV0dWdhczpzYW5kaQ==",
        "Bearer " + "x" * 500,
    ],
)
def test_missing_or_unknown_token_is_401_in_our_shape(client, header):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    _bad_credentials(client.get(PACT, **extra))


def test_the_token_of_one_user_is_not_the_session_of_another(client, agency):
    """A logged-in admin session does not stand in for a token."""
    admin = make_user("akar", is_superuser=True)
    sign_in(client, admin)
    _bad_credentials(client.get(PACT))


# --- Lockout -------------------------------------------------------------------------------


def _fail(login, username: str, times: int) -> list[int]:
    return [login(username, "sandi-salah").status_code for _ in range(times)]


def test_lockout_after_the_failure_limit_even_with_the_right_password(login, agency):
    make_staff(agency, username="petugas-a")
    limit = settings.ANTREAN_SIGNIN_FAILURE_LIMIT

    statuses = _fail(login, "petugas-a", limit)

    # The failure that reaches the limit is already answered as a lockout.
    assert statuses == [401] * (limit - 1) + [429]
    locked = login("petugas-a")
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/json"
    assert locked.json()["error"] == "too_many_attempts"
    assert locked.json()["message"]
    assert not ApiToken.objects.exists()


def test_lockout_is_per_username(login, agency):
    make_staff(agency, username="petugas-a")
    make_staff(agency, username="petugas-b")
    _fail(login, "petugas-a", settings.ANTREAN_SIGNIN_FAILURE_LIMIT)

    assert login("petugas-a").status_code == 429
    assert login("petugas-b").status_code == 200
    assert login("petugas-b", "sandi-salah").status_code == 401


def test_lockout_is_per_address(login, agency):
    make_staff(agency, username="petugas-a")
    _fail(login, "petugas-a", settings.ANTREAN_SIGNIN_FAILURE_LIMIT)

    assert login("petugas-a", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_a_successful_login_clears_earlier_failures(login, agency):
    make_staff(agency, username="petugas-a")
    limit = settings.ANTREAN_SIGNIN_FAILURE_LIMIT

    assert _fail(login, "petugas-a", limit - 1) == [401] * (limit - 1)
    assert login("petugas-a").status_code == 200
    assert _fail(login, "petugas-a", limit - 1) == [401] * (limit - 1)
    assert login("petugas-a").status_code == 200


def test_refused_accounts_count_towards_the_lockout(login, agency):
    make_user("tanpa-peran")
    limit = settings.ANTREAN_SIGNIN_FAILURE_LIMIT

    statuses = [login("tanpa-peran").status_code for _ in range(limit)]

    assert statuses == [401] * (limit - 1) + [429]


# --- Admin ---------------------------------------------------------------------------------


def test_admin_lists_tokens_and_revokes_them(client, agency):
    officer = make_staff(agency)
    keep, revoke = api_token_issue(user=officer), api_token_issue(user=officer)
    sign_in(client, make_user("akar", is_superuser=True))

    listing = client.get("/admin/api/apitoken/")
    assert listing.status_code == 200
    assert keep.secret not in listing.content.decode()
    assert client.get("/admin/api/apitoken/add/").status_code == 403

    response = client.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [revoke.token.pk]},
    )

    assert response.status_code == 302
    revoke.token.refresh_from_db()
    keep.token.refresh_from_db()
    assert revoke.token.revoked_at is not None
    assert keep.token.revoked_at is None
    assert ApiToken.objects.count() == 2


# --- Two-factor sign-in --------------------------------------------------------------------


@pytest.fixture
def office_admin(agency):
    return make_staff(
        office=agency.office, role=Membership.Role.OFFICE_ADMIN, username="admin-kantor"
    )


def test_admin_without_a_code_is_asked_for_one(login, office_admin):
    authenticator(office_admin)
    response = login("admin-kantor")
    assert response.status_code == 401
    assert response.json()["error"] == "otp_required"
    assert "verifikasi dua langkah" in response.json()["message"]
    assert not ApiToken.objects.exists()


def test_admin_with_a_wrong_code_is_refused_and_it_counts(login, office_admin):
    device = authenticator(office_admin)
    good = totp_code(device)
    wrong = next(c for c in ("000000", "111111", "222222") if c != good)
    response = login("admin-kantor", otp=wrong)
    assert response.status_code == 401
    assert response.json() == {
        "error": "bad_otp",
        "message": "Kode verifikasi salah atau sudah tidak berlaku.",
        "field": "otp",
    }
    assert SignInLock.objects.get(username="admin-kantor").failures == 1
    assert not ApiToken.objects.exists()


def test_a_code_is_accepted_once(login, office_admin):
    device = authenticator(office_admin)
    code = totp_code(device)
    assert login("admin-kantor", otp=code).status_code == 200
    replay = login("admin-kantor", otp=code)
    assert replay.status_code == 401
    assert replay.json()["error"] == "bad_otp"
    assert ApiToken.objects.count() == 1


def test_a_recovery_code_stands_in_for_the_app(login, office_admin):
    authenticator(office_admin)
    codes = recovery_codes_regenerate(user=office_admin)
    assert login("admin-kantor", otp=codes[3]).status_code == 200


def test_admin_without_an_authenticator_is_told_to_set_one_up(login, office_admin):
    response = login("admin-kantor", otp="123456")
    assert response.status_code == 403
    assert response.json()["error"] == "two_factor_setup_required"
    assert "/staf/masuk/" in response.json()["message"]


def test_officer_who_turned_it_on_sends_a_code_too(login, agency):
    officer = make_staff(agency, username="petugas-a")
    device = authenticator(officer)
    assert login("petugas-a").json()["error"] == "otp_required"
    assert login("petugas-a", otp=totp_code(device)).status_code == 200


def test_wrong_codes_lock_like_wrong_passwords_with_retry_after(login, office_admin, settings):
    settings.ANTREAN_SIGNIN_FAILURE_LIMIT = 2
    device = authenticator(office_admin)
    wrong = next(c for c in ("000000", "111111", "222222") if c != totp_code(device))
    assert login("admin-kantor", otp=wrong).status_code == 401
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    locked = login("admin-kantor", otp=wrong)
    assert locked.status_code == 429
    assert locked.json()["error"] == "too_many_attempts"
    assert "coba lagi dalam 2 menit" in locked.json()["message"]
    assert 110 <= int(locked["Retry-After"]) <= 120
    # Now even the right password and code are refused from this address.
    assert login("admin-kantor", otp=totp_code(device, steps_ahead=1)).status_code == 429


def test_the_openapi_description_documents_the_code(client):
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/v1/auth/token"]["post"]
    for code in ("otp_required", "bad_otp", "two_factor_setup_required", "too_many_attempts"):
        assert code in operation["description"]
    body = schema["components"]["schemas"]["TokenIn"]["properties"]
    assert "otp" in body and "recovery code" in body["otp"]["description"]
