"""The outbox: queueing messages with the events that cause them, sending them once, and
recording what the provider says happened.

Guarantees (tested against a local server that answers as the Cloud API does):
- a message row exists exactly when the event that caused it committed (queued in the same
  transaction), and at most one per (ticket, kind) (unique constraint);
- one worker sends a given message: it is claimed under a row lock (SKIP LOCKED on
  PostgreSQL, the IMMEDIATE write lock on SQLite) and moved to `sending`;
- `request_started_at` is committed before the request leaves. A worker that dies before it
  leaves the message to be claimed again; one that dies after it leaves the message
  `ambiguous`: counted and shown, never resent blindly. A later status webhook carrying our
  id in `biz_opaque_callback_data` settles it.
"""

import datetime as dt
import logging
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from antrean.core.dates import clock, long_date
from antrean.core.hotcache import HotCache
from antrean.core.personal_data import lookup_hash
from antrean.integrity.certificates import certificate_pdf_bytes
from antrean.notifications.gateway import (
    Document,
    GatewayError,
    OutgoingMessage,
    get_gateway,
)
from antrean.notifications.models import (
    SCRUBBED,
    STATUS_RANK,
    ErrorCategory,
    InboundMessage,
    Kind,
    MediaUpload,
    Message,
    MessageEvent,
    OutboxWorker,
    Status,
    StatusReceipt,
    TemplateName,
    UnreachableNumber,
)
from antrean.tenancy import permissions

logger = logging.getLogger("antrean.notifications")

MEDIA_KEPT_FOR = dt.timedelta(days=25)  # the provider keeps media 30 days
CERTIFICATE_WAIT = dt.timedelta(seconds=2)
HEARTBEAT_EVERY = dt.timedelta(seconds=2)
WORKER_GONE_AFTER = dt.timedelta(seconds=15)


def _event(message: Message, event: str, detail: str = "", at: dt.datetime | None = None):
    MessageEvent.objects.create(
        message=message, at=at or timezone.now(), event=event, detail=detail
    )


_templates = HotCache("template_for", watch=("notifications.TemplateName",))


def template_for(*, office, kind: str) -> tuple[str, str]:
    """The template name and language for a kind of message at an office."""
    return _templates.get((office.pk, kind), lambda: _template_for(office, kind))


def _template_for(office, kind: str) -> tuple[str, str]:
    row = (
        TemplateName.objects.filter(Q(office=office) | Q(office__isnull=True), kind=kind)
        .order_by(F("office_id").asc(nulls_last=True))
        .first()
    )
    return (row.name, row.language) if row else (f"antrean_{kind}", "id")


def _slot_text(ticket) -> str:
    office = ticket.office
    if ticket.slot_id:
        slot = ticket.slot
        return (
            f"{long_date(ticket.date)}, {clock(slot.start)}–{clock(slot.end)} {office.zone_label}"
        )
    return long_date(ticket.date)


def message_queue(
    *,
    ticket,
    kind: str,
    params: list[str],
    with_certificate: bool = False,
    due_at: dt.datetime | None = None,
    new_ticket: bool = False,
) -> Message | None:
    """Queue a message about a ticket, inside the caller's transaction.

    Nothing is queued without the citizen's WhatsApp consent or number, and nothing twice for
    the same (ticket, kind). Returns the message, or None when none was queued.
    """
    if not ticket.whatsapp_consent or not ticket.phone:
        return None
    name, language = template_for(office=ticket.office, kind=kind)
    now = timezone.now()
    message = Message(
        office=ticket.office,
        ticket=ticket,
        kind=kind,
        recipient=ticket.phone,
        recipient_hash=ticket.phone_hash or lookup_hash(ticket.phone, purpose="phone"),
        template_name=name,
        language=language,
        params=[str(p) for p in params],
        with_certificate=with_certificate,
        next_attempt_at=due_at or now,
    )
    if new_ticket:
        # A ticket made in this very transaction has no messages yet: no savepoint needed.
        message.save(force_insert=True)
    else:
        try:
            with transaction.atomic():  # a savepoint: a duplicate must not spoil the caller
                message.save(force_insert=True)
        except IntegrityError:
            return None
    _event(message, "queued", at=now)
    return message


