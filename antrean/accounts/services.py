"""Staff sign-in: locks per account and address, lifting them, and the second factor (TOTP
with recovery codes, on django-otp's devices).

Who must use a second factor and who may lift whose lock is decided in
antrean.tenancy.permissions; this module applies it.
"""

from __future__ import annotations

import datetime as dt
import re
from base64 import b32encode
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from antrean.accounts.models import AccountUnlock, SignInLock
from antrean.core.errors import DomainError, ErrorCode
from antrean.tenancy import permissions

# A run of lockouts is forgotten after a quiet day, and so are old failures.
LOCKOUT_MEMORY = dt.timedelta(hours=24)
RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Aplikasi autentikator"
RECOVERY_DEVICE_NAME = "Kode pemulihan"


# --- Locks -------------------------------------------------------------------------------------


def lock_delay(lockouts: int) -> dt.timedelta:
    """How long the `lockouts`-th lockout in a row lasts: the base delay, doubled each time,
    capped."""
    base = settings.ANTREAN_SIGNIN_LOCK_MINUTES
    cap = settings.ANTREAN_SIGNIN_LOCK_MAX_MINUTES
    doublings = min(max(lockouts, 1) - 1, 30)  # 2**30 minutes is past any cap
    return dt.timedelta(minutes=min(base * 2**doublings, cap))


def signin_locked_until(*, username: str, ip: str | None, now: dt.datetime) -> dt.datetime | None:
    """When the lock of this account and address ends, or None when it is not locked."""
    until = (
        SignInLock.objects.filter(username=username[:150], ip_address=ip or "")
        .values_list("locked_until", flat=True)
        .first()
    )
    return until if until is not None and until > now else None


def signin_failure_record(*, username: str, ip: str | None, now: dt.datetime) -> dt.datetime | None:
    """Count a wrong password or code for the pair; returns when its lock ends if it is (now)
    locked. Attempts during a lock are refused before they are checked and not counted: they
    neither lengthen the lock nor start the next one."""
    with transaction.atomic():
        lock, _created = SignInLock.objects.select_for_update().get_or_create(
            username=username[:150], ip_address=ip or ""
        )
        if lock.locked_until is not None and lock.locked_until > now:
            return lock.locked_until
        if lock.locked_at is not None and now - lock.locked_at > LOCKOUT_MEMORY:
            lock.lockouts = 0
        if lock.failed_at is not None and now - lock.failed_at > LOCKOUT_MEMORY:
            lock.failures = 0
        lock.failures += 1
        lock.failed_at = now
        if lock.failures >= settings.ANTREAN_SIGNIN_FAILURE_LIMIT:
            lock.lockouts += 1
            lock.failures = 0
            lock.locked_at = now
            lock.locked_until = now + lock_delay(lock.lockouts)
        lock.save()
    return lock.locked_until if lock.locked_until and lock.locked_until > now else None


def signin_success_record(*, username: str, ip: str | None) -> None:
    """A complete sign-in (password and, when required, the code) clears the pair's failures;
    its run of lockouts is kept, so guessing between two successes still meets longer locks."""
    SignInLock.objects.filter(username=username[:150], ip_address=ip or "").update(failures=0)


