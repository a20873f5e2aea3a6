"""Personal data over its life (UU PDP 27/2022): erased when its retention period ends, and
given to the person it is about when they ask for it.

Erasure (`personal_data_erase_expired`, run by the worker every hour and by
`manage.py erase_expired_data`) empties what identifies a person and keeps what the ledger and
the statistics need: keyed hashes, codes, numbers, times, counts and statuses. Gratification
reports are erased (text, contact, attachments' bytes) once closed for the period; open
reports are kept however old (docs/decisions/0013-report-erasure.md). It works in
batches of a few hundred rows, each its own short transaction; on PostgreSQL a batch takes its
rows with SKIP LOCKED, so several workers share the work instead of waiting on each other, and
a row is only ever erased once (`erased_at`, and an erased column stays empty).
"""

import datetime as dt
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from antrean.core.errors import DomainError, ErrorCode
from antrean.core.identity import clean_nik
from antrean.core.personal_data import lookup_hash
from antrean.core.ratelimit import rate_limit_take
from antrean.integrity.models import Certificate, PactSignature
from antrean.notifications.models import InboundMessage, MediaUpload, Message, MessageEvent
from antrean.notifications.models import Status as MessageStatus
from antrean.queueing.models import AuditFlag, Ticket, TicketEvent

logger = logging.getLogger("antrean.privacy")

BATCH_SIZE = 300
# Values sealed into a session (the booking form's identity, the kiosk's name) live at most
# an hour in use; a leftover older than this is removed from the session it sits in.
SEALED_SESSION_MAX_AGE = dt.timedelta(days=1)
# Looking into every live session costs ~0.1 ms each (measured): done once a day, by whichever
# worker gets there first, not at every hourly run.
SESSION_SCRUB_EVERY = dt.timedelta(days=1)
ERASED = ""  # what an erased text column holds


def retention_days() -> int:
    return settings.ANTREAN_RETENTION_DAYS


def retention_cutoff(*, now: dt.datetime) -> tuple[dt.date, dt.datetime]:
    """(ticket dates before this are erased, records made before this are erased)."""
    days = dt.timedelta(days=retention_days())
    return now.astimezone(dt.UTC).date() - days, now - days


def ticket_erase_from(ticket: Ticket) -> dt.date:
    """The first day on which the retention job erases this ticket's personal data."""
    return ticket.date + dt.timedelta(days=retention_days() + 1)


@dataclass
class ErasureReport:
    dry_run: bool
    cutoff_date: dt.date
    tickets: int = 0
    certificates: int = 0
    messages: int = 0
    inbound: int = 0
    officer_signatures: int = 0
    login_records: int = 0
    reports: int = 0
    sessions_deleted: int = 0
    sessions_scrubbed: int = 0
    batches: int = 0
    seconds: float = 0.0
    complete: bool = True  # False when the time budget ended the run before the work
    skipped: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return (
            self.tickets
            + self.certificates
            + self.messages
            + self.inbound
            + self.officer_signatures
            + self.login_records
            + self.reports
            + self.sessions_deleted
            + self.sessions_scrubbed
        )


