"""Report steps as entries of the office's hash chain (antrean.integrity.ledger).

A step's record holds the step (kind, outcome, a keyed hash of the reason, who, when) and a
keyed hash of the report's content as filed: the ticket facts, the attachments' sha256, the
anonymity choice, the channel, the time, and the keyed hash of the text and contact
(`personal`). While the text is held, `personal` is recomputed from it, so editing the text,
the facts, deleting an attachment or a step breaks `verify_ledger` at the first step of that
report. Once the retention job has erased the text and contact, `personal` is the hash kept
on the report at filing (`Report.personal_hash`): the chain still verifies, and the facts are
still covered (docs/decisions/0013-report-erasure.md).

`reports_check` (run by `verify_ledger` after the chain) names a report whose status copy
disagrees with its latest step, that has no step, whose kept hash differs from its text, or
that was erased while open or still holds personal data after erasure.

The hashes are keyed (`lookup_hash`), so a published ledger reveals nothing of the text.
"""

from collections.abc import Iterator

from antrean.core.personal_data import lookup_hash
from antrean.integrity.ledger import LedgerSource
from antrean.integrity.ledger_hash import canonical, format_instant
from antrean.reports.models import Report, ReportAttachment, ReportStatus, ReportStep

RECORD_VERSION = 2


def _instant(value) -> str | None:
    return format_instant(value) if value else None


def personal_hash(text: str, contact: str) -> str:
    """The keyed hash of what the retention job erases (the text and the contact)."""
    return lookup_hash(
        canonical({"text": text, "contact": contact}).decode(), purpose="report-personal"
    )


def live_personal_hash(report: Report) -> str:
    """The text and contact as held now, or, once erased, the hash kept at filing."""
    if report.erased_at is not None:
        return report.personal_hash
    return personal_hash(report.text, report.contact)


def report_content(report: Report, attachment_hashes: list[str], personal: str) -> dict:
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
        "personal": personal,
        "identity_to_office": report.identity_to_office,
        "created_at": _instant(report.created_at),
        "attachments": sorted(attachment_hashes),
    }


def report_content_hash(report: Report, attachment_hashes: list[str], personal: str) -> str:
    return lookup_hash(
        canonical(report_content(report, attachment_hashes, personal)).decode(), purpose="report"
    )


def step_record(step: ReportStep, *, seq: int, prev: str, content_hash: str | None = None) -> dict:
    """The canonical record of a step. `content_hash` is given while filing (the attachments
    are not saved yet); the verifier computes it from the rows as they are now."""
    if content_hash is None:
        report = step.report
        hashes = list(report.attachments.values_list("sha256", flat=True))
        content_hash = report_content_hash(report, hashes, live_personal_hash(report))
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


def report_problem(report: Report) -> str | None:
    """What is wrong with a report that the chain alone does not show, in words."""
    name = f"report {report.tracking_display}"
    state = report.chained
    if not state.status:
        return f"{name} has no step in the ledger"
    if (report.status, report.outcome) != (state.status, state.outcome):
        return (
            f"{name} shows status {report.status!r}/{report.outcome!r} but its latest "
            f"chained step is {state.status!r}/{state.outcome!r}"
        )
    if report.erased_at is None:
        if report.personal_hash != personal_hash(report.text, report.contact):
            return f"{name}: its kept hash differs from its text and contact"
        return None
    if state.status != ReportStatus.CLOSED:
        return f"{name} was erased while still open"
    if report.text or report.contact:
        return f"{name} is marked erased but still holds its text or contact"
    held = ReportAttachment.objects.filter(report=report).exclude(data=b"")
    if held.exists():
        return f"{name} is marked erased but still holds attachment bytes"
    return None


def reports_check(office) -> tuple[str, str] | None:
    reports = Report.objects.filter(office=office).with_chain().order_by("pk")
    for report in reports.iterator(chunk_size=500):
        problem = report_problem(report)
        if problem is not None:
            return f"report {report.pk}", problem
    return None


REPORT_STEPS = LedgerSource(
    name="report_step", entries=_entries, record=step_record, check=reports_check
)
