"""Places released by a public, verifiable draw (undian), not by speed (docs/draws.md).

A service in draw mode does not sell a day's online places to whoever is first. During a
window before the day (by default from 7 days ahead at 07:00 to 6 days ahead at 07:00, the
office's local time) citizens send one request per NIK; at the close the places are drawn:

- when the window opens, a secret seed is made and its SHA-256 (the *commitment*) is appended
  to the office's ledger and shown publicly, so the seed cannot be chosen later;
- at the close the seed is revealed, and the order of the entries is `draw_order(seed,
  entry hashes)`: the entry hashes sorted by SHA-256 of "<seed>:<hash>". Anyone can recompute
  it from the public record (`draw_record`, `draw_verify`, `manage.py verify_draw`);
- in that order the entries get the places, each booked as any booking is (pact signature,
  ledger entry, number, certificate, message) in the day's earliest slot with room; an entry
  that cannot be booked then (the NIK's daily limit reached elsewhere, a no-show block) is
  passed over with its reason, and the rest form the wait list, which moves up when a
  winner cancels (`draw_promote`, called by booking_cancel in its transaction).

An entry hash is SHA-256 of "<draw id>:<request code>": only the entrant holds the code, so
the public list carries no personal data and each entrant can find their own line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from antrean.booking.services import (
    Prepared,
    _nik_check,
    places_take,
    ticket_issue,
)
from antrean.catalog.models import Service, Slot
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.identity import clean_name, clean_nik, clean_phone
from antrean.core.personal_data import lookup_hash
from antrean.core.ratelimit import rate_limit_take
from antrean.core.tokens import token_hash
from antrean.draws.ledger import step_record
from antrean.draws.models import Draw, DrawEntry, DrawStatus, DrawStep, EntryStatus
from antrean.integrity.ledger import ledger_append_row
from antrean.integrity.models import Audience, Channel
from antrean.integrity.services import ClientInfo, pact_check_agreement, pact_in_force
from antrean.queueing.models import Ticket, new_booking_code
from antrean.queueing.services import nik_blocked_until

ONLINE = frozenset({Channel.WEB, Channel.API})


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- The public rules: anyone can run these on the public record ----------------------------


def entry_hash_of(draw_id: int, code: str) -> str:
    """An entry's public hash, from its draw and the request code only the entrant holds."""
    return sha256_hex(f"{draw_id}:{code.upper().replace('-', '')}")


def draw_order(seed: str, entry_hashes) -> list[str]:
    """The draw itself: the entry hashes sorted by SHA-256 of "<seed>:<hash>"."""
    return sorted(set(entry_hashes), key=lambda h: (sha256_hex(f"{seed}:{h}"), h))


def entries_digest(entry_hashes) -> str:
    return sha256_hex("\n".join(sorted(entry_hashes)))


def result_digest(lines) -> str:
    """Of the result at the draw: "<rank> <hash> <outcome>" per entry, in rank order."""
    return sha256_hex("\n".join(f"{rank} {h} {outcome}" for rank, h, outcome in lines))


# --- Windows ----------------------------------------------------------------------------------


def draw_window(service: Service, date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """When requests for `date` are taken: the office's local time, as UTC instants."""
    zone = service.office.zone
    at = service.draw_time

    def local(days_before: int) -> dt.datetime:
        day = date - dt.timedelta(days=days_before)
        return dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC)

    return local(service.draw_open_days), local(service.draw_close_days)


def draw_open(*, service: Service, date: dt.date, now: dt.datetime | None = None) -> Draw:
    """The draw of `service` on `date`, made (seed, commitment, ledger entry) if it is not
    yet. Idempotent."""
    now = now or timezone.now()
    existing = Draw.objects.filter(service=service, date=date).first()
    if existing is not None:
        return existing
    opens_at, closes_at = draw_window(service, date)
    seed = secrets.token_hex(32)
    try:
        with transaction.atomic():
            draw = Draw.objects.create(
                office=service.office,
                service=service,
                date=date,
                opens_at=opens_at,
                closes_at=closes_at,
                commitment=sha256_hex(seed),
                seed_sealed=seed,
            )
            step = DrawStep(
                office=service.office, draw=draw, kind="open", at=now, commitment=draw.commitment
            )
            ledger_append_row(step, office_id=service.office_id, at=now, record=step_record)
    except IntegrityError:  # opened at the same moment by another worker
        return Draw.objects.get(service=service, date=date)
    return draw


