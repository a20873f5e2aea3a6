"""Filing a gratification report and moving it through its handling.

Filing is one transaction: the report, its attachments and its first step (`received`),
chained in the office's ledger. Moves are made only by the inspectorate of the office's region
(`permissions.can_handle_reports`), only forward (received → under review → closed), and each
is chained too. Nothing here tells the office or the officer who reported or what was said.
"""

import datetime as dt
import hashlib
import hmac
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from antrean.core.errors import DomainError, ErrorCode
from antrean.core.personal_data import encrypt_bytes, lookup_hash
from antrean.core.ratelimit import rate_limit_take
from antrean.integrity.ledger import ledger_append_row
from antrean.queueing.models import Ticket, TicketEvent
from antrean.reports.ledger import personal_hash, step_record
from antrean.reports.models import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENTS_MAX,
    Outcome,
    Report,
    ReportAttachment,
    ReportChannel,
    ReportStatus,
    ReportStep,
    new_tracking_code,
    normalise_tracking_code,
)
from antrean.tenancy import permissions
from antrean.tenancy.models import Office

log = logging.getLogger(__name__)

TEXT_MIN = 10
TEXT_MAX = 5000
CONTACT_MAX = 200
REASON_MIN = 10

TICKET_REFUSED = _("Kode pemesanan atau 4 angka terakhir NIK tidak cocok dengan antrean mana pun.")
REPORTS_LIMITED = _(
    "Terlalu banyak laporan atau percobaan dari sumber yang sama. Silakan coba lagi nanti."
)

# Where each step may go; `closed` is final.
MOVES = {
    ReportStatus.RECEIVED: {ReportStatus.UNDER_REVIEW, ReportStatus.CLOSED},
    ReportStatus.UNDER_REVIEW: {ReportStatus.CLOSED},
    ReportStatus.CLOSED: set(),
}


@dataclass(frozen=True)
class AttachmentIn:
    data: bytes


# --- Pure checks ---------------------------------------------------------------------------


def sniff_content_type(data: bytes) -> str | None:
    """The file's real type from its first bytes (JPEG, PNG or PDF), whatever it claims.

    A little more than the magic bytes: a PNG's first chunk must be its 13-byte IHDR, a
    JPEG's next marker must be a segment marker, a PDF must name a version. This refuses a
    script or a page that merely starts with a signature; a deliberate polyglot can still
    pass, which is why downloads are served as attachments, nosniff, under a sandbox CSP."""
    if data.startswith(b"\xff\xd8\xff") and len(data) > 4 and data[3] >= 0xC0:
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[8:16] == b"\x00\x00\x00\rIHDR":
        return "image/png"
    if re.match(rb"%PDF-\d\.\d", data[:8]):
        return "application/pdf"
    return None


def clean_attachment(data: bytes) -> str:
    if not data or len(data) > ATTACHMENT_MAX_BYTES:
        raise DomainError(ErrorCode.ATTACHMENT_REFUSED, field="attachment")
    content_type = sniff_content_type(data)
    if content_type is None:
        raise DomainError(ErrorCode.ATTACHMENT_REFUSED, field="attachment")
    return content_type


def clean_text(text: str, *, minimum: int = TEXT_MIN) -> str:
    text = (text or "").replace("\x00", "").strip()
    if len(text) < minimum or len(text) > TEXT_MAX:
        raise DomainError(ErrorCode.REPORT_TEXT_REQUIRED, field="text")
    return text


def can_move_report(current: str, to: str) -> bool:
    return to in MOVES.get(current, set())


# --- Filing --------------------------------------------------------------------------------


def _limit(scope: str, key: str | None, limit_setting: str, window_setting: str) -> None:
    if not rate_limit_take(
        scope=scope,
        key=key,
        limit=getattr(settings, limit_setting),
        window=getattr(settings, window_setting),
    ):
        raise DomainError(ErrorCode.RATE_LIMITED, message=str(REPORTS_LIMITED))


def ticket_facts(ticket: Ticket) -> dict:
    """What the report copies from the ticket: the service, the counter and the officer who
    called or served it (the last event that names one), and the times."""
    counter_id, officer_id = ticket.counter_id, ticket.officer_id
    if counter_id is None or officer_id is None:
        event = (
            TicketEvent.objects.filter(ticket=ticket)
            .exclude(officer=None, counter=None)
            .order_by("-at", "-pk")
            .first()
        )
        if event is not None:
            counter_id = counter_id or event.counter_id
            officer_id = officer_id or event.officer_id
    return {
        "service_id": ticket.service_id,
        "counter_id": counter_id,
        "officer_id": officer_id,
        "ticket_number": ticket.number,
        "ticket_date": ticket.date,
        "arrived_at": ticket.arrived_at,
        "called_at": ticket.called_at,
        "started_at": ticket.started_at,
        "finished_at": ticket.finished_at,
    }


