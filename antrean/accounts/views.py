"""Staff sign-in pages: the password (StaffLoginView, also the admin's login), the second
step, setting up an authenticator, recovery codes, turning it off, and unlocking accounts.

Plain forms that work without JavaScript; the rules live in accounts.services and
tenancy.permissions, the session flow in accounts.signin.
"""

import datetime as dt

import django_otp
import segno
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from antrean.accounts import services
from antrean.accounts.forms import CodeForm, SetupForm
from antrean.accounts.signin import (
    pending_clear,
    pending_get,
    second_factor_check,
    signin_after_password,
    signin_complete,
    staff_home_url,
)
from antrean.core.errors import DomainError, ErrorCode
from antrean.queueing.forms import StaffLoginForm
from antrean.tenancy import permissions

LOGIN_URL = reverse_lazy("queueing:login")
FRESH_CODES_KEY = "signin_fresh_codes"
FRESH_NEXT_KEY = "signin_fresh_next"


def staff_required(view):
    return login_required(view, login_url=LOGIN_URL)


def _error_page(request: HttpRequest, code: ErrorCode, message: str | None = None):
    return render(
        request,
        "queueing/error.html",
        {"error": code, "message": message or code.message},
        status=code.status,
    )


# --- Password ----------------------------------------------------------------------------------


class StaffLoginView(LoginView):
    """The first step, at /staf/masuk/ and /admin/login/. A right password signs in only the
    accounts that need no second step; the others go on to it (or to set it up)."""

    template_name = "queueing/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        # The account that just gave its password, or the one already signed in.
        user = getattr(self, "_signing_in", None) or self.request.user
        return staff_home_url(user)

    def form_valid(self, form):
        self._signing_in = form.get_user()
        return redirect(
            signin_after_password(self.request, form.get_user(), next_url=self.get_success_url())
        )

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        until = getattr(request, "signin_locked_until", None)
        if until is not None:
            error = services.lockout_error(until, now=timezone.now())
            form = self.get_form_class()(request)
            context = self.get_context_data(form=form, locked_out=error)
            response = render(request, self.template_name, context, status=error.code.status)
            response["Retry-After"] = str(error.retry_after)
        return response


# --- Second step -------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    pending = pending_get(request)
    if pending is None or pending.step != "code":
        messages.info(request, _("Silakan masuk dengan nama pengguna dan kata sandi."))
        return redirect(LOGIN_URL)
    form = CodeForm(request.POST or None)
    locked_out = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = second_factor_check(request, user=pending.user, code=form.cleaned_data["code"])
        except DomainError as error:
            status = error.code.status
            if error.field:
                form.add_error("code", error.message)
            else:
                # The account is locked from this address: the password is asked again
                # once the lock ends.
                pending_clear(request)
                locked_out = error
        else:
            signin_complete(request, pending.user, backend=pending.backend, device=device)
            return redirect(pending.next_url)
    return render(
        request,
        "accounts/verify.html",
        {"form": form, "pending": pending, "locked_out": locked_out},
        status=status,
    )


# --- Setting an authenticator up ---------------------------------------------------------------


def _secret_groups(device) -> str:
    """The secret as people type it into an app: base32 in groups of four."""
    secret = services.totp_secret(device)
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _qr_svg(data: str) -> str:
    svg = segno.make(data, error="m", micro=False).svg_inline(
        scale=4, border=4, dark="#000", light="#fff", svgclass="qr", title=None
    )
    return mark_safe(svg)  # segno's own markup around the otpauth URL it escapes


