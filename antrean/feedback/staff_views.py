"""The staff page "Indeks Kepuasan Masyarakat" and its PDF and XLSX downloads.

Thin: read the choice (office, period, unit) from the query string, ask
`selectors.satisfaction_report` (which decides who may see what), render. Out of scope is a
403 with nothing shown; an agency or service of another office a 404.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from antrean.catalog.models import Service
from antrean.core.errors import DomainError, ErrorCode
from antrean.feedback.ikm import GRADES, grade_of
from antrean.feedback.models import ANONYMITY_MIN
from antrean.feedback.periods import PERIODS, period_dates, previous_quarter
from antrean.feedback.questionnaire import ELEMENTS
from antrean.feedback.report import (
    filename,
    profile_sections,
    report_pdf,
    report_xlsx,
    thin_month_text,
)
from antrean.feedback.selectors import (
    SatisfactionReport,
    offices_with_satisfaction,
    satisfaction_report,
    whole_months,
)
from antrean.queueing.views import staff_required
from antrean.tenancy import permissions
from antrean.tenancy.models import Agency, Office

CUSTOM = "rentang"


@dataclass
class Choice:
    office: Office
    offices: list[Office]
    period: str
    year: int
    start: dt.date
    end: dt.date
    unit: str  # "" whole office, "a<id>" an agency, "s<id>" a service
    units: list[tuple[str, str]]
    agency: Agency | None
    service: Service | None
    error: str = ""


def _units(user, office: Office) -> list[tuple[str, str]]:
    """Units of `office` the account may read: the whole office (admins), its agencies and
    their services."""
    units = []
    if permissions.can_see_satisfaction(user, office_id=office.pk, agency_id=None):
        units.append(("", _("Seluruh kantor")))
    for agency in Agency.objects.filter(office=office).order_by("name"):
        if not permissions.can_see_satisfaction(user, office_id=office.pk, agency_id=agency.pk):
            continue
        units.append((f"a{agency.pk}", agency.name))
        for service in Service.objects.filter(agency=agency).order_by("name"):
            units.append((f"s{service.pk}", f"— {service.name}"))
    return units


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _choice(request: HttpRequest) -> Choice:
    user = request.user
    offices = list(offices_with_satisfaction(user))
    if not offices:
        raise PermissionDenied  # the inspectorate, or an account without a role
    code = request.GET.get("kantor") or offices[0].code
    office = next((o for o in offices if o.code == code), None)
    if office is None:
        raise PermissionDenied
    units = _units(user, office)
    unit = request.GET.get("unit", units[0][0] if units else "")
    agency = service = None
    try:
        if unit.startswith("a"):
            agency = Agency.objects.filter(pk=int(unit[1:]), office=office).first()
            if agency is None:
                raise Http404
        elif unit.startswith("s"):
            service = Service.objects.filter(pk=int(unit[1:]), agency__office=office).first()
            if service is None:
                raise Http404
        elif unit:
            raise Http404
    except ValueError:
        raise Http404 from None
    default_period, default_year = previous_quarter(office.local_today())
    period = request.GET.get("periode") or default_period
    error = ""
    try:
        year = int(request.GET.get("tahun") or default_year)
    except ValueError:
        year, error = default_year, _("Tahun tidak sah.")
    if not 2000 <= year <= 2100:
        year, error = default_year, _("Tahun tidak sah.")
    if period == CUSTOM:
        start, end = _date(request.GET.get("dari")), _date(request.GET.get("sampai"))
        if start is None or end is None:
            error = _("Isi tanggal awal dan akhir dengan format yang benar.")
            period = default_period
        else:
            try:
                whole_months(start, end)  # the same cap as the report's, on whole months
            except DomainError:
                error = ErrorCode.INVALID_PERIOD.message
                period = default_period
    elif period not in PERIODS:
        period, error = default_period, _("Periode tidak dikenal.")
    if period != CUSTOM:
        start, end = period_dates(period, year)
    return Choice(
        office=office,
        offices=offices,
        period=period,
        year=year,
        start=start,
        end=end,
        unit=unit,
        units=units,
        agency=agency,
        service=service,
        error=error,
    )


def _report(request: HttpRequest) -> tuple[Choice, SatisfactionReport]:
    choice = _choice(request)
    try:
        report = satisfaction_report(
            user=request.user,
            office=choice.office,
            start=choice.start,
            end=choice.end,
            agency=choice.agency,
            service=choice.service,
        )
    except DomainError as refused:
        if refused.code == ErrorCode.NOT_FOUND:
            raise Http404 from None
        raise PermissionDenied from None
    return choice, report


def _element_rows(report: SatisfactionReport) -> list[dict]:
    result = report.total.result
    if result is None:
        return []
    nrr = result.nrr
    rows = []
    for element in ELEMENTS:
        index = result.element_index(element.code)
        rows.append(
            {
                "code": f"U{element.number}",
                "name": element.name,
                "total": result.totals[element.code],
                "nrr": nrr[element.code],
                "index": index,
                "grade": grade_of(index),
            }
        )
    return rows


@staff_required
@require_safe
def ikm_page(request: HttpRequest) -> HttpResponse:
    choice, report = _report(request)
    query = request.GET.copy()
    for key, value in (
        ("kantor", choice.office.code),
        ("unit", choice.unit),
        ("periode", choice.period),
        ("tahun", str(choice.year)),
    ):
        query[key] = value
    return render(
        request,
        "feedback/ikm.html",
        {
            "choice": choice,
            "report": report,
            "elements": _element_rows(report),
            "profile": profile_sections(report) if report.total.shown else [],
            "periods": [(key, label) for key, (label, _f, _l) in PERIODS.items()],
            "custom": CUSTOM,
            "grades": GRADES,
            "anonymity_min": ANONYMITY_MIN,
            "widened": (choice.start, choice.end) != (report.start, report.end),
            "thin_month": thin_month_text()
            if report.total.thin_month and report.total.responses >= ANONYMITY_MIN
            else "",
            "download_query": query.urlencode(),
        },
    )


def _download(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
@require_safe
def ikm_pdf(request: HttpRequest) -> HttpResponse:
    report = _report(request)[1]
    return _download(report_pdf(report), filename(report, "pdf"), "application/pdf")


@staff_required
@require_safe
def ikm_xlsx(request: HttpRequest) -> HttpResponse:
    report = _report(request)[1]
    return _download(
        report_xlsx(report),
        filename(report, "xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
