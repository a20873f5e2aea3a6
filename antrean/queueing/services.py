"""The queue engine: numbering, check-in, walk-in, fair calling and every move of a ticket.

Each move is one short transaction that locks the ticket, checks the state table
(queueing/states.py), applies the move and writes an append-only TicketEvent. Calling the next
ticket takes it with SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL, so two counters calling at
the same instant never get the same ticket; on SQLite the IMMEDIATE write lock serialises
callers, with the same result.
"""

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from antrean.catalog.models import Counter, Service
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.identity import clean_name
from antrean.core.tokens import token_hash
from antrean.integrity.models import Audience
from antrean.integrity.services import (
    ClientInfo,
    pact_check_agreement,
    pact_in_force,
    pact_signature_create,
)
from antrean.queueing.models import (
    AuditFlag,
    CallState,
    CheckInAttempts,
    Priority,
    Ticket,
    TicketEvent,
    TicketSequence,
    new_booking_code,
)
from antrean.queueing.states import Move, Status, can_move, target
from antrean.tenancy import permissions
from antrean.tenancy.models import Office
from antrean.tenancy.selectors import office_day_status

# A ticket called this soon after arriving, with this many others waiting ahead of it, is
# flagged "served without waiting" for an admin's second look.
NO_WAIT_SECONDS = 60
NO_WAIT_AHEAD = 3
# Finishing in less than this share of the service's normal duration is flagged.
TOO_FAST_SHARE = 0.2
# An officer marking this many no-shows in one day is flagged (again at each multiple).
NO_SHOW_FLAG_EVERY = 3


def ticket_number_next(*, service: Service, date: dt.date) -> int:
    """Take the next number of (service, date). Must run inside the transaction that creates
    the ticket: the row lock taken here serialises numbering per service and day, and a
    rollback gives the number back, so numbers are unique and gapless.
    """
    table = TicketSequence._meta.db_table
    with connection.cursor() as cursor:
        # Both SQLite (≥ 3.35) and PostgreSQL speak ON CONFLICT and RETURNING.
        cursor.execute(
            f"INSERT INTO {table} (service_id, date, last, walkins) VALUES (%s, %s, 1, 0) "  # noqa: S608
            f"ON CONFLICT (service_id, date) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [service.pk, date],
        )
        (seq,) = cursor.fetchone()
    return seq


def walk_in_number_next(*, service: Service, date: dt.date) -> int | None:
    """Like ticket_number_next, but only within the service's daily walk-in quota: None when
    the quota is used up (and then nothing changed)."""
    table = TicketSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (service_id, date, last, walkins) VALUES (%s, %s, 1, 1) "  # noqa: S608
            f"ON CONFLICT (service_id, date) DO UPDATE SET last = {table}.last + 1, "
            f"walkins = {table}.walkins + 1 WHERE {table}.walkins < %s "
            "RETURNING last",
            [service.pk, date, service.walkin_daily_quota],
        )
        row = cursor.fetchone()
    if row is None or service.walkin_daily_quota == 0:
        return None
    return row[0]


def format_number(prefix: str, seq: int) -> str:
    return f"{prefix}-{seq:03d}"


# --- Events and moves ----------------------------------------------------------------------


def ticket_event(
    ticket: Ticket,
    move: str,
    *,
    from_status: str,
    at: dt.datetime,
    officer=None,
    counter: Counter | None = None,
    note: str = "",
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        move=move,
        from_status=from_status,
        to_status=ticket.status,
        at=at,
        officer=officer,
        counter=counter,
        service_id=ticket.service_id,
        note=note,
    )


def _lock(ticket_id: int) -> Ticket:
    # of=self: PostgreSQL refuses FOR UPDATE on the nullable side of the outer join to slot.
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .filter(pk=ticket_id)
        .select_related("service", "office", "slot")
        .first()
    )
    if ticket is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    return ticket


def _apply(ticket: Ticket, move: Move, *, at, officer=None, counter=None, note="", **fields):
    """Check the state table, set the new status and fields, save, and record the event."""
    if not can_move(ticket.status, move):
        raise DomainError(ErrorCode.INVALID_TRANSITION)
    before = ticket.status
    ticket.status = target(ticket.status, move)
    for name, value in fields.items():
        setattr(ticket, name, value)
    ticket.save(update_fields=["status", *fields])
    ticket_event(
        ticket, move, from_status=before, at=at, officer=officer, counter=counter, note=note
    )
    _announce(ticket, move)
    return ticket


