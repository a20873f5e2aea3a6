"""What must be true after a rush, read from the database through Django and from the fake
provider's record. Each check is a name, PASS or FAIL, and the numbers behind it.

The checks look at rows, never at what the clients were told alone: a booking acknowledged
with 201 must exist; a row nobody was told about must still be whole (ticket, signature,
ledger position, certificate, outbox message), and the counters must agree with the rows.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db.models import Count, Q

from antrean.booking.models import PhoneDayCount
from antrean.catalog.models import Slot
from antrean.core.personal_data import lookup_hash
from antrean.integrity.certificates import (
    StoredPdfError,
    certificate_check_upload,
    certificate_pdf_bytes,
)
from antrean.integrity.models import Audience, Certificate, PactSignature
from antrean.notifications.models import Kind, Message
from antrean.notifications.models import Status as MessageStatus
from antrean.queueing.models import Ticket, TicketEvent, TicketSequence
from antrean.queueing.states import ACTIVE
from bench.rush.load import Outcome


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"  {'PASS' if self.ok else 'FAIL'}  {self.name}: {self.detail}"

    def as_dict(self) -> dict:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


class Checks(list):
    """A list of Check with a shorthand to add one."""

    def add(self, name: str, ok: bool, detail: str) -> bool:
        self.append(Check(name, bool(ok), detail))
        return bool(ok)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self)

    def failed(self) -> list[Check]:
        return [check for check in self if not check.ok]


def _few(items, limit: int = 5) -> str:
    items = list(items)
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (f" … ({len(items)} in all)" if len(items) > limit else "")


# --- the rows -------------------------------------------------------------------------------


def rows_whole(checks: Checks, tickets, *, office) -> None:
    """Every ticket has its book event, its pact signature with a ledger position and its
    certificate row; no citizen signature of the office lacks its ticket."""
    ids = list(tickets.values_list("pk", flat=True))
    signed = PactSignature.objects.filter(ticket_id__in=ids)
    unsigned = set(ids) - set(signed.values_list("ticket_id", flat=True))
    checks.add(
        "every ticket has its pact signature",
        not unsigned,
        f"{len(ids)} tickets, "
        f"{len(unsigned)} without a signature" + (f" ({_few(unsigned)})" if unsigned else ""),
    )
    unchained = signed.filter(Q(ledger_seq=None) | Q(entry_hash="")).count()
    checks.add(
        "every signature is in the ledger",
        unchained == 0,
        f"{signed.count()} signatures, {unchained} without a ledger position",
    )
    no_certificate = signed.filter(certificate__isnull=True).count()
    checks.add(
        "every signature has its certificate row", no_certificate == 0, f"{no_certificate} without"
    )
    orphans = PactSignature.objects.filter(
        office=office, audience=Audience.CITIZEN, ticket__isnull=True
    ).count()
    checks.add("no citizen signature without a ticket", orphans == 0, f"{orphans} orphaned")
    booked = set(
        TicketEvent.objects.filter(ticket_id__in=ids, move="book").values_list(
            "ticket_id", flat=True
        )
    )
    checks.add(
        "every ticket has its booking event",
        len(booked) == len(ids),
        f"{len(ids) - len(booked)} without",
    )


def counters_agree(checks: Checks, *, slots, date) -> None:
    """slot.booked, the per-phone (and per-NIK, if present) day counters and the number
    sequence agree with the tickets themselves."""
    wrong_slots = []
    for slot in Slot.objects.filter(pk__in=[s.pk for s in slots]):
        active = Ticket.objects.filter(slot=slot, status__in=ACTIVE).count()
        if slot.booked != active or active > slot.capacity:
            wrong_slots.append(
                f"slot {slot.pk}: booked {slot.booked}, active {active}, capacity {slot.capacity}"
            )
    checks.add(
        "slot.booked equals the active tickets, within capacity",
        not wrong_slots,
        f"{len(slots)} slots" + (f"; {_few(wrong_slots, 3)}" if wrong_slots else " agree"),
    )

    day_counters = [(PhoneDayCount, "phone_hash", "phone")]
    with contextlib.suppress(LookupError):  # the per-NIK day counter came with issue 7
        day_counters.append((apps.get_model("booking", "NikDayCount"), "nik_hash", "NIK"))
    for model, key, label in day_counters:
        active = Counter(
            dict(
                Ticket.objects.filter(date=date, status__in=ACTIVE)
                .exclude(**{key: ""})
                .values(key)
                .annotate(n=Count("pk"))
                .values_list(key, "n")
            )
        )
        counted = Counter(
            dict(model.objects.filter(date=date).exclude(active=0).values_list(key, "active"))
        )
        differ = {k for k in active.keys() | counted.keys() if active[k] != counted[k]}
        checks.add(
            f"{label} day counters equal the active tickets",
            not differ,
            f"{len(active)} {label}s with bookings on {date}, {len(differ)} differ",
        )

    services = {slot.service_id for slot in slots}
    bad = []
    for service_id in services:
        seqs = sorted(
            Ticket.objects.filter(numbered_service_id=service_id, date=date).values_list(
                "seq", flat=True
            )
        )
        numbers = Ticket.objects.filter(numbered_service_id=service_id, date=date).values_list(
            "number", flat=True
        )
        last = (
            TicketSequence.objects.filter(service_id=service_id, date=date)
            .values_list("last", flat=True)
            .first()
            or 0
        )
        if (
            seqs != list(range(1, len(seqs) + 1))
            or len(set(numbers)) != len(seqs)
            or (last != len(seqs))
        ):
            bad.append(f"service {service_id}: {len(seqs)} tickets, sequence at {last}")
    checks.add(
        "queue numbers unique and gapless (1..n per service and day)",
        not bad,
        f"{len(services)} services" + (f"; {_few(bad, 3)}" if bad else " gapless"),
    )


def one_active_per_nik_and_service(checks: Checks, *, date) -> None:
    twice = (
        Ticket.objects.filter(date=date, status__in=ACTIVE)
        .exclude(nik_hash="")
        .values("service_id", "nik_hash")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    checks.add(
        "one active booking per NIK per service and day", twice == 0, f"{twice} NIKs with two"
    )


def limits_hold(checks: Checks, *, date) -> None:
    """Per phone and (when the setting exists) per NIK, never more than the day's limit."""
    limits = [("phone_hash", "phone", settings.ANTREAN_MAX_BOOKINGS_PER_PHONE_PER_DAY)]
    nik_limit = getattr(settings, "ANTREAN_MAX_BOOKINGS_PER_NIK_PER_DAY", None)
    if nik_limit:
        limits.append(("nik_hash", "NIK", nik_limit))
    for key, label, limit in limits:
        most = (
            Ticket.objects.filter(date=date, status__in=ACTIVE)
            .exclude(**{key: ""})
            .values(key)
            .annotate(n=Count("pk"))
            .order_by("-n")
            .values_list("n", flat=True)
            .first()
        ) or 0
        checks.add(
            f"at most {limit} bookings per {label} per day",
            most <= limit,
            f"most for one {label}: {most}",
        )


