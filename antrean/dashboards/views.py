"""The dashboard pages, their exports (CSV and XLSX, one per table, and every table in one
workbook) and the monthly reports.

Thin: read the period (and for regions and the nation the ranking) from the query string,
ask the selectors (which ask antrean.tenancy.permissions and refuse with `forbidden`), build
the page's content, render. An export is built exactly as its page (same selector, same
content builder, same query string), so it never holds more than the page. Unknown office or
region: 404; out of scope: 403, and nothing read.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from antrean.core.errors import DomainError, ErrorCode
from antrean.dashboards import numbers, selectors, services
from antrean.dashboards.content import (
    RANKINGS,
    Content,
    Ranking,
    area_content,
    heading_lines,
    office_content,
    ranking_from_query,
)
from antrean.dashboards.models import MonthlyReport
from antrean.dashboards.periods import PRESETS, Period, period_from_query
from antrean.dashboards.report import filename as report_filename
from antrean.dashboards.tables import Table, table_csv, tables_xlsx
from antrean.queueing.views import staff_required
from antrean.tenancy import permissions
from antrean.tenancy.models import Office, Region

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows of the national comparison shown on the page unless all are asked for (`semua=1`);
# the exports always hold every office.
NATION_ROWS = 50


def _refused(error: DomainError):
    if error.code == ErrorCode.NOT_FOUND:
        return Http404()
    return PermissionDenied()


def _download(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _period_text(period: Period) -> str:
    return f"{numbers.day(period.start)} – {numbers.day(period.end)}"


# --- Landing ---------------------------------------------------------------------------------


@staff_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The account's own dashboard: the nation, its region (a province before its regencies),
    or its first office."""
    user = request.user
    code = request.GET.get("kantor")
    if code:  # the office switcher
        return redirect("dashboards:office", code=code) if _is_slug(code) else redirect(".")
    if permissions.can_see_nation(user):
        return redirect("dashboards:nation")
    region = (
        permissions.regions_in_scope(user)
        # A province (no parent) before its regencies, on every database.
        .order_by(F("parent_id").asc(nulls_first=True), "code")
        .first()
    )
    if region is not None:
        return redirect("dashboards:region", code=region.code)
    office = permissions.offices_with_dashboard(user).order_by("name").first()
    if office is not None:
        return redirect("dashboards:office", code=office.code)
    raise PermissionDenied


def _is_slug(value: str) -> bool:
    import re

    return bool(re.fullmatch(r"[-a-zA-Z0-9_]{1,40}", value))


# --- Shared page parts -----------------------------------------------------------------------


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _period_context(request: HttpRequest, period: Period, error: str) -> dict:
    kept = _query_without(request, "rentang", "dari", "sampai")
    presets = []
    for key, label in PRESETS.items():
        query = request.GET.copy()
        for name in ("dari", "sampai"):
            query.pop(name, None)
        query["rentang"] = key
        presets.append({"key": key, "label": label, "query": query.urlencode()})
    return {
        "period": period,
        "period_text": _period_text(period),
        "period_error": error,
        "presets": presets,
        "kept_query": [
            (name, value)
            for name, values in request.GET.lists()
            if name not in ("rentang", "dari", "sampai")
            for value in values
        ],
        "kept": kept,
        "query": request.GET.urlencode(),
    }


def _sort_headers(request: HttpRequest, table: Table, ranking: Ranking) -> list[dict]:
    """The comparison table's header cells, each figure's a link that ranks by it (again:
    the other order)."""
    by_column = {column: key for key, column in _ranking_columns().items()}
    headers = []
    for column in table.columns:
        key = by_column.get(column.key)
        header = {"column": column, "url": "", "sorted": ""}
        if key is not None:
            query = request.GET.copy()
            query["urut"] = key
            if key == ranking.key:
                query["arah"] = "naik" if ranking.descending else "turun"
                header["sorted"] = "descending" if ranking.descending else "ascending"
            else:
                query["arah"] = "turun" if RANKINGS[key][2] else "naik"
            header["url"] = "?" + query.urlencode()
        headers.append(header)
    return headers


def _ranking_columns() -> dict[str, str]:
    from antrean.dashboards.content import RANKING_COLUMN

    return RANKING_COLUMN


def _table_or_404(content: Content, slug: str) -> Table:
    table = content.table(slug)
    if table is None:
        raise Http404
    return table


