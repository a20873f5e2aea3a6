"""Sign-in locks (growing, per account and address), unlocking, and the second factor."""

import datetime as dt
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from antrean.accounts import services
from antrean.accounts.models import AccountUnlock, SignInLock
from antrean.api.tests.staff_setup import make_staff, make_user
from antrean.core.errors import DomainError, ErrorCode
from antrean.tenancy.models import Membership
from antrean.testing.factories import make_agency, make_office

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
IP = "10.1.2.3"


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def national_admin():
    user = make_user()
    Membership.objects.create(user=user, role=Membership.Role.NATIONAL_ADMIN)
    return user


def wrong_code(device: TOTPDevice) -> str:
    """A code no step around now accepts."""
    near = {totp_code(device, steps_ahead=n) for n in (-2, -1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)


def unthrottle(device) -> None:
    """Forget the device's wait after a wrong code (its own test is below)."""
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )


def fail(username: str, times: int, *, now=NOW, ip=IP):
    return [services.signin_failure_record(username=username, ip=ip, now=now) for _ in range(times)]


# --- Lock delays (pure) ------------------------------------------------------------------------


def test_lock_delay_starts_short_doubles_and_is_capped(settings):
    settings.ANTREAN_SIGNIN_LOCK_MINUTES = 2
    settings.ANTREAN_SIGNIN_LOCK_MAX_MINUTES = 60
    minutes = [services.lock_delay(n).total_seconds() / 60 for n in range(1, 8)]
    assert minutes == [2, 4, 8, 16, 32, 60, 60]
    assert services.lock_delay(10_000) == dt.timedelta(minutes=60)


# --- Locks -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_limit_locks_the_pair_for_the_first_delay(settings):
    settings.ANTREAN_SIGNIN_FAILURE_LIMIT = 5
    settings.ANTREAN_SIGNIN_LOCK_MINUTES = 2
    results = fail("petugas", 5)
    until = NOW + dt.timedelta(minutes=2)
    assert results == [None] * 4 + [until]
    assert services.signin_locked_until(username="petugas", ip=IP, now=NOW) == until
    # Another address, another account: not locked.
    assert services.signin_locked_until(username="petugas", ip="10.9.9.9", now=NOW) is None
    assert services.signin_locked_until(username="lain", ip=IP, now=NOW) is None
    # The lock ends by itself.
    assert services.signin_locked_until(username="petugas", ip=IP, now=until) is None


@pytest.mark.django_db
def test_each_further_lockout_doubles_the_delay(settings):
    settings.ANTREAN_SIGNIN_FAILURE_LIMIT = 3
    settings.ANTREAN_SIGNIN_LOCK_MINUTES = 2
    now = NOW
    delays = []
    for _ in range(4):
        until = fail("petugas", 3, now=now)[-1]
        delays.append((until - now).total_seconds() / 60)
        now = until  # try again as soon as it ends
    assert delays == [2, 4, 8, 16]


@pytest.mark.django_db
def test_attempts_during_a_lock_neither_count_nor_lengthen_it(settings):
    settings.ANTREAN_SIGNIN_FAILURE_LIMIT = 3
    until = fail("petugas", 3)[-1]
    assert fail("petugas", 10, now=NOW + dt.timedelta(seconds=30)) == [until] * 10
    lock = SignInLock.objects.get(username="petugas")
    assert (lock.lockouts, lock.failures, lock.locked_until) == (1, 0, until)


@pytest.mark.django_db
def test_a_quiet_day_forgets_the_run_of_lockouts(settings):
    settings.ANTREAN_SIGNIN_FAILURE_LIMIT = 2
    settings.ANTREAN_SIGNIN_LOCK_MINUTES = 2
    fail("petugas", 2)
    later = NOW + services.LOCKOUT_MEMORY + dt.timedelta(minutes=5)
    until = fail("petugas", 2, now=later)[-1]
    assert until - later == dt.timedelta(minutes=2)


@pytest.mark.django_db
def test_success_clears_failures_but_keeps_the_run_of_lockouts(settings):
    settings.ANTREAN_SIGNIN_FAILURE_LIMIT = 3
    settings.ANTREAN_SIGNIN_LOCK_MINUTES = 2
    until = fail("petugas", 3)[-1]
    fail("petugas", 2, now=until)
    services.signin_success_record(username="petugas", ip=IP)
    lock = SignInLock.objects.get(username="petugas")
    assert (lock.failures, lock.lockouts) == (0, 1)
    # Two more failures do not lock (the count started again); the third locks for 4 minutes.
    assert fail("petugas", 2, now=until) == [None, None]
    assert fail("petugas", 1, now=until)[-1] - until == dt.timedelta(minutes=4)


def test_lockout_error_says_when_to_retry():
    error = services.lockout_error(NOW + dt.timedelta(seconds=61), now=NOW)
    assert error.code == ErrorCode.TOO_MANY_ATTEMPTS
    assert error.retry_after == 61
    assert "coba lagi dalam 2 menit" in error.message