def message_queue_booking_confirmed(*, ticket, new_ticket: bool = False) -> Message | None:
    return message_queue(
        ticket=ticket,
        new_ticket=new_ticket,
        kind=Kind.BOOKING_CONFIRMED,
        params=[
            ticket.number,
            ticket.service.name,
            ticket.office.name,
            _slot_text(ticket),
            f"{ticket.code[:4]}-{ticket.code[4:]}",
        ],
        with_certificate=True,
    )


def message_queue_booking_cancelled(*, ticket) -> Message | None:
    # A confirmation or reminder not yet sent would now only confuse; the certificate stays
    # on the booking page (cancelling does not revoke the pact).
    Message.objects.filter(
        ticket=ticket,
        status=Status.PENDING,
        kind__in=[Kind.BOOKING_CONFIRMED, Kind.REMINDER_DAY, Kind.REMINDER_HOUR],
    ).update(status=Status.CANCELLED)
    return message_queue(
        ticket=ticket,
        kind=Kind.BOOKING_CANCELLED,
        params=[ticket.number, ticket.service.name, _slot_text(ticket)],
    )


def message_queue_report_received(*, office, recipient: str, tracking_code: str) -> Message:
    """The receipt of a report sent with `LAPOR` (antrean.reports): to the sender, who wrote
    first (so consent is theirs), with the tracking code and where to follow it. Bound to no
    ticket, and kept out of the staff inbox (`messages_visible`): the office must not learn
    who reported."""
    from django.urls import reverse

    name, language = template_for(office=office, kind=Kind.REPORT_RECEIVED)
    now = timezone.now()
    message = Message(
        office=office,
        ticket=None,
        kind=Kind.REPORT_RECEIVED,
        recipient=recipient,
        recipient_hash=lookup_hash(recipient, purpose="phone"),
        template_name=name,
        language=language,
        params=[tracking_code, settings.SITE_URL + reverse("reports:track")],
        next_attempt_at=now,
    )
    message.save(force_insert=True)
    _event(message, "queued", at=now)
    return message


def message_queue_number_code(*, office, recipient: str, code: str) -> Message:
    """The one-time code that proves a booking's WhatsApp number (antrean.booking.holds),
    sent with the office's authentication template. Bound to no ticket: none exists yet."""
    name, language = template_for(office=office, kind=Kind.NUMBER_CODE)
    now = timezone.now()
    message = Message(
        office=office,
        ticket=None,
        kind=Kind.NUMBER_CODE,
        recipient=recipient,
        recipient_hash=lookup_hash(recipient, purpose="phone"),
        template_name=name,
        language=language,
        params=[code],
        next_attempt_at=now,
    )
    message.save(force_insert=True)
    _event(message, "queued", at=now)
    return message


# --- Sending -----------------------------------------------------------------------------


def backoff(attempts: int) -> dt.timedelta:
    """Exponential backoff with full jitter: ~2 s, 4 s, 8 s … capped at 15 minutes."""
    base = min(settings.WHATSAPP_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), 900)
    return dt.timedelta(seconds=base / 2 + random.random() * base / 2)  # noqa: S311


def _claim(*, worker_id: str, batch: int, now: dt.datetime) -> list[int]:
    with transaction.atomic():
        due = Message.objects.filter(status=Status.PENDING, next_attempt_at__lte=now).order_by(
            "next_attempt_at", "pk"
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:batch])
        if ids:
            Message.objects.filter(pk__in=ids, status=Status.PENDING).update(
                status=Status.SENDING,
                claimed_by=worker_id,
                claimed_at=now,
                request_started_at=None,
                attempts=F("attempts") + 1,
            )
    return ids