def draws_open_due(*, now: dt.datetime | None = None) -> int:
    """Open every draw whose window has begun and not ended (the worker, each minute; also
    what makes a draw visible before its first entry). Returns how many were made."""
    now = now or timezone.now()
    made = 0
    services = Service.objects.filter(
        release_mode="draw", is_active=True, office__is_active=True
    ).select_related("office")
    for service in services:
        today = now.astimezone(service.office.zone).date()
        for ahead in range(service.draw_close_days, service.draw_open_days + 1):
            date = today + dt.timedelta(days=ahead)
            opens_at, closes_at = draw_window(service, date)
            # Only days with places to give (the office open, its slots made).
            if (
                opens_at <= now < closes_at
                and Slot.objects.filter(service=service, date=date).exists()
                and not Draw.objects.filter(service=service, date=date).exists()
            ):
                draw_open(service=service, date=date, now=now)
                made += 1
    return made


# --- Entering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawEntryRequest:
    service_id: int
    date: dt.date
    name: str
    nik: str
    whatsapp: str
    pact_version: int | None
    pact_sha256: str | None
    pact_agreed: bool
    whatsapp_consent: bool = False


@dataclass(frozen=True)
class EntryResult:
    entry: DrawEntry
    token: str  # shown once: reads the entry, and the booking if it wins


def _open_draw(service_id: int, date: dt.date, now: dt.datetime) -> Draw:
    draw = (
        Draw.objects.select_related("service__office", "service__agency")
        .filter(
            service_id=service_id,
            date=date,
            service__is_active=True,
            service__office__is_active=True,
        )
        .first()
    )
    if draw is None or draw.status != DrawStatus.OPEN or not draw.opens_at <= now < draw.closes_at:
        raise DomainError(ErrorCode.DRAW_NOT_OPEN, field="date")
    return draw


def draw_enter(
    *, request: DrawEntryRequest, client: ClientInfo, now: dt.datetime | None = None
) -> EntryResult:
    """One request per NIK in the draw of a service and day, with the same identity, pact and
    consent as a booking. Refused with nothing written: `draw_not_open`, `duplicate_entry`, and
    every identity, pact and limit code a booking has."""
    now = now or timezone.now()
    if client.channel in ONLINE and not rate_limit_take(
        scope="booking",
        key=client.ip,
        limit=settings.ANTREAN_BOOKINGS_PER_ADDRESS,
        window=settings.ANTREAN_BOOKINGS_PER_ADDRESS_WINDOW,
    ):
        raise DomainError(ErrorCode.RATE_LIMITED)
    name = clean_name(request.name)
    nik = clean_nik(request.nik)
    phone = clean_phone(request.whatsapp)
    draw = _open_draw(request.service_id, request.date, now)
    office = draw.service.office
    rendering = pact_check_agreement(
        rendering=pact_in_force(office=office, audience=Audience.CITIZEN),
        version=request.pact_version,
        sha256=request.pact_sha256,
        agreed=request.pact_agreed,
    )
    nik_hash = lookup_hash(nik, purpose="nik")
    phone_hash = lookup_hash(phone, purpose="phone")
    if nik_blocked_until(nik_hash=nik_hash, office=office, now=now):
        raise DomainError(ErrorCode.BLOCKED_NO_SHOW, field="nik")
    if DrawEntry.objects.filter(draw=draw, nik_hash=nik_hash).exists():
        raise DomainError(ErrorCode.DUPLICATE_ENTRY, field="nik")
    nik_check = _nik_check(nik=nik, name=name, office=office)
    token = secrets.token_urlsafe(24)
    code = new_booking_code()
    try:
        with transaction.atomic():
            # The draw's row, locked: an entry and the draw itself never interleave (no
            # entry lands after the close read the list), and the count below holds.
            closes_at = (
                Draw.objects.select_for_update()
                .filter(pk=draw.pk, status=DrawStatus.OPEN)
                .values_list("closes_at", flat=True)
                .first()
            )
            if closes_at is None or now >= closes_at:
                raise DomainError(ErrorCode.DRAW_NOT_OPEN, field="date")
            # A number may enter for a household, not for a farm: the per-number daily
            # limit of bookings bounds its entries in one draw.
            if (
                DrawEntry.objects.filter(draw=draw, phone_hash=phone_hash).count()
                >= settings.ANTREAN_MAX_BOOKINGS_PER_PHONE_PER_DAY
            ):
                raise DomainError(ErrorCode.TOO_MANY_BOOKINGS, field="whatsapp")
            entry = DrawEntry.objects.create(
                draw=draw,
                code=code,
                token_hash=token_hash(token),
                entry_hash=entry_hash_of(draw.pk, code),
                channel=client.channel,
                name=name,
                nik=nik,
                nik_hash=nik_hash,
                phone=phone,
                phone_hash=phone_hash,
                whatsapp_consent=request.whatsapp_consent,
                nik_check=nik_check,
                rendering=rendering,
                client_ip=client.ip,
                user_agent=(client.user_agent or "")[:300],
                created_at=now,
            )
    except IntegrityError as exc:  # the same NIK at the same moment
        if "draw_entry_one_per_nik" in str(exc) or "nik_hash" in str(exc):
            raise DomainError(ErrorCode.DUPLICATE_ENTRY, field="nik") from exc
        raise
    entry.draw = draw
    return EntryResult(entry=entry, token=token)


