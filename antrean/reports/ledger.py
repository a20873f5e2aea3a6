"""Report steps as entries of the office's hash chain (antrean.integrity.ledger).

A step's record holds the step (kind, outcome, a keyed hash of the reason, who, when) and a
keyed hash of the report's content as filed: the text, the attachments' sha256, the ticket
facts, the anonymity choice, the channel and the time. Editing any of these in the database,
deleting an attachment or a step, breaks `verify_ledger` at the first step of that report.
The hashes are keyed (`lookup_hash`), so a published ledger reveals nothing of the text.
"""

from collections.abc import Iterator

from antrean.core.personal_data import lookup_hash
from antrean.integrity.ledger import LedgerSource
from antrean.integrity.ledger_hash import format_instant
from antrean.reports.models import Report, ReportStep

RECORD_VERSION = 1


def _instant(value) -> str | None:
    return format_instant(value) if value else None


def report_content(report: Report, attachment_hashes: list[str]) -> dict:
    """Everything a report said when it was filed, in one canonical dict."""
    return {
        "tracking_code": report.tracking_code,
        "office": report.office_id,
        "ticket": report.ticket_id,
        "channel": report.channel,
        "service": report.service_id,
        "counter": report.counter_id,
        "officer": report.officer_id,
        "ticket_number": report.ticket_number,
        "ticket_date": report.ticket_date.isoformat() if report.ticket_date else None,
        "arrived_at": _instant(report.arrived_at),
        "called_at": _instant(report.called_at),
        "started_at": _instant(report.started_at),
        "finished_at": _instant(report.finished_at),
        "text": report.text,
        "contact": report.contact,
        "identity_to_office": report.identity_to_office,
        "created_at": _instant(report.created_at),
        "attachments": sorted(attachment_hashes),
    }


def report_content_hash(report: Report, attachment_hashes: list[str]) -> str:
    from antrean.integrity.ledger_hash import canonical

    return lookup_hash(
        canonical(report_content(report, attachment_hashes)).decode(), purpose="report"
    )


def step_record(step: ReportStep, *, seq: int, prev: str, content_hash: str | None = None) -> dict:
    """The canonical record of a step. `content_hash` is given while filing (the attachments
    are not saved yet); the verifier computes it from the rows as they are now."""
    if content_hash is None:
        report = step.report
        hashes = list(report.attachments.values_list("sha256", flat=True))
        content_hash = report_content_hash(report, hashes)
    return {
        "v": RECORD_VERSION,
        "entry": "report_step",
        "office": step.office_id,
        "seq": seq,
        "prev": prev,
        "report": step.report.tracking_code,
        "kind": step.kind,
        "outcome": step.outcome,
        "reason": lookup_hash(step.reason, purpose="report-reason") if step.reason else "",
        "actor": f"user:{step.actor_id}" if step.actor_id else "",
        "at": format_instant(step.at),
        "content": content_hash,
    }


def _entries(office) -> Iterator[ReportStep]:
    return (
        ReportStep.objects.filter(office=office)
        .select_related("report")
        .order_by("ledger_seq", "pk")
        .iterator(chunk_size=500)
    )


REPORT_STEPS = LedgerSource(name="report_step", entries=_entries, record=step_record)