def _document_for(message: Message):
    """(media id, filename) for the certificate, uploading it once; None while not ready."""
    ticket = message.ticket
    signature = getattr(ticket, "pact_signature", None) if ticket else None
    certificate = getattr(signature, "certificate", None) if signature else None
    if certificate is None or not certificate.is_ready:
        return None
    filename = f"piagam-{certificate.number}.pdf"
    upload = MediaUpload.objects.filter(certificate=certificate).first()
    if upload and timezone.now() - upload.uploaded_at < MEDIA_KEPT_FOR:
        return upload.media_id, filename
    # The stored file is sealed: the provider gets the PDF as issued.
    content = certificate_pdf_bytes(certificate)
    media_id = get_gateway().upload_media(
        Document(filename=filename, content=content, cache_key=certificate.pk)
    )
    MediaUpload.objects.update_or_create(
        certificate=certificate, defaults={"media_id": media_id, "uploaded_at": timezone.now()}
    )
    return media_id, filename


def _mine(message_id: int, worker_id: str):
    return Message.objects.filter(pk=message_id, status=Status.SENDING, claimed_by=worker_id)


def _send_one(message_id: int, *, worker_id: str) -> str:
    message = Message.objects.select_related("ticket__pact_signature__certificate", "office").get(
        pk=message_id
    )
    if message.status != Status.SENDING or message.claimed_by != worker_id:
        return "lost_claim"
    now = timezone.now()
    document = None
    try:
        if message.with_certificate:
            document = _document_for(message)
            if document is None:
                # The PDF is a few seconds away: wait for it without spending an attempt.
                _mine(message.pk, worker_id).update(
                    status=Status.PENDING,
                    attempts=F("attempts") - 1,
                    next_attempt_at=now + CERTIFICATE_WAIT,
                )
                return "waiting"
        outgoing = OutgoingMessage(
            message_id=message.pk,
            to=message.recipient,
            template=message.template_name,
            language=message.language,
            params=list(message.params),
            document_media_id=document[0] if document else None,
            document_filename=document[1] if document else None,
            code_button=message.params[0]
            if message.kind == Kind.NUMBER_CODE and message.params
            else None,
        )
        # Committed before the request leaves (autocommit): see the module docstring.
        if not _mine(message.pk, worker_id).update(request_started_at=timezone.now()):
            return "lost_claim"
        result = get_gateway().send(outgoing)
    except GatewayError as error:
        return _record_failure(message, worker_id, error)
    with transaction.atomic():
        updated = _mine(message.pk, worker_id).update(
            status=Status.SENT,
            provider_id=result.provider_id,
            sent_at=timezone.now(),
            error_code="",
            error_category="",
            error_detail="",
            **_scrubbed(message),
        )
        if updated:
            _event(message, "sent", result.provider_id)
    return "sent"


def _scrubbed(message: Message) -> dict:
    """Once a one-time code has left (or never will), the row no longer keeps it; on the
    console gateway the staff inbox is the developer's phone, which shows it."""
    if message.kind == Kind.NUMBER_CODE and settings.WHATSAPP_GATEWAY != "console":
        return {"params": [SCRUBBED]}
    return {}


def _record_failure(message: Message, worker_id: str, error: GatewayError) -> str:
    now = timezone.now()
    attempts = Message.objects.filter(pk=message.pk).values_list("attempts", flat=True)[0]
    retry = error.category == ErrorCategory.TRANSIENT and attempts < settings.WHATSAPP_MAX_ATTEMPTS
    common = {
        "error_code": error.code,
        "error_category": error.category,
        "error_detail": error.detail,
        "request_started_at": None,
    }
    with transaction.atomic():
        if retry:
            _mine(message.pk, worker_id).update(
                status=Status.PENDING, next_attempt_at=now + backoff(attempts), **common
            )
            _event(message, "retry", f"{error.category} {error.code}: {error.detail[:300]}")
            return "retry"
        _mine(message.pk, worker_id).update(
            status=Status.FAILED, failed_at=now, **common, **_scrubbed(message)
        )
        _event(message, "failed", f"{error.category} {error.code}: {error.detail[:300]}")
        if error.category == ErrorCategory.NOT_ON_WHATSAPP:
            UnreachableNumber.objects.update_or_create(
                phone_hash=message.recipient_hash, defaults={"marked_at": now}
            )
        if error.category == ErrorCategory.CONFIG:
            logger.error(
                "WhatsApp configuration error %s on message %s: %s",
                error.code,
                message.pk,
                error.detail,
            )
    return "failed"