def _export(content: Content, slug: str, fmt: str, *, subject: str, stem: str, period: Period):
    heading = heading_lines(subject, _period_text(period))
    name = f"{stem}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if slug == "semua":
        if fmt != "xlsx":
            raise Http404
        return _download(tables_xlsx(content.tables, heading=heading), f"{name}.xlsx", XLSX)
    table = _table_or_404(content, slug)
    if fmt == "csv":
        return _download(table_csv(table), f"{name}-{slug}.csv", "text/csv; charset=utf-8")
    return _download(tables_xlsx([table], heading=heading), f"{name}-{slug}.xlsx", XLSX)


# --- An office ---------------------------------------------------------------------------------


def _office_dashboard(request: HttpRequest, code: str):
    try:
        office = selectors.office_for_dashboard(user=request.user, code=code)
    except DomainError as refused:
        raise _refused(refused) from None
    period, error = period_from_query(request.GET, today=office.local_today())
    dashboard = selectors.office_dashboard(user=request.user, office=office, period=period)
    return office, period, error, dashboard


def _office_subject(office: Office, dashboard) -> str:
    if dashboard.whole_office:
        return office.name
    names = ", ".join(agency.short_name for agency in dashboard.agencies)
    return f"{office.name} ({names})"


@staff_required
@require_safe
def office_page(request: HttpRequest, code: str) -> HttpResponse:
    office, period, error, dashboard = _office_dashboard(request, code)
    content = office_content(dashboard)
    user = request.user
    return render(
        request,
        "dashboards/office.html",
        {
            "office": office,
            "dashboard": dashboard,
            "content": content,
            "subject": _office_subject(office, dashboard),
            "breadcrumbs": _breadcrumbs(user, office.region, office=office),
            "offices": _office_choices(user, office),
            "reports": _report_rows(user, office, dashboard),
            "report_months": services.report_months(office)
            if selectors.may_read_monthly_reports(user, office)
            else [],
            "is_head": permissions.is_office_head(user, office.pk),
            "export_base": reverse("dashboards:office", kwargs={"code": office.code}),
            **_period_context(request, period, error),
        },
    )


def _office_choices(user, office: Office) -> list[Office]:
    """Other offices the account reads (a switcher), when there are a few (a region's)."""
    offices = list(permissions.offices_with_dashboard(user).order_by("name")[:201])
    return offices if 1 < len(offices) <= 200 else []


def _report_rows(user, office: Office, dashboard) -> list[dict]:
    head = permissions.is_office_head(user, office.pk)
    return [
        {
            "report": report,
            "label": numbers.long_month(report.month),
            "new": head and report.head_downloaded_at is None,
        }
        for report in dashboard.reports
    ]


@staff_required
@require_safe
def office_export(request: HttpRequest, code: str, slug: str, fmt: str) -> HttpResponse:
    office, period, _error, dashboard = _office_dashboard(request, code)
    content = office_content(dashboard, charts_on=False)
    return _export(
        content,
        slug,
        fmt,
        subject=_office_subject(office, dashboard),
        stem=f"dasbor-{office.code}",
        period=period,
    )


