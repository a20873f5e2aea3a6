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
    IsoDate,
    OfficeOut,
    PactOut,
    PlainText,
    ServiceOut,
)
from antrean.booking.selectors import office_get, offices_active
from antrean.booking.services import (
    BookingRequest,
    BookingResult,
    booking_cancel,
    booking_create,
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
    return {
        "date": day.date,
        "open": day.open,
        "reason": day.reason,
        "slots": [
            {
                "id": slot.pk,
                "start": _hhmm(slot.start),
                "end": _hhmm(slot.end),
                "capacity": slot.capacity,
                "remaining": slot.remaining,
                "bookable": day.open
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
    "only verified bookings.",
)
def create_booking(request, payload: BookingIn):
    result = booking_create(
        request=BookingRequest(**payload.dict()),
        client=client_info(request, channel=Channel.API),
    )
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
