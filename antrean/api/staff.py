"""The queue over the API: staff login, counters, the officer pact, check-in, walk-ins and
every move a counter makes.

Staff endpoints take `Authorization: Bearer <token>` from `POST /v1/auth/token`. The engine
(queueing.services) checks every counter move itself: the officer may operate the counter,
the ticket belongs to it, and the officer signed today's pact. Endpoints stay thin.
"""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from antrean.api.auth import staff_auth, staff_login, staff_or_kiosk_auth
from antrean.api.public import _office_get
from antrean.api.schemas import (
    MAX_ID,
    CallIn,
    CheckedInOut,
    CheckInIn,
    CounterIn,
    CounterOut,
    CounterStateOut,
    ErrorOut,
    OfficerPactIn,
    OfficerPactOut,
    PlainText,
    StaffTicketReadOut,
    TicketMoveOut,
    TokenIn,
    TokenOut,
    TransferIn,
    WaitOut,
    WalkInIn,
    WalkInOut,
)
from antrean.catalog.models import Counter
from antrean.catalog.selectors import service_get
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.http import client_info
from antrean.display.kiosk import kiosk_check_in
from antrean.display.models import Kiosk
from antrean.feedback.services import survey_link_for
from antrean.integrity.models import Audience, Channel, PactSignature
from antrean.integrity.services import pact_in_force
from antrean.queueing import services as queue
from antrean.queueing.models import Ticket
from antrean.queueing.selectors import (
    counter_current_ticket,
    counter_queue_lengths,
    counters_for_office,
    service_wait_estimate,
    ticket_for_staff,
    ticket_position,
)
from antrean.tenancy import permissions
from antrean.tenancy.models import Membership, Office

router = Router()

_401 = {401: ErrorOut}
_STAFF_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_MOVE_ERRORS = {**_STAFF_ERRORS, 409: ErrorOut, 422: ErrorOut}
_MOVE_HELP = (
    "Send the counter the officer works at as `counter_id`. Refused with 403 `forbidden` "
    "for a counter or ticket of another office or agency, or a ticket called to another "
    "counter; 403 `officer_pact_required` before the officer pact is signed today; 409 "
    "`invalid_transition` when the ticket's status does not allow this move (or, to resume, "
    "while the counter is busy with another ticket)."
)


# --- Helpers -------------------------------------------------------------------------------


def _staff(request) -> AbstractBaseUser:
    """The staff account behind the token (other token kinds may not act as staff)."""
    if not isinstance(request.auth, AbstractBaseUser):
        raise DomainError(ErrorCode.FORBIDDEN)
    return request.auth


def _in_range(value: int) -> bool:
    return 1 <= value <= MAX_ID


def _counter_get(counter_id: int) -> Counter:
    counter = None
    if _in_range(counter_id):
        counter = Counter.objects.select_related("office", "agency").filter(pk=counter_id).first()
    if counter is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    return counter


def _officer_office(user, code: str | None) -> Office:
    """The office named, if the account belongs to it; else the account's only office."""
    if code is not None:
        office = _office_get(code)
        if not permissions.can_see_office(user, office.pk):
            raise DomainError(ErrorCode.FORBIDDEN, field="office")
        return office
    offices = list(Office.objects.filter(memberships__user=user, is_active=True).distinct()[:2])
    if len(offices) != 1:
        raise DomainError(
            ErrorCode.INVALID_REQUEST,
            field="office",
            message=_("Sebutkan kode kantor: akun ini tidak terikat pada tepat satu kantor."),
        )
    return offices[0]


def _service_ref(service) -> dict:
    return {"id": service.pk, "code": service.code, "name": service.name}


def _counter_ref(counter: Counter | None) -> dict | None:
    if counter is None:
        return None
    return {"id": counter.pk, "number": counter.number, "name": str(counter)}


def _pact_signed(ticket: Ticket) -> bool:
    try:
        return ticket.pact_signature is not None
    except ObjectDoesNotExist:
        return False


