"""Proof of the WhatsApp number before an online booking is confirmed (docs/number-proof.md).

Indonesian mobile numbers are registered to a NIK, so a proven number is close to one person:
a broker with a farm of invented identities needs a phone he controls for each place. Where
the office asks for proof on the booking's channel (`number_proof_required`), an online
booking first *holds* a place: the same checks and the same conditional statements as a
booking (the slot's place, the number's and the NIK's day counts) in one transaction, and a
`BookingHold` row instead of a ticket. Nothing else is written: no number, no signature, no
ledger entry, no certificate, no message.

The hold is confirmed when the number is proven, either way:
- the citizen sends the prefilled WhatsApp message (`wa.me` link, "ANTREAN <code>") to the
  office's number; the webhook hands it to `hold_prove_by_message`, which confirms when the
  sender is the hold's number;
- the citizen asks for a one-time code (WhatsApp's authentication template) and types it back
  (`hold_otp_send`, `hold_otp_check`): it expires, resends are spaced and counted, wrong tries
  are counted, and only its keyed hash is stored.
Confirming turns the hold into the ticket in one transaction (`ticket_issue`: the number, the
pact signature with the text the citizen agreed to, the ledger entry, the certificate and the
confirmation message); its places were already taken. A hold not confirmed in time expires
(`holds_expire_due`, the worker's sweep, or the confirmation that finds it late): its places
are given back and the identity it kept is emptied.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from antrean.booking.models import BookingHold, HoldStatus
from antrean.booking.services import (
    BookingRequest,
    BookingResult,
    Prepared,
    booking_create,
    booking_prepare,
    is_duplicate_ticket,
    places_give_back,
    places_take,
    ticket_issue,
)
from antrean.catalog.models import Slot
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.personal_data import lookup_hash
from antrean.core.tokens import token_hash
from antrean.integrity.models import Channel
from antrean.integrity.services import ClientInfo
from antrean.queueing.models import Ticket, new_booking_code
from antrean.queueing.states import ACTIVE

# The prefilled message: "ANTREAN 7K3M-Q9XP". Matched anywhere in the text, any case, with or
# without the dash, so a citizen who retypes it still gets through.
PROOF_WORD = "ANTREAN"
_PROOF_RE = re.compile(
    PROOF_WORD + r"\s*[:#-]?\s*([0-9A-Z]{4})[\s-]?([0-9A-Z]{4})\b", re.IGNORECASE
)
_SETTING_BY_CHANNEL = {Channel.WEB: "number_proof_web", Channel.API: "number_proof_api"}


def number_proof_required(*, office, channel: str) -> bool:
    """Whether an online booking of `office` through `channel` needs a proven number. Walk-ins,
    kiosks and counters never do. "auto" is on when messages really leave (the Cloud API)."""
    field = _SETTING_BY_CHANNEL.get(channel)
    if field is None:
        return False
    setting = getattr(office, field)
    if setting == "auto":
        return settings.WHATSAPP_GATEWAY == "cloud"
    return setting == "on"


def proof_text(hold: BookingHold) -> str:
    """What the citizen sends from their WhatsApp to prove the number."""
    return f"{PROOF_WORD} {hold.code[:4]}-{hold.code[4:]}"


def proof_link(hold: BookingHold) -> str | None:
    """`https://wa.me/<office number>?text=…`: opens WhatsApp with the message written.
    None when no office number is configured (WHATSAPP_DISPLAY_NUMBER)."""
    from urllib.parse import quote

    number = "".join(ch for ch in settings.WHATSAPP_DISPLAY_NUMBER if ch.isdigit())
    if not number:
        return None
    return f"https://wa.me/{number}?text={quote(proof_text(hold))}"


def proof_code_in(text: str) -> str | None:
    """The hold code a message carries, normalised (upper case, no dash), or None."""
    found = _PROOF_RE.search(text or "")
    return (found.group(1) + found.group(2)).upper() if found else None


@dataclass(frozen=True)
class HoldResult:
    hold: BookingHold
    token: str  # the booking's token, shown once: the ticket keeps it when confirmed


def booking_start(
    *, request: BookingRequest, client: ClientInfo, now: dt.datetime | None = None
) -> BookingResult | HoldResult:
    """What the booking page and the API call: a booking at once, or a hold where the office
    asks for proof of the number on this channel."""
    now = now or timezone.now()
    prepared = booking_prepare(request=request, client=client, now=now)
    if not number_proof_required(office=prepared.office, channel=client.channel):
        return booking_create(request=request, client=client, now=now, prepared=prepared)
    return _hold_create(prepared, client=client, now=now)


def _hold_create(prepared: Prepared, *, client: ClientInfo, now: dt.datetime) -> HoldResult:
    if Ticket.objects.filter(
        service=prepared.service,
        date=prepared.slot.date,
        nik_hash=prepared.nik_hash,
        status__in=ACTIVE,
    ).exists():
        raise DomainError(ErrorCode.DUPLICATE_BOOKING, field="nik")
    token = secrets.token_urlsafe(24)
    try:
        with transaction.atomic():
            places_take(prepared, hold=True, now=now)
            hold = BookingHold.objects.create(
                code=new_booking_code(),
                office=prepared.office,
                service=prepared.service,
                slot=prepared.slot,
                date=prepared.slot.date,
                channel=client.channel,
                name=prepared.name,
                nik=prepared.nik,
                nik_hash=prepared.nik_hash,
                phone=prepared.phone,
                phone_hash=prepared.phone_hash,
                whatsapp_consent=prepared.whatsapp_consent,
                nik_check=prepared.nik_check,
                rendering=prepared.rendering,
                client_ip=client.ip,
                user_agent=(client.user_agent or "")[:300],
                token_hash=token_hash(token),
                created_at=now,
                expires_at=now + dt.timedelta(minutes=settings.ANTREAN_HOLD_MINUTES),
            )
    except IntegrityError as exc:
        # The partial unique index: this NIK already holds a place for this service and day.
        if "hold_one_per_nik" in str(exc) or "nik_hash" in str(exc):
            raise DomainError(ErrorCode.DUPLICATE_BOOKING, field="nik") from exc
        raise
    hold.slot = prepared.slot
    return HoldResult(hold=hold, token=token)


def hold_get(*, code: str, token: str | None) -> BookingHold:
    """A hold for the holder of its token; `not_found` and `bad_token` otherwise."""
    hold = (
        BookingHold.objects.select_related("service__agency", "office", "slot", "ticket")
        .filter(code=(code or "").upper().replace("-", ""))
        .first()
    )
    if hold is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    if not token or not secrets.compare_digest(hold.token_hash, token_hash(token)):
        raise DomainError(ErrorCode.BAD_TOKEN)
    return hold


def _locked(hold_id: int) -> BookingHold:
    return (
        BookingHold.objects.select_for_update(of=("self",))
        .select_related("slot__service__agency", "slot__service__office", "rendering__pact")
        .get(pk=hold_id)
    )


def _end(hold: BookingHold, status: str, now: dt.datetime, **fields) -> None:
    """A hold that stops waiting keeps no identity (the ticket has it, or nobody needs it)."""
    hold.status = status
    hold.ended_at = now
    hold.name = hold.nik = hold.phone = ""
    hold.otp_hash = ""
    for name, value in fields.items():
        setattr(hold, name, value)
    hold.save(
        update_fields=[
            "status",
            "ended_at",
            "name",
            "nik",
            "phone",
            "otp_hash",
            *fields,
        ]
    )


def _release(hold: BookingHold, now: dt.datetime) -> None:
    """Inside the caller's transaction, the hold locked and still waiting."""
    places_give_back(
        slot_id=hold.slot_id,
        phone_hash=hold.phone_hash,
        nik_hash=hold.nik_hash,
        date=hold.date,
        held=True,
    )
    _end(hold, HoldStatus.EXPIRED, now)


