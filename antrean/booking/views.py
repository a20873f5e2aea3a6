"""The citizen's booking pages: office → service → date → slot → identity → pact → booking.

Plain HTML forms, no JavaScript needed. Views parse input, call one selector or service and
render; the rules live in booking.services, catalog and integrity.
"""

import datetime as dt
import json

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from antrean.booking import selectors
from antrean.booking.forms import IdentityForm, PactForm
from antrean.booking.holds import (
    HoldResult,
    booking_start,
    hold_get,
    hold_otp_check,
    hold_otp_send,
    hold_state,
    proof_link,
    proof_text,
)
from antrean.booking.models import HoldStatus
from antrean.booking.services import BookingRequest, booking_cancel, booking_get
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.http import client_info
from antrean.core.personal_data import decrypt, encrypt, mask_nik, mask_phone
from antrean.feedback.services import survey_link_for
from antrean.integrity.models import Audience, Channel
from antrean.integrity.selectors import certificate_for_ticket
from antrean.integrity.services import pact_in_force
from antrean.integrity.views import pdf_response
from antrean.queueing.states import Move, can_move

# Session keys. The identity is kept encrypted and only until the booking is made.
IDENTITY_KEY = "booking_identity"
IDENTITY_PURPOSE = "session-identity"
IDENTITY_TTL = dt.timedelta(hours=1)
OWNED_KEY = "booking_owned"
OWNED_MAX = 20
FRESH_KEY = "booking_fresh"
# Held places waiting for proof of the number: {hold code: token}, this browser's only.
HOLDS_KEY = "booking_holds"
HOLDS_MAX = 5

# Errors about the chosen slot: the citizen is offered another slot.
SLOT_ERRORS = {
    ErrorCode.SLOT_FULL,
    ErrorCode.SLOT_HELD,
    ErrorCode.SLOT_PAST,
    ErrorCode.OFFICE_CLOSED,
    ErrorCode.CUTOFF_PASSED,
    ErrorCode.NOT_FOUND,
}


# --- session helpers ---------------------------------------------------------------------


def _identity_store(request: HttpRequest, data: dict) -> None:
    payload = json.dumps(data, ensure_ascii=False)
    request.session[IDENTITY_KEY] = {
        "sealed": encrypt(payload, purpose=IDENTITY_PURPOSE),
        "at": timezone.now().isoformat(),
    }


def _identity_load(request: HttpRequest) -> dict | None:
    stored = request.session.get(IDENTITY_KEY)
    if not stored:
        return None
    try:
        saved_at = dt.datetime.fromisoformat(stored["at"])
        if timezone.now() - saved_at > IDENTITY_TTL:
            raise ValueError("expired")
        return json.loads(decrypt(stored["sealed"], purpose=IDENTITY_PURPOSE))
    except (KeyError, TypeError, ValueError, InvalidTag):  # expired, tampered or key retired
        _identity_clear(request)
        return None


def _identity_clear(request: HttpRequest) -> None:
    request.session.pop(IDENTITY_KEY, None)


def _normalise_code(code: str) -> str:
    return (code or "").upper().replace("-", "").strip()


def _own(request: HttpRequest, code: str) -> None:
    owned = [c for c in request.session.get(OWNED_KEY, []) if c != code]
    request.session[OWNED_KEY] = [*owned, code][-OWNED_MAX:]


def _owns(request: HttpRequest, code: str) -> bool:
    return code in request.session.get(OWNED_KEY, [])


# --- small responses ---------------------------------------------------------------------


def _not_found(request: HttpRequest, message: str | None = None) -> HttpResponse:
    return render(
        request,
        "booking/not_found.html",
        {"message": message or ErrorCode.NOT_FOUND.message},
        status=404,
    )


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "booking/forbidden.html",
        {"error": ErrorCode.BAD_TOKEN, "message": ErrorCode.BAD_TOKEN.message},
        status=ErrorCode.BAD_TOKEN.status,
    )


def _office_service(office_code: str, service_id: int):
    office = selectors.office_get(code=office_code)
    if office is None:
        return None, None
    return office, selectors.office_service_get(office=office, service_id=service_id)


# --- pages -------------------------------------------------------------------------------


@require_safe
def office_list(request: HttpRequest) -> HttpResponse:
    return render(request, "booking/office_list.html", {"offices": selectors.offices_active()})


@require_safe
def office_detail(request: HttpRequest, office_code: str) -> HttpResponse:
    office = selectors.office_get(code=office_code)
    if office is None:
        return _not_found(request)
    return render(
        request,
        "booking/office_detail.html",
        {"office": office, "catalog": selectors.office_catalog(office=office), "step": 1},
    )


@require_safe
def service_detail(request: HttpRequest, office_code: str, service_id: int) -> HttpResponse:
    office, service = _office_service(office_code, service_id)
    if service is None:
        return _not_found(request)
    return render(
        request,
        "booking/service_detail.html",
        {
            "office": office,
            "service": service,
            "days": selectors.service_day_choices(service=service),
            "step": 2,
        },
    )


