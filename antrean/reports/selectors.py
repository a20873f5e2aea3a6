"""Reads for the inspectorate: only the reports of the offices it handles."""

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from antrean.queueing.models import AuditFlag
from antrean.reports.models import Report, ReportStatus
from antrean.tenancy import permissions


def reports_for_inspector(
    *, user, office_code: str | None = None, status: str | None = None
) -> QuerySet[Report]:
    """The reports the account handles (none for any other role), newest first."""
    reports = (
        Report.objects.filter(office__in=permissions.offices_inspected(user))
        .with_chain()
        .select_related("office", "service", "counter", "officer")
        .order_by("-created_at", "-pk")
    )
    if office_code:
        reports = reports.filter(office__code=office_code)
    if status in ReportStatus.values:  # the latest chained step, not the row's copy
        reports = reports.filter(chain_status=status)
    return reports


def report_for_inspector(*, user, tracking_code: str) -> Report | None:
    from antrean.reports.models import normalise_tracking_code

    return (
        reports_for_inspector(user=user)
        .filter(tracking_code=normalise_tracking_code(tracking_code))
        .prefetch_related("attachments", "steps__actor")
        .first()
    )


@dataclass(frozen=True)
class OfficerSignals:
    """What the inspectorate weighs about the officer a report names: the fair-call audit's
    flags on them and how many reports name them. Shown to the inspectorate only."""

    reports_naming: int
    open_reports_naming: int
    flags: list
    flags_by_kind: dict


def officer_signals(*, report: Report) -> OfficerSignals | None:
    if report.officer_id is None:
        return None
    naming = Report.objects.filter(office=report.office_id, officer=report.officer_id)
    flags = list(
        AuditFlag.objects.filter(officer=report.officer_id, office=report.office_id)
        .select_related("ticket", "counter")
        .order_by("-at")[:20]
    )
    by_kind = dict(
        AuditFlag.objects.filter(officer=report.officer_id, office=report.office_id)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    return OfficerSignals(
        reports_naming=naming.count(),
        open_reports_naming=naming.with_chain().exclude(chain_status=ReportStatus.CLOSED).count(),
        flags=flags,
        flags_by_kind={AuditFlag.Kind(k).label: n for k, n in by_kind.items()},
    )


def officers_named(*, user) -> list[dict]:
    """Officers named by reports in the offices the account handles, the most named first: the flag
    the fair-call audit raises for the inspectorate (never on the office's audit page)."""
    rows = (
        reports_for_inspector(user=user)
        .exclude(officer=None)
        .values("officer", "officer__username", "office__code")
        .annotate(n=Count("pk"))
        .filter(n__gte=1)
        .order_by("-n", "officer__username")
    )
    return list(rows[:50])