# --- Unlocking ---------------------------------------------------------------------------------


@pytest.fixture
def two_offices():
    here, there = make_office(code="mpp-sini"), make_office(code="mpp-sana")
    return make_agency(here), make_agency(there)


def _locked(username: str, *ips: str):
    for ip in ips or (IP,):
        services.signin_failure_record(username=username, ip=ip, now=NOW)
    # The limit is 1 in these tests: one failure locks.


@pytest.fixture
def limit_one(settings):
    settings.ANTREAN_SIGNIN_FAILURE_LIMIT = 1


def _lock_state():
    return sorted(
        SignInLock.objects.values_list("username", "ip_address", "failures", "locked_until")
    )


@pytest.mark.django_db
def test_office_admin_unlocks_an_officer_of_their_office_and_it_is_recorded(limit_one, two_offices):
    agency, _elsewhere = two_offices
    officer = make_staff(agency, username="petugas-sini")
    admin = make_staff(office=agency.office, role=Membership.Role.OFFICE_ADMIN, username="kepala")
    _locked("petugas-sini", "10.0.0.1", "10.0.0.2")
    at = NOW + dt.timedelta(seconds=10)

    record = services.account_unlock(actor=admin, account=officer, now=at)

    assert services.signin_locked_until(username="petugas-sini", ip="10.0.0.1", now=at) is None
    assert services.signin_locked_until(username="petugas-sini", ip="10.0.0.2", now=at) is None
    assert (record.account, record.unlocked_by, record.unlocked_at) == (officer, admin, at)
    assert (record.username, record.unlocked_by_username) == ("petugas-sini", "kepala")
    assert record.addresses == "10.0.0.1, 10.0.0.2"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["office_admin_elsewhere", "officer", "agency_admin"])
def test_refused_unlock_changes_nothing(limit_one, two_offices, who):
    agency, elsewhere = two_offices
    officer = make_staff(agency, username="petugas-sini")
    actor = {
        "office_admin_elsewhere": lambda: make_staff(
            office=elsewhere.office, role=Membership.Role.OFFICE_ADMIN
        ),
        "officer": lambda: make_staff(agency),
        "agency_admin": lambda: make_staff(agency, role=Membership.Role.AGENCY_ADMIN),
    }[who]()
    _locked("petugas-sini")
    before = _lock_state()

    with pytest.raises(DomainError) as refused:
        services.account_unlock(actor=actor, account=officer, now=NOW)

    assert refused.value.code == ErrorCode.FORBIDDEN
    assert _lock_state() == before
    assert services.signin_locked_until(username="petugas-sini", ip=IP, now=NOW) is not None
    assert not AccountUnlock.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["national_admin", "superuser"])
def test_national_admin_and_superuser_unlock_any_account(limit_one, two_offices, who):
    agency, _elsewhere = two_offices
    officer = make_staff(agency, username="petugas-sini")
    actor = make_user(is_superuser=True) if who == "superuser" else national_admin()
    other_admin = make_user("admin-lain", is_superuser=True)
    _locked("petugas-sini")
    _locked("admin-lain")

    services.account_unlock(actor=actor, account=officer, now=NOW)
    services.account_unlock(actor=actor, account=other_admin, now=NOW)

    assert services.signin_locked_until(username="petugas-sini", ip=IP, now=NOW) is None
    assert services.signin_locked_until(username="admin-lain", ip=IP, now=NOW) is None
    assert AccountUnlock.objects.count() == 2


@pytest.mark.django_db
def test_the_locked_list_shows_only_accounts_of_administered_offices(limit_one, two_offices):
    agency, elsewhere = two_offices
    make_staff(agency, username="petugas-sini")
    make_staff(elsewhere, username="petugas-sana")
    admin = make_staff(office=agency.office, role=Membership.Role.OFFICE_ADMIN)
    _locked("petugas-sini")
    _locked("petugas-sana")
    _locked("tidak-ada-akunnya")

    locks = services.locked_accounts_for(actor=admin, now=NOW)

    assert [lock.account.username for lock in locks] == ["petugas-sini"]


# --- Second factor -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_two_factor_is_required_for_admin_roles_and_for_whoever_turned_it_on(settings):
    agency = make_agency(make_office())
    officer = make_staff(agency)
    roles = {
        "officer": officer,
        "agency_admin": make_staff(agency, role=Membership.Role.AGENCY_ADMIN),
        "office_admin": make_staff(office=agency.office, role=Membership.Role.OFFICE_ADMIN),
        "national_admin": national_admin(),
        "superuser": make_user(is_superuser=True),
    }
    required = {name: services.two_factor_required(user) for name, user in roles.items()}
    assert required == {
        "officer": False,
        "agency_admin": True,
        "office_admin": True,
        "national_admin": True,
        "superuser": True,
    }
    TOTPDevice.objects.create(user=officer, confirmed=True)
    assert services.two_factor_required(officer)
    settings.DEBUG = True
    assert not services.two_factor_required(roles["office_admin"])
    assert services.two_factor_required(officer)  # it turned it on: still asked