def _staff_ticket(ticket: Ticket) -> dict:
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "service": _service_ref(ticket.service),
        "status": str(ticket.status),
        "counter": _counter_ref(ticket.counter),
        "priority": ticket.priority,
        "channel": ticket.channel,
        "name_masked": ticket.masked_name,
        "pact_signed": _pact_signed(ticket),
        "arrived_at": ticket.arrived_at,
        "called_at": ticket.called_at,
        "started_at": ticket.started_at,
    }


def _moved(ticket: Ticket) -> dict:
    return {"ticket": _staff_ticket(ticket)}


def _officer_pact_out(user, office: Office, signature: PactSignature | None) -> dict:
    agency = queue.officer_agency(user=user, office=office)
    rendering = pact_in_force(office=office, audience=Audience.OFFICER, agency=agency)
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
        "signed_today": signature is not None,
        "signed_at": signature.signed_at if signature else None,
        "ledger_seq": signature.ledger_seq if signature else None,
    }


# --- Login ---------------------------------------------------------------------------------


@router.post(
    "/auth/token",
    response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    tags=["Staff"],
    operation_id="createStaffToken",
    summary="Log in as staff and get a Bearer token",
    description="For officers and admins with a staff account. Wrong credentials, or an "
    "account that may not use the API, answer 401 `bad_credentials`.\n\n"
    "**Two-factor sign-in.** Admin roles (office, agency and national admins, superusers) "
    "and every account that turned two-factor sign-in on must also send `otp`: the current "
    "6-digit code of their authenticator app, or one unused recovery code. Without it: 401 "
    "`otp_required`; a wrong or already used code: 401 `bad_otp` (counted like a wrong "
    "password); an admin account that has not set up its authenticator yet: 403 "
    "`two_factor_setup_required` (it is set up by signing in at /staf/masuk/). Officers "
    "without two-factor sign-in leave `otp` out.\n\n"
    "**Lockout.** After 5 wrong passwords or codes, the username is locked from this address: "
    "429 `too_many_attempts`, even with the right password, with a `Retry-After` header "
    "(seconds) and the time to wait in `message`. Each further lockout in a row lasts twice "
    "as long (2 minutes at first by default); an office admin can lift it.\n\n"
    "The token lasts 12 hours.",
)
def create_token(request, payload: TokenIn):
    issued = staff_login(
        request, username=payload.username, password=payload.password, otp=payload.otp
    )
    user = issued.token.user
    memberships = Membership.objects.filter(user=user).select_related("office", "agency")
    return {
        "token": issued.secret,
        "expires_at": issued.token.expires_at,
        "user": {"username": user.get_username(), "name": user.get_full_name() or user.username},
        "memberships": [
            {
                "role": m.role,
                "office": {"code": m.office.code, "name": m.office.name} if m.office else None,
                "agency": {"code": m.agency.code, "name": m.agency.name} if m.agency else None,
            }
            for m in memberships.order_by("pk")
        ],
    }


# --- Public: counters, check-in, wait ------------------------------------------------------


@router.get(
    "/offices/{code}/counters",
    response={200: list[CounterOut], 404: ErrorOut},
    tags=["Counters"],
    operation_id="listOfficeCounters",
    summary="An office's open counters and the number each is serving",
    description="For displays and kiosks; no personal data.",
)
def list_counters(request, code: PlainText):
    office = _office_get(code)
    out = []
    for counter in counters_for_office(office_code=office.code):
        current = counter_current_ticket(counter=counter)
        out.append(
            {
                "id": counter.pk,
                "number": counter.number,
                "name": str(counter),
                "agency": {"code": counter.agency.code, "name": counter.agency.name},
                "services": [
                    {"id": s.pk, "code": s.code, "name": s.name, "prefix": s.prefix}
                    for s in sorted(counter.services.all(), key=lambda s: s.prefix)
                    if s.is_active
                ],
                "current": {"number": current.number, "status": str(current.status)}
                if current
                else None,
            }
        )
    return out


