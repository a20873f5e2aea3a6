"""Online booking: a queue number that cannot exist without a signed integrity pact."""

import datetime as dt
import math
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from antrean.booking.models import NikDayCount, PhoneDayCount
from antrean.catalog import releases
from antrean.catalog.models import Slot
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.identity import clean_name, clean_nik, clean_phone
from antrean.core.nik_registry import Verdict, nik_verify
from antrean.core.personal_data import lookup_hash
from antrean.core.ratelimit import rate_limit_take
from antrean.core.tokens import token_hash
from antrean.integrity.models import Audience, Channel
from antrean.integrity.services import (
    ClientInfo,
    pact_check_agreement,
    pact_in_force,
    pact_signature_create,
)
from antrean.notifications.services import (
    message_queue_booking_cancelled,
    message_queue_booking_confirmed,
)
from antrean.queueing.models import Ticket, new_booking_code
from antrean.queueing.services import (
    format_number,
    nik_blocked_until,
    ticket_event,
    ticket_number_next,
)
from antrean.queueing.states import ACTIVE, Move, Status, can_move
from antrean.tenancy.selectors import office_day_status

# Booking attempts from these channels count against the per-address limit; a kiosk or a
# counter books for the people standing in the office.
ONLINE_CHANNELS = frozenset({Channel.WEB, Channel.API})


@dataclass(frozen=True)
class BookingRequest:
    slot_id: int
    name: str
    nik: str
    whatsapp: str
    pact_version: int | None
    pact_sha256: str | None
    pact_agreed: bool
    whatsapp_consent: bool = False


@dataclass(frozen=True)
class BookingResult:
    ticket: Ticket
    token: str  # shown once to the booker; only its hash is stored


def _load_slot(slot_id: int) -> Slot:
    # order_by(): first() would sort by Slot's Meta ordering, which follows service into its
    # own ordering: four more joins to build and run for a look-up by primary key (4 ms of
    # CPU on every booking, measured).
    slot = (
        Slot.objects.select_related("service__agency", "service__office")
        .filter(
            pk=slot_id,
            service__is_active=True,
            service__agency__is_active=True,
            service__office__is_active=True,
        )
        .order_by()[:1]
    )
    slot = slot[0] if slot else None
    if slot is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="slot_id")
    return slot


def booking_check_slot(*, slot: Slot, now: dt.datetime) -> None:
    """Refuse a closed day, a slot that has started, or a same-day booking after the cutoff."""
    office = slot.service.office
    if not office_day_status(office=office, date=slot.date).open:
        raise DomainError(ErrorCode.OFFICE_CLOSED, field="slot_id")
    if slot.starts_at <= now:
        raise DomainError(ErrorCode.SLOT_PAST, field="slot_id")
    local_now = office.local_now(now)
    if (
        office.daily_cutoff
        and slot.date == local_now.date()
        and local_now.time() >= office.daily_cutoff
    ):
        raise DomainError(ErrorCode.CUTOFF_PASSED, field="slot_id")


def _take_day_place(model, *, key_field: str, key: str, date: dt.date, limit: int) -> bool:
    """Count one more active booking of `key` on `date` unless it already has `limit`.

    One statement: insert the counter at 1, or add 1 to it while under the limit. No row comes
    back when the limit is reached, and then nothing changed. The row stays locked until the
    booking's transaction ends, which serialises the same person's concurrent bookings.
    """
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_field}, date, active) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT ({key_field}, date) DO UPDATE SET active = {table}.active + 1 "
            f"WHERE {table}.active < %s RETURNING active",
            [key, date, limit],
        )
        return cursor.fetchone() is not None


def _give_back_day_place(model, *, key_field: str, key: str, date: dt.date) -> None:
    model.objects.filter(**{key_field: key}, date=date, active__gt=0).update(active=F("active") - 1)