@require_safe
def service_day(
    request: HttpRequest, office_code: str, service_id: int, day: dt.date
) -> HttpResponse:
    office, service = _office_service(office_code, service_id)
    if service is None:
        return _not_found(request)
    page = selectors.service_day_page(service=service, date=day)
    return render(
        request,
        "booking/service_day.html",
        {
            "office": office,
            "service": service,
            "page": page,
            "step": 3,
            "draw": _draw_panel(service, day) if service.release_mode == "draw" else None,
        },
        status=200 if page.in_horizon else 404,
    )


def _draw_panel(service, day) -> dict:
    """A day of a service in draw mode (antrean.draws): its window, and whether its places
    are still to be drawn (then the slots are shown, not offered)."""
    from antrean.draws.models import Draw, DrawStatus
    from antrean.draws.services import draw_window

    draw = Draw.objects.filter(service=service, date=day).first()
    opens_at, closes_at = (draw.opens_at, draw.closes_at) if draw else draw_window(service, day)
    now = timezone.now()
    drawn = bool(draw and draw.status == DrawStatus.DRAWN)
    return {
        "draw": draw,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "open": bool(draw and not drawn and opens_at <= now < closes_at),
        "drawn": drawn,
    }


def _slot_context(office, slot) -> dict:
    state = selectors.slot_state(slot, office=office, now=timezone.now())
    return {
        "office": office,
        "slot": slot,
        "service": slot.service,
        "slot_state": state,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def identity(request: HttpRequest, office_code: str, slot_id: int) -> HttpResponse:
    office = selectors.office_get(code=office_code)
    slot = office and selectors.office_slot_get(office=office, slot_id=slot_id)
    if not slot:
        return _not_found(request)
    if request.method == "POST":
        form = IdentityForm(request.POST)
        if form.is_valid():
            _identity_store(request, form.cleaned_data)
            return redirect("booking:pact", office_code=office.code, slot_id=slot.pk)
        status = 422
    else:
        form = IdentityForm()
        status = 200
    context = _slot_context(office, slot) | {"form": form, "step": 4}
    return render(request, "booking/identity.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def pact(request: HttpRequest, office_code: str, slot_id: int) -> HttpResponse:
    office = selectors.office_get(code=office_code)
    slot = office and selectors.office_slot_get(office=office, slot_id=slot_id)
    if not slot:
        return _not_found(request)
    person = _identity_load(request)
    if person is None:
        return redirect("booking:identity", office_code=office.code, slot_id=slot.pk)

    error: DomainError | None = None
    if request.method == "POST":
        form = PactForm(request.POST)
        form.is_valid()  # a malformed version or hash is simply not the pact in force
        data = form.cleaned_data
        booking = BookingRequest(
            slot_id=slot.pk,
            name=person["name"],
            nik=person["nik"],
            whatsapp=person["whatsapp"],
            pact_version=data.get("pact_version"),
            pact_sha256=data.get("pact_sha256") or "",
            pact_agreed=bool(data.get("pact_agreed")),
            whatsapp_consent=bool(person.get("whatsapp_consent")),
        )
        try:
            result = booking_start(
                request=booking, client=client_info(request, channel=Channel.WEB)
            )
        except DomainError as exc:
            error = exc
        else:
            _identity_clear(request)
            if isinstance(result, HoldResult):
                holds = dict(request.session.get(HOLDS_KEY, {}))
                holds[result.hold.code] = result.token
                request.session[HOLDS_KEY] = dict(list(holds.items())[-HOLDS_MAX:])
                return redirect("booking:hold", code=result.hold.code)
            _own(request, result.ticket.code)
            request.session[FRESH_KEY] = {"code": result.ticket.code, "token": result.token}
            return redirect("booking:booking", code=result.ticket.code)

    rendering = pact_in_force(office=office, audience=Audience.CITIZEN)
    context = _slot_context(office, slot) | {
        "step": 5,
        "rendering": rendering,
        "person": {
            "name": person["name"],
            "masked_nik": mask_nik(person["nik"]),
            "masked_phone": mask_phone(person["whatsapp"]),
            "whatsapp_consent": person.get("whatsapp_consent"),
        },
        "error": error,
        "error_field": error.field if error else None,
        "slot_error": bool(error and error.code in SLOT_ERRORS),
    }
    status = error.code.status if error else 200
    return render(request, "booking/pact.html", context, status=status)


def _hold_of_session(request: HttpRequest, code: str):
    """The hold this browser made (its token is in the session), or None."""
    token = request.session.get(HOLDS_KEY, {}).get(code)
    if token is None:
        return None, None
    try:
        return hold_get(code=code, token=token), token
    except DomainError:
        return None, None


def _hold_confirmed(request: HttpRequest, hold_code: str, ticket, token: str) -> HttpResponse:
    """The proven hold is now a booking: this browser owns it, and its page shows the
    private link once, as after a booking made at once."""
    holds = dict(request.session.get(HOLDS_KEY, {}))
    holds.pop(hold_code, None)
    request.session[HOLDS_KEY] = holds
    _own(request, ticket.code)
    request.session[FRESH_KEY] = {"code": ticket.code, "token": token}
    return redirect("booking:booking", code=ticket.code)


@never_cache
@require_http_methods(["GET", "POST"])
def hold(request: HttpRequest, code: str) -> HttpResponse:
    """A held place waiting for proof of the WhatsApp number: the prefilled message to send
    (a `wa.me` link), or a one-time code to ask for and type back. Without JavaScript the
    citizen reloads with "Periksa"; with it, the page follows the hold by itself."""
    code = _normalise_code(code)
    held, token = _hold_of_session(request, code)
    if held is None:
        return _forbidden(request)
    error: DomainError | None = None
    notice = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "kirim-kode":
                hold_otp_send(hold=held)
                notice = _("Kode verifikasi dikirim ke WhatsApp Anda.")
            elif action == "konfirmasi":
                ticket = hold_otp_check(hold=held, code=request.POST.get("otp", ""))
                return _hold_confirmed(request, code, ticket, token)
        except DomainError as exc:
            error = exc
        held, token = _hold_of_session(request, code)
    state = hold_state(held)
    if request.method == "GET" and request.GET.get("format") == "json":
        return JsonResponse({"status": str(state)})
    if state == HoldStatus.CONFIRMED and held.ticket_id:
        return _hold_confirmed(request, code, held.ticket, token)
    context = {
        "hold": held,
        "state": str(state),
        "office": held.office,
        "service": held.service,
        "slot": held.slot,
        "proof_text": proof_text(held),
        "proof_link": proof_link(held),
        "otp_sent": bool(held.otp_sent_at),
        "otp_sends_left": max(settings.ANTREAN_OTP_MAX_SENDS - held.otp_sends, 0),
        "console": settings.WHATSAPP_GATEWAY == "console",
        "masked_phone": mask_phone(held.phone) if held.phone else "",
        "error": error,
        "notice": notice,
    }
    status = error.code.status if error else (410 if state == HoldStatus.EXPIRED else 200)
    return render(request, "booking/hold.html", context, status=status)


@never_cache
@require_safe
def booking_detail(request: HttpRequest, code: str) -> HttpResponse:
    code = _normalise_code(code)
    token = request.GET.get("t")
    if token is not None and not _owns(request, code):
        try:
            ticket = booking_get(code=code, token=token)
        except DomainError:
            return _forbidden(request)
        _own(request, ticket.code)
    if token is not None:
        # The token leaves the address bar (and the history) at once.
        return redirect("booking:booking", code=code)
    if not _owns(request, code):
        return _forbidden(request)
    ticket = selectors.ticket_for_owner(code=code)
    if ticket is None:
        return _not_found(request)
    fresh = request.session.get(FRESH_KEY)
    private_url = None
    if fresh and fresh.get("code") == code:
        del request.session[FRESH_KEY]
        private_url = request.build_absolute_uri(
            reverse("booking:booking", kwargs={"code": code}) + "?t=" + fresh["token"]
        )
    return render(
        request,
        "booking/booking_detail.html",
        {
            "ticket": ticket,
            "office": ticket.office,
            "service": ticket.service,
            "signature": getattr(ticket, "pact_signature", None),
            "can_cancel": can_move(ticket.status, Move.CANCEL),
            "just_booked": private_url is not None,
            "private_url": private_url,
            "step": 6 if private_url else None,
            "survey_url": survey_link_for(ticket),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def booking_cancel_view(request: HttpRequest, code: str) -> HttpResponse:
    code = _normalise_code(code)
    if not _owns(request, code):
        return _forbidden(request)
    ticket = selectors.ticket_for_owner(code=code)
    if ticket is None:
        return _not_found(request)
    if request.method == "GET":
        if not can_move(ticket.status, Move.CANCEL):
            return redirect("booking:booking", code=code)
        return render(
            request,
            "booking/cancel_confirm.html",
            {"ticket": ticket, "office": ticket.office, "service": ticket.service},
        )
    try:
        booking_cancel(ticket=ticket)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Antrean %(number)s sudah dibatalkan.") % {"number": ticket.number},
        )
    return redirect("booking:booking", code=code)


@never_cache
@require_safe
def booking_certificate(request: HttpRequest, code: str) -> HttpResponse:
    """The signed certificate PDF, as stored, for the booking's owner."""
    code = _normalise_code(code)
    if not _owns(request, code):
        return _forbidden(request)
    certificate = certificate_for_ticket(code=code)
    if certificate is not None and certificate.is_erased:
        return _not_found(request, _("Berkas piagam ini telah dihapus sesuai masa retensi data."))
    if certificate is None or not certificate.is_ready:
        return _not_found(request, _("Piagam belum tersedia. Coba lagi sebentar lagi."))
    return pdf_response(certificate)