def _announce(ticket: Ticket, move: str) -> None:
    """After a move: tell the screens (after commit) and queue the citizen's WhatsApp
    messages (in this transaction): `called`, and `turn_near` for whoever is now close."""
    from antrean.display.events import ticket_moved
    from antrean.notifications.models import Kind
    from antrean.notifications.services import message_queue

    ticket_moved(ticket, move)
    if move == Move.CALL and ticket.counter_id:
        message_queue(
            ticket=ticket, kind=Kind.CALLED, params=[ticket.number, str(ticket.counter.number)]
        )
    if move in (Move.CALL, Move.CHECK_IN, Move.NO_SHOW, Move.CANCEL, Move.TRANSFER, "issue"):
        near = ticket.office.turn_near_ahead
        waiting = call_order(
            Ticket.objects.filter(
                service=ticket.service_id, date=ticket.date, status=Status.WAITING
            ),
            regular_first=False,
        ).select_related("office", "service")[:near]
        for ahead, other in enumerate(waiting):
            if other.whatsapp_consent:  # once per ticket: the outbox keeps (ticket, kind) unique
                message_queue(ticket=other, kind=Kind.TURN_NEAR, params=[other.number, str(ahead)])


def _flag(ticket: Ticket | None, kind: str, *, office_id, officer, counter, at, detail: str):
    AuditFlag.objects.create(
        office_id=office_id,
        kind=kind,
        ticket=ticket,
        officer=officer,
        counter=counter,
        at=at,
        detail=detail,
    )


# --- Check-in and walk-in ------------------------------------------------------------------


def queue_key_for(ticket: Ticket, *, arrived_at: dt.datetime) -> dt.datetime:
    """A booker who arrives on time (up to the office's grace after the slot starts) keeps
    the slot's place; anyone else queues from the moment they arrived."""
    slot = ticket.slot
    if slot is not None:
        grace = dt.timedelta(minutes=ticket.office.ontime_grace_minutes)
        if arrived_at <= slot.starts_at + grace:
            return (
                min(slot.starts_at, arrived_at) if arrived_at < slot.starts_at else slot.starts_at
            )
    return arrived_at


def _last4_matches(ticket: Ticket, last4: str) -> bool:
    # As bytes: compare_digest raises TypeError on str holding anything but ASCII.
    typed = (last4 or "").strip().encode()
    return bool(ticket.nik) and secrets.compare_digest(ticket.nik[-4:].encode(), typed)


# Wrong NIK endings allowed for one booking in one local day, over every place that checks in.
CHECKIN_ATTEMPTS = 5


def _checkin_locked_error() -> DomainError:
    return DomainError(
        ErrorCode.TOO_MANY_ATTEMPTS,
        field="code",
        message=_(
            "Terlalu banyak percobaan yang salah untuk kode ini. Check-in kode ini dikunci "
            "sampai besok; silakan minta bantuan petugas."
        ),
    )


def _checkin_scope_error(ticket: Ticket, *, officer, counter, kiosk) -> DomainError | None:
    """Who may check this ticket in here. A kiosk handles only its own office's bookings and
    says of any other what it says of an unknown code; staff are refused with `forbidden`.
    At a counter the ticket must belong to the counter's office and agency, so the event
    never records a counter that does not serve it."""
    if kiosk is not None:
        if ticket.office_id != kiosk.office_id:
            return DomainError(ErrorCode.CHECKIN_REFUSED, field="code")
        return None
    if officer is None:
        return DomainError(ErrorCode.FORBIDDEN)
    if counter is not None:
        if (
            not permissions.can_operate_counter(officer, counter)
            or ticket.office_id != counter.office_id
            or ticket.service.agency_id != counter.agency_id
        ):
            return DomainError(
                ErrorCode.FORBIDDEN,
                field="code",
                message=_(
                    "Pemesanan ini untuk layanan kantor atau instansi lain: loket ini tidak "
                    "dapat melakukan check-in-nya."
                ),
            )
        return None
    if not permissions.can_act_on_ticket(officer, ticket):
        return DomainError(ErrorCode.FORBIDDEN)
    return None