def _check_drawn(slot: Slot) -> None:
    """A day of a service in draw mode is given by its draw (antrean.draws); once drawn,
    places nobody won (fewer entries than places, cancellations with an empty wait list) are
    booked first come."""
    from antrean.draws.models import Draw, DrawStatus

    if not Draw.objects.filter(
        service_id=slot.service_id, date=slot.date, status=DrawStatus.DRAWN
    ).exists():
        raise DomainError(ErrorCode.BOOKING_BY_DRAW, field="slot_id")


def _nik_check(*, nik: str, name: str, office) -> str:
    """Ask the population registry, outside any transaction (it may take seconds): refuse
    a NIK it does not hold under this name; when it cannot answer, the office decides."""
    verification = nik_verify(nik=nik, name=name)
    if verification.verdict == Verdict.NO_MATCH:
        raise DomainError(ErrorCode.NIK_NOT_VERIFIED, field="nik")
    if verification.verdict == Verdict.UNAVAILABLE:
        if office.nik_registry_down == "refuse":
            raise DomainError(ErrorCode.NIK_REGISTRY_UNAVAILABLE, field="nik")
        return "unverified"
    return "verified" if verification.verdict == Verdict.MATCH else ""


@dataclass(frozen=True)
class Prepared:
    """A booking request that passed every check made before any lock: cleaned identity,
    the slot, the agreed pact text and what the population registry said."""

    name: str
    nik: str
    nik_hash: str
    phone: str
    phone_hash: str
    whatsapp_consent: bool
    slot: Slot
    rendering: object  # integrity.models.PactRendering
    nik_check: str

    @property
    def service(self):
        return self.slot.service

    @property
    def office(self):
        return self.slot.service.office


def booking_prepare(*, request: BookingRequest, client: ClientInfo, now: dt.datetime) -> Prepared:
    """Every check that needs no lock, cheapest first, so bad input never reaches one."""
    if client.channel in ONLINE_CHANNELS and not rate_limit_take(
        scope="booking",
        key=client.ip,
        limit=settings.ANTREAN_BOOKINGS_PER_ADDRESS,
        window=settings.ANTREAN_BOOKINGS_PER_ADDRESS_WINDOW,
    ):
        raise DomainError(ErrorCode.RATE_LIMITED)
    name = clean_name(request.name)
    nik = clean_nik(request.nik)
    phone = clean_phone(request.whatsapp)
    slot = _load_slot(request.slot_id)
    office = slot.service.office
    rendering = pact_check_agreement(
        rendering=pact_in_force(office=office, audience=Audience.CITIZEN),
        version=request.pact_version,
        sha256=request.pact_sha256,
        agreed=request.pact_agreed,
    )
    booking_check_slot(slot=slot, now=now)
    if client.channel in ONLINE_CHANNELS and slot.service.release_mode == "draw":
        _check_drawn(slot)
    nik_hash = lookup_hash(nik, purpose="nik")
    # A second active booking of the same NIK for the same service and day is refused by the
    # partial unique index (ticket_one_active_per_nik) at insert time: one query fewer on
    # every booking, and the only check that also holds under a race.
    if nik_blocked_until(nik_hash=nik_hash, office=office, now=now):
        raise DomainError(ErrorCode.BLOCKED_NO_SHOW, field="nik")
    return Prepared(
        name=name,
        nik=nik,
        nik_hash=nik_hash,
        phone=phone,
        phone_hash=lookup_hash(phone, purpose="phone"),
        whatsapp_consent=request.whatsapp_consent,
        slot=slot,
        rendering=rendering,
        nik_check=_nik_check(nik=nik, name=name, office=office),
    )


