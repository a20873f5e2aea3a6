"""The kiosk (anjungan) pages: take a walk-in number, or check an online booking in.

Every page needs the device's token, kept in an HttpOnly cookie scoped to /kiosk/. The walk-in
flow is service → pact → name → preview → issue; until the citizen chooses "Cetak tiket" or
"Ambil di layar" nothing is stored but the kiosk's own session (the name sealed in it).
The kiosk is shared by everyone in the hall: nothing here makes the device an owner of a
ticket, and what a citizen typed is dropped when the screen returns home.
"""

import datetime as dt
import functools
import json
import secrets
import time

from cryptography.exceptions import InvalidTag
from csp.constants import SELF
from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_safe

from antrean.booking.selectors import office_catalog
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.http import client_info
from antrean.core.personal_data import decrypt, encrypt
from antrean.core.security import permissions_allow
from antrean.display import kiosk as services
from antrean.display import printing
from antrean.display.models import Kiosk
from antrean.integrity.models import Audience, Channel
from antrean.integrity.services import pact_check_agreement, pact_in_force
from antrean.queueing.models import Priority
from antrean.queueing.selectors import ticket_position

DEVICE_COOKIE = "antrean_kiosk"
DEVICE_PARAM = "device"
# Browsers cap cookie lifetimes at 400 days; the cookie is renewed on every home screen.
DEVICE_COOKIE_AGE = 400 * 24 * 3600

PACT_KEY = "kiosk_pact"
PREVIEW_KEY = "kiosk_preview"
ISSUED_KEY = "kiosk_issued"
SEAL_PURPOSE = "kiosk-session"
PREVIEW_TTL = dt.timedelta(minutes=10)
ISSUED_TTL = dt.timedelta(minutes=10)
# A double tap sends the same preview twice: the second request waits for the first.
NONCE_SECONDS = 120
DUPLICATE_WAIT_SECONDS = 10


# --- device ----------------------------------------------------------------------------------


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "display/kiosk_forbidden.html", status=403)


