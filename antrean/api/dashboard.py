"""The dashboards' figures over the API, for other tools: an office's and a region's summary
over a period, the same figures as the staff pages (antrean.dashboards), scoped the same way.

Staff token (`Authorization: Bearer`). An office or region outside the account's scope is 403
`forbidden` and nothing is read; an unknown one 404 `not_found`.
"""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from antrean.api.auth import staff_auth
from antrean.api.schemas import ErrorOut, IsoDate, PlainText
from antrean.core.errors import DomainError, ErrorCode
from antrean.dashboards import selectors
from antrean.dashboards.periods import (
    DEFAULT_PRESET,
    MAX_DAYS,
    invalid_period,
    period_check,
    preset_period,
)
from antrean.feedback.models import ANONYMITY_MIN
from antrean.stats.figures import Figures

router = Router(tags=["Dashboards"])

_OFFICE_CODE = re.compile(r"[-a-zA-Z0-9_]{1,40}")
REGION_CODE = r"^[0-9]{2}(\.[0-9]{2})?$"
_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class DashboardFiguresOut(Schema):
    """Totals over a set of days. Times in seconds; shares from 0 to 1 (null: nothing to
    divide by)."""

    tickets: int = Field(description="Online plus walk-in tickets.", examples=[120])
    tickets_online: int = Field(description="Booked on the web, the API or WhatsApp.")
    tickets_walkin: int = Field(description="Taken at a kiosk or issued at a counter.")
    online_share: float | None = Field(description="tickets_online ÷ tickets.")
    served: int = Field(description="Tickets served to the end.")
    no_shows: int = Field(description="Booked tickets never served (no-show or expired).")
    cancelled: int = Field(description="Cancelled by the citizen.")
    no_show_rate: float | None = Field(description="no_shows ÷ tickets.")
    wait_p50_s: int | None = Field(
        description="Median wait from arrival to first call (from the roll-ups' histogram "
        "over several days; exact for one day)."
    )
    wait_p90_s: int | None = Field(description="90th percentile of the wait, likewise.")
    wait_mean_s: int | None = Field(description="Mean wait.")
    service_mean_s: int | None = Field(description="Mean time from start of service to finish.")
    pacts_citizen: int = Field(description="Citizens' integrity pacts signed for the tickets.")
    calls: int = Field(description="Calls made at the counters.")
    calls_pledged: int = Field(
        description="Calls made by an officer who had signed that day's officer pact."
    )
    pledged_call_share: float | None = Field(description="calls_pledged ÷ calls.")
    survey_responses: int = Field(description="Satisfaction survey responses.")
    audit_flags: int = Field(description="Fair-call audit flags raised.")
    officers_pledged: int | None = Field(
        description="Officer-days with a signed officer pact (null for an agency's part)."
    )
    reports_received: int | None = Field(
        description="Gratification reports received (null for an agency's part)."
    )
    reports_closed_substantiated: int | None = None
    reports_closed_not_substantiated: int | None = None
    reports_closed_referred: int | None = None


class DashboardIkmOut(Schema):
    responses: int = Field(description="Survey responses in the IKM's whole months.")
    ikm: float | None = Field(
        description=f"25–100, null below {ANONYMITY_MIN} responses or when a month holds 1 to "
        f"{ANONYMITY_MIN - 1} (anonymity)."
    )
    grade: str | None = Field(description="A, B, C or D.", examples=["B"])
    label: str | None = Field(description="The grade's label in the request's language.")
    withheld: bool = Field(description="Responses exist but the IKM is not shown (anonymity).")


class DashboardTrendOut(Schema):
    start: dt.date = Field(description="The day, or the first day of the month.")
    figures: DashboardFiguresOut


class DashboardMonthOut(Schema):
    month: str = Field(description="YYYY-MM.", examples=["2026-11"])
    figures: DashboardFiguresOut
    ikm: DashboardIkmOut


class DashboardOfficeRefOut(Schema):
    code: str = Field(examples=["mpp-badung"])
    name: str
    region_code: str = Field(examples=["51.03"])
    region_name: str


class DashboardServiceLineOut(Schema):
    service_id: int
    code: str
    name: str
    agency: str = Field(description="The agency's short name.")
    figures: DashboardFiguresOut


class DashboardOfficeLineOut(Schema):
    office: DashboardOfficeRefOut
    figures: DashboardFiguresOut
    ikm: DashboardIkmOut


class DashboardAreaLineOut(Schema):
    region_code: str
    region_name: str
    offices: int = Field(description="Offices of the region.")
    figures: DashboardFiguresOut
    ikm: DashboardIkmOut