def places_take(prepared: Prepared, *, hold: bool = False, now: dt.datetime | None = None) -> None:
    """Inside the caller's transaction: the slot's place, then the number's and the NIK's
    day counts, each by one conditional statement; refused with nothing changed. A `hold`
    (antrean.booking.holds) also counts as held, up to its share of the slot. With `now`,
    only under the places released by then (antrean.catalog.releases)."""
    slot, service = prepared.slot, prepared.service
    places = Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity"))
    next_release = None
    if now is not None and service.release_times:
        released, next_release = releases.released(slot, service=service, now=now)
        places = places.filter(booked__lt=released)
    if hold:
        taken = places.filter(held__lt=held_cap(slot.capacity)).update(
            booked=F("booked") + 1, held=F("held") + 1
        )
    else:
        taken = places.update(booked=F("booked") + 1)
    if taken == 0:
        # A client retrying after a cut connection may already hold a place here: tell it
        # so, rather than "full", which would read as "you have nothing".
        if Ticket.objects.filter(
            service=service, date=slot.date, nik_hash=prepared.nik_hash, status__in=ACTIVE
        ).exists():
            raise DomainError(ErrorCode.DUPLICATE_BOOKING, field="nik")
        if (
            next_release is not None
            and Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).exists()
        ):
            wait = max(int((next_release - now).total_seconds()), 1)
            raise DomainError(ErrorCode.SLOT_NOT_RELEASED, field="slot_id", retry_after=wait)
        if hold and Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).exists():
            raise DomainError(ErrorCode.SLOT_HELD, field="slot_id", retry_after=60)
        raise DomainError(ErrorCode.SLOT_FULL, field="slot_id")
    if not _take_day_place(
        PhoneDayCount,
        key_field="phone_hash",
        key=prepared.phone_hash,
        date=slot.date,
        limit=settings.ANTREAN_MAX_BOOKINGS_PER_PHONE_PER_DAY,
    ):
        raise DomainError(ErrorCode.TOO_MANY_BOOKINGS, field="whatsapp")
    if not _take_day_place(
        NikDayCount,
        key_field="nik_hash",
        key=prepared.nik_hash,
        date=slot.date,
        limit=settings.ANTREAN_MAX_BOOKINGS_PER_NIK_PER_DAY,
    ):
        raise DomainError(ErrorCode.NIK_DAILY_LIMIT, field="nik")


def held_cap(capacity: int) -> int:
    """How many of a slot's places may be held for unproven numbers at once: a share of its
    capacity (ANTREAN_HOLD_SHARE_MAX), at least one so that a small slot can be booked."""
    return max(1, math.ceil(capacity * settings.ANTREAN_HOLD_SHARE_MAX))


def places_give_back(
    *, slot_id: int | None, phone_hash: str, nik_hash: str, date, held: bool = False
) -> None:
    """What places_take took, inside the caller's transaction (a cancelled booking, an
    expired hold: `held`)."""
    if slot_id is not None:
        places = Slot.objects.filter(pk=slot_id, booked__gt=0)
        if held:
            places.filter(held__gt=0).update(booked=F("booked") - 1, held=F("held") - 1)
        else:
            places.update(booked=F("booked") - 1)
    if phone_hash:
        _give_back_day_place(PhoneDayCount, key_field="phone_hash", key=phone_hash, date=date)
    if nik_hash:
        _give_back_day_place(NikDayCount, key_field="nik_hash", key=nik_hash, date=date)


def ticket_issue(
    prepared: Prepared, *, client: ClientInfo, token_hash_value: str, now: dt.datetime
) -> Ticket:
    """Inside the caller's transaction, its places already taken: the number, the ticket,
    its pact signature (ledger entry and certificate) and the confirmation message."""
    slot, service, office = prepared.slot, prepared.service, prepared.office
    seq = ticket_number_next(service=service, date=slot.date)
    ticket = Ticket.objects.create(
        code=new_booking_code(),
        office=office,
        service=service,
        numbered_service=service,
        slot=slot,
        date=slot.date,
        seq=seq,
        number=format_number(service.prefix, seq),
        status=Status.BOOKED,
        channel=client.channel,
        name=prepared.name,
        nik=prepared.nik,
        nik_hash=prepared.nik_hash,
        phone=prepared.phone,
        phone_hash=prepared.phone_hash,
        whatsapp_consent=prepared.whatsapp_consent,
        nik_check=prepared.nik_check,
        token_hash=token_hash_value,
    )
    ticket_event(ticket, "book", from_status="", at=now)
    pact_signature_create(
        rendering=prepared.rendering, office=office, client=client, ticket=ticket, now=now
    )
    # The outbox row commits with the booking, or not at all.
    message_queue_booking_confirmed(ticket=ticket, new_ticket=True)
    ticket.slot = slot
    return ticket