def entry_get(*, code: str, token: str | None) -> DrawEntry:
    """An entry for the holder of its token; `not_found` and `bad_token` otherwise."""
    entry = (
        DrawEntry.objects.select_related("draw__service__office", "ticket")
        .filter(code=(code or "").upper().replace("-", ""))
        .first()
    )
    if entry is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    if not token or not secrets.compare_digest(entry.token_hash, token_hash(token)):
        raise DomainError(ErrorCode.BAD_TOKEN)
    return entry


def waitlist_position(entry: DrawEntry) -> int | None:
    """1 for the next to move up."""
    if entry.status != EntryStatus.WAITLISTED:
        return None
    return (
        DrawEntry.objects.filter(
            draw_id=entry.draw_id, status=EntryStatus.WAITLISTED, rank__lt=entry.rank
        ).count()
        + 1
    )


# --- Drawing -------------------------------------------------------------------------------


def _book(entry: DrawEntry, slots: list[Slot], now: dt.datetime) -> Ticket:
    """The entry's booking in the earliest of `slots` with room (inside the caller's
    transaction, in a savepoint: a refusal leaves nothing). DomainError when none can be
    made: no room, or a rule of bookings (the NIK's daily limit, a duplicate)."""
    client = ClientInfo(channel=entry.channel, ip=entry.client_ip, user_agent=entry.user_agent)
    refusal: DomainError | None = None
    for slot in slots:
        prepared = Prepared(
            name=entry.name,
            nik=entry.nik,
            nik_hash=entry.nik_hash,
            phone=entry.phone,
            phone_hash=entry.phone_hash,
            whatsapp_consent=entry.whatsapp_consent,
            slot=slot,
            rendering=entry.rendering,
            nik_check=entry.nik_check,
        )
        try:
            with transaction.atomic():
                places_take(prepared)
                return ticket_issue(
                    prepared, client=client, token_hash_value=entry.token_hash, now=now
                )
        except DomainError as error:
            if error.code != ErrorCode.SLOT_FULL:
                raise
            refusal = error
        except IntegrityError as exc:  # the NIK already has a ticket for the service and day
            raise DomainError(ErrorCode.DUPLICATE_BOOKING, field="nik") from exc
    raise refusal or DomainError(ErrorCode.SLOT_FULL)


def _bookable_slots(draw: Draw, now: dt.datetime) -> list[Slot]:
    return list(
        Slot.objects.select_related("service__office", "service__agency")
        .filter(service_id=draw.service_id, date=draw.date, starts_at__gt=now)
        .order_by("start")
    )


def _clear_identity(entry: DrawEntry) -> None:
    entry.name = entry.nik = entry.phone = ""