class DashboardPeriodFields(Schema):
    date_from: dt.date = Field(alias="from", description="First local day of the figures.")
    date_to: dt.date = Field(alias="to", description="Last local day of the figures.")
    ikm_from: dt.date = Field(description="First day of the IKM's whole months.")
    ikm_to: dt.date = Field(description="Last day of the IKM's whole months.")


class DashboardOfficeSummaryOut(DashboardPeriodFields):
    office: DashboardOfficeRefOut
    agencies: list[str] | None = Field(
        description="Null: the whole office. Otherwise the codes of the agencies the figures "
        "cover (an agency admin reads its agencies' part)."
    )
    totals: DashboardFiguresOut
    ikm: DashboardIkmOut
    by_service: list[DashboardServiceLineOut]
    trend_unit: str = Field(
        description="`day` for a period of up to 92 days, else `month` (the first and last "
        "months may then be partial).",
        examples=["day"],
    )
    trend: list[DashboardTrendOut] = Field(
        description="Every day (or month) of the period, in order."
    )
    by_month: list[DashboardMonthOut] = Field(description="The IKM's whole months.")


class DashboardRegionOut(Schema):
    code: str = Field(examples=["51"])
    name: str = Field(examples=["Bali"])
    level: str = Field(description="province, regency or city.", examples=["province"])


class DashboardRegionSummaryOut(DashboardPeriodFields):
    region: DashboardRegionOut
    totals: DashboardFiguresOut
    ikm: DashboardIkmOut
    today: DashboardFiguresOut = Field(
        description="Today's figures so far (each office's own local today), from the "
        "roll-up the worker refreshes every few minutes."
    )
    offices: list[DashboardOfficeLineOut] = Field(
        description="Every office of the region, by name."
    )
    areas: list[DashboardAreaLineOut] = Field(
        description="For a province: its regencies and cities. Empty for a regency or city."
    )
    trend_unit: str = Field(description="`day` up to 92 days, else `month`.")
    trend: list[DashboardTrendOut] = Field(
        description="Every day (or month) of the period, in order."
    )
    by_month: list[DashboardMonthOut] = Field(description="The IKM's whole months.")


def _share(value) -> float | None:
    return None if value is None else round(float(value), 4)


def figures_out(f: Figures) -> dict:
    return {
        "tickets": f.tickets,
        "tickets_online": f.tickets_online,
        "tickets_walkin": f.tickets_walkin,
        "online_share": _share(f.online_share),
        "served": f.served,
        "no_shows": f.no_shows,
        "cancelled": f.cancelled,
        "no_show_rate": _share(f.no_show_rate),
        "wait_p50_s": f.wait_p50_s,
        "wait_p90_s": f.wait_p90_s,
        "wait_mean_s": f.wait_mean_s,
        "service_mean_s": f.service_mean_s,
        "pacts_citizen": f.pacts_citizen,
        "calls": f.calls,
        "calls_pledged": f.calls_pledged,
        "pledged_call_share": _share(f.pledged_call_share),
        "survey_responses": f.survey_responses,
        "audit_flags": f.audit_flags,
        "officers_pledged": f.officers_pledged,
        "reports_received": f.reports_received,
        "reports_closed_substantiated": f.reports_closed_substantiated,
        "reports_closed_not_substantiated": f.reports_closed_not_substantiated,
        "reports_closed_referred": f.reports_closed_referred,
    }


def ikm_out(f: Figures) -> dict:
    return {
        "responses": f.survey_responses,
        "ikm": float(f.ikm) if f.ikm is not None else None,
        "grade": f.grade.letter if f.grade else None,
        "label": str(f.grade.label) if f.grade else None,
        "withheld": f.ikm_withheld,
    }


def _office_ref(office) -> dict:
    return {
        "code": office.code,
        "name": office.name,
        "region_code": office.region.code,
        "region_name": office.region.name,
    }


def _user(request) -> AbstractBaseUser:
    if not isinstance(request.auth, AbstractBaseUser):
        raise DomainError(ErrorCode.FORBIDDEN)
    return request.auth


def _period(date_from: dt.date | None, date_to: dt.date | None, *, today: dt.date):
    if date_from is None and date_to is None:
        return preset_period(DEFAULT_PRESET, today)
    if date_from is None or date_to is None:
        raise invalid_period("from" if date_from is None else "to")
    return period_check(date_from, date_to)


def _periods_out(period, dashboard) -> dict:
    return {
        "from": period.start,
        "to": period.end,
        "ikm_from": dashboard.ikm_start,
        "ikm_to": dashboard.ikm_end,
    }


def _trend(dashboard) -> list[dict]:
    empty = Figures()
    return [
        {"start": point, "figures": figures_out(dashboard.trend.get(point, empty))}
        for point in dashboard.trend_points
    ]


