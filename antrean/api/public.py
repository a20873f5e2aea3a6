"""The public booking API: offices, services, slots, the pact, and bookings.

Thin endpoints: parse input, call one selector or service, render. Refusals are DomainErrors,
turned into `{"error", "message"}` responses by antrean.api.errors.
"""

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from ninja import Header, Router
from ninja.responses import Status

from antrean.api.schemas import (
    MAX_ID,
    BookingCreatedOut,
    BookingIn,
    BookingOut,
    DaySlotsOut,
    ErrorOut,
    HoldCreatedOut,
    HoldOut,
    IsoDate,
    OfficeOut,
    OtpIn,
    OtpSentOut,
    PactOut,
    PlainText,
    ServiceOut,
)
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
from antrean.booking.models import BookingHold, HoldStatus
from antrean.booking.selectors import office_get, offices_active
from antrean.booking.services import (
    BookingRequest,
    BookingResult,
    booking_cancel,
    booking_get,
)
from antrean.catalog.selectors import (
    service_day_slots,
    service_get,
    services_for_office,
    slot_is_bookable,
)
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.http import client_info
from antrean.feedback.services import survey_link_for
from antrean.integrity.models import Audience, Channel
from antrean.integrity.services import pact_in_force
from antrean.queueing.models import Ticket
from antrean.tenancy.models import Office

router = Router()

# Path segments are checked before they reach a query: a NUL byte would make PostgreSQL fail.
_OFFICE_CODE = re.compile(r"[-a-zA-Z0-9_]{1,40}")
_BOOKING_CODE = re.compile(r"[-0-9A-Za-z]{1,32}")

_TOKEN_HELP = "The `token` returned when the booking was made."  # noqa: S105 (not a secret)
_ERRORS_READ = {404: ErrorOut, 422: ErrorOut}
_ERRORS_BOOKING = {403: ErrorOut, 404: ErrorOut}