def report_file(
    *,
    office: Office,
    ticket: Ticket | None = None,
    text: str,
    identity_to_office: bool = False,
    contact: str = "",
    attachments: list[AttachmentIn] | tuple = (),
    channel: str = ReportChannel.WEB,
    client_key: str | None = None,
    source_key: str | None = None,
    text_minimum: int = TEXT_MIN,
    now: dt.datetime | None = None,
) -> Report:
    """File a report at `office` (bound to `ticket` when given), in one transaction with its
    first chained step. `client_key` is the client's address (or the WhatsApp sender's hash):
    limited per hour; a ticket is limited per day."""
    now = now or timezone.now()
    if ticket is not None and ticket.office_id != office.pk:
        raise DomainError(ErrorCode.INVALID_REQUEST, field="office")
    text = clean_text(text, minimum=text_minimum)
    contact = (contact or "").replace("\x00", "").strip()[:CONTACT_MAX]
    if len(attachments) > ATTACHMENTS_MAX:
        raise DomainError(ErrorCode.ATTACHMENT_REFUSED, field="attachment")
    typed = [(item.data, clean_attachment(item.data)) for item in attachments]
    _limit("report-address", client_key, "ANTREAN_REPORTS_PER_ADDRESS", "ANTREAN_REPORTS_WINDOW")
    if ticket is not None:
        _limit(
            "report-ticket",
            ticket.code,
            "ANTREAN_REPORTS_PER_TICKET",
            "ANTREAN_REPORTS_PER_TICKET_WINDOW",
        )
    facts = ticket_facts(ticket) if ticket is not None else {}
    for _attempt in range(5):
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    office=office,
                    ticket=ticket,
                    tracking_code=new_tracking_code(),
                    channel=channel,
                    text=text,
                    contact=contact,
                    identity_to_office=identity_to_office,
                    personal_hash=personal_hash(text, contact),
                    status=ReportStatus.RECEIVED,
                    created_at=now,
                    updated_at=now,
                    source_key=source_key,
                    **facts,
                )
                for data, content_type in typed:
                    ReportAttachment.objects.create(
                        report=report,
                        content_type=content_type,
                        size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(),
                        data=encrypt_bytes(data, purpose="report-attachment"),
                    )
                _step_append(report, kind=ReportStatus.RECEIVED, actor=None, at=now)
        except IntegrityError:
            if source_key and Report.objects.filter(source_key=source_key).exists():
                raise
            continue  # a tracking code drawn twice (60 bits: practically never)
        log.info("Report %s filed at office %s", report.pk, office.pk)
        return report
    raise DomainError(ErrorCode.SERVER_ERROR)


def _step_append(report: Report, *, kind: str, actor, at, outcome: str = "", reason: str = ""):
    step = ReportStep(
        report=report,
        office_id=report.office_id,
        kind=kind,
        outcome=outcome,
        reason=reason,
        actor=actor,
        at=at,
    )
    return ledger_append_row(step, office_id=report.office_id, at=at, record=step_record)


def _normalise_code(code: str) -> str:
    return (code or "").strip().upper().replace("-", "").replace(" ", "")[:40]


def report_ticket_check(*, code: str, nik_last4: str, client_key: str | None) -> Ticket:
    """The ticket a citizen reports from, if the booking code and the last 4 digits of its NIK
    belong together. Every attempt counts against the address and the code before anything is
    looked up; a wrong code and a wrong ending get the same answer."""
    code = _normalise_code(code)
    _limit(
        "report-check-address",
        client_key,
        "ANTREAN_REPORTS_PER_ADDRESS",
        "ANTREAN_REPORTS_WINDOW",
    )
    _limit(
        "report-check-code",
        code or "-",
        "ANTREAN_REPORTS_PER_TICKET",
        "ANTREAN_REPORTS_PER_TICKET_WINDOW",
    )
    ticket = None
    if code.isalnum() and len(code) <= 16:
        ticket = Ticket.objects.select_related("office").filter(code=code).first()
    stored = (ticket.nik[-4:] if ticket is not None and ticket.nik else "----").encode()
    typed = (nik_last4 or "").strip().encode()
    if not hmac.compare_digest(stored, typed) or ticket is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="booking_code", message=str(TICKET_REFUSED))
    return ticket


def report_file_from_booking(
    *, code: str, nik_last4: str, client_key: str | None, **fields
) -> Report:
    ticket = report_ticket_check(code=code, nik_last4=nik_last4, client_key=client_key)
    return report_file(office=ticket.office, ticket=ticket, client_key=client_key, **fields)


def office_for_report(code: str) -> Office:
    office = Office.objects.filter(code=(code or "").strip()[:40], is_active=True).first()
    if office is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="office")
    return office