@pytest.mark.django_db
def test_setup_confirms_with_a_code_replaces_the_old_device_and_gives_recovery_codes():
    user = make_user()
    old = TOTPDevice.objects.create(user=user, confirmed=True)
    device = services.totp_setup_start(user=user)
    assert services.totp_setup_start(user=user) == device  # the same secret on reload
    assert not device.confirmed

    with pytest.raises(DomainError) as wrong:
        services.totp_setup_confirm(user=user, code=wrong_code(device))
    assert wrong.value.code == ErrorCode.BAD_OTP
    assert TOTPDevice.objects.filter(pk=old.pk).exists()  # the old one stays until confirmed

    unthrottle(device)
    confirmed, codes = services.totp_setup_confirm(user=user, code=totp_code(device))

    assert confirmed.pk == device.pk and confirmed.confirmed
    assert list(TOTPDevice.objects.filter(user=user)) == [device]
    assert len(codes) == services.RECOVERY_CODE_COUNT == len(set(codes))
    assert services.recovery_codes_left(user) == 10


@pytest.mark.django_db
def test_a_totp_code_is_accepted_once():
    user = make_user()
    device = TOTPDevice.objects.create(user=user, confirmed=True)
    code = totp_code(device)

    assert services.otp_verify(user=user, code=code) == device
    with pytest.raises(DomainError) as replay:
        services.otp_verify(user=user, code=code)

    assert replay.value.code == ErrorCode.BAD_OTP
    assert "sudah dipakai" in replay.value.message
    # The next time step's code is still good.
    unthrottle(device)
    device.refresh_from_db()
    assert services.otp_verify(user=user, code=totp_code(device, steps_ahead=1)) == device


@pytest.mark.django_db
def test_a_recovery_code_works_once_typed_loosely():
    user = make_user()
    TOTPDevice.objects.create(user=user, confirmed=True)
    codes = services.recovery_codes_regenerate(user=user)
    typed = f" {codes[0][:4].upper()}-{codes[0][4:]} "

    device = services.otp_verify(user=user, code=typed)

    assert device.token_set.count() == 9
    with pytest.raises(DomainError):
        services.otp_verify(user=user, code=codes[0])


@pytest.mark.django_db
def test_regenerating_recovery_codes_voids_the_old_ones():
    user = make_user()
    old = services.recovery_codes_regenerate(user=user)
    new = services.recovery_codes_regenerate(user=user)
    assert not set(old) & set(new)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)
    assert services.recovery_codes_owned(user=user, codes=[old[0], new[1], "x"]) == [new[1]]


@pytest.mark.django_db
def test_wrong_codes_make_the_device_wait():
    user = make_user()
    device = TOTPDevice.objects.create(user=user, confirmed=True)
    good = totp_code(device)
    wrong = wrong_code(device)
    with pytest.raises(DomainError) as first:
        services.otp_verify(user=user, code=wrong)
    assert first.value.code == ErrorCode.BAD_OTP
    # Straight after a wrong code, even the right one waits (1 s, then 2, 4 …).
    with pytest.raises(DomainError) as waiting:
        services.otp_verify(user=user, code=good)
    assert waiting.value.code == ErrorCode.TOO_MANY_ATTEMPTS
    assert waiting.value.retry_after >= 1


@pytest.mark.django_db
def test_codes_of_another_shape_are_refused_without_a_query():
    user = make_user()
    for code in ["", "12345", "1234567", "abc", "x" * 40]:
        with pytest.raises(DomainError) as refused:
            services.otp_verify(user=user, code=code)
        assert refused.value.code == ErrorCode.BAD_OTP


@pytest.mark.django_db
def test_admin_roles_cannot_turn_two_factor_off_outside_debug(settings):
    agency = make_agency(make_office())
    admin = make_staff(office=agency.office, role=Membership.Role.OFFICE_ADMIN)
    TOTPDevice.objects.create(user=admin, confirmed=True)
    services.recovery_codes_regenerate(user=admin)

    with pytest.raises(DomainError) as refused:
        services.two_factor_disable(user=admin)

    assert refused.value.code == ErrorCode.TWO_FACTOR_REQUIRED
    assert services.has_two_factor(admin) and services.recovery_codes_left(admin) == 10
    settings.DEBUG = True
    services.two_factor_disable(user=admin)
    assert not services.has_two_factor(admin)


@pytest.mark.django_db
def test_an_officer_may_turn_it_off():
    officer = make_staff(make_agency(make_office()))
    TOTPDevice.objects.create(user=officer, confirmed=True)
    services.recovery_codes_regenerate(user=officer)
    services.two_factor_disable(user=officer)
    assert not services.has_two_factor(officer)
    assert services.recovery_codes_left(officer) == 0
    assert not services.two_factor_required(officer)