def messages_queued(checks: Checks, tickets) -> None:
    """Exactly one confirmation message per ticket that consented, none for the others."""
    consenting = set(tickets.filter(whatsapp_consent=True).values_list("pk", flat=True))
    per_ticket = Counter(
        Message.objects.filter(
            ticket_id__in=tickets.values("pk"), kind=Kind.BOOKING_CONFIRMED
        ).values_list("ticket_id", flat=True)
    )
    missing = consenting - set(per_ticket)
    extra = {t for t, n in per_ticket.items() if n > 1 or t not in consenting}
    checks.add(
        "one outbox message per consenting ticket",
        not missing and not extra,
        f"{len(consenting)} consenting tickets, {len(per_ticket)} with a message, "
        f"{len(missing)} missing, {len(extra)} unexpected",
    )


def certificates_signed(checks: Checks, tickets) -> None:
    """Every certificate rendered, its file the one recorded, and its PAdES signature valid
    under the office's key (the public upload check)."""
    certificates = Certificate.objects.filter(signature__ticket__in=tickets.values("pk"))
    total = certificates.count()
    pending = certificates.filter(Q(pdf_sha256="") | Q(rendered_at=None)).count()
    invalid = []
    for certificate in certificates.exclude(pdf_sha256=""):
        try:
            pdf = certificate_pdf_bytes(certificate)  # opens the sealed file, checks its sha256
        except FileNotFoundError:
            invalid.append(f"{certificate.number}: file missing")
            continue
        except StoredPdfError as error:
            invalid.append(str(error))
            continue
        check = certificate_check_upload(pdf)
        if not check.valid or check.certificate.pk != certificate.pk:
            invalid.append(f"{certificate.number}: {check.reason}")
    checks.add(
        "certificates rendered and signed",
        pending == 0 and not invalid,
        f"{total - pending}/{total} rendered, {total - pending - len(invalid)} "
        f"verified" + (f"; {_few(invalid, 3)}" if invalid else ""),
    )


# --- the clients' view ------------------------------------------------------------------------


def acknowledged_exist(checks: Checks, outcomes: list[Outcome], tickets) -> None:
    """Every 201 is a ticket, found by its code, of the same NIK and slot."""
    by_code = {
        code: (nik_hash, slot_id)
        for code, nik_hash, slot_id in tickets.values_list("code", "nik_hash", "slot_id")
    }
    created = [o for o in outcomes if o.status == 201]
    missing = [
        o.code
        for o in created
        if by_code.get(o.code) != (lookup_hash(o.identity.nik, purpose="nik"), o.slot_id)
    ]
    checks.add(
        "every booking acknowledged with 201 exists",
        not missing,
        f"{len(created)} acknowledged, {len(missing)} not found"
        + (f" ({_few(missing)})" if missing else ""),
    )