def draw_close(*, draw: Draw, now: dt.datetime | None = None) -> Draw:
    """Draw now: reveal the seed, order the entries, book the places in that order, wait-list
    the rest, and chain the result. One transaction; idempotent (a drawn draw is returned)."""
    now = now or timezone.now()
    with transaction.atomic():
        draw = (
            Draw.objects.select_for_update(of=("self",))
            .select_related("service__office")
            .get(pk=draw.pk)
        )
        if draw.status == DrawStatus.DRAWN:
            return draw
        seed = draw.seed_sealed
        entries = list(
            DrawEntry.objects.select_for_update(of=("self",))
            .filter(draw=draw)
            .select_related("rendering__pact", "rendering__clauses")
        )
        order = draw_order(seed, [e.entry_hash for e in entries])
        rank_of = {h: n for n, h in enumerate(order, start=1)}
        entries.sort(key=lambda e: rank_of[e.entry_hash])
        slots = _bookable_slots(draw, now)
        places = sum(max(slot.capacity - slot.booked, 0) for slot in slots)
        given = 0
        lines = []
        for entry in entries:
            entry.rank = rank_of[entry.entry_hash]
            fields = ["rank", "status"]
            if given < places:
                try:
                    entry.ticket = _book(entry, slots, now)
                except DomainError as error:
                    entry.status, entry.reason = EntryStatus.REFUSED, str(error.code)
                    _clear_identity(entry)
                    fields += ["reason", "name", "nik", "phone"]
                else:
                    entry.status = EntryStatus.WON
                    given += 1
                    _clear_identity(entry)  # the ticket holds it now
                    fields += ["ticket", "name", "nik", "phone"]
            else:
                entry.status = EntryStatus.WAITLISTED
            entry.save(update_fields=fields)
            lines.append((entry.rank, entry.entry_hash, entry.status))
        draw.seed = seed
        draw.status = DrawStatus.DRAWN
        draw.places = places
        draw.drawn_at = now
        draw.save(update_fields=["seed", "status", "places", "drawn_at"])
        step = DrawStep(
            office_id=draw.office_id,
            draw=draw,
            kind="drawn",
            at=now,
            commitment=draw.commitment,
            seed=seed,
            entries_sha256=entries_digest(order),
            result_sha256=result_digest(lines),
            places=places,
        )
        ledger_append_row(step, office_id=draw.office_id, at=now, record=step_record)
    return draw


def draws_close_due(*, now: dt.datetime | None = None) -> int:
    """Draw every draw whose window has closed (the worker, each minute)."""
    now = now or timezone.now()
    due = Draw.objects.filter(status=DrawStatus.OPEN, closes_at__lte=now).order_by("closes_at")
    count = 0
    for draw in due:
        draw_close(draw=draw, now=now)
        count += 1
    return count


def draws_forget_due(*, now: dt.datetime | None = None) -> int:
    """Entries still waiting when their service day has passed (the wait list of a past day,
    entries of a draw that never ran) keep no identity: emptied the day after, the hash and
    the outcome stay for the public record. Returns how many were emptied."""
    now = now or timezone.now()
    # The day after, anywhere in Indonesia (WIB is the latest to end a date).
    last_day = (now - dt.timedelta(hours=7)).date() - dt.timedelta(days=1)
    return (
        DrawEntry.objects.filter(
            status__in=[EntryStatus.ENTERED, EntryStatus.WAITLISTED], draw__date__lte=last_day
        )
        .exclude(nik="")
        .update(name="", nik="", phone="")
    )


def draw_promote(
    *, service_id: int, date: dt.date, now: dt.datetime | None = None
) -> Ticket | None:
    """A place came back (a cancellation): the next on the draw's wait list gets it, inside the
    caller's transaction. The draw's row is locked, so two cancellations at once move two
    different entries up. None when there is no drawn draw, no wait list, or no room."""
    now = now or timezone.now()
    draw = (
        Draw.objects.select_for_update()
        .filter(service_id=service_id, date=date, status=DrawStatus.DRAWN)
        .first()
    )
    if draw is None:
        return None
    slots = _bookable_slots(draw, now)
    waiting = (
        DrawEntry.objects.select_for_update(of=("self",))
        .filter(draw=draw, status=EntryStatus.WAITLISTED)
        .select_related("rendering__pact", "rendering__clauses")
        .order_by("rank")
    )
    for entry in waiting:
        try:
            entry.ticket = _book(entry, slots, now)
        except DomainError as error:
            if error.code == ErrorCode.SLOT_FULL:
                return None  # the place went elsewhere (a walk-in): the list waits
            entry.status, entry.reason = EntryStatus.REFUSED, f"promotion:{error.code}"[:40]
            _clear_identity(entry)
            entry.save(update_fields=["status", "reason", "name", "nik", "phone"])
            continue
        entry.status = EntryStatus.WON
        entry.reason = "promoted"
        _clear_identity(entry)
        entry.save(update_fields=["status", "reason", "ticket", "name", "nik", "phone"])
        return entry.ticket
    return None