def _checkin_failures_today(ticket: Ticket, today: dt.date) -> int:
    attempts = CheckInAttempts.objects.filter(ticket=ticket, date=today).first()
    return attempts.failures if attempts else 0


def _checkin_failure_record(ticket: Ticket, today: dt.date) -> None:
    # The ticket row is locked by the caller: this read-then-write cannot race.
    updated = CheckInAttempts.objects.filter(ticket=ticket, date=today).update(
        failures=F("failures") + 1
    )
    if not updated:
        CheckInAttempts.objects.update_or_create(
            ticket=ticket, defaults={"date": today, "failures": 1}
        )


def ticket_check_in(
    *,
    code: str,
    nik_last4: str,
    officer=None,
    counter: Counter | None = None,
    kiosk=None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Turn a booking into a place in the waiting queue, inside the slot's check-in window.

    The one check-in of the product: the kiosk (`kiosk`), the counter console (`officer` and
    `counter`) and the API (`officer`, or `kiosk` for a kiosk's token) all come here, so they
    share one attempt counter. Idempotent: checking in a ticket that is already in the queue
    returns it unchanged.

    Nothing here may be probed: a wrong code and a wrong NIK ending give the same answer;
    while check-in is not open (too early, too late, or locked after CHECKIN_ATTEMPTS wrong
    endings that day) right and wrong endings get the same answer and change nothing.
    """
    now = now or timezone.now()
    code = (code or "").strip().upper().replace("-", "").replace(" ", "")
    if not code.isalnum() or len(code) > 16:
        raise DomainError(ErrorCode.CHECKIN_REFUSED, field="code")
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .filter(code=code)
            .select_related("service", "office", "slot")
            .first()
        )
        if ticket is None:
            raise DomainError(ErrorCode.CHECKIN_REFUSED, field="code")
        refused = _checkin_scope_error(ticket, officer=officer, counter=counter, kiosk=kiosk)
        if refused is not None:
            raise refused
        office = ticket.office
        today = office.local_today(now)
        if _checkin_failures_today(ticket, today) >= CHECKIN_ATTEMPTS:
            raise _checkin_locked_error()
        if ticket.status == Status.BOOKED:
            slot = ticket.slot
            opens = slot.starts_at - dt.timedelta(minutes=office.checkin_before_minutes)
            closes = slot.ends_at + dt.timedelta(minutes=office.checkin_after_minutes)
            if now < opens:
                raise DomainError(ErrorCode.CHECKIN_TOO_EARLY, field="code")
            if now > closes:
                raise DomainError(ErrorCode.CHECKIN_TOO_LATE, field="code")
        if _last4_matches(ticket, nik_last4):
            if ticket.status in (Status.WAITING, Status.CALLED, Status.SERVING, Status.ON_HOLD):
                return ticket
            if ticket.status != Status.BOOKED:
                raise DomainError(ErrorCode.INVALID_TRANSITION)
            return _apply(
                ticket,
                Move.CHECK_IN,
                at=now,
                officer=officer,
                counter=counter,
                arrived_at=now,
                queue_key=queue_key_for(ticket, arrived_at=now),
            )
        # A wrong ending: counted (and committed) before the refusal leaves.
        _checkin_failure_record(ticket, today)
    raise DomainError(ErrorCode.CHECKIN_REFUSED, field="code")


@dataclass(frozen=True)
class WalkIn:
    ticket: Ticket
    token: str


def ticket_walk_in(
    *,
    service: Service,
    name: str,
    pact_version: int | None,
    pact_sha256: str | None,
    pact_agreed: bool,
    client: ClientInfo,
    priority: str = "",
    officer=None,
    kiosk=None,
    now: dt.datetime | None = None,
) -> WalkIn:
    """Issue a ticket straight into the waiting queue, with the citizen's pact signed on the
    spot (same signature, ledger and certificate as online), within the day's walk-in quota.

    Issued by a staff account for its agency's services (office admins: any of the office),
    or by a kiosk for its own office's services."""
    now = now or timezone.now()
    if kiosk is not None:
        permissions.require(service.office_id == kiosk.office_id)
    else:
        permissions.require(
            officer is not None
            and permissions.can_act_for(
                officer, office_id=service.office_id, agency_id=service.agency_id
            )
        )
    name = clean_name(name)
    if priority not in Priority.values:
        raise DomainError(ErrorCode.INVALID_REQUEST, field="priority")
    office = service.office
    if not service.is_active or not office.is_active:
        raise DomainError(ErrorCode.NOT_FOUND, field="service_id")
    rendering = pact_check_agreement(
        rendering=pact_in_force(office=office, audience=Audience.CITIZEN),
        version=pact_version,
        sha256=pact_sha256,
        agreed=pact_agreed,
    )
    local = office.local_now(now)
    day = office_day_status(office=office, date=local.date())
    if not day.open or not (day.hours.opens <= local.time() < day.hours.closes):
        raise DomainError(ErrorCode.OFFICE_CLOSED)
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        seq = walk_in_number_next(service=service, date=local.date())
        if seq is None:
            raise DomainError(ErrorCode.WALKIN_FULL, field="service_id")
        ticket = Ticket.objects.create(
            code=new_booking_code(),
            office=office,
            service=service,
            numbered_service=service,
            date=local.date(),
            seq=seq,
            number=format_number(service.prefix, seq),
            status=Status.WAITING,
            channel=client.channel,
            priority=priority,
            name=name,
            token_hash=token_hash(token),
            arrived_at=now,
            queue_key=now,
        )
        ticket_event(ticket, "issue", from_status="", at=now, officer=officer)
        _announce(ticket, "issue")
        pact_signature_create(
            rendering=rendering, office=office, client=client, ticket=ticket, now=now
        )
    return WalkIn(ticket=ticket, token=token)


# --- Officers ------------------------------------------------------------------------------


def officer_pact_signed_today(*, user, office: Office, now: dt.datetime | None = None):
    """The officer's pact signature of the office's today, or None."""
    from antrean.integrity.models import PactSignature

    local = office.local_now(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        PactSignature.objects.filter(
            officer=user, office=office, audience=Audience.OFFICER, signed_at__gte=midnight
        )
        .order_by("-signed_at")
        .first()
    )


def officer_agency(*, user, office: Office):
    from antrean.tenancy.models import Membership

    membership = (
        Membership.objects.filter(user=user, office=office, agency__isnull=False)
        .select_related("agency")
        .first()
    )
    return membership.agency if membership else None


def officer_pact_sign(
    *,
    user,
    office: Office,
    pact_version: int | None,
    pact_sha256: str | None,
    pact_agreed: bool,
    client: ClientInfo,
    now: dt.datetime | None = None,
):
    """Sign the officer pact for today (once a day; signing again returns today's), at an
    office where the account holds a role."""
    now = now or timezone.now()
    permissions.require(permissions.can_see_office(user, office.pk))
    agency = officer_agency(user=user, office=office)
    rendering = pact_check_agreement(
        rendering=pact_in_force(office=office, audience=Audience.OFFICER, agency=agency),
        version=pact_version,
        sha256=pact_sha256,
        agreed=pact_agreed,
    )
    with transaction.atomic():
        existing = officer_pact_signed_today(user=user, office=office, now=now)
        if existing is not None:
            return existing
        return pact_signature_create(
            rendering=rendering, office=office, client=client, officer=user, now=now
        )


# A ticket in these statuses is at a counter (Ticket.counter); a counter has at most one of
# them called or serving, and may keep others on hold while it serves the next.
AT_COUNTER = (Status.CALLED, Status.SERVING, Status.ON_HOLD)
BUSY = (Status.CALLED, Status.SERVING)


def _authorize(*, officer, counter: Counter, ticket: Ticket | None = None, now=None) -> None:
    if not permissions.can_operate_counter(officer, counter):
        raise DomainError(ErrorCode.FORBIDDEN)
    if ticket is not None and (
        ticket.office_id != counter.office_id
        or not counter.services.filter(pk=ticket.service_id).exists()
    ):
        raise DomainError(ErrorCode.FORBIDDEN)
    # A called, served or held ticket belongs to the counter the citizen was sent to.
    if ticket is not None and ticket.status in AT_COUNTER and ticket.counter_id != counter.pk:
        raise DomainError(ErrorCode.FORBIDDEN)
    if officer_pact_signed_today(user=officer, office=counter.office, now=now) is None:
        raise DomainError(ErrorCode.OFFICER_PACT_REQUIRED)


def _counter_free(counter: Counter) -> None:
    """Refuse to give a counter a second citizen while one is called or being served.

    Locks the counter row (until the caller's transaction ends), so that two requests from
    one counter at the same instant (a double click) cannot both pass.
    """
    # No ordering and of=self: Counter's default ordering joins the office, whose row would
    # then be locked too and serialise every counter of the office.
    Counter.objects.select_for_update(of=("self",)).filter(pk=counter.pk).order_by().exists()
    if Ticket.objects.filter(counter=counter, status__in=BUSY).exists():
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            message=_(
                "Loket ini masih memanggil atau melayani antrean lain. Selesaikan, tunda, "
                "atau tandai tidak hadir lebih dahulu."
            ),
        )


# --- Calling -------------------------------------------------------------------------------


def _waiting(counter: Counter, today: dt.date):
    return Ticket.objects.filter(
        office_id=counter.office_id,
        date=today,
        status=Status.WAITING,
        service__in=counter.services.filter(is_active=True),
    )


def call_order(queryset, *, regular_first: bool):
    """The calling order: priority groups first (or regular first after K priority calls),
    then by queue key (slot start for bookers on time, arrival for everyone else)."""
    is_regular = Case(
        When(priority="", then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    group = is_regular.desc() if regular_first else is_regular.asc()
    return queryset.order_by(group, "queue_key", "pk")


def _take_first(queryset) -> Ticket | None:
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset.select_related("service", "office", "slot").first()


def ticket_call_next(*, counter: Counter, officer, now: dt.datetime | None = None) -> Ticket:
    """Call the waiting ticket that comes first for this counter's services."""
    now = now or timezone.now()
    office = counter.office
    _authorize(officer=officer, counter=counter, now=now)
    today = office.local_today(now)
    with transaction.atomic():
        _counter_free(counter)
        CallState.objects.bulk_create([CallState(office=office)], ignore_conflicts=True)
        streak = CallState.objects.get(office=office).priority_streak
        regular_first = streak >= office.priority_streak_limit
        ticket = _take_first(call_order(_waiting(counter, today), regular_first=regular_first))
        if ticket is None:
            raise DomainError(ErrorCode.QUEUE_EMPTY)
        # Racing callers may both read the same streak: the order of the two priority calls
        # can shift by one; which ticket goes to which counter cannot (SKIP LOCKED).
        CallState.objects.filter(office=office).update(
            priority_streak=F("priority_streak") + 1 if ticket.priority else Value(0)
        )
        _apply(
            ticket,
            Move.CALL,
            at=now,
            officer=officer,
            counter=counter,
            counter_id=counter.pk,
            officer_id=officer.pk,
            called_at=now,
        )
        _flag_no_wait(ticket, counter=counter, officer=officer, now=now, today=today)
    return ticket


def ticket_call_specific(
    *, ticket_id: int, counter: Counter, officer, reason: str, now: dt.datetime | None = None
) -> Ticket:
    """Call one ticket out of order: only with a written reason, recorded and flagged."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise DomainError(ErrorCode.REASON_REQUIRED, field="reason")
    with transaction.atomic():
        ticket = _lock(ticket_id)
        _authorize(officer=officer, counter=counter, ticket=ticket, now=now)
        _counter_free(counter)
        today = counter.office.local_today(now)
        regular_first = (
            CallState.objects.filter(office=counter.office_id)
            .values_list("priority_streak", flat=True)
            .first()
            or 0
        ) >= counter.office.priority_streak_limit
        first = call_order(_waiting(counter, today), regular_first=regular_first).first()
        _apply(
            ticket,
            Move.CALL,
            at=now,
            officer=officer,
            counter=counter,
            note=reason,
            counter_id=counter.pk,
            officer_id=officer.pk,
            called_at=now,
        )
        if first is not None and first.pk != ticket.pk:
            _flag(
                ticket,
                AuditFlag.Kind.OUT_OF_ORDER,
                office_id=ticket.office_id,
                officer=officer,
                counter=counter,
                at=now,
                detail=f"Dipanggil sebelum {first.number}. Alasan: {reason}",
            )
        _flag_no_wait(ticket, counter=counter, officer=officer, now=now, today=today)
    return ticket


def _flag_no_wait(ticket: Ticket, *, counter, officer, now, today) -> None:
    if ticket.arrived_at is None or (now - ticket.arrived_at).total_seconds() > NO_WAIT_SECONDS:
        return
    ahead = (
        _waiting(counter, today)
        .filter(queue_key__lt=ticket.queue_key)
        .exclude(pk=ticket.pk)
        .count()
    )
    if ahead >= NO_WAIT_AHEAD:
        _flag(
            ticket,
            AuditFlag.Kind.NO_WAIT,
            office_id=ticket.office_id,
            officer=officer,
            counter=counter,
            at=now,
            detail=f"Dipanggil {int((now - ticket.arrived_at).total_seconds())} detik setelah "
            f"tiba; {ahead} antrean lain menunggu lebih dulu.",
        )


# --- The other moves -----------------------------------------------------------------------


def _counter_move(
    ticket_id, *, counter, officer, now, move: Move, note="", takes_counter=False, **fields
) -> Ticket:
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _lock(ticket_id)
        _authorize(officer=officer, counter=counter, ticket=ticket, now=now)
        if takes_counter:
            _counter_free(counter)
        return _apply(ticket, move, at=now, officer=officer, counter=counter, note=note, **fields)


def ticket_recall(*, ticket_id: int, counter: Counter, officer, now=None) -> Ticket:
    """Announce a called ticket again: same place, same counter, nothing reordered."""
    return _counter_move(ticket_id, counter=counter, officer=officer, now=now, move=Move.RECALL)


def ticket_start(*, ticket_id: int, counter: Counter, officer, now=None) -> Ticket:
    now = now or timezone.now()
    return _counter_move(
        ticket_id,
        counter=counter,
        officer=officer,
        now=now,
        move=Move.START,
        started_at=now,
        counter_id=counter.pk,
        officer_id=officer.pk,
    )


def ticket_finish(*, ticket_id: int, counter: Counter, officer, now=None) -> Ticket:
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _counter_move(
            ticket_id, counter=counter, officer=officer, now=now, move=Move.FINISH, finished_at=now
        )
        _invite_to_survey(ticket, now=now)
    if ticket.started_at is not None:
        took = (now - ticket.started_at).total_seconds()
        normal = ticket.service.duration_minutes * 60
        if took < normal * TOO_FAST_SHARE:
            _flag(
                ticket,
                AuditFlag.Kind.TOO_FAST,
                office_id=ticket.office_id,
                officer=officer,
                counter=counter,
                at=now,
                detail=f"Selesai dalam {int(took)} detik; waktu layanan normal "
                f"{ticket.service.duration_minutes} menit.",
            )
    return ticket


def _invite_to_survey(ticket: Ticket, *, now) -> None:
    """Served: the survey opens for 7 days, and the citizen who agreed to WhatsApp gets the
    link once (the outbox keeps (ticket, kind) unique)."""
    from antrean.feedback.services import survey_invitation_open, survey_url
    from antrean.notifications.models import Kind
    from antrean.notifications.services import message_queue

    _, token = survey_invitation_open(ticket=ticket, served_at=now)
    if ticket.whatsapp_consent:
        message_queue(ticket=ticket, kind=Kind.SURVEY, params=[survey_url(token)])


def ticket_no_show(*, ticket_id: int, counter: Counter, officer, now=None) -> Ticket:
    now = now or timezone.now()
    ticket = _counter_move(ticket_id, counter=counter, officer=officer, now=now, move=Move.NO_SHOW)
    midnight = ticket.office.local_now(now).replace(hour=0, minute=0, second=0, microsecond=0)
    marked = TicketEvent.objects.filter(
        officer=officer, move=Move.NO_SHOW, at__gte=midnight
    ).count()
    if marked and marked % NO_SHOW_FLAG_EVERY == 0:
        _flag(
            ticket,
            AuditFlag.Kind.REPEATED_NO_SHOW,
            office_id=ticket.office_id,
            officer=officer,
            counter=counter,
            at=now,
            detail=f"{marked} antrean ditandai tidak hadir hari ini.",
        )
    return ticket


def ticket_transfer(
    *, ticket_id: int, counter: Counter, officer, service_id: int, now=None
) -> Ticket:
    """Send a ticket to another service of the office: same number, same arrival, so it
    keeps its place by arrival time in the new queue."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _lock(ticket_id)
        _authorize(officer=officer, counter=counter, ticket=ticket, now=now)
        to = Service.objects.filter(pk=service_id, office=ticket.office_id, is_active=True).first()
        if to is None or to.pk == ticket.service_id:
            raise DomainError(ErrorCode.INVALID_REQUEST, field="service_id")
        before = ticket.service.name
        return _apply(
            ticket,
            Move.TRANSFER,
            at=now,
            officer=officer,
            counter=counter,
            note=f"Dari {before} ke {to.name}",
            service_id=to.pk,
            service=to,
            queue_key=ticket.arrived_at or now,
            counter_id=None,
            officer_id=None,
        )


def ticket_hold(*, ticket_id: int, counter: Counter, officer, now=None) -> Ticket:
    return _counter_move(ticket_id, counter=counter, officer=officer, now=now, move=Move.HOLD)


def ticket_resume(*, ticket_id: int, counter: Counter, officer, now=None) -> Ticket:
    return _counter_move(
        ticket_id,
        counter=counter,
        officer=officer,
        now=now,
        move=Move.RESUME,
        takes_counter=True,
        counter_id=counter.pk,
        officer_id=officer.pk,
    )


def ticket_cancel_at_counter(*, ticket_id: int, counter: Counter, officer, now=None) -> Ticket:
    """Staff cancel (the citizen left). Frees nothing in the slot: the time has passed."""
    now = now or timezone.now()
    return _counter_move(
        ticket_id, counter=counter, officer=officer, now=now, move=Move.CANCEL, cancelled_at=now
    )


# --- Scheduled -----------------------------------------------------------------------------


def tickets_expire(*, now: dt.datetime | None = None) -> int:
    """Bookings not checked in by the end of their window become `expired` (a strike)."""
    now = now or timezone.now()
    expired = 0
    for office in Office.objects.filter(is_active=True):
        cutoff = now - dt.timedelta(minutes=office.checkin_after_minutes)
        ids = list(
            Ticket.objects.filter(
                office=office, status=Status.BOOKED, slot__ends_at__lt=cutoff
            ).values_list("pk", flat=True)[:1000]
        )
        for ticket_id in ids:
            with transaction.atomic():
                ticket = _lock(ticket_id)
                if ticket.status == Status.BOOKED:
                    _apply(ticket, Move.EXPIRE, at=now)
                    expired += 1
    return expired


def nik_blocked_until(*, nik_hash: str, office: Office, now: dt.datetime | None = None):
    """When online booking is blocked for this NIK at this office: after `noshow_strikes`
    no-shows or expiries within `noshow_window_days`, for `noshow_block_days`. None if not."""
    now = now or timezone.now()
    window = dt.timedelta(days=office.noshow_window_days)
    block = dt.timedelta(days=office.noshow_block_days)
    strikes = list(
        TicketEvent.objects.filter(
            ticket__nik_hash=nik_hash,
            ticket__office=office,
            move__in=[Move.NO_SHOW, Move.EXPIRE],
            at__gte=now - window - block,
        )
        .order_by("at")
        .values_list("at", flat=True)
    )
    n = office.noshow_strikes
    until = None
    for index in range(n - 1, len(strikes)):
        if strikes[index] - strikes[index - n + 1] <= window:
            until = strikes[index] + block
    return until if until and until > now else None


# --- Fair-call audit -----------------------------------------------------------------------


def audit_flag_acknowledge(
    *, flag_id: int, user, note: str, now: dt.datetime | None = None
) -> tuple[AuditFlag, bool]:
    """Record that an admin looked at a flag, with their note. Flags are never deleted and the
    first acknowledgement stands: (flag, False) when it was already acknowledged."""
    now = now or timezone.now()
    note = (note or "").strip()
    with transaction.atomic():
        flag = AuditFlag.objects.select_for_update().filter(pk=flag_id).first()
        if flag is None:
            raise DomainError(ErrorCode.NOT_FOUND)
        if not permissions.can_review_audit(user, flag.office_id):
            raise DomainError(ErrorCode.FORBIDDEN)
        if not note:
            raise DomainError(ErrorCode.INVALID_REQUEST, field="note")
        if flag.acknowledged_at is not None:
            return flag, False
        flag.acknowledged_at = now
        flag.acknowledged_by = user
        flag.acknowledgement = note[:2000]
        flag.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement"])
    return flag, True