def is_duplicate_ticket(exc: IntegrityError) -> bool:
    """The partial unique index on (service, date, nik_hash) decided a race between two
    bookings of the same NIK."""
    return "ticket_one_active_per_nik" in str(exc) or "nik_hash" in str(exc)


def booking_create(
    *,
    request: BookingRequest,
    client: ClientInfo,
    now: dt.datetime | None = None,
    prepared: Prepared | None = None,
) -> BookingResult:
    """Book a place in a slot, sign the citizen's pact and give a queue number, all at once.

    Everything that must not race happens in one short transaction: the slot's place is
    taken by a conditional UPDATE checked by row count, the number comes from the
    (service, date) sequence row, and the ticket and its pact signature are inserted. Any
    failure rolls all of it back. Unique constraints catch what slips past the checks.

    Where the office asks for proof of the WhatsApp number on this channel, online bookings
    go through antrean.booking.holds (`booking_start`), and this refuses them.
    """
    from antrean.booking.holds import number_proof_required

    now = now or timezone.now()
    if prepared is None:  # else already checked by the caller (holds.booking_start)
        prepared = booking_prepare(request=request, client=client, now=now)
    if number_proof_required(office=prepared.office, channel=client.channel):
        raise DomainError(ErrorCode.NUMBER_PROOF_REQUIRED)
    token = secrets.token_urlsafe(24)
    try:
        with transaction.atomic():
            places_take(prepared, now=now)
            ticket = ticket_issue(
                prepared, client=client, token_hash_value=token_hash(token), now=now
            )
    except IntegrityError as exc:
        # The whole transaction has been rolled back.
        if is_duplicate_ticket(exc):
            raise DomainError(ErrorCode.DUPLICATE_BOOKING, field="nik") from exc
        raise
    return BookingResult(ticket=ticket, token=token)


def booking_get(*, code: str, token: str | None) -> Ticket:
    """A booking for the holder of its token; `not_found` and `bad_token` otherwise."""
    ticket = (
        Ticket.objects.select_related("service__agency", "office", "slot")
        .filter(code=(code or "").upper().replace("-", ""))
        .first()
    )
    if ticket is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    if not token or not secrets.compare_digest(ticket.token_hash, token_hash(token)):
        raise DomainError(ErrorCode.BAD_TOKEN)
    return ticket


def booking_cancel(*, ticket: Ticket, now: dt.datetime | None = None) -> Ticket:
    """Cancel a booking: its slot place comes back, its number stays retired.

    Cancelling an already cancelled booking changes nothing and is not an error.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status == Status.CANCELLED:
            return locked
        if not can_move(locked.status, Move.CANCEL):
            raise DomainError(ErrorCode.INVALID_TRANSITION)
        places_give_back(
            slot_id=locked.slot_id,
            phone_hash=locked.phone_hash,
            nik_hash=locked.nik_hash,
            date=locked.date,
        )
        before = locked.status
        locked.status = Status.CANCELLED
        locked.cancelled_at = now
        locked.save(update_fields=["status", "cancelled_at"])
        ticket_event(locked, Move.CANCEL, from_status=before, at=now, note="dibatalkan pemesan")
        message_queue_booking_cancelled(ticket=locked)
        # A place of a day released by a draw goes to the next on its wait list, in this
        # same transaction (antrean.draws); first-come services skip the look-up.
        if locked.service.release_mode == "draw":
            from antrean.draws.services import draw_promote

            draw_promote(service_id=locked.service_id, date=locked.date, now=now)
    return locked