# --- WhatsApp: "LAPOR <what happened>" -----------------------------------------------------

LAPOR_KEYWORD = "LAPOR"


def is_report_message(text: str) -> bool:
    head = (text or "").lstrip()[: len(LAPOR_KEYWORD)]
    return head.upper() == LAPOR_KEYWORD


def report_from_whatsapp(
    *, provider_id: str, sender_digits: str, text: str, at: dt.datetime
) -> Report | None:
    """A `LAPOR …` message: a report at the office of the sender's most recent ticket, bound to
    it, with the rest of the message as its text; the tracking code goes back by WhatsApp.
    Idempotent on the provider's message id. None when the number has no ticket (no office
    to send it to) or is over its limit."""
    from antrean.notifications.services import message_queue_report_received

    source_key = lookup_hash(provider_id, purpose="report-source")
    existing = Report.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing
    sender = "+" + sender_digits.lstrip("+")
    sender_hash = lookup_hash(sender, purpose="phone")
    ticket = (
        Ticket.objects.select_related("office")
        .filter(phone_hash=sender_hash)
        .order_by("-date", "-created_at", "-pk")
        .first()
    )
    if ticket is None:
        log.info("LAPOR from a number without a ticket: not filed")
        return None
    body = text.lstrip()[len(LAPOR_KEYWORD) :].strip(" :.-\n\t")
    try:
        with transaction.atomic():
            report = report_file(
                office=ticket.office,
                ticket=ticket,
                text=body or str(_("(Laporan lewat WhatsApp tanpa keterangan)")),
                channel=ReportChannel.WHATSAPP,
                client_key=sender_hash,
                source_key=source_key,
                text_minimum=1,
                now=at,
            )
            message_queue_report_received(
                office=ticket.office, recipient=sender, tracking_code=report.tracking_display
            )
    except IntegrityError:  # the same message, filed by a concurrent delivery of the webhook
        return Report.objects.filter(source_key=source_key).first()
    except DomainError as error:
        log.info("LAPOR by WhatsApp refused: %s", error.code)
        return None
    return report


# --- Handling (the inspectorate) -----------------------------------------------------------


def report_move(
    *,
    report: Report,
    by,
    to: str,
    outcome: str = "",
    reason: str = "",
    now: dt.datetime | None = None,
) -> ReportStep:
    """Move a report one step: to `under_review`, or to `closed` with an outcome and a written
    reason. Only the inspectorate of the office's region; `closed` is final."""
    now = now or timezone.now()
    permissions.require(permissions.can_handle_reports(by, report.office_id))
    if to not in ReportStatus.values or to == ReportStatus.RECEIVED:
        raise DomainError(ErrorCode.INVALID_REQUEST, field="to")
    reason = (reason or "").replace("\x00", "").strip()[:TEXT_MAX]
    if to == ReportStatus.CLOSED:
        if outcome not in Outcome.values or outcome == Outcome.NONE:
            raise DomainError(ErrorCode.INVALID_REQUEST, field="outcome")
        if len(reason) < REASON_MIN:
            raise DomainError(
                ErrorCode.REASON_REQUIRED,
                field="reason",
                message=str(_("Tuliskan alasan penutupan laporan (paling sedikit 10 karakter).")),
            )
    elif outcome:
        raise DomainError(ErrorCode.INVALID_REQUEST, field="outcome")
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        # From the latest chained step, not the row's copy (which the chain does not cover).
        if not can_move_report(locked.chained.status, to):
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                message=str(_("Laporan dengan status ini tidak dapat dipindahkan ke sana.")),
            )
        step = _step_append(locked, kind=to, actor=by, at=now, outcome=outcome, reason=reason)
        locked.status, locked.outcome, locked.updated_at = to, outcome, now
        locked.save(update_fields=["status", "outcome", "updated_at"])
    report.status, report.outcome, report.updated_at = to, outcome, now
    report.__dict__.pop("chained", None)
    for name in ("chain_status", "chain_outcome", "chain_at"):
        report.__dict__.pop(name, None)
    log.info("Report %s moved to %s", report.pk, to)
    return step


def report_by_tracking_code(code: str) -> Report | None:
    code = normalise_tracking_code(code)
    if not code.isalnum():
        return None
    return Report.objects.with_chain().filter(tracking_code=code).first()


def report_track(*, code: str, client_key: str | None) -> Report | None:
    """The report a citizen follows by its tracking code (web form and API). Every attempt
    counts against the client's address before anything is looked up: codes cannot be
    enumerated (60 bits would already take forever; the limit makes trying visible too)."""
    _limit(
        "report-track-address",
        client_key,
        "ANTREAN_REPORTS_TRACK_PER_ADDRESS",
        "ANTREAN_REPORTS_WINDOW",
    )
    return report_by_tracking_code(code)