def _waiting(hold: BookingHold, now: dt.datetime) -> bool:
    """Still waiting for proof. A hold found past its time is released here and then."""
    if hold.status != HoldStatus.HELD:
        return False
    if hold.expires_at <= now:
        _release(hold, now)
        return False
    return True


def _confirm_locked(hold: BookingHold, *, proven_by: str, now: dt.datetime) -> Ticket | None:
    """The hold becomes its ticket (inside the caller's transaction, the hold locked and
    waiting). A ticket of the same NIK made meanwhile (a walk-in) wins: the hold is released."""
    prepared = Prepared(
        name=hold.name,
        nik=hold.nik,
        nik_hash=hold.nik_hash,
        phone=hold.phone,
        phone_hash=hold.phone_hash,
        whatsapp_consent=hold.whatsapp_consent,
        slot=hold.slot,
        rendering=hold.rendering,
        nik_check=hold.nik_check,
    )
    client = ClientInfo(channel=hold.channel, ip=hold.client_ip, user_agent=hold.user_agent)
    try:
        with transaction.atomic():  # a savepoint: a duplicate leaves the hold to release
            ticket = ticket_issue(
                prepared, client=client, token_hash_value=hold.token_hash, now=now
            )
    except IntegrityError as exc:
        if not is_duplicate_ticket(exc):
            raise
        _release(hold, now)
        return None
    # The place stays taken; it is no longer only held.
    Slot.objects.filter(pk=hold.slot_id, held__gt=0).update(held=F("held") - 1)
    _end(hold, HoldStatus.CONFIRMED, now, ticket=ticket, proven_by=proven_by)
    return ticket