def lockout_error(until: dt.datetime, *, now: dt.datetime) -> DomainError:
    """`too_many_attempts`, saying when to try again."""
    seconds = max(1, int((until - now).total_seconds()))
    minutes = -(-seconds // 60)
    message = ngettext(
        "Terlalu banyak percobaan masuk yang gagal. Akun ini dikunci sementara dari alamat "
        "ini; coba lagi dalam %(minutes)d menit, atau minta admin kantor membuka kuncinya.",
        "Terlalu banyak percobaan masuk yang gagal. Akun ini dikunci sementara dari alamat "
        "ini; coba lagi dalam %(minutes)d menit, atau minta admin kantor membuka kuncinya.",
        minutes,
    ) % {"minutes": minutes}
    return DomainError(ErrorCode.TOO_MANY_ATTEMPTS, message=message, retry_after=seconds)


def account_unlock(*, actor, account, now: dt.datetime | None = None) -> AccountUnlock:
    """Lift every sign-in lock of `account` (all addresses) and record who did it.

    Refused with `forbidden` unless `actor` may unlock that account (office admins: accounts
    holding a role at an office they administer); a refusal changes nothing.
    """
    permissions.require(permissions.can_unlock_account(actor, account))
    now = now or timezone.now()
    username = account.get_username()
    with transaction.atomic():
        locks = list(
            SignInLock.objects.select_for_update().filter(username=username).order_by("ip_address")
        )
        addresses = [
            lock.ip_address or "?"
            for lock in locks
            if lock.locked_until is not None and lock.locked_until > now
        ]
        SignInLock.objects.filter(pk__in=[lock.pk for lock in locks]).update(
            failures=0, locked_until=None
        )
        return AccountUnlock.objects.create(
            account=account,
            username=username,
            unlocked_by=actor,
            unlocked_by_username=actor.get_username(),
            unlocked_at=now,
            addresses=", ".join(addresses),
        )


@dataclass(frozen=True)
class LockedAccount:
    account: object
    ip_address: str
    locked_until: dt.datetime
    lockouts: int


def locked_accounts_for(*, actor, now: dt.datetime) -> list[LockedAccount]:
    """The current locks of the accounts `actor` may unlock, soonest end last."""
    accounts = {
        account.get_username(): account for account in permissions.accounts_unlockable(actor)
    }
    locks = SignInLock.objects.filter(locked_until__gt=now, username__in=list(accounts)).order_by(
        "-locked_until"
    )
    return [
        LockedAccount(
            account=accounts[lock.username],
            ip_address=lock.ip_address,
            locked_until=lock.locked_until,
            lockouts=lock.lockouts,
        )
        for lock in locks
    ]


def unlocks_for(*, actor, limit: int = 20) -> list[AccountUnlock]:
    """The latest unlock records of the accounts `actor` may unlock."""
    accounts = permissions.accounts_unlockable(actor)
    return list(AccountUnlock.objects.filter(account__in=accounts)[:limit])


# --- Second factor -----------------------------------------------------------------------------


def has_two_factor(user) -> bool:
    """The account has a confirmed authenticator."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_mandatory(user) -> bool:
    """The account may not go without a second factor: an admin role, outside DEBUG (where a
    developer may still skip it)."""
    return permissions.requires_two_factor(user) and not settings.DEBUG


def two_factor_required(user) -> bool:
    """Signing in takes a code: for anyone who set an authenticator up, and for every admin
    role (outside DEBUG)."""
    return has_two_factor(user) or two_factor_mandatory(user)


def totp_setup_start(*, user) -> TOTPDevice:
    """The authenticator being set up: the same one until it is confirmed, so reloading the
    page keeps the secret already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_setup_confirm(*, user, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator being set up with a code from it; it replaces any earlier
    one, and a fresh set of recovery codes is made. Returns the device and the codes (the one
    time they exist in clear outside the database)."""
    code = normalize_code(code)
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise DomainError(ErrorCode.INVALID_REQUEST)
        verified = code.isdigit() and device.verify_token(code)
    if not verified:
        raise DomainError(ErrorCode.BAD_OTP, field="code")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_regenerate(user=user)
    return device, codes


def totp_device_provision(*, user) -> TOTPDevice:
    """An authenticator made by the installation itself, already confirmed: only for the
    development accounts `manage.py serve` creates, whose secret it prints once and keeps
    under var/ like their passwords."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)


def totp_secret(device: TOTPDevice) -> str:
    """The device's secret as authenticator apps take it (base32, no padding)."""
    return b32encode(device.bin_key).decode().rstrip("=")


def recovery_codes_regenerate(*, user) -> list[str]:
    """Ten new single-use recovery codes; the earlier ones stop working."""
    with transaction.atomic():
        device = StaticDevice.objects.filter(user=user).order_by("pk").first()
        if device is None:
            device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME)
        StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        StaticToken.objects.filter(device__user=user).delete()
        codes = _unique_codes(RECOVERY_CODE_COUNT)
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def recovery_codes_owned(*, user, codes: list[str]) -> list[str]:
    """Those of `codes` that are unused recovery codes of the account, in the given order."""
    wanted = [normalize_code(c) for c in codes][:RECOVERY_CODE_COUNT]
    owned = set(
        StaticToken.objects.filter(device__user=user, token__in=wanted).values_list(
            "token", flat=True
        )
    )
    return [c for c in wanted if c in owned]


def two_factor_disable(*, user) -> None:
    """Remove the account's authenticator and recovery codes. Refused with
    `two_factor_required` for admin roles (outside DEBUG)."""
    if two_factor_mandatory(user):
        raise DomainError(ErrorCode.TWO_FACTOR_REQUIRED)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


def otp_verify(*, user, code: str):
    """The device that accepts `code` (a current authenticator code or an unused recovery
    code), consuming it: an authenticator code is refused once its time step was used, a
    recovery code is deleted. Refused with `bad_otp`, or `too_many_attempts` while the device
    waits after wrong codes (django-otp's throttle, whatever the address)."""
    code = normalize_code(code)
    if re.fullmatch(r"\d{6}", code):
        model = TOTPDevice
    elif re.fullmatch(r"[a-z2-7]{8}", code):
        model = StaticDevice
    else:
        raise DomainError(ErrorCode.BAD_OTP, field="code")
    waiting_until = None
    with transaction.atomic():
        devices = model.objects.select_for_update().filter(user=user, confirmed=True)
        for device in devices.order_by("pk"):
            allowed, info = device.verify_is_allowed()
            if not allowed:
                waiting_until = (info or {}).get("locked_until")
                continue
            if device.verify_token(code):
                return device
            if model is TOTPDevice and _already_used(device, code):
                # Still counted as a failure by the caller; said plainly for the person.
                reused = DomainError(
                    ErrorCode.BAD_OTP,
                    field="code",
                    message=_("Kode ini sudah dipakai. Tunggu kode berikutnya di aplikasi Anda."),
                )
                break
        else:
            reused = None
    if waiting_until is not None:
        seconds = max(1, int((waiting_until - timezone.now()).total_seconds()) + 1)
        raise DomainError(
            ErrorCode.TOO_MANY_ATTEMPTS,
            field="code",
            message=ngettext(
                "Terlalu banyak kode salah. Tunggu %(seconds)d detik sebelum mencoba lagi.",
                "Terlalu banyak kode salah. Tunggu %(seconds)d detik sebelum mencoba lagi.",
                seconds,
            )
            % {"seconds": seconds},
            retry_after=seconds,
        )
    raise reused or DomainError(ErrorCode.BAD_OTP, field="code")


def normalize_code(code: str | None) -> str:
    """What people type, as stored: no spaces or dashes, lower case; bounded in length."""
    return re.sub(r"[\s-]", "", (code or "")[:40]).lower()


def _already_used(device: TOTPDevice, code: str) -> bool:
    """The code is right for a time step this device has already accepted (a replay)."""

    def totp() -> TOTP:  # verify() moves the drift: a fresh one for each question
        return TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)

    token = int(code)
    return totp().verify(token, device.tolerance) and not totp().verify(
        token, device.tolerance, device.last_t + 1
    )


def _unique_codes(n: int) -> list[str]:
    codes: list[str] = []
    while len(codes) < n:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    return codes