@never_cache
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    pending = pending_get(request)
    if pending is not None and pending.step == "setup":
        user = pending.user
    elif request.user.is_authenticated:
        pending = None
        user = request.user
    else:
        return redirect(LOGIN_URL)
    device = services.totp_setup_start(user=user)
    form = SetupForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.totp_setup_confirm(user=user, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", error.message)
            status = error.code.status
        else:
            if pending is not None:
                signin_complete(request, user, backend=pending.backend, device=device)
                next_url = pending.next_url
            else:
                django_otp.login(request, device)
                next_url = reverse("accounts:overview")
            request.session[FRESH_CODES_KEY] = codes
            request.session[FRESH_NEXT_KEY] = next_url
            messages.success(request, _("Verifikasi dua langkah aktif."))
            return redirect("accounts:recovery_codes")
    return render(
        request,
        "accounts/setup.html",
        {
            "form": form,
            "pending": pending,
            "setup_user": user,
            "secret": _secret_groups(device),
            "qr": _qr_svg(device.config_url),
            "replacing": services.has_two_factor(user),
        },
        status=status,
    )


# --- Recovery codes ----------------------------------------------------------------------------


@never_cache
@staff_required
@require_safe
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The codes just made, shown this once (a reload shows them no more)."""
    codes = request.session.pop(FRESH_CODES_KEY, None)
    next_url = request.session.pop(FRESH_NEXT_KEY, None) or reverse("accounts:overview")
    return render(
        request,
        "accounts/recovery_codes.html",
        {
            "codes": codes or [],
            "next_url": next_url,
            "has_two_factor": services.has_two_factor(request.user),
        },
    )


@never_cache
@staff_required
@require_POST
def recovery_codes_download(request: HttpRequest) -> HttpResponse:
    """The codes on the page, as a text file: only those that are the account's unused codes
    (the server keeps none in the session to send again)."""
    codes = services.recovery_codes_owned(user=request.user, codes=request.POST.getlist("code"))
    if not codes:
        return redirect("accounts:overview")
    username = request.user.get_username()
    lines = [
        _("Kode pemulihan Antrean untuk akun %(username)s") % {"username": username},
        _("Setiap kode hanya dapat dipakai sekali. Simpan di tempat yang aman."),
        "",
        *codes,
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kode-pemulihan-{username}.txt"'
    return response


@never_cache
@staff_required
@require_POST
def recovery_codes_regenerate(request: HttpRequest) -> HttpResponse:
    if not services.has_two_factor(request.user):
        return redirect("accounts:overview")
    request.session[FRESH_CODES_KEY] = services.recovery_codes_regenerate(user=request.user)
    request.session[FRESH_NEXT_KEY] = reverse("accounts:overview")
    messages.success(request, _("Kode pemulihan baru dibuat; kode lama tidak berlaku lagi."))
    return redirect("accounts:recovery_codes")


# --- Overview and turning off ------------------------------------------------------------------


@never_cache
@staff_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/overview.html",
        {
            "has_two_factor": services.has_two_factor(user),
            "codes_left": services.recovery_codes_left(user),
            "mandatory": services.two_factor_mandatory(user),
            "may_unlock": permissions.may_unlock_accounts(user),
        },
    )


@staff_required
@require_POST
def disable(request: HttpRequest) -> HttpResponse:
    try:
        services.two_factor_disable(user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Verifikasi dua langkah dimatikan untuk akun Anda."))
    return redirect("accounts:overview")


# --- Unlocking accounts ------------------------------------------------------------------------


@never_cache
@staff_required
@require_safe
def locked_accounts(request: HttpRequest) -> HttpResponse:
    if not permissions.may_unlock_accounts(request.user):
        return _error_page(request, ErrorCode.FORBIDDEN)
    now = timezone.now()
    # Times in the zone of (the first of) the admin's offices; UTC for a national admin.
    office = permissions.offices_administered(request.user).order_by("pk").first()
    return render(
        request,
        "accounts/locked_accounts.html",
        {
            "locks": services.locked_accounts_for(actor=request.user, now=now),
            "unlocks": services.unlocks_for(actor=request.user),
            "zone": office.zone if office else dt.UTC,
            "zone_label": office.zone_label if office else "UTC",
        },
    )


@staff_required
@require_POST
def unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    account = get_user_model().objects.filter(pk=user_id).first()
    if account is None:
        return _error_page(request, ErrorCode.NOT_FOUND, _("Akun ini tidak ditemukan."))
    try:
        services.account_unlock(actor=request.user, account=account)
    except DomainError as error:
        return _error_page(request, error.code, error.message)
    messages.success(
        request,
        _("Kunci akun %(username)s sudah dibuka.") % {"username": account.get_username()},
    )
    return redirect("accounts:locked_accounts")
