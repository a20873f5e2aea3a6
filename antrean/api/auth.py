"""Staff access to the API: logging in for a token, and the Bearer check on staff endpoints.

A login goes through django.contrib.auth.authenticate with the request, so every failure
counts towards the lock of the username and address (antrean.accounts), which refuses a
locked pair even with the right password; accounts that sign in with a second factor also
send a current code (`otp`).
Tokens are random secrets of which only the SHA-256 is stored (api.models.ApiToken).

`BearerAuth` takes one or more resolvers, one per kind of token: each gets the secret and
returns who is calling, or None. Staff tokens resolve to the User; a second kind (the kiosk
devices of the next issue) is one more resolver returning its own principal, and endpoints
that accept both switch on what `request.auth` is.
"""

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import authenticate, user_logged_in, user_login_failed
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from antrean.accounts import services as signin_services
from antrean.accounts.signin import second_factor_check
from antrean.api.models import ApiToken
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.http import client_ip
from antrean.core.tokens import token_hash
from antrean.tenancy.models import Membership

TOKEN_LIFETIME = dt.timedelta(hours=12)
# last_used_at is refreshed at most this often: a busy console should not write on every call.
LAST_USED_EVERY = dt.timedelta(minutes=1)
# Longer than any secret we issue; anything longer is refused before hashing.
MAX_SECRET_LENGTH = 200
MAX_USERNAME_LENGTH = 150


def staff_may_hold_token(user) -> bool:
    """Active superusers, and active staff accounts with at least one membership."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.is_staff and Membership.objects.filter(user=user).exists()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def api_token_issue(*, user, label: str = "", now: dt.datetime | None = None) -> IssuedToken:
    now = now or timezone.now()
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=token_hash(secret),
        label=label[:100],
        created_at=now,
        expires_at=now + TOKEN_LIFETIME,
    )
    return IssuedToken(token=token, secret=secret)


def api_token_revoke(*, token: ApiToken, now: dt.datetime | None = None) -> ApiToken:
    """Revoke once; revoking again keeps the first time."""
    now = now or timezone.now()
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    token.refresh_from_db(fields=["revoked_at"])
    return token


def staff_user_for_token(secret: str, *, now: dt.datetime | None = None):
    """The staff account a valid token belongs to, or None (unknown, expired, revoked, or
    the account may no longer hold one)."""
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    now = now or timezone.now()
    token = (
        ApiToken.objects.filter(
            key_hash=token_hash(secret), revoked_at__isnull=True, expires_at__gt=now
        )
        .select_related("user")
        .first()
    )
    if token is None or not staff_may_hold_token(token.user):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def staff_login(
    request: HttpRequest, *, username: str, password: str, otp: str | None = None
) -> IssuedToken:
    """Check a staff login and issue a token.

    Wrong password, unknown account and an account that may not hold a token all answer
    `bad_credentials` and count as a failure; a locked username+address answers
    `too_many_attempts` with when to retry, even with the right password. An account that
    signs in with a second factor also needs `otp`: missing, `otp_required`; wrong or used,
    `bad_otp` (counted like a wrong password); an admin role that never set one up,
    `two_factor_setup_required` (it is set up on the staff pages).
    """
    now = timezone.now()
    username = (username or "")[:MAX_USERNAME_LENGTH]
    if "\x00" in username:
        # No account has one, and PostgreSQL refuses it in a query.
        raise DomainError(ErrorCode.BAD_CREDENTIALS)
    credentials = {"username": username}
    user = authenticate(request=request, username=username, password=password or "")
    if user is not None and not staff_may_hold_token(user):
        # Say the same as for a wrong password, and let it count like one.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        user = None
    if user is None:
        until = getattr(request, "signin_locked_until", None)
        if until is not None:
            raise signin_services.lockout_error(until, now=timezone.now())
        raise DomainError(ErrorCode.BAD_CREDENTIALS)
    if signin_services.two_factor_required(user):
        if not signin_services.has_two_factor(user):
            raise DomainError(ErrorCode.TWO_FACTOR_SETUP_REQUIRED)
        if not otp:
            raise DomainError(ErrorCode.OTP_REQUIRED, field="otp")
        try:
            second_factor_check(request, user=user, code=otp, now=now)
        except DomainError as error:
            error.field = "otp" if error.field else None
            raise
    # A successful login: Django records last_login, the failures of this address are cleared.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    signin_services.signin_success_record(username=user.get_username(), ip=client_ip(request))
    return api_token_issue(user=user, label=request.headers.get("User-Agent", ""))


class BearerAuth(HttpBearer):
    """`Authorization: Bearer <token>`, answered in the API's error shape when missing or
    invalid (ninja's own 401 body is never used)."""

    def __init__(self, *resolvers: Callable[[str], Any]):
        self.resolvers = resolvers
        super().__init__()

    def __call__(self, request: HttpRequest):
        scheme, _space, secret = request.headers.get(self.header, "").partition(" ")
        if scheme.lower() != self.openapi_scheme or not secret.strip():
            raise _unauthenticated()
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str):
        for resolve in self.resolvers:
            principal = resolve(token)
            if principal is not None:
                return principal
        raise _unauthenticated()


def _unauthenticated() -> DomainError:
    return DomainError(
        ErrorCode.BAD_CREDENTIALS,
        message=_("Token tidak sah atau sudah berakhir. Silakan masuk kembali."),
    )


def kiosk_for_token(secret: str):
    """The registered, active kiosk a device token belongs to, or None."""
    from antrean.display.kiosk import kiosk_authenticate

    return kiosk_authenticate(secret)


staff_auth = BearerAuth(staff_user_for_token)
# Check-in is done by staff and by kiosks: the endpoint switches on what request.auth is.
staff_or_kiosk_auth = BearerAuth(staff_user_for_token, kiosk_for_token)
