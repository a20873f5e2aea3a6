"""The office head's monthly report: made once per office and month, kept, read by those who
read the whole office's dashboard.

How the head gets it: Antrean sends no e-mail and a staff account carries no phone number,
so the report is delivered where the head already is. The worker makes last month's report at
the start of each month (`monthly_reports_make_due`, from 01:00 local time on the 1st, when
the roll-up of the month's last day is final); the head lands on the office dashboard after
signing in, where it is listed and marked new until the head first downloads it. Anyone who
reads the whole office's dashboard (the head, its admins, its region's admins, national) may
have any past month's report made on demand (`monthly_report_make`) and download it. A report
is never made twice: a second request, or two workers at once, get the stored one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone, translation

from antrean.core.errors import DomainError, ErrorCode
from antrean.dashboards.models import MonthlyReport
from antrean.dashboards.periods import Period, month_end, previous_month
from antrean.dashboards.selectors import may_read_monthly_reports, office_figures
from antrean.stats.models import OfficeDay
from antrean.tenancy import permissions
from antrean.tenancy.models import Office

logger = logging.getLogger(__name__)

# Local hour of the 1st from which last month's report is made: the roll-up's run after
# midnight has settled the month's last day by then (antrean.stats.rollup: every ten minutes).
READY_HOUR = 1
# How far back a report may be asked for on demand.
MONTHS_BACK = 24


def report_months(office: Office, *, now: dt.datetime | None = None) -> list[dt.date]:
    """Past whole months a report can be made for, newest first: from the office's first
    month (or MONTHS_BACK ago) to last month. The first month is that of its creation, or of
    its first rolled-up day when it has history from before (an office brought in with its
    past, the demo's served quarter)."""
    today = office.local_today(now)
    created = office.created_at.astimezone(office.zone).date()
    history = OfficeDay.objects.filter(office=office).aggregate(first=Min("date"))["first"]
    first = min(created, history or created).replace(day=1)
    months, month = [], previous_month(today)
    while month >= first and len(months) < MONTHS_BACK:
        months.append(month)
        month = previous_month(month)
    return months


def monthly_report_make(
    *, office: Office, month: dt.date, by=None, now: dt.datetime | None = None
) -> MonthlyReport:
    """The office's report for `month` (its first day), made now if it does not exist yet.

    `by` is the account asking (None: the worker): it must read the whole office's dashboard
    (`forbidden`). The month must be a whole past month of the office (`invalid_period`)."""
    now = now or timezone.now()
    if by is not None:
        permissions.require(may_read_monthly_reports(by, office))
    if month.day != 1 or month >= office.local_today(now).replace(day=1):
        raise DomainError(ErrorCode.INVALID_PERIOD, field="month")
    existing = MonthlyReport.objects.filter(office=office, month=month).first()
    if existing is not None:
        return existing
    pdf = _render(office=office, month=month, now=now)
    report = MonthlyReport(
        office=office,
        month=month,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        made_at=now,
        made_by=by,
    )
    report.pdf.save(f"{month:%Y-%m}.pdf", ContentFile(pdf), save=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # Another worker (or a head's click) made it meanwhile: theirs is the report.
        report.pdf.delete(save=False)
        return MonthlyReport.objects.get(office=office, month=month)
    return report


def _render(*, office: Office, month: dt.date, now: dt.datetime) -> bytes:
    from antrean.dashboards.content import office_content
    from antrean.dashboards.report import monthly_pdf

    # An official document of an Indonesian office: in Indonesian, whoever asks.
    with translation.override("id"):
        dashboard = office_figures(
            office=office, period=Period(month, month_end(month)), agency_ids=None
        )
        content = office_content(dashboard, charts_on=False)
        return monthly_pdf(office=office, month=month, content=content, made_at=now)


def monthly_reports_make_due(*, now: dt.datetime | None = None) -> int:
    """Last month's report of every active office that has none yet, once the office's local
    clock is past READY_HOUR on (or after) the 1st. Returns how many were made. The worker runs
    it every hour; a worker that was down on the 1st catches up at its next run."""
    now = now or timezone.now()
    made = 0
    for office in Office.objects.filter(is_active=True):
        local = office.local_now(now)
        if local.day == 1 and local.hour < READY_HOUR:
            continue
        month = previous_month(local.date())
        if office.created_at.astimezone(office.zone).date() > month_end(month):
            continue  # the office did not exist yet that month
        if MonthlyReport.objects.filter(office=office, month=month).exists():
            continue
        try:
            monthly_report_make(office=office, month=month, now=now)
        except Exception:
            # One office's failure must not keep the others' reports from being made.
            logger.exception("Monthly report of %s for %s failed", office.code, month)
            continue
        made += 1
    return made


def monthly_report_read(*, user, report: MonthlyReport, now: dt.datetime | None = None) -> bytes:
    """The stored PDF for `user` (`forbidden` outside the whole office's readers); checked
    against its hash. The head's first download is noted (the dashboard stops marking the
    report as new)."""
    now = now or timezone.now()
    permissions.require(may_read_monthly_reports(user, report.office))
    with report.pdf.open("rb") as stored:
        pdf = stored.read()
    if hashlib.sha256(pdf).hexdigest() != report.pdf_sha256:
        raise DomainError(ErrorCode.SERVER_ERROR)
    if report.head_downloaded_at is None and permissions.is_office_head(user, report.office_id):
        MonthlyReport.objects.filter(pk=report.pk, head_downloaded_at__isnull=True).update(
            head_downloaded_at=now
        )
    return pdf