def _months(dashboard) -> list[dict]:
    return [
        {"month": f"{month:%Y-%m}", "figures": figures_out(f), "ikm": ikm_out(f)}
        for month, f in sorted(dashboard.by_month.items())
    ]


_PERIOD_HELP = (
    "`from` and `to` are local days (YYYY-MM-DD), both or neither (then the last 30 days up to "
    f"today); at most {MAX_DAYS} days, else 422 `invalid_period`. Every figure covers exactly "
    "the period, except the IKM, which covers the whole calendar months the period touches "
    f"(`ikm_from`…`ikm_to`) and is null below {ANONYMITY_MIN} responses or when any month "
    f"holds 1 to {ANONYMITY_MIN - 1} (anonymity, as the IKM endpoint)."
)


@router.get(
    "/dashboard/offices/{code}/summary",
    auth=staff_auth,
    response={200: DashboardOfficeSummaryOut, **_ERRORS},
    operation_id="getOfficeDashboardSummary",
    summary="An office's dashboard figures over a period",
    by_alias=True,
    description="The figures of the office's staff dashboard: totals, per service, per day "
    "(per month beyond 92 days) and per month (the IKM's months). For the office's admins "
    "and head, its region's admins and national admins the whole office; for an agency "
    "admin only its agencies "
    "(`agencies`), without the office-wide figures (officers' pledges, reports: null). "
    "Anyone else: 403 `forbidden`; an unknown office: 404 `not_found`. " + _PERIOD_HELP,
)
def get_office_summary(
    request,
    code: PlainText,
    date_from: IsoDate | None = Query(None, alias="from", description="First local day."),
    date_to: IsoDate | None = Query(None, alias="to", description="Last local day."),
):
    user = _user(request)
    if not _OFFICE_CODE.fullmatch(code):
        raise DomainError(ErrorCode.NOT_FOUND)
    office = selectors.office_for_dashboard(user=user, code=code)
    period = _period(date_from, date_to, today=office.local_today())
    dashboard = selectors.office_dashboard(user=user, office=office, period=period)
    return {
        **_periods_out(period, dashboard),
        "office": _office_ref(office),
        "agencies": None
        if dashboard.whole_office
        else [agency.code for agency in dashboard.agencies],
        "totals": figures_out(dashboard.totals),
        "ikm": ikm_out(dashboard.ikm),
        "by_service": [
            {
                "service_id": service.pk,
                "code": service.code,
                "name": service.name,
                "agency": service.agency.short_name,
                "figures": figures_out(f),
            }
            for service, f in dashboard.by_service
        ],
        "trend_unit": dashboard.trend_unit,
        "trend": _trend(dashboard),
        "by_month": _months(dashboard),
    }


@router.get(
    "/dashboard/regions/{region_code}/summary",
    auth=staff_auth,
    response={200: DashboardRegionSummaryOut, **_ERRORS},
    operation_id="getRegionDashboardSummary",
    summary="A province's or a regency's dashboard figures over a period",
    by_alias=True,
    description="The figures of the region's staff dashboard (a province with its regencies "
    "and cities, or one regency or city, by its Kemendagri code: `51`, `51.03`): totals, "
    "today, every office side by side, the province's regencies and cities, per day and per "
    "month. For national admins and the region's own admins (a province's admin also reads "
    "its regencies); anyone else: 403 `forbidden`; an unknown region: 404 `not_found`. "
    + _PERIOD_HELP,
)
def get_region_summary(
    request,
    region_code: str = Path(
        ..., pattern=REGION_CODE, description="Kemendagri code.", examples=["51.03"]
    ),
    date_from: IsoDate | None = Query(None, alias="from", description="First local day."),
    date_to: IsoDate | None = Query(None, alias="to", description="Last local day."),
):
    user = _user(request)
    region = selectors.region_for_dashboard(user=user, code=region_code)
    period = _period(date_from, date_to, today=selectors.latest_today(timezone.now()))
    dashboard = selectors.region_dashboard(user=user, region=region, period=period)
    return {
        **_periods_out(period, dashboard),
        "region": {"code": region.code, "name": region.name, "level": region.level},
        "totals": figures_out(dashboard.totals),
        "ikm": ikm_out(dashboard.ikm),
        "today": figures_out(dashboard.today),
        "offices": [
            {
                "office": _office_ref(line.office),
                "figures": figures_out(line.figures),
                "ikm": ikm_out(line.ikm),
            }
            for line in dashboard.lines
        ],
        "areas": [
            {
                "region_code": area.region.code,
                "region_name": area.region.name,
                "offices": area.offices,
                "figures": figures_out(area.figures),
                "ikm": ikm_out(area.ikm),
            }
            for area in dashboard.areas
        ],
        "trend_unit": dashboard.trend_unit,
        "trend": _trend(dashboard),
        "by_month": _months(dashboard),
    }