@dataclass(frozen=True)
class Attribution:
    acknowledged: int  # tickets whose client got 201
    landed_told: int  # the client's retry was answered duplicate_booking
    landed_hidden: int  # a cut attempt landed; the retry's answer (e.g. slot_full) hid it
    phantoms: int  # tickets no attempt of their client can explain


def attribute_tickets(checks: Checks, outcomes: list[Outcome], tickets) -> Attribution:
    """Map every ticket to the client that made it (by NIK): a ticket must come from a 201,
    or from an attempt whose connection was cut after the request may have left."""
    by_nik = {lookup_hash(o.identity.nik, purpose="nik"): o for o in outcomes}
    counts = Counter()
    phantoms = []
    for code, nik_hash in tickets.values_list("code", "nik_hash"):
        outcome = by_nik.get(nik_hash)
        if outcome is None:
            phantoms.append(code)
        elif outcome.status == 201 and outcome.code == code:
            counts["acknowledged"] += 1
        elif outcome.cut and outcome.error == "duplicate_booking":
            counts["landed_told"] += 1
        elif outcome.cut:
            counts["landed_hidden"] += 1
        else:
            phantoms.append(code)
    checks.add(
        "every ticket comes from a 201 or a cut attempt",
        not phantoms,
        f"{counts['acknowledged']} acknowledged, {counts['landed_told']} landed and "
        f"told by duplicate_booking on retry, {counts['landed_hidden']} landed behind "
        f"another answer, {len(phantoms)} unexplained",
    )
    nik_hashes = set(tickets.values_list("nik_hash", flat=True))
    told_without = [
        o
        for o in outcomes
        if o.error == "duplicate_booking"
        and lookup_hash(o.identity.nik, purpose="nik") not in nik_hashes
    ]
    checks.add(
        "every duplicate_booking answer has its ticket",
        not told_without,
        f"{len(told_without)} without",
    )
    return Attribution(
        counts["acknowledged"], counts["landed_told"], counts["landed_hidden"], len(phantoms)
    )


# --- the provider ------------------------------------------------------------------------------


def provider_received(
    checks: Checks, record: dict, messages, *, exactly_once: bool
) -> dict[str, int]:
    """What the fake Cloud API accepted, against our outbox rows: each of our messages at
    most (or exactly) once, to its recipient, with its own certificate's PDF; nothing the
    outbox does not know about."""
    per_callback = Counter(m["callback"] for m in record["accepted"])
    ours = {str(m.pk): m for m in messages.select_related("ticket__pact_signature__certificate")}
    twice = {cb: n for cb, n in per_callback.items() if cb in ours and n > 1}
    never = [pk for pk in ours if per_callback[pk] == 0]
    if exactly_once:
        checks.add(
            "each message accepted by the provider exactly once",
            not twice and not never,
            f"{len(ours)} messages, {len(ours) - len(never) - len(twice)} once, "
            f"{len(twice)} more than once, {len(never)} never",
        )
    else:
        checks.add(
            "no message accepted by the provider twice",
            not twice,
            f"{len(ours)} messages, {len(twice)} accepted more than once"
            + (f" ({_few(twice)})" if twice else ""),
        )
    media = record["media"]
    wrong = []
    for accepted in record["accepted"]:
        message = ours.get(accepted["callback"])
        if message is None:
            continue
        if accepted["to"] != message.recipient:
            wrong.append(f"message {message.pk}: wrong recipient")
        certificate = message.ticket.pact_signature.certificate
        upload = media.get(accepted["media_id"] or "")
        if upload is None or upload["sha256"] != certificate.pdf_sha256:
            wrong.append(f"message {message.pk}: PDF is not its certificate")
    checks.add(
        "recipients and attached certificates are right",
        not wrong,
        f"{len(wrong)} wrong" + (f" ({_few(wrong, 3)})" if wrong else ""),
    )
    return {"accepted": sum(per_callback[pk] for pk in ours), "never": len(never)}


def unknown_to_outbox(checks: Checks, record: dict, *, since: int = 0) -> None:
    """Everything the provider accepted (from its `since`-th message on) carries the id of a
    message the outbox has."""
    callbacks = {m["callback"] for m in record["accepted"][since:]}
    known = {str(pk) for pk in Message.objects.values_list("pk", flat=True)}
    strays = callbacks - known
    checks.add(
        "the provider accepted nothing the outbox does not know",
        not strays,
        f"{len(callbacks)} accepted ids, {len(strays)} unknown",
    )


def message_statuses(messages) -> Counter:
    return Counter(messages.values_list("status", flat=True))


SETTLED = {MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ}