# --- The public record and its verification ---------------------------------------------


def draw_record(draw: Draw) -> dict:
    """What anyone may read of a draw: no personal data."""
    entries = list(
        DrawEntry.objects.filter(draw=draw).values_list("entry_hash", "rank", "status", "reason")
    )
    drawn = draw.status == DrawStatus.DRAWN
    result = (
        sorted(
            (
                {"rank": rank, "hash": h, "outcome": _outcome_at_draw(status, reason)}
                for h, rank, status, reason in entries
            ),
            key=lambda line: line["rank"],
        )
        if drawn
        else []
    )
    return {
        "id": draw.pk,
        "office": draw.office.code,
        "service": draw.service.name,
        "date": draw.date.isoformat(),
        "opens_at": draw.opens_at.isoformat(),
        "closes_at": draw.closes_at.isoformat(),
        "status": draw.status,
        "commitment": draw.commitment,
        "seed": draw.seed if drawn else None,
        "places": draw.places,
        "entries": sorted(h for h, *_rest in entries),
        "result": result,
        "winners": [line["hash"] for line in result if line["outcome"] == EntryStatus.WON],
    }


def _outcome_at_draw(status: str, reason: str) -> str:
    """What the draw itself decided: a wait-listed entry promoted later was wait-listed."""
    if status == EntryStatus.WON and reason == "promoted":
        return EntryStatus.WAITLISTED
    if status == EntryStatus.REFUSED and reason.startswith("promotion:"):
        return EntryStatus.WAITLISTED
    return status


def draw_verify(record: dict, *, ledger: dict | None = None) -> list[str]:
    """Every way the public record disagrees with itself (and with the ledger's steps, when
    given: {"open": {...}, "drawn": {...}}). Empty: the draw is what its rules give."""
    problems = []
    seed, commitment = record.get("seed") or "", record["commitment"]
    if record["status"] != DrawStatus.DRAWN:
        return ["the draw has not been drawn yet"]
    if sha256_hex(seed) != commitment:
        problems.append("the seed does not match the commitment")
    order = draw_order(seed, record["entries"])
    ranks = [line["hash"] for line in record["result"]]
    if ranks != order:
        problems.append("the order is not the one the seed and the entries give")
    if sorted(record["entries"]) != sorted(ranks):
        problems.append("the result and the entry list differ")
    places = record["places"] or 0
    won = 0
    for line in record["result"]:
        expected = (
            {EntryStatus.WON, EntryStatus.REFUSED} if won < places else {EntryStatus.WAITLISTED}
        )
        if line["outcome"] not in expected:
            problems.append(
                f"rank {line['rank']} is {line['outcome']}, the rules give "
                + " or ".join(sorted(expected))
            )
            break
        won += line["outcome"] == EntryStatus.WON
    if ledger is not None:
        opened, drawn = ledger.get("open"), ledger.get("drawn")
        if opened is None or opened["commitment"] != commitment:
            problems.append("the ledger's commitment differs")
        if drawn is None or drawn["seed"] != seed:
            problems.append("the ledger's seed differs")
        elif drawn["entries"] != entries_digest(record["entries"]):
            problems.append("the entry list differs from the one chained at the draw")
        elif drawn["result"] != result_digest(
            (line["rank"], line["hash"], line["outcome"]) for line in record["result"]
        ):
            problems.append("the result differs from the one chained at the draw")
    return problems


def draw_ledger_steps(draw: Draw) -> dict:
    return {
        step.kind: {
            "commitment": step.commitment,
            "seed": step.seed,
            "entries": step.entries_sha256,
            "result": step.result_sha256,
            "places": step.places,
        }
        for step in DrawStep.objects.filter(draw=draw)
    }