def _hhmm(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M") if value else None


def _office_get(code: str) -> Office:
    office = None
    if _OFFICE_CODE.fullmatch(code):
        office = office_get(code=code)
    if office is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    return office


def _booking_get(code: str, token: str | None) -> Ticket:
    if not _BOOKING_CODE.fullmatch(code):
        raise DomainError(ErrorCode.NOT_FOUND)
    return booking_get(code=code, token=token)


def _office_out(office: Office) -> dict:
    return {
        "code": office.code,
        "name": office.name,
        "timezone": office.timezone,
        "zone": office.zone_label,
        "region_code": office.region.code,
    }


def _ticket_out(ticket: Ticket) -> dict:
    slot = ticket.slot
    return {
        "code": ticket.code,
        "number": ticket.number,
        "status": str(ticket.status),
        "office": {"code": ticket.office.code, "name": ticket.office.name},
        "service": {
            "id": ticket.service.pk,
            "code": ticket.service.code,
            "name": ticket.service.name,
        },
        "date": ticket.date,
        "start": _hhmm(slot.start) if slot else None,
        "end": _hhmm(slot.end) if slot else None,
        "zone": ticket.office.zone_label,
    }


def _created_out(result: BookingResult) -> dict:
    ticket = result.ticket
    return {
        **_ticket_out(ticket),
        "token": result.token,
        "status_url": f"{settings.SITE_URL}/antrean/{ticket.code}/?t={result.token}",
    }


def _hold_get(code: str, token: str | None) -> BookingHold:
    if not _BOOKING_CODE.fullmatch(code):
        raise DomainError(ErrorCode.NOT_FOUND)
    return hold_get(code=code, token=token)


def _hold_out(hold: BookingHold) -> dict:
    state = hold_state(hold)
    return {
        "hold_code": hold.code,
        "status": str(state),
        "expires_at": hold.expires_at,
        "proof": {
            "text": proof_text(hold),
            "whatsapp_link": proof_link(hold),
            "otp_sends_left": max(settings.ANTREAN_OTP_MAX_SENDS - hold.otp_sends, 0),
        }
        if state == HoldStatus.HELD
        else None,
        "booking": _booking_out(hold.ticket) if hold.ticket_id else None,
    }


def _release_mode(service, date: dt.date, now: dt.datetime) -> tuple[str, dict | None, bool]:
    """(mode, the day's draw window, whether its places are still only to be drawn)."""
    if service.release_mode != "draw":
        return "first_come", None, False
    from antrean.draws.models import Draw, DrawStatus
    from antrean.draws.services import draw_window

    draw = Draw.objects.filter(service=service, date=date).first()
    opens_at, closes_at = (draw.opens_at, draw.closes_at) if draw else draw_window(service, date)
    status = draw.status if draw else "not_open"
    window = {"id": draw.pk if draw else None, "opens_at": opens_at, "closes_at": closes_at}
    return "draw", window | {"status": status}, status != DrawStatus.DRAWN


def _booking_out(ticket: Ticket) -> dict:
    try:
        signature = ticket.pact_signature
    except ObjectDoesNotExist:  # walk-in tickets signed nothing online
        signature = None
    return {
        **_ticket_out(ticket),
        "name_masked": ticket.masked_name,
        "nik_masked": ticket.masked_nik,
        "whatsapp_masked": ticket.masked_phone,
        "pact": {
            "version": signature.pact_version,
            "sha256": signature.pact_sha256,
            "signed_at": signature.signed_at,
        }
        if signature
        else None,
        "survey_url": survey_link_for(ticket),
    }


@router.get(
    "/offices",
    response=list[OfficeOut],
    tags=["Offices"],
    operation_id="listOffices",
    summary="List offices",
    description="Every active office that takes online bookings.",
)
def list_offices(request):
    return [_office_out(office) for office in offices_active()]


@router.get(
    "/offices/{code}/services",
    response={200: list[ServiceOut], 404: ErrorOut},
    tags=["Offices"],
    operation_id="listOfficeServices",
    summary="List an office's services",
    description="Active services of the office with their service standard: official fee, "
    "requirements and typical duration.",
)
def list_services(request, code: PlainText):
    office = _office_get(code)
    return [
        {
            "id": service.pk,
            "code": service.code,
            "name": service.name,
            "agency": {
                "code": service.agency.code,
                "name": service.agency.name,
                "short_name": service.agency.short_name,
            },
            "prefix": service.prefix,
            "fee": service.fee,
            "fee_note": service.fee_note,
            "duration_minutes": service.duration_minutes,
            "requirements": service.requirement_list,
        }
        for service in services_for_office(office=office)
    ]


@router.get(
    "/offices/{code}/pact",
    response={200: PactOut, 404: ErrorOut},
    tags=["Offices"],
    operation_id="getOfficePact",
    summary="The citizen's integrity pact in force",
    description="Show `text` in full to the citizen; a booking must send back `version` and "
    "`sha256` with `pact_agreed: true`.",
)
def get_pact(request, code: PlainText):
    office = _office_get(code)
    rendering = pact_in_force(office=office, audience=Audience.CITIZEN)
    if rendering is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    return {
        "version": rendering.pact.version,
        "scope": "national" if rendering.is_national else "office",
        "clauses_version": rendering.clauses.version if rendering.clauses_id else None,
        "sha256": rendering.sha256,
        "language": rendering.pact.language,
        "title": rendering.pact.title,
        "text": rendering.text,
    }


@router.get(
    "/services/{int:service_id}/slots",
    response={200: DaySlotsOut, **_ERRORS_READ},
    tags=["Services"],
    operation_id="listServiceSlots",
    summary="A service's slots on one date",
    description="Times are local to the office (`HH:MM`). On a closed day `open` is false, "
    "`reason` says why, and `slots` is empty.",
)
def list_slots(request, service_id: int, date: IsoDate):
    service = service_get(service_id=service_id) if 1 <= service_id <= MAX_ID else None
    if service is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    now = timezone.now()
    day = service_day_slots(service=service, date=date, now=now)
    mode, draw, by_draw = _release_mode(service, date, now)
    return {
        "date": day.date,
        "open": day.open,
        "reason": day.reason,
        "mode": mode,
        "draw": draw,
        "slots": [
            {
                "id": slot.pk,
                "start": _hhmm(slot.start),
                "end": _hhmm(slot.end),
                "capacity": slot.capacity,
                "remaining": slot.remaining,
                "next_release_at": slot.next_release,
                "bookable": day.open
                and not by_draw
                and slot.remaining > 0
                and slot_is_bookable(slot, office=service.office, now=now),
            }
            for slot in day.slots
        ],
    }


@router.post(
    "/bookings",
    response={
        201: BookingCreatedOut,
        202: HoldCreatedOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
        503: ErrorOut,
    },
    tags=["Bookings"],
    operation_id="createBooking",
    summary="Book a queue number",
    description="Takes a place in the slot, signs the integrity pact and gives a queue "
    "number, all at once. Keep `token`: it is the only way to read or cancel the booking "
    "and it is not shown again. Refused with 429 `rate_limited` after too many bookings from "
    "one network address in a short time, and 403 `blocked_no_show` for a NIK blocked after "
    "repeated no-shows. Where NIK verification is on (`ANTREAN_NIK_VERIFIER=dukcapil`), 422 "
    "`nik_not_verified` for a NIK the population registry does not hold under this name, and "
    "503 `nik_registry_unavailable` when the registry does not answer and the office takes "
    "only verified bookings.\n\n"
    "Where the office asks for proof of the WhatsApp number on the API (docs/number-proof.md), "
    "the answer is 202 with a *hold* instead: the place is kept for `expires_at` while the "
    "number is proven, by sending `proof.text` from that number to the office's WhatsApp "
    "(`proof.whatsapp_link`), or by a one-time code (`POST /holds/{hold_code}/otp`, then "
    "`/confirm`). Read it with `GET /holds/{hold_code}`; only a confirmed hold becomes a "
    "booking (number, pact signature, certificate). An expired hold leaves nothing.",
)
def create_booking(request, payload: BookingIn):
    result = booking_start(
        request=BookingRequest(**payload.dict()),
        client=client_info(request, channel=Channel.API),
    )
    if isinstance(result, HoldResult):
        return Status(202, {**_hold_out(result.hold), "token": result.token})
    return Status(201, _created_out(result))


@router.get(
    "/bookings/{code}",
    response={200: BookingOut, **_ERRORS_BOOKING},
    tags=["Bookings"],
    operation_id="getBooking",
    summary="Read a booking",
    description="Personal data comes back masked only.",
)
def get_booking(
    request,
    code: PlainText,
    token: PlainText = Header(None, alias="X-Booking-Token", description=_TOKEN_HELP),
):
    return _booking_out(_booking_get(code, token))


@router.post(
    "/bookings/{code}/cancel",
    response={200: BookingOut, 409: ErrorOut, **_ERRORS_BOOKING},
    tags=["Bookings"],
    operation_id="cancelBooking",
    summary="Cancel a booking",
    description="Frees the place in the slot; the queue number stays retired. Cancelling a "
    "cancelled booking changes nothing and succeeds again. A ticket already called or served "
    "cannot be cancelled (`invalid_transition`).",
)
def cancel_booking(
    request,
    code: PlainText,
    token: PlainText = Header(None, alias="X-Booking-Token", description=_TOKEN_HELP),
):
    ticket = _booking_get(code, token)
    cancelled = booking_cancel(ticket=ticket)
    ticket.status, ticket.cancelled_at = cancelled.status, cancelled.cancelled_at
    return _booking_out(ticket)


_HOLD_TOKEN_HELP = "The `token` returned with the hold."  # noqa: S105 (not a secret)
_ERRORS_HOLD = {403: ErrorOut, 404: ErrorOut, 410: ErrorOut}


@router.get(
    "/holds/{code}",
    response={200: HoldOut, **_ERRORS_HOLD},
    tags=["Bookings"],
    operation_id="getHold",
    summary="Read a held place",
    description="`held` while the number is not proven yet, `confirmed` with the booking, or "
    "`expired`. Poll it after sending the proof message.",
)
def get_hold(
    request,
    code: PlainText,
    token: PlainText = Header(None, alias="X-Booking-Token", description=_HOLD_TOKEN_HELP),
):
    return _hold_out(_hold_get(code, token))


@router.post(
    "/holds/{code}/otp",
    response={202: OtpSentOut, 409: ErrorOut, 429: ErrorOut, **_ERRORS_HOLD},
    tags=["Bookings"],
    operation_id="sendHoldCode",
    summary="Send a one-time code to the held booking's WhatsApp",
    description="Sends six digits with WhatsApp's authentication template; a new code "
    "replaces the previous one. 429 `otp_too_soon` (with `Retry-After`) when asked again "
    "within a minute, 429 `otp_send_limit` after three codes, 410 `hold_expired`.",
)
def send_hold_code(
    request,
    code: PlainText,
    token: PlainText = Header(None, alias="X-Booking-Token", description=_HOLD_TOKEN_HELP),
):
    hold = _hold_get(code, token)
    expires_at = hold_otp_send(hold=hold)
    hold.refresh_from_db(fields=["otp_sends"])
    return Status(
        202,
        {
            "otp_expires_at": expires_at,
            "otp_sends_left": max(settings.ANTREAN_OTP_MAX_SENDS - hold.otp_sends, 0),
        },
    )


@router.post(
    "/holds/{code}/confirm",
    response={201: BookingOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut, **_ERRORS_HOLD},
    tags=["Bookings"],
    operation_id="confirmHold",
    summary="Confirm a held booking with the one-time code",
    description="The booking is made (number, pact signature, certificate, message) and "
    "returned; read or cancel it with the same token. 422 `otp_invalid` for a wrong code "
    "(every wrong try counts), 429 `otp_locked` after five, 410 `otp_expired` or "
    "`hold_expired`. Confirming a confirmed hold returns its booking again.",
)
def confirm_hold(
    request,
    code: PlainText,
    payload: OtpIn,
    token: PlainText = Header(None, alias="X-Booking-Token", description=_HOLD_TOKEN_HELP),
):
    hold = _hold_get(code, token)
    ticket = hold_otp_check(hold=hold, code=payload.otp)
    ticket = booking_get(code=ticket.code, token=token)
    return Status(201, _booking_out(ticket))