def _set_device_cookie(response: HttpResponse, token: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=DEVICE_COOKIE_AGE,
        path="/kiosk/",
        httponly=True,
        samesite="Strict",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def kiosk_device(view):
    """Run `view` only for the registered, active kiosk of the office in the URL."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, office_code: str, *args, **kwargs):
        kiosk = services.kiosk_authenticate(request.COOKIES.get(DEVICE_COOKIE))
        if kiosk is None or kiosk.office.code != office_code:
            return _forbidden(request)
        services.kiosk_seen(kiosk=kiosk)
        return view(request, kiosk, *args, **kwargs)

    return never_cache(wrapper)


# --- the kiosk's session ---------------------------------------------------------------------


def _seal(request: HttpRequest, key: str, data: dict, **extra) -> None:
    request.session[key] = {
        "sealed": encrypt(json.dumps(data, ensure_ascii=False), purpose=SEAL_PURPOSE),
        "at": timezone.now().isoformat(),
        **extra,
    }


def _unseal(request: HttpRequest, key: str, ttl: dt.timedelta) -> dict | None:
    stored = request.session.get(key)
    if not stored:
        return None
    try:
        if timezone.now() - dt.datetime.fromisoformat(stored["at"]) > ttl:
            raise ValueError("expired")
        return json.loads(decrypt(stored["sealed"], purpose=SEAL_PURPOSE))
    except (KeyError, TypeError, ValueError, InvalidTag):
        request.session.pop(key, None)
        return None


def _reset(request: HttpRequest) -> None:
    for key in (PACT_KEY, PREVIEW_KEY, ISSUED_KEY):
        request.session.pop(key, None)


def _preview(request: HttpRequest) -> services.KioskPreview | None:
    data = _unseal(request, PREVIEW_KEY, PREVIEW_TTL)
    return services.KioskPreview(**data) if data else None


def _issued(request: HttpRequest, code: str) -> dict | None:
    issued = _unseal(request, ISSUED_KEY, ISSUED_TTL)
    return issued if issued and issued["code"] == code else None


# --- pages -----------------------------------------------------------------------------------


@never_cache
@require_safe
def home(request: HttpRequest, office_code: str) -> HttpResponse:
    """The start screen. Opened once with ?device=<token> to enrol the device."""
    token = request.GET.get(DEVICE_PARAM)
    if token is None:
        token = request.COOKIES.get(DEVICE_COOKIE)
        from_url = False
    else:
        from_url = True
    kiosk = services.kiosk_authenticate(token)
    if kiosk is None or kiosk.office.code != office_code:
        return _forbidden(request)
    services.kiosk_seen(kiosk=kiosk)
    _reset(request)
    if from_url:
        # The token leaves the address bar (and the history) at once.
        response = redirect("kiosk:home", office_code=office_code)
    else:
        response = render(request, "display/kiosk_home.html", _context(kiosk))
    _set_device_cookie(response, token)
    return response


def _context(kiosk: Kiosk, **extra) -> dict:
    return {"kiosk": kiosk, "office": kiosk.office, **extra}


@require_safe
@kiosk_device
def agencies(request: HttpRequest, kiosk: Kiosk) -> HttpResponse:
    catalog = office_catalog(office=kiosk.office)
    if len(catalog) == 1:
        return redirect(
            "kiosk:services", office_code=kiosk.office.code, agency_id=catalog[0].agency.pk
        )
    return render(request, "display/kiosk_agencies.html", _context(kiosk, catalog=catalog))


@require_safe
@kiosk_device
def agency_services(request: HttpRequest, kiosk: Kiosk, agency_id: int) -> HttpResponse:
    catalog = office_catalog(office=kiosk.office)
    group = next((g for g in catalog if g.agency.pk == agency_id), None)
    if group is None:
        return redirect("kiosk:agencies", office_code=kiosk.office.code)
    return render(
        request,
        "display/kiosk_services.html",
        _context(kiosk, agency=group.agency, services=group.services, single=len(catalog) == 1),
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_http_methods(["GET", "POST"])
@kiosk_device
def pact(request: HttpRequest, kiosk: Kiosk, service_id: int) -> HttpResponse:
    service = services.kiosk_service(kiosk=kiosk, service_id=service_id)
    if service is None:
        return redirect("kiosk:agencies", office_code=kiosk.office.code)
    rendering = pact_in_force(office=kiosk.office, audience=Audience.CITIZEN)
    error = None
    if request.method == "POST":
        try:
            agreed = pact_check_agreement(
                rendering=rendering,
                version=_int(request.POST.get("pact_version")),
                sha256=request.POST.get("pact_sha256", ""),
                agreed=True,  # the big button is the agreement
            )
        except DomainError as exc:
            error = exc
        else:
            request.session[PACT_KEY] = {
                "service_id": service.pk,
                "version": agreed.pact.version,
                "sha256": agreed.sha256,
            }
            return redirect("kiosk:identity", office_code=kiosk.office.code, service_id=service.pk)
    return render(
        request,
        "display/kiosk_pact.html",
        _context(kiosk, service=service, rendering=rendering, error=error),
        status=error.code.status if error else 200,
    )


@require_http_methods(["GET", "POST"])
@kiosk_device
def identity(request: HttpRequest, kiosk: Kiosk, service_id: int) -> HttpResponse:
    service = services.kiosk_service(kiosk=kiosk, service_id=service_id)
    agreed = request.session.get(PACT_KEY) or {}
    if service is None or agreed.get("service_id") != service_id:
        return redirect("kiosk:pact", office_code=kiosk.office.code, service_id=service_id)
    error = None
    values = {"name": "", "priority": ""}
    if request.method == "POST":
        values = {
            "name": request.POST.get("name", "")[:200],
            "priority": request.POST.get("priority", ""),
        }
        try:
            preview = services.kiosk_preview(
                kiosk=kiosk,
                service_id=service.pk,
                name=values["name"],
                priority=values["priority"],
                pact_version=agreed.get("version"),
                pact_sha256=agreed.get("sha256"),
            )
        except DomainError as exc:
            if exc.code in (ErrorCode.PACT_OUTDATED, ErrorCode.PACT_REQUIRED):
                request.session.pop(PACT_KEY, None)
                messages.error(request, exc.message)
                return redirect("kiosk:pact", office_code=kiosk.office.code, service_id=service.pk)
            error = exc
        else:
            _seal(request, PREVIEW_KEY, preview.__dict__, nonce=secrets.token_hex(8))
            return redirect("kiosk:preview", office_code=kiosk.office.code)
    return render(
        request,
        "display/kiosk_identity.html",
        _context(
            kiosk,
            service=service,
            values=values,
            priorities=Priority.choices,
            error=error,
            error_field=error.field if error else None,
        ),
        status=error.code.status if error else 200,
    )


@require_http_methods(["GET", "POST"])
@kiosk_device
def preview(request: HttpRequest, kiosk: Kiosk) -> HttpResponse:
    """What the ticket will be; nothing exists until one of the two buttons is tapped."""
    pending = _preview(request)
    if pending is None:
        return redirect("kiosk:home", office_code=kiosk.office.code)
    service = services.kiosk_service(kiosk=kiosk, service_id=pending.service_id)
    if service is None:
        return redirect("kiosk:home", office_code=kiosk.office.code)
    if request.method == "POST":
        return _issue(request, kiosk, pending)
    return render(
        request,
        "display/kiosk_preview.html",
        _context(
            kiosk,
            service=service,
            preview=pending,
            priority_label=Priority(pending.priority).label if pending.priority else "",
            fee_line=printing.fee_line(service.fee),
            has_printer=services.kiosk_has_printer(kiosk),
            printer_ready=services.kiosk_printer_ready(kiosk),
        ),
    )


def _issue(request: HttpRequest, kiosk: Kiosk, pending: services.KioskPreview) -> HttpResponse:
    office_code = kiosk.office.code
    print_ticket = request.POST.get("action") == "print"
    nonce_key = f"kiosk:{kiosk.pk}:issue:{request.session[PREVIEW_KEY].get('nonce')}"
    if not cache.add(nonce_key, "", NONCE_SECONDS):
        return _duplicate(request, kiosk, nonce_key)
    try:
        walk_in = services.kiosk_issue(
            kiosk=kiosk,
            preview=pending,
            client=client_info(request, channel=Channel.KIOSK),
            print_ticket=print_ticket,
        )
    except printing.PrinterUnavailable:
        cache.delete(nonce_key)
        messages.error(
            request,
            _(
                "Tiket tidak dapat dicetak, dan nomor antrean belum diambil. Pilih "
                "“Ambil di layar” atau minta bantuan petugas."
            ),
        )
        return redirect("kiosk:preview", office_code=office_code)
    except DomainError as exc:
        cache.delete(nonce_key)
        request.session.pop(PREVIEW_KEY, None)
        messages.error(request, exc.message)
        return redirect("kiosk:home", office_code=office_code)
    ticket = walk_in.ticket
    issued = {"code": ticket.code, "token": walk_in.token, "printed": print_ticket}
    _seal(request, ISSUED_KEY, issued)
    request.session.pop(PREVIEW_KEY, None)
    request.session.pop(PACT_KEY, None)
    cache.set(nonce_key, request.session[ISSUED_KEY], NONCE_SECONDS)
    return redirect("kiosk:ticket", office_code=office_code, code=ticket.code)


def _duplicate(request: HttpRequest, kiosk: Kiosk, nonce_key: str) -> HttpResponse:
    """The same preview submitted again while (or after) the first is issued: show the
    first one's ticket instead of issuing another."""
    deadline = time.monotonic() + DUPLICATE_WAIT_SECONDS
    while time.monotonic() < deadline:
        sealed = cache.get(nonce_key)
        if sealed is None:  # the first attempt failed: back to the preview
            return redirect("kiosk:preview", office_code=kiosk.office.code)
        if sealed:
            request.session[ISSUED_KEY] = sealed
            request.session.pop(PREVIEW_KEY, None)
            issued = _unseal(request, ISSUED_KEY, ISSUED_TTL)
            if issued:
                return redirect("kiosk:ticket", office_code=kiosk.office.code, code=issued["code"])
        time.sleep(0.2)
    return redirect("kiosk:home", office_code=kiosk.office.code)


@require_safe
@kiosk_device
def ticket(request: HttpRequest, kiosk: Kiosk, code: str) -> HttpResponse:
    """The ticket just issued on this kiosk, on screen: its number and the QR to follow it."""
    issued = _issued(request, code)
    found = issued and services.kiosk_ticket(kiosk=kiosk, code=code)
    if not found:
        return redirect("kiosk:home", office_code=kiosk.office.code)
    content = printing.ticket_content(found, issued["token"])
    return render(
        request,
        "display/kiosk_ticket.html",
        _context(
            kiosk,
            ticket=found,
            content=content,
            printed=issued["printed"],
            position=ticket_position(ticket=found),
            # segno escapes the title and writes the rest of the markup itself.
            qr=mark_safe(
                printing.status_qr_svg(content.status_url, _("Kode QR halaman status antrean"))
            ),
            # As on the printed ticket: the survey, which opens once the ticket is done.
            survey_qr=mark_safe(
                printing.status_qr_svg(content.survey_url, _("Kode QR survei kepuasan"))
            )
            if content.survey_url
            else "",
            browser_print=not services.kiosk_has_printer(kiosk),
        ),
    )


@require_safe
@kiosk_device
# Printed from a hidden frame of the ticket page: the one response the site's own pages may frame.
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": [SELF]})
def ticket_pdf(request: HttpRequest, kiosk: Kiosk, code: str) -> HttpResponse:
    """The ticket as a PDF on thermal paper, for kiosks that print through the browser.

    Only the ticket just issued on this device: its QR carries the private status token,
    which is never stored."""
    issued = _issued(request, code)
    found = issued and services.kiosk_ticket(kiosk=kiosk, code=code)
    if not found:
        return render(request, "display/kiosk_forbidden.html", {"missing": True}, status=404)
    pdf = printing.ticket_pdf(printing.ticket_content(found, issued["token"]), paper=kiosk.paper)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="tiket-{found.number}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
@kiosk_device
@permissions_allow("camera")  # reads the booking's QR code where the browser can
def check_in(request: HttpRequest, kiosk: Kiosk) -> HttpResponse:
    """An online booking arrives: booking code (typed or scanned) + the NIK's last 4 digits."""
    error = None
    values = {"code": "", "nik_last4": ""}
    if request.method == "POST":
        values = {
            "code": request.POST.get("code", "")[:300],
            "nik_last4": request.POST.get("nik_last4", "")[:8],
        }
        try:
            found = services.kiosk_check_in(
                kiosk=kiosk, code=values["code"], nik_last4=values["nik_last4"]
            )
        except DomainError as exc:
            error = exc
        else:
            return render(
                request,
                "display/kiosk_checked_in.html",
                _context(kiosk, ticket=found, position=ticket_position(ticket=found)),
            )
    return render(
        request,
        "display/kiosk_check_in.html",
        _context(kiosk, values=values, error=error),
        status=error.code.status if error else 200,
    )