@router.post(
    "/checkin",
    auth=staff_or_kiosk_auth,
    response={
        200: CheckedInOut,
        401: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    tags=["Kiosk"],
    operation_id="checkIn",
    summary="Check in a booking: it joins the waiting queue",
    description="For a staff account (`Authorization: Bearer` from `/v1/auth/token`) or a "
    "registered kiosk (its device token as the Bearer token). With the booking code and the "
    "last 4 digits of the booker's NIK, inside the slot's check-in window "
    "(`checkin_too_early`, `checkin_too_late`). A wrong code and a wrong NIK ending both "
    "answer `checkin_refused`; while check-in is not open the right and a wrong ending get "
    "the same answer. After 5 wrong endings in a day the code is locked everywhere (kiosk, "
    "console, API) until the next day: 429 `too_many_attempts`. Staff may check in only "
    "bookings of their agency (office admins: of their office), else 403 `forbidden`; a "
    "kiosk only its own office's bookings. Checking in again returns the ticket.",
)
def check_in(request, payload: CheckInIn):
    if isinstance(request.auth, Kiosk):
        ticket = kiosk_check_in(kiosk=request.auth, code=payload.code, nik_last4=payload.nik_last4)
    else:
        ticket = queue.ticket_check_in(
            code=payload.code, nik_last4=payload.nik_last4, officer=_staff(request)
        )
    return {
        "id": ticket.pk,
        "code": ticket.code,
        "number": ticket.number,
        "service": _service_ref(ticket.service),
        "status": str(ticket.status),
        "position": ticket_position(ticket=ticket),
    }


@router.get(
    "/services/{int:service_id}/wait",
    response={200: WaitOut, 404: ErrorOut},
    tags=["Services"],
    operation_id="getServiceWait",
    summary="Estimated waiting time of a service now",
    description="From recent service durations and the counters open now.",
)
def service_wait(request, service_id: int):
    service = service_get(service_id=service_id) if _in_range(service_id) else None
    if service is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    return service_wait_estimate(service=service).__dict__


# --- Staff: officer pact, walk-in ----------------------------------------------------------


@router.get(
    "/officer/pact",
    auth=staff_auth,
    response={200: OfficerPactOut, **_STAFF_ERRORS, 422: ErrorOut},
    tags=["Officer"],
    operation_id="getOfficerPact",
    summary="The officer pact in force, and whether it is signed today",
    description="Show `text` in full; sign it with POST before the first call of the day. "
    "`office` may be left out when the account belongs to one office.",
)
def get_officer_pact(request, office: PlainText = Query(None, max_length=40)):
    user = _staff(request)
    where = _officer_office(user, office)
    signature = queue.officer_pact_signed_today(user=user, office=where)
    return _officer_pact_out(user, where, signature)


@router.post(
    "/officer/pact",
    auth=staff_auth,
    response={200: OfficerPactOut, **_STAFF_ERRORS, 422: ErrorOut},
    tags=["Officer"],
    operation_id="signOfficerPact",
    summary="Sign today's officer pact",
    description="Send back `version` and `sha256` of the text shown, with `pact_agreed: "
    "true`. Recorded in the office's ledger; signing again the same day returns the same "
    "signature.",
)
def sign_officer_pact(request, payload: OfficerPactIn):
    user = _staff(request)
    where = _officer_office(user, payload.office)
    signature = queue.officer_pact_sign(
        user=user,
        office=where,
        pact_version=payload.pact_version,
        pact_sha256=payload.pact_sha256,
        pact_agreed=payload.pact_agreed,
        client=client_info(request, channel=Channel.COUNTER),
    )
    return _officer_pact_out(user, where, signature)


@router.post(
    "/offices/{code}/tickets",
    auth=staff_auth,
    response={201: WalkInOut, **_STAFF_ERRORS, 409: ErrorOut, 422: ErrorOut},
    tags=["Counters"],
    operation_id="createWalkIn",
    summary="Issue a walk-in ticket",
    description="For a citizen at the counter: the ticket goes straight into the waiting "
    "queue, with the citizen's pact signed on the spot (send `version` and `sha256` of "
    "`/offices/{code}/pact`). Refused with 409 `walkin_full` when the day's walk-in quota is "
    "used up, 422 `office_closed` outside opening hours, and 403 `forbidden` for a service "
    "of another agency.",
)
def create_walk_in(request, code: PlainText, payload: WalkInIn):
    user = _staff(request)
    office = _office_get(code)
    service = service_get(service_id=payload.service_id)
    if service is None or service.office_id != office.pk:
        raise DomainError(ErrorCode.NOT_FOUND, field="service_id")
    permissions.require(
        permissions.can_act_for(user, office_id=office.pk, agency_id=service.agency_id)
    )
    walk_in = queue.ticket_walk_in(
        service=service,
        name=payload.name,
        pact_version=payload.pact_version,
        pact_sha256=payload.pact_sha256,
        pact_agreed=payload.pact_agreed,
        client=client_info(request, channel=Channel.COUNTER),
        priority=payload.priority,
        officer=user,
    )
    ticket = walk_in.ticket
    return Status(
        201,
        {
            "id": ticket.pk,
            "code": ticket.code,
            "number": ticket.number,
            "service": _service_ref(ticket.service),
            "status": str(ticket.status),
            "token": walk_in.token,
            "status_url": f"{settings.SITE_URL}/antrean/{ticket.code}/?t={walk_in.token}",
        },
    )


# --- Staff: the counter --------------------------------------------------------------------


@router.get(
    "/counters/{int:counter_id}/state",
    auth=staff_auth,
    response={200: CounterStateOut, **_STAFF_ERRORS},
    tags=["Counters"],
    operation_id="getCounterState",
    summary="What the counter console shows",
    description="The ticket at the counter, the queue of each of its services with an "
    "estimate, and whether the officer signed today's pact.",
)
def counter_state(request, counter_id: int):
    user = _staff(request)
    counter = _counter_get(counter_id)
    permissions.require(permissions.can_operate_counter(user, counter))
    current = counter_current_ticket(counter=counter)
    signature = queue.officer_pact_signed_today(user=user, office=counter.office)
    return {
        "counter": _counter_ref(counter),
        "current": _staff_ticket(current) if current else None,
        "queues": [
            {
                "service": _service_ref(row["service"]),
                "waiting": row["waiting"],
                "estimate_minutes": service_wait_estimate(service=row["service"]).minutes,
            }
            for row in counter_queue_lengths(counter=counter)
        ],
        "officer": {
            "pact_signed_today": signature is not None,
            "signed_at": signature.signed_at if signature else None,
        },
    }


@router.post(
    "/counters/{int:counter_id}/call-next",
    auth=staff_auth,
    response={200: TicketMoveOut, **_STAFF_ERRORS, 409: ErrorOut},
    tags=["Counters"],
    operation_id="callNext",
    summary="Call the next ticket to this counter",
    description="The first waiting ticket of the counter's services, in the fair order "
    "(priority groups first, but one regular ticket after a streak; then by slot or arrival). "
    "404 `queue_empty` when nobody waits; 409 `invalid_transition` while the counter still "
    "has a ticket called or being served; 403 `forbidden` for a counter of another office or "
    "agency; 403 `officer_pact_required` before today's officer pact.",
)
def call_next(request, counter_id: int):
    counter = _counter_get(counter_id)
    return _moved(queue.ticket_call_next(counter=counter, officer=_staff(request)))


@router.post(
    "/counters/{int:counter_id}/call",
    auth=staff_auth,
    response={200: TicketMoveOut, **_MOVE_ERRORS},
    tags=["Counters"],
    operation_id="callSpecific",
    summary="Call one ticket out of order, with a reason",
    description="The reason is required (422 `reason_required`), recorded with the call, "
    "and the call is flagged for the office's audit when someone was skipped.",
)
def call_specific(request, counter_id: int, payload: CallIn):
    counter = _counter_get(counter_id)
    ticket = queue.ticket_call_specific(
        ticket_id=payload.ticket_id, counter=counter, officer=_staff(request), reason=payload.reason
    )
    return _moved(ticket)


@router.get(
    "/tickets/{int:ticket_id}",
    auth=staff_auth,
    response={200: StaffTicketReadOut, **_STAFF_ERRORS},
    tags=["Tickets"],
    operation_id="getTicket",
    summary="Read a ticket back",
    description="The ticket as the counter sees it; once it is `done`, `survey_url` is its "
    "satisfaction survey (open it on the counter's feedback tablet or show it as a QR). "
    "403 `forbidden` for a ticket of another office or agency.",
)
def get_ticket(request, ticket_id: int):
    user = _staff(request)
    if not _in_range(ticket_id):
        raise DomainError(ErrorCode.NOT_FOUND)
    ticket = ticket_for_staff(user=user, ticket_id=ticket_id)
    return {**_staff_ticket(ticket), "survey_url": survey_link_for(ticket)}


def _move(request, ticket_id: int, payload: CounterIn, action) -> dict:
    if not _in_range(ticket_id):
        raise DomainError(ErrorCode.NOT_FOUND)
    counter = _counter_get(payload.counter_id)
    return _moved(action(ticket_id=ticket_id, counter=counter, officer=_staff(request)))


def _move_route(path: str, operation_id: str, summary: str):
    return router.post(
        f"/tickets/{{int:ticket_id}}/{path}",
        auth=staff_auth,
        response={200: TicketMoveOut, **_MOVE_ERRORS},
        tags=["Tickets"],
        operation_id=operation_id,
        summary=summary,
        description=_MOVE_HELP,
    )


@_move_route("recall", "recallTicket", "Announce a called ticket again")
def recall(request, ticket_id: int, payload: CounterIn):
    return _move(request, ticket_id, payload, queue.ticket_recall)


@_move_route("start", "startTicket", "Start serving a called ticket")
def start(request, ticket_id: int, payload: CounterIn):
    return _move(request, ticket_id, payload, queue.ticket_start)


@_move_route("finish", "finishTicket", "Finish serving a ticket")
def finish(request, ticket_id: int, payload: CounterIn):
    return _move(request, ticket_id, payload, queue.ticket_finish)


@_move_route("no-show", "markNoShow", "Mark a called ticket as not present")
def no_show(request, ticket_id: int, payload: CounterIn):
    return _move(request, ticket_id, payload, queue.ticket_no_show)


@_move_route("hold", "holdTicket", "Put a ticket being served on hold")
def hold(request, ticket_id: int, payload: CounterIn):
    return _move(request, ticket_id, payload, queue.ticket_hold)


@_move_route("resume", "resumeTicket", "Resume serving a ticket on hold")
def resume(request, ticket_id: int, payload: CounterIn):
    return _move(request, ticket_id, payload, queue.ticket_resume)


@_move_route("cancel", "cancelTicketAtCounter", "Cancel a ticket at the counter")
def cancel(request, ticket_id: int, payload: CounterIn):
    return _move(request, ticket_id, payload, queue.ticket_cancel_at_counter)


@_move_route("transfer", "transferTicket", "Send a ticket being served to another service")
def transfer(request, ticket_id: int, payload: TransferIn):
    if not _in_range(ticket_id):
        raise DomainError(ErrorCode.NOT_FOUND)
    counter = _counter_get(payload.counter_id)
    ticket = queue.ticket_transfer(
        ticket_id=ticket_id,
        counter=counter,
        officer=_staff(request),
        service_id=payload.service_id,
    )
    return _moved(ticket)
