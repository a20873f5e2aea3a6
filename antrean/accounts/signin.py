"""The staff sign-in flow over the session: password, then (when required) the second step,
then a session that ends with the browser and after ANTREAN_STAFF_SESSION_HOURS at most.

Until both steps pass, the session is not logged in at all: it only holds a short-lived
"pending" record (who passed the password, what comes next), so no page, admin or console
can be reached half-way. The OTP verification belongs to the session (django-otp keeps the
device's id in it) and dies with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import django_otp
from django.conf import settings
from django.contrib.auth import get_user_model, login, user_login_failed
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from antrean.accounts import services
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.http import client_ip

PENDING_KEY = "signin_pending"
STARTED_KEY = "signin_at"
SEEN_KEY = "signin_seen"  # the session's last request, written at most every SEEN_EVERY
SEEN_EVERY = dt.timedelta(minutes=1)
# Time to type a code (or to install an authenticator app and scan the QR code).
PENDING_LIFETIME = {"code": dt.timedelta(minutes=10), "setup": dt.timedelta(minutes=30)}


@dataclass(frozen=True)
class Pending:
    user: object
    backend: str
    step: str  # "code" or "setup"
    next_url: str


def signin_after_password(
    request: HttpRequest, user, *, next_url: str, now: dt.datetime | None = None
) -> str:
    """The password was right: sign in, or start the second step. Returns where to go next."""
    now = now or timezone.now()
    backend = getattr(user, "backend", None) or settings.AUTHENTICATION_BACKENDS[-1]
    if services.has_two_factor(user):
        step = "code"
    elif services.two_factor_required(user):
        step = "setup"
    else:
        signin_complete(request, user, backend=backend, device=None, now=now)
        return next_url
    # A new session key: whoever planted the old one cannot follow the person in.
    request.session.cycle_key()
    request.session.set_expiry(0)
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": backend,
        "step": step,
        "next": next_url,
        "at": now.timestamp(),
    }
    return reverse("accounts:verify" if step == "code" else "accounts:setup")


def staff_home_url(user) -> str:
    """Where a staff account lands after signing in (and where the brand link leads): the
    inspectorate's reports for an account whose only role is inspectorate (the counters page
    has nothing for it), their dashboard for the national and regional admins and office heads
    (they oversee; they do not call tickets), the counters page for everyone else."""
    from antrean.tenancy import permissions

    scope = permissions.scope_of(user)
    if scope.is_inspector and not scope.is_staff_anywhere:
        return reverse("reports:inspectorate_list")
    if scope.is_regional or scope.head_office_ids:
        return reverse("dashboards:home")
    return reverse("queueing:counters")


def pending_get(request: HttpRequest, *, now: dt.datetime | None = None) -> Pending | None:
    """Who passed the password in this session and what they still have to do, if it has
    not expired."""
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict) or data.get("step") not in PENDING_LIFETIME:
        return None
    now = now or timezone.now()
    started = dt.datetime.fromtimestamp(float(data.get("at", 0)), tz=dt.UTC)
    if now - started > PENDING_LIFETIME[data["step"]]:
        pending_clear(request)
        return None
    user = get_user_model().objects.filter(pk=data.get("user"), is_active=True).first()
    if user is None:
        pending_clear(request)
        return None
    return Pending(user=user, backend=data["backend"], step=data["step"], next_url=data["next"])


def pending_clear(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


def signin_complete(
    request: HttpRequest, user, *, backend: str, device, now: dt.datetime | None = None
) -> None:
    """Log the session in (a new key), with the device that passed the second step."""
    now = now or timezone.now()
    pending_clear(request)
    login(request, user, backend=backend)
    if device is not None:
        django_otp.login(request, device)
    request.session[STARTED_KEY] = now.timestamp()
    # A session cookie: closing the browser of a shared counter PC ends the session.
    request.session.set_expiry(0)
    services.signin_success_record(username=user.get_username(), ip=client_ip(request))


def second_factor_check(request: HttpRequest, *, user, code: str, now: dt.datetime | None = None):
    """The device that accepts `code` for `user`, or a refusal: `too_many_attempts` while the
    account is locked from this address (with when to retry), else `bad_otp`. A wrong code
    counts like a wrong password, and may start the lock."""
    now = now or timezone.now()
    username = user.get_username()
    until = services.signin_locked_until(username=username, ip=client_ip(request), now=now)
    if until is not None:
        raise services.lockout_error(until, now=now)
    try:
        return services.otp_verify(user=user, code=code)
    except DomainError as error:
        if error.code != ErrorCode.BAD_OTP:
            raise
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
        until = getattr(request, "signin_locked_until", None)
        if until is not None:
            raise services.lockout_error(until, now=timezone.now()) from error
        raise


def session_started_at(request: HttpRequest) -> dt.datetime | None:
    return _instant(request.session.get(STARTED_KEY))


def _instant(value) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC) if value is not None else None
    except (TypeError, ValueError, OverflowError):
        return None


def session_problem(request: HttpRequest, *, now: dt.datetime | None = None) -> str | None:
    """Why a logged-in session must end, or None: "expired" past its hours, "idle" after
    ANTREAN_STAFF_IDLE_MINUTES without a request (ASVS 3.3.2: an unattended counter PC),
    "second_factor" when the account needs a second step this session never passed."""
    now = now or timezone.now()
    started = session_started_at(request)
    if started is None:
        # A session from before this rule (or a test's force_login): its clock starts now.
        request.session[STARTED_KEY] = now.timestamp()
    elif now - started > dt.timedelta(hours=settings.ANTREAN_STAFF_SESSION_HOURS):
        return "expired"
    seen = _instant(request.session.get(SEEN_KEY))
    idle = dt.timedelta(minutes=settings.ANTREAN_STAFF_IDLE_MINUTES)
    if seen is not None and idle and now - seen > idle:
        return "idle"
    if seen is None or now - seen >= SEEN_EVERY:
        request.session[SEEN_KEY] = now.timestamp()
    user = request.user
    is_verified = getattr(user, "is_verified", None)
    if callable(is_verified) and is_verified():
        return None
    if services.two_factor_required(user):
        return "second_factor"
    return None


def signin_is_complete(request: HttpRequest) -> bool:
    """Logged in, and past the second step when the account needs one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return session_problem(request) is None