def _confirm(hold_id: int, *, proven_by: str, now: dt.datetime) -> Ticket:
    refusal = None
    with transaction.atomic():
        hold = _locked(hold_id)
        if hold.status == HoldStatus.CONFIRMED:
            return hold.ticket  # a second proof message: nothing more to do
        if not _waiting(hold, now):  # a late hold is released, and that commits
            refusal = ErrorCode.HOLD_EXPIRED
        else:
            ticket = _confirm_locked(hold, proven_by=proven_by, now=now)
            if ticket is None:
                refusal = ErrorCode.DUPLICATE_BOOKING
    if refusal is not None:
        raise DomainError(refusal)
    return ticket


# --- Proof by a message from the citizen ---------------------------------------------------


def hold_prove_by_message(*, sender_digits: str, text: str, now: dt.datetime | None = None) -> bool:
    """A WhatsApp message received by the office's number (the webhook, or the console
    inbox's "reply"). Returns True when it was a proof message (handled, whatever the
    outcome: the caller does not keep it), False for any other message.

    Confirms the hold it names when the sender is the hold's own number; a message naming a
    hold from another number proves nothing and changes nothing."""
    code = proof_code_in(text)
    if code is None:
        return False
    now = now or timezone.now()
    hold = BookingHold.objects.filter(code=code).only("pk", "phone_hash").first()
    if hold is None:
        return True
    sender = "+" + (sender_digits or "").lstrip("+")
    if not secrets.compare_digest(lookup_hash(sender, purpose="phone"), hold.phone_hash):
        return True
    # Expired, or the NIK booked meanwhile: the citizen's page says so.
    with contextlib.suppress(DomainError):
        _confirm(hold.pk, proven_by="message", now=now)
    return True


# --- Proof by a one-time code ---------------------------------------------------------------


def _otp_hash(hold: BookingHold, code: str) -> str:
    return lookup_hash(f"{hold.code}:{code}", purpose="hold-otp")