def _send_one_safely(message_id: int, *, worker_id: str) -> str:
    """An unexpected error (a missing PDF file, a bug) fails one attempt of one message: it
    must not leave the rest of the batch claimed by a worker that is still alive, where
    recovery would never look."""
    try:
        return _send_one(message_id, worker_id=worker_id)
    except Exception as exc:
        logger.exception("Sending message %s failed unexpectedly", message_id)
        message = Message.objects.filter(pk=message_id).first()
        if message is None:
            return "error"
        if message.request_started_at is not None:
            # The request may have reached the provider: not resent blindly.
            if _mine(message_id, worker_id).update(status=Status.AMBIGUOUS):
                _event(message, "ambiguous", f"error after the request left: {exc!r}"[:500])
            return "ambiguous"
        return _record_failure(
            message,
            worker_id,
            GatewayError(ErrorCategory.TRANSIENT, "internal", repr(exc)),
        )


@dataclass(frozen=True)
class SendReport:
    claimed: int
    sent: int
    retried: int
    failed: int
    waiting: int
    ambiguous: int = 0


def messages_send_due(
    *,
    worker_id: str,
    batch: int = 20,
    now: dt.datetime | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> SendReport:
    """Claim due messages and send them. Returns what happened.

    `should_stop` is asked before each message: a worker that is shutting down gives back
    the rest of its batch at once instead of sending it (or dying in the middle of it)."""
    ids = _claim(worker_id=worker_id, batch=batch, now=now or timezone.now())
    outcomes = []
    for index, pk in enumerate(ids):
        if should_stop is not None and should_stop():
            Message.objects.filter(
                pk__in=ids[index:], status=Status.SENDING, claimed_by=worker_id
            ).update(status=Status.PENDING, attempts=F("attempts") - 1)
            break
        outcomes.append(_send_one_safely(pk, worker_id=worker_id))
    return SendReport(
        claimed=len(ids),
        sent=outcomes.count("sent"),
        retried=outcomes.count("retry"),
        failed=outcomes.count("failed"),
        waiting=outcomes.count("waiting"),
        ambiguous=outcomes.count("ambiguous"),
    )


@dataclass(frozen=True)
class RecoveryReport:
    requeued: int  # claimed but never sent: safe to send
    ambiguous: int  # the request may have reached the provider: not resent


def worker_heartbeat(*, worker_id: str, now: dt.datetime | None = None) -> None:
    OutboxWorker.objects.update_or_create(
        worker_id=worker_id, defaults={"last_seen": now or timezone.now()}
    )


def worker_gone(*, worker_id: str) -> None:
    OutboxWorker.objects.filter(worker_id=worker_id).delete()


def messages_recover_stale(
    *, now: dt.datetime | None = None, gone_after: dt.timedelta = WORKER_GONE_AFTER
) -> RecoveryReport:
    """After a worker died: give back what it had not sent, and mark as ambiguous what it may
    have sent. Only claims of workers not seen for `gone_after` are touched, so a live worker
    in a long batch keeps its messages. Run at every worker start and periodically."""
    now = now or timezone.now()
    alive = OutboxWorker.objects.filter(last_seen__gte=now - gone_after).values("worker_id")
    stale = Message.objects.filter(status=Status.SENDING).exclude(claimed_by__in=alive)
    requeued = 0
    ambiguous = 0
    with transaction.atomic():
        for message in stale.select_for_update():
            if message.request_started_at is None:
                Message.objects.filter(pk=message.pk).update(
                    status=Status.PENDING, next_attempt_at=now, attempts=F("attempts") - 1
                )
                _event(message, "requeued", "worker stopped before sending", at=now)
                requeued += 1
            else:
                Message.objects.filter(pk=message.pk).update(status=Status.AMBIGUOUS)
                _event(
                    message,
                    "ambiguous",
                    "worker stopped after the request left; not resent (a status webhook "
                    "will settle it if the provider accepted it)",
                    at=now,
                )
                ambiguous += 1
    if ambiguous:
        logger.warning("%d message(s) ambiguous after a worker stopped mid-send", ambiguous)
    return RecoveryReport(requeued=requeued, ambiguous=ambiguous)


def message_resend(*, message: Message, by) -> Message:
    """An admin's deliberate resend of a failed or ambiguous message: by administrators of the
    message's office, or of its ticket's agency."""
    ticket = message.ticket
    permissions.require(
        permissions.can_administer_agency(
            by,
            agency_id=ticket.service.agency_id if ticket else None,
            office_id=message.office_id,
        )
    )
    if message.status not in (Status.FAILED, Status.AMBIGUOUS):
        return message
    now = timezone.now()
    Message.objects.filter(pk=message.pk, status=message.status).update(
        status=Status.PENDING, next_attempt_at=now, attempts=0, provider_id=None
    )
    _event(message, "resent", f"by {by.get_username()}", at=now)
    message.refresh_from_db()
    return message


# --- Webhook -----------------------------------------------------------------------------

_FIELD_FOR = {
    Status.SENT: "sent_at",
    Status.DELIVERED: "delivered_at",
    Status.READ: "read_at",
    Status.FAILED: "failed_at",
}


def _status_moves(message: Message, status: str, *, heard_before: bool) -> bool:
    """Whether a provider status (other than failed) may replace the message's status."""
    if message.status in (Status.SENDING, Status.AMBIGUOUS, Status.PENDING):
        return True
    if message.status == Status.FAILED:
        # The provider's own failure is not undone by a late "sent" (it arrived out of
        # order); only delivery proves otherwise. A failure of ours (never heard back, so no
        # provider id until now) yields to any news from the provider.
        return status in (Status.DELIVERED, Status.READ) or not heard_before
    return STATUS_RANK.get(status, 0) > STATUS_RANK.get(message.status, -1)


def _our_id(opaque: str | None) -> bool:
    """Whether the callback data can be one of our message ids (we send the pk as text): ASCII
    digits that fit a bigint, so that neither int() nor the database chokes on it."""
    return bool(opaque) and opaque.isascii() and opaque.isdigit() and len(opaque) <= 18


def webhook_status(
    *,
    provider_id: str,
    status: str,
    at: dt.datetime,
    opaque: str | None = None,
    errors: list | None = None,
) -> str:
    """Apply one status from the provider. Duplicates and out-of-order arrivals are expected:
    a status is applied once, and a message never moves back (read stays read)."""
    if status not in (Status.SENT, Status.DELIVERED, Status.READ, Status.FAILED):
        return "ignored"
    # The receipt commits with its effect, so a crash in between does not turn the
    # provider's redelivery into an ignored "duplicate".
    with transaction.atomic():
        try:
            with transaction.atomic():
                StatusReceipt.objects.create(provider_id=provider_id, status=status, received_at=at)
        except IntegrityError:
            return "duplicate"
        message = Message.objects.select_for_update().filter(provider_id=provider_id).first()
        heard_before = message is not None
        if message is None and _our_id(opaque):
            message = Message.objects.select_for_update().filter(pk=int(opaque)).first()
            if message is not None and message.provider_id is not None:
                # The provider accepted this message twice (a request that timed out had
                # been heard, and was retried): counted once, its statuses not applied.
                if not message.events.filter(event="duplicate", detail=provider_id).exists():
                    _event(message, "duplicate", provider_id, at=at)
                    logger.warning("Message %s was accepted twice by the provider", message.pk)
                return "duplicate_send"
            if message is not None:
                # A crash between the provider's answer and our record: settle it now.
                message.provider_id = provider_id
                _event(message, "reconciled", provider_id, at=at)
        if message is None:
            return "unknown"
        updates = {"provider_id": message.provider_id}
        field = _FIELD_FOR[status]
        if status == Status.FAILED:
            # A failure after delivery (or read) is stale: ignored, apart from the history.
            if message.status not in (Status.DELIVERED, Status.READ):
                error = (errors or [{}])[0] if errors else {}
                code = str(error.get("code", ""))[:20] if isinstance(error, dict) else ""
                updates.update(
                    status=Status.FAILED,
                    failed_at=message.failed_at or at,
                    error_code=code,
                    error_category=ErrorCategory.PERMANENT,
                    error_detail=str(error)[:2000],
                )
                if code == "131026":
                    updates["error_category"] = ErrorCategory.NOT_ON_WHATSAPP
                    UnreachableNumber.objects.update_or_create(
                        phone_hash=message.recipient_hash, defaults={"marked_at": at}
                    )
        else:
            if getattr(message, field) is None:
                updates[field] = at
            if _status_moves(message, status, heard_before=heard_before):
                updates["status"] = status
                if status == Status.READ and message.delivered_at is None:
                    updates["delivered_at"] = at  # read implies delivered
                if message.sent_at is None:
                    updates["sent_at"] = at
        Message.objects.filter(pk=message.pk).update(**updates)
        _event(message, f"webhook_{status}", provider_id, at=at)
    return "applied"


def inbound_handle(
    *, provider_id: str, sender_digits: str, kind: str, text: str, at: dt.datetime
) -> str:
    """One message received by the office's number (the webhook, or the console inbox's
    stand-in phone). Returns what it was: "proof" (of a booking's number, antrean.booking.
    holds: handled, not kept), "report" (antrean.reports: to the inspectorate only, never into
    the inbound log that national admins read) or "stored"."""
    from antrean.booking.holds import hold_prove_by_message
    from antrean.reports.services import is_report_message, report_from_whatsapp

    if kind == "text" and hold_prove_by_message(sender_digits=sender_digits, text=text):
        return "proof"
    if kind == "text" and is_report_message(text):
        report_from_whatsapp(provider_id=provider_id, sender_digits=sender_digits, text=text, at=at)
        return "report"
    inbound_store(provider_id=provider_id, sender_digits=sender_digits, kind=kind, text=text, at=at)
    return "stored"


def console_reply(*, user, sender: str, text: str) -> str:
    """A developer plays the citizen's phone on the console gateway: `text` "from" `sender`
    (any Indonesian mobile number), handled as a received WhatsApp message. Refused with
    `forbidden` unless the console gateway is in use and the account is staff."""
    from antrean.core.errors import DomainError, ErrorCode
    from antrean.core.identity import clean_phone

    if settings.WHATSAPP_GATEWAY != "console" or not permissions.scope_of(user).is_staff_anywhere:
        raise DomainError(ErrorCode.FORBIDDEN)
    phone = clean_phone(sender)
    text = (text or "").strip()[:4096]
    if not text:
        raise DomainError(ErrorCode.INVALID_REQUEST, field="teks")
    return inbound_handle(
        provider_id=f"console.{secrets.token_hex(12)}",
        sender_digits=phone.lstrip("+"),
        kind="text",
        text=text,
        at=timezone.now(),
    )


def inbound_store(*, provider_id: str, sender_digits: str, kind: str, text: str, at: dt.datetime):
    sender = "+" + sender_digits.lstrip("+")
    InboundMessage.objects.get_or_create(
        provider_id=provider_id,
        defaults={
            "sender": sender,
            "sender_hash": lookup_hash(sender, purpose="phone"),
            "kind": kind[:20],
            "text": text[:4096],
            "sent_at": at,
        },
    )


# --- Reminders ---------------------------------------------------------------------------


def reminders_queue(*, now: dt.datetime | None = None) -> int:
    """Queue due reminders: the day before at the office's reminder hour, and one hour
    before the slot. Idempotent (one per ticket and kind)."""
    from antrean.queueing.models import Ticket
    from antrean.queueing.states import Status as TicketStatus

    now = now or timezone.now()
    count = 0
    candidates = Ticket.objects.filter(
        status=TicketStatus.BOOKED,
        whatsapp_consent=True,
        slot__starts_at__gt=now,
        slot__starts_at__lte=now + dt.timedelta(days=2),
    ).select_related("office", "service", "slot")
    for ticket in candidates.iterator(chunk_size=500):
        office = ticket.office
        local_now = office.local_now(now)
        starts = ticket.slot.starts_at
        params = [ticket.number, ticket.service.name, _slot_text(ticket), office.name]
        if starts - now <= dt.timedelta(hours=1):
            kind = Kind.REMINDER_HOUR
        elif (
            ticket.date == local_now.date() + dt.timedelta(days=1)
            and local_now.hour >= office.reminder_hour
        ):
            kind = Kind.REMINDER_DAY
        else:
            continue
        if message_queue(ticket=ticket, kind=kind, params=params):
            count += 1
    return count