def _skip_locked(queryset: QuerySet) -> QuerySet:
    """Rows another worker is erasing right now are left to it (PostgreSQL); SQLite has one
    writer at a time, so there the batches simply take turns."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset


# --- tickets and what hangs off them ----------------------------------------------------------


def _erase_certificates(*, ticket_ids: list[int], now: dt.datetime) -> int:
    """Delete the PDF files of these tickets' certificates and mark the records erased.

    The files go before the rows are updated: if the transaction then fails, the next run
    finds the rows unerased and deletes (nothing) again, so no file outlives its erasure."""
    rows = list(
        Certificate.objects.select_for_update(of=("self",))
        .filter(signature__ticket_id__in=ticket_ids, pdf_erased_at__isnull=True)
        .values_list("pk", "pdf")
    )
    if not rows:
        return 0
    storage = Certificate._meta.get_field("pdf").storage
    for _pk, name in rows:
        if name:
            storage.delete(name)
    ids = [pk for pk, _name in rows]
    MediaUpload.objects.filter(certificate_id__in=ids).delete()
    return Certificate.objects.filter(pk__in=ids).update(pdf="", pdf_erased_at=now)


def _erase_messages(*, ticket_ids: list[int]) -> int:
    messages = Message.objects.filter(ticket_id__in=ticket_ids)
    # A message not sent by now has no number left to go to.
    messages.filter(status=MessageStatus.PENDING).update(status=MessageStatus.CANCELLED)
    # Provider error texts may quote the number; provider ids stay on the message.
    MessageEvent.objects.filter(message__ticket_id__in=ticket_ids).exclude(detail="").update(
        detail=ERASED
    )
    return messages.update(recipient=ERASED, params=[], error_detail=ERASED)


def _erase_ticket_batch(*, cutoff_date: dt.date, now: dt.datetime, size: int, report) -> int:
    with transaction.atomic():
        due = Ticket.objects.filter(date__lt=cutoff_date, erased_at__isnull=True).order_by("date")
        ids = list(_skip_locked(due).values_list("pk", flat=True)[:size])
        if not ids:
            return 0
        report.certificates += _erase_certificates(ticket_ids=ids, now=now)
        report.messages += _erase_messages(ticket_ids=ids)
        # Client address and browser of the citizen's signature: not part of the ledger's
        # record, so the chain still verifies.
        PactSignature.objects.filter(ticket_id__in=ids).update(client_ip=None, user_agent="")
        # Notes typed by officers and admins (reasons, acknowledgements) may name people.
        TicketEvent.objects.filter(ticket_id__in=ids).exclude(note="").update(note=ERASED)
        AuditFlag.objects.filter(ticket_id__in=ids).filter(
            ~Q(detail="") | ~Q(acknowledgement="")
        ).update(detail=ERASED, acknowledgement=ERASED)
        report.tickets += Ticket.objects.filter(pk__in=ids, erased_at__isnull=True).update(
            name=ERASED, nik=ERASED, phone=ERASED, erased_at=now
        )
    return len(ids)


# --- records not tied to a ticket -------------------------------------------------------------


def _erase_inbound_batch(*, cutoff_at: dt.datetime, size: int, report) -> int:
    with transaction.atomic():
        due = InboundMessage.objects.filter(sent_at__lt=cutoff_at).exclude(sender="")
        ids = list(_skip_locked(due.order_by("sent_at")).values_list("pk", flat=True)[:size])
        if ids:
            # sender_hash (keyed) stays: it is how UnreachableNumber and counts refer to it.
            report.inbound += InboundMessage.objects.filter(pk__in=ids).update(
                sender=ERASED, text=ERASED
            )
    return len(ids)


def _officer_signatures_due(cutoff_at: dt.datetime) -> QuerySet:
    return PactSignature.objects.filter(ticket__isnull=True, signed_at__lt=cutoff_at).filter(
        Q(client_ip__isnull=False) | ~Q(user_agent="")
    )


def _erase_officer_signature_batch(*, cutoff_at: dt.datetime, size: int, report) -> int:
    with transaction.atomic():
        due = _officer_signatures_due(cutoff_at).order_by("signed_at")
        ids = list(_skip_locked(due).values_list("pk", flat=True)[:size])
        if ids:
            report.officer_signatures += PactSignature.objects.filter(pk__in=ids).update(
                client_ip=None, user_agent=""
            )
    return len(ids)


def _login_models():
    from django.apps import apps

    if not apps.is_installed("axes"):
        return []
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    return [AccessLog, AccessFailureLog, AccessAttempt]


def _erase_login_batch(*, cutoff_at: dt.datetime, size: int, report) -> int:
    """Staff sign-in records (django-axes: address, browser, username) past the period."""
    done = 0
    for model in _login_models():
        ids = list(
            model.objects.filter(attempt_time__lt=cutoff_at).values_list("pk", flat=True)[:size]
        )
        if ids:
            model.objects.filter(pk__in=ids).delete()
            report.login_records += len(ids)
            done = max(done, len(ids))
    return done


# --- gratification reports (antrean.reports) --------------------------------------------------


def _reports_due(cutoff_at: dt.datetime) -> QuerySet:
    """Reports closed (by a chained step: the row's status copy is not trusted) before the
    cutoff and not erased yet. An open report is kept however old: it is still being handled."""
    from antrean.reports.models import Report, ReportStatus, ReportStep

    closed = ReportStep.objects.filter(
        report=OuterRef("pk"), kind=ReportStatus.CLOSED, at__lt=cutoff_at
    )
    return Report.objects.filter(erased_at__isnull=True).filter(Exists(closed))


def _erase_report_batch(*, cutoff_at: dt.datetime, now: dt.datetime, size: int, report) -> int:
    """The reporter's text, contact and files go; the facts, the attachments' sha256 and the
    kept hash of the text stay, so the office's chain still verifies. The inspectorate's
    written reasons stay too: they are its decision record (it is told not to name the
    reporter in them)."""
    from antrean.reports.models import Report, ReportAttachment

    with transaction.atomic():
        due = _reports_due(cutoff_at).order_by("pk")
        ids = list(_skip_locked(due).values_list("pk", flat=True)[:size])
        if ids:
            ReportAttachment.objects.filter(report_id__in=ids).update(data=b"")
            report.reports += Report.objects.filter(pk__in=ids, erased_at__isnull=True).update(
                text=ERASED, contact=ERASED, erased_at=now
            )
    return len(ids)


def _receipts_due(cutoff_at: dt.datetime) -> QuerySet:
    # Messages bound to no ticket (the receipt of a report sent with LAPOR): the number and
    # the tracking code they carry.
    return Message.objects.filter(ticket__isnull=True, created_at__lt=cutoff_at).exclude(
        recipient=ERASED
    )


def _erase_receipt_batch(*, cutoff_at: dt.datetime, size: int, report) -> int:
    with transaction.atomic():
        ids = list(
            _skip_locked(_receipts_due(cutoff_at).order_by("pk")).values_list("pk", flat=True)[
                :size
            ]
        )
        if ids:
            rows = Message.objects.filter(pk__in=ids)
            rows.filter(status=MessageStatus.PENDING).update(status=MessageStatus.CANCELLED)
            MessageEvent.objects.filter(message_id__in=ids).exclude(detail="").update(detail=ERASED)
            report.messages += rows.update(recipient=ERASED, params=[], error_detail=ERASED)
    return len(ids)


# --- sessions ---------------------------------------------------------------------------------


def _db_sessions() -> bool:
    return settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def _erase_expired_session_batch(*, now: dt.datetime, size: int, report) -> int:
    if not _db_sessions():
        return 0
    from django.contrib.sessions.models import Session

    keys = list(
        Session.objects.filter(expire_date__lt=now).values_list("session_key", flat=True)[:size]
    )
    if keys:
        report.sessions_deleted += Session.objects.filter(
            session_key__in=keys, expire_date__lt=now
        ).delete()[0]
    return len(keys)


def _stale_sealed(value, *, now: dt.datetime) -> bool:
    """A value sealed into a session (`{"sealed": …, "at": …}`) that is past any use."""
    if not isinstance(value, dict) or "sealed" not in value:
        return False
    try:
        sealed_at = dt.datetime.fromisoformat(value["at"])
    except (KeyError, TypeError, ValueError):
        return True
    return now - sealed_at > SEALED_SESSION_MAX_AGE


def _scrub_sessions(*, now: dt.datetime, size: int, report) -> None:
    """Remove sealed personal data left in live sessions (a booking form or a kiosk walk-in
    abandoned half-way: the kiosk's session lives as long as the device is used)."""
    if not _db_sessions():
        report.skipped.append("sessions (not stored in the database)")
        return
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    store = SessionStore()
    after = ""
    while True:
        rows = list(
            Session.objects.filter(session_key__gt=after, expire_date__gte=now)
            .order_by("session_key")
            .values_list("session_key", "session_data")[:size]
        )
        if not rows:
            return
        for key, data in rows:
            decoded = store.decode(data)
            stale = [name for name, value in decoded.items() if _stale_sealed(value, now=now)]
            if stale:
                for name in stale:
                    del decoded[name]
                # Only if nobody saved the session meanwhile: a live request's write wins.
                report.sessions_scrubbed += Session.objects.filter(
                    session_key=key, session_data=data
                ).update(session_data=store.encode(decoded))
        after = rows[-1][0]


# --- the job ----------------------------------------------------------------------------------


def _count_due(report: ErasureReport, *, now: dt.datetime, cutoff_at: dt.datetime) -> None:
    tickets = Ticket.objects.filter(date__lt=report.cutoff_date, erased_at__isnull=True)
    report.tickets = tickets.count()
    report.certificates = Certificate.objects.filter(
        signature__ticket__in=tickets, pdf_erased_at__isnull=True
    ).count()
    report.messages = (
        Message.objects.filter(ticket__in=tickets).count() + _receipts_due(cutoff_at).count()
    )
    report.reports = _reports_due(cutoff_at).count()
    report.inbound = InboundMessage.objects.filter(sent_at__lt=cutoff_at).exclude(sender="").count()
    report.officer_signatures = _officer_signatures_due(cutoff_at).count()
    report.login_records = sum(
        model.objects.filter(attempt_time__lt=cutoff_at).count() for model in _login_models()
    )
    if _db_sessions():
        from django.contrib.sessions.models import Session

        report.sessions_deleted = Session.objects.filter(expire_date__lt=now).count()


def _session_scrub_due() -> bool:
    """True once per SESSION_SCRUB_EVERY across the workers sharing the cache."""
    try:
        return cache.add(
            "privacy:session-scrub", 1, timeout=int(SESSION_SCRUB_EVERY.total_seconds())
        )
    except Exception:
        logger.warning("cache unavailable; live sessions not scrubbed this run", exc_info=True)
        return False


def personal_data_erase_expired(
    *,
    now: dt.datetime | None = None,
    batch_size: int = BATCH_SIZE,
    dry_run: bool = False,
    time_budget: float | None = None,
    scrub_sessions: bool | None = None,
) -> ErasureReport:
    """Erase the personal data whose retention period (ANTREAN_RETENTION_DAYS, counted from
    the ticket's date, from when the record was made, or from when a report was closed) has ended.

    Idempotent and safe on several workers at once. `dry_run` only counts. `time_budget`
    (seconds) stops between batches once spent, leaving the rest to the next run (the worker's
    hourly job must not hold up the other sweeps behind a large first backlog). Live sessions
    are scrubbed of stale sealed values once a day (`scrub_sessions` None), or when told.
    """
    now = now or timezone.now()
    started = time.monotonic()
    cutoff_date, cutoff_at = retention_cutoff(now=now)
    report = ErasureReport(dry_run=dry_run, cutoff_date=cutoff_date)
    if dry_run:
        _count_due(report, now=now, cutoff_at=cutoff_at)
        report.seconds = time.monotonic() - started
        return report

    steps: list[Callable[[], int]] = [
        lambda: _erase_ticket_batch(
            cutoff_date=cutoff_date, now=now, size=batch_size, report=report
        ),
        lambda: _erase_inbound_batch(cutoff_at=cutoff_at, size=batch_size, report=report),
        lambda: _erase_report_batch(cutoff_at=cutoff_at, now=now, size=batch_size, report=report),
        lambda: _erase_receipt_batch(cutoff_at=cutoff_at, size=batch_size, report=report),
        lambda: _erase_officer_signature_batch(cutoff_at=cutoff_at, size=batch_size, report=report),
        lambda: _erase_login_batch(cutoff_at=cutoff_at, size=batch_size, report=report),
        lambda: _erase_expired_session_batch(now=now, size=batch_size, report=report),
    ]
    for step in steps:
        while True:
            if time_budget is not None and time.monotonic() - started > time_budget:
                report.complete = False
                break
            done = step()
            report.batches += 1
            if done < batch_size:
                break
        if not report.complete:
            break
    if report.complete and (scrub_sessions or (scrub_sessions is None and _session_scrub_due())):
        _scrub_sessions(now=now, size=batch_size, report=report)
    report.seconds = time.monotonic() - started
    if report.changed:
        logger.info(
            "Retention: erased %d ticket(s), %d certificate file(s), %d message(s), %d inbound "
            "message(s), %d report(s), %d officer signature(s), %d sign-in record(s), "
            "%d+%d session(s) "
            "in %.1f s (%d batches)%s",
            report.tickets,
            report.certificates,
            report.messages,
            report.inbound,
            report.reports,
            report.officer_signatures,
            report.login_records,
            report.sessions_deleted,
            report.sessions_scrubbed,
            report.seconds,
            report.batches,
            "" if report.complete else "; time budget spent, the rest follows next run",
        )
    return report


# --- the right of access ----------------------------------------------------------------------

# Attempts per client address an hour, and per booking code a day (the settings give the
# counts): a person who mistypes gets a few tries; guessing a NIK for a known code does not
# fit in years.
ACCESS_ADDRESS_WINDOW = 3600
ACCESS_CODE_WINDOW = 24 * 3600
ACCESS_REFUSED = _("Kode pemesanan atau NIK tidak cocok dengan pemesanan mana pun.")
ACCESS_LIMITED = _(
    "Terlalu banyak permintaan data. Demi keamanan data Anda, coba lagi nanti atau datang ke "
    "kantor pelayanan dengan KTP-el Anda."
)


def _normalise_code(code: str) -> str:
    return (code or "").strip().upper().replace("-", "").replace(" ", "")


def personal_data_access_check(*, code: str, nik: str, client_ip: str | None) -> Ticket:
    """The ticket whose data the person asks for, if the booking code and the full NIK
    belong together.

    Counted per client address and per code (every attempt, right or wrong, before anything
    is looked up), so the NIK of a known code cannot be guessed and a code cannot be probed.
    A wrong code and a wrong NIK get the same answer; a malformed NIK is refused as such
    (that says nothing about any booking)."""
    code = _normalise_code(code)
    if not rate_limit_take(
        scope="data-access-address",
        key=client_ip,
        limit=settings.ANTREAN_DATA_ACCESS_PER_ADDRESS,
        window=ACCESS_ADDRESS_WINDOW,
    ) or not rate_limit_take(
        scope="data-access-code",
        key=code or "-",
        limit=settings.ANTREAN_DATA_ACCESS_PER_CODE,
        window=ACCESS_CODE_WINDOW,
    ):
        raise DomainError(ErrorCode.RATE_LIMITED, message=str(ACCESS_LIMITED))
    nik = clean_nik(nik)
    given = lookup_hash(nik, purpose="nik")
    ticket = None
    if code.isalnum() and len(code) <= 16:
        ticket = Ticket.objects.select_related("office", "service").filter(code=code).first()
    # Compared in constant time, and compared even when there is no ticket.
    stored = ticket.nik_hash if ticket is not None and ticket.nik_hash else "-" * len(given)
    if not hmac.compare_digest(given, stored) or ticket is None:
        raise DomainError(ErrorCode.NOT_FOUND, message=str(ACCESS_REFUSED))
    logger.info("Personal data access request answered for ticket %s", ticket.pk)
    return ticket