def hold_otp_send(*, hold: BookingHold, now: dt.datetime | None = None) -> dt.datetime:
    """Send a fresh six-digit code to the hold's number (the previous one stops working).
    Spaced by ANTREAN_OTP_RESEND_SECONDS and at most ANTREAN_OTP_MAX_SENDS a hold. Returns
    when the code expires."""
    from antrean.notifications.services import message_queue_number_code

    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(hold.pk)
        if locked.status == HoldStatus.CONFIRMED:
            raise DomainError(ErrorCode.INVALID_TRANSITION)
        waiting = _waiting(locked, now)
        if waiting:
            wait = settings.ANTREAN_OTP_RESEND_SECONDS
            if locked.otp_sends >= settings.ANTREAN_OTP_MAX_SENDS:
                raise DomainError(ErrorCode.OTP_SEND_LIMIT)
            if locked.otp_sent_at and (now - locked.otp_sent_at).total_seconds() < wait:
                left = wait - int((now - locked.otp_sent_at).total_seconds())
                raise DomainError(ErrorCode.OTP_TOO_SOON, retry_after=max(left, 1))
            code = f"{secrets.randbelow(10**6):06d}"
            locked.otp_hash = _otp_hash(locked, code)
            locked.otp_expires_at = min(
                now + dt.timedelta(minutes=settings.ANTREAN_OTP_MINUTES), locked.expires_at
            )
            locked.otp_sends += 1
            locked.otp_sent_at = now
            locked.otp_failures = 0
            locked.save(
                update_fields=[
                    "otp_hash",
                    "otp_expires_at",
                    "otp_sends",
                    "otp_sent_at",
                    "otp_failures",
                ]
            )
            message_queue_number_code(office=locked.office, recipient=locked.phone, code=code)
    if not waiting:
        raise DomainError(ErrorCode.HOLD_EXPIRED)
    return locked.otp_expires_at


def hold_otp_check(*, hold: BookingHold, code: str, now: dt.datetime | None = None) -> Ticket:
    """The code typed back: confirms the hold, or counts a wrong try (committed, whatever the
    answer) and refuses. After ANTREAN_OTP_MAX_FAILURES wrong tries the code stops working."""
    now = now or timezone.now()
    code = "".join(ch for ch in str(code or "") if ch.isdigit())
    refusal: ErrorCode | None = None
    ticket = None
    with transaction.atomic():
        locked = _locked(hold.pk)
        if locked.status == HoldStatus.CONFIRMED:
            return locked.ticket
        if not _waiting(locked, now):
            refusal = ErrorCode.HOLD_EXPIRED
        elif not locked.otp_hash or locked.otp_expires_at is None or locked.otp_expires_at <= now:
            refusal = ErrorCode.OTP_EXPIRED
        elif locked.otp_failures >= settings.ANTREAN_OTP_MAX_FAILURES:
            refusal = ErrorCode.OTP_LOCKED
        elif len(code) != 6 or not secrets.compare_digest(_otp_hash(locked, code), locked.otp_hash):
            locked.otp_failures += 1
            locked.save(update_fields=["otp_failures"])
            refusal = ErrorCode.OTP_INVALID
        else:
            ticket = _confirm_locked(locked, proven_by="otp", now=now)
            if ticket is None:
                refusal = ErrorCode.DUPLICATE_BOOKING
    if refusal is not None:
        raise DomainError(refusal, field="otp" if refusal == ErrorCode.OTP_INVALID else None)
    return ticket


# --- Expiry -----------------------------------------------------------------------------------


def holds_expire_due(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Release every hold past its time (the worker, each minute): places and counts given
    back, identity emptied. Idempotent; holds being confirmed right now are skipped (the
    confirmation decides them). Returns how many were released."""
    now = now or timezone.now()
    due = list(
        BookingHold.objects.filter(status=HoldStatus.HELD, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    released = 0
    for hold_id in due:
        with transaction.atomic():
            hold = (
                BookingHold.objects.select_for_update(skip_locked=True)
                .filter(pk=hold_id, status=HoldStatus.HELD, expires_at__lte=now)
                .first()
            )
            if hold is not None:
                _release(hold, now)
                released += 1
    return released


def hold_state(hold: BookingHold, *, now: dt.datetime | None = None) -> str:
    """ "held", "confirmed" or "expired", as the citizen should read it now (a hold past its
    time is expired even before the sweep releases it)."""
    now = now or timezone.now()
    if hold.status == HoldStatus.HELD and hold.expires_at <= now:
        return HoldStatus.EXPIRED
    return hold.status