def _month(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{value}-01")
    except ValueError:
        raise Http404 from None


@staff_required
@require_safe
def monthly_report_download(request: HttpRequest, code: str, month: str) -> HttpResponse:
    try:
        office = selectors.office_for_dashboard(user=request.user, code=code)
    except DomainError as refused:
        raise _refused(refused) from None
    if not selectors.may_read_monthly_reports(request.user, office):
        raise PermissionDenied
    report = MonthlyReport.objects.filter(office=office, month=_month(month)).first()
    if report is None:
        raise Http404
    try:
        pdf = services.monthly_report_read(user=request.user, report=report)
    except DomainError as refused:
        raise _refused(refused) from None
    return _download(pdf, report_filename(office, report.month), "application/pdf")


@staff_required
@require_POST
def monthly_report_request(request: HttpRequest, code: str) -> HttpResponse:
    """Make (if missing) and download the report of a past month: `bulan` = YYYY-MM."""
    try:
        office = selectors.office_for_dashboard(user=request.user, code=code)
    except DomainError as refused:
        raise _refused(refused) from None
    if not selectors.may_read_monthly_reports(request.user, office):
        raise PermissionDenied
    month = _month(request.POST.get("bulan", ""))
    if month not in services.report_months(office):
        raise Http404
    try:
        report = services.monthly_report_make(office=office, month=month, by=request.user)
    except DomainError as refused:
        raise _refused(refused) from None
    return redirect("dashboards:monthly_report", code=office.code, month=f"{report.month:%Y-%m}")


# --- A region and the nation -----------------------------------------------------------------


def _breadcrumbs(user, region: Region | None, *, office: Office | None = None) -> list[dict]:
    """Nation › province › regency (› office), each a link where the account reads it."""
    crumbs = []
    if permissions.can_see_nation(user):
        crumbs.append({"label": _("Nasional"), "url": reverse("dashboards:nation")})
    chain = []
    while region is not None:
        chain.insert(0, region)
        region = region.parent
    for item in chain:
        url = (
            reverse("dashboards:region", kwargs={"code": item.code})
            if permissions.can_see_region(user, item.pk)
            else ""
        )
        crumbs.append({"label": item.name, "url": url})
    if office is not None:
        crumbs.append({"label": office.name, "url": ""})
    return crumbs


def _area_page(request: HttpRequest, dashboard, *, title: str, subject: str, export_base: str):
    ranking = ranking_from_query(request.GET)
    content = area_content(dashboard, ranking=ranking)
    comparison = content.table("kantor")
    today = content.table("hari-ini")
    show_all = request.GET.get("semua") == "1"
    shown = len(comparison.rows) if show_all else NATION_ROWS
    return render(
        request,
        "dashboards/area.html",
        {
            "dashboard": dashboard,
            "content": content,
            "title": title,
            "subject": subject,
            "ranking": ranking,
            "sort_headers": _sort_headers(request, comparison, ranking),
            "comparison_rows": comparison.display_first(shown),
            "today_rows": today.display_first(shown),
            "today_limited": len(today.rows) > shown,
            "comparison_total": len(comparison.rows),
            "comparison_limited": len(comparison.rows) > shown,
            "all_query": _with(request, semua="1"),
            "export_base": export_base,
            "breadcrumbs": _breadcrumbs(request.user, dashboard.region),
            "sub_regions": _sub_regions(request.user, dashboard),
            **_period_context(request, dashboard.period, getattr(request, "_period_error", "")),
        },
    )


def _with(request: HttpRequest, **values) -> str:
    query = request.GET.copy()
    for name, value in values.items():
        query[name] = value
    return query.urlencode()


def _sub_regions(user, dashboard) -> list[dict]:
    return [
        {
            "region": area.region,
            "url": reverse("dashboards:region", kwargs={"code": area.region.code})
            if permissions.can_see_region(user, area.region.pk)
            else "",
        }
        for area in dashboard.areas
    ]


def _region_dashboard(request: HttpRequest, code: str):
    try:
        region = selectors.region_for_dashboard(user=request.user, code=code)
    except DomainError as refused:
        raise _refused(refused) from None
    period, error = period_from_query(request.GET, today=selectors.latest_today(timezone.now()))
    request._period_error = error
    return (
        region,
        period,
        selectors.region_dashboard(
            user=request.user, region=region, period=period, trend_sums=selectors.TREND_SUMS
        ),
    )


@staff_required
@require_safe
def region_page(request: HttpRequest, code: str) -> HttpResponse:
    region, _period, dashboard = _region_dashboard(request, code)
    return _area_page(
        request,
        dashboard,
        title=f"{region.get_level_display()} {region.name}"
        if not region.name.lower().startswith(region.get_level_display().lower())
        else region.name,
        subject=region.name,
        export_base=reverse("dashboards:region", kwargs={"code": region.code}),
    )


@staff_required
@require_safe
def region_export(request: HttpRequest, code: str, slug: str, fmt: str) -> HttpResponse:
    region, period, dashboard = _region_dashboard(request, code)
    content = area_content(dashboard, ranking=ranking_from_query(request.GET), charts_on=False)
    return _export(
        content, slug, fmt, subject=region.name, stem=f"dasbor-wilayah-{region.code}", period=period
    )


def _nation_dashboard(request: HttpRequest):
    if not permissions.can_see_nation(request.user):
        raise PermissionDenied
    period, error = period_from_query(request.GET, today=selectors.latest_today(timezone.now()))
    request._period_error = error
    return period, selectors.nation_dashboard(
        user=request.user, period=period, trend_sums=selectors.TREND_SUMS
    )


@staff_required
@require_safe
def nation_page(request: HttpRequest) -> HttpResponse:
    _period, dashboard = _nation_dashboard(request)
    return _area_page(
        request,
        dashboard,
        title=_("Nasional"),
        subject=_("Seluruh Indonesia"),
        export_base=reverse("dashboards:nation"),
    )


@staff_required
@require_safe
def nation_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    period, dashboard = _nation_dashboard(request)
    content = area_content(dashboard, ranking=ranking_from_query(request.GET), charts_on=False)
    return _export(
        content, slug, fmt, subject=_("Seluruh Indonesia"), stem="dasbor-nasional", period=period
    )
