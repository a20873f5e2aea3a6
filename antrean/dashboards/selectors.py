"""What each dashboard reads, already scoped: an office (whole, or an agency admin's part), a
region (a province with its regencies and cities, or one regency or city) and the nation.

Every function asks antrean.tenancy.permissions first and refuses with `forbidden`; nothing is
read before. Figures come from the daily roll-ups through antrean.stats.figures (one
aggregate query per table, whatever the period); only today's live queue reads the queue
itself (antrean.stats.live): an office's queue per service, and the waiting count of a
region's offices in one query.

The IKM is computed over whole calendar months (docs/ikm.md: a part of a month would let two
periods be subtracted to read a few answers): the months the period touches, `ikm_start` to
`ikm_end`. Every other figure covers exactly the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from antrean.catalog.models import Service
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.timezones import ZONE_LABELS
from antrean.dashboards.models import MonthlyReport, OfficeMonth
from antrean.dashboards.periods import Period, month_end, next_month, previous_month
from antrean.stats.figures import (
    SUMS_WITHOUT_SURVEY,
    Figures,
    figures_by,
    figures_by_union,
    figures_of,
    figures_sum,
)
from antrean.stats.live import OfficeLive, office_live, waiting_by_office
from antrean.stats.models import OfficeDay, ServiceDay
from antrean.tenancy import permissions
from antrean.tenancy.models import Agency, Office, Region

TREND_DAYS = 92


@dataclass
class OfficeDashboard:
    office: Office
    period: Period
    agency_ids: frozenset[int] | None  # None: the whole office; else an agency admin's part
    agencies: list[Agency]  # the agencies the figures cover
    totals: Figures
    trend_unit: str  # "day" or "month" (TREND_DAYS)
    trend_points: list[dt.date]
    trend: dict[dt.date, Figures]
    by_service: list[tuple[Service, Figures]]
    ikm_start: dt.date
    ikm_end: dt.date
    ikm: Figures  # over whole months
    by_month: dict[dt.date, Figures]  # whole months
    reports: list[MonthlyReport] = field(default_factory=list)
    live: OfficeLive | None = None  # today, now (antrean.stats.live)

    @property
    def whole_office(self) -> bool:
        return self.agency_ids is None


@dataclass
class OfficeLine:
    """One office in a region's or the nation's comparison."""

    office: Office
    figures: Figures  # the period
    ikm: Figures  # whole months
    today: Figures  # today's roll-up (the office's own local today)
    waiting: int = 0  # waiting now (the live queue)


@dataclass
class AreaLine:
    """One province (in the nation) or regency or city (in a province)."""

    region: Region
    offices: int
    figures: Figures
    ikm: Figures


@dataclass
class AreaDashboard:
    region: Region | None  # None: the nation
    period: Period
    offices: list[Office]
    totals: Figures
    trend_unit: str
    trend_points: list[dt.date]
    trend: dict[dt.date, Figures]
    ikm_start: dt.date
    ikm_end: dt.date
    ikm: Figures
    by_month: dict[dt.date, Figures]
    lines: list[OfficeLine]
    areas: list[AreaLine]
    today: Figures

    @property
    def waiting(self) -> int:
        return sum(line.waiting for line in self.lines)


def trend_unit(period: Period) -> str:
    """Trends are drawn per day up to TREND_DAYS days, per month beyond (a year of days is
    365 points nobody reads, and 365 table rows on a page)."""
    return "day" if period.days <= TREND_DAYS else "month"


def trend_points(period: Period) -> list[dt.date]:
    return period.dates() if trend_unit(period) == "day" else period.months()


# What a trend point on a page or in its downloads shows (antrean.dashboards.content: the
# trend rows and the pact chart): counts only. Over the days of a region or the nation, adding
# up these 9 columns instead of all 43 is most of that query's time. The API's trend gives
# every figure (the default, all sums).
TREND_SUMS = frozenset(
    (
        "tickets_online",
        "tickets_walkin",
        "served",
        "no_shows",
        "pacts_citizen",
        "calls",
        "calls_pledged",
        "audit_flags",
        "officers_pledged",
    )
)


def _trend(
    rows: QuerySet, period: Period, *, sums: Collection[str] | None = None
) -> dict[dt.date, Figures]:
    key = "date" if trend_unit(period) == "day" else "month"
    return figures_by(rows, key, ikm=False, sums=sums)


def ikm_months(period: Period) -> tuple[dt.date, dt.date]:
    """The whole months the period touches: the IKM's own period."""
    return period.start.replace(day=1), month_end(period.end.replace(day=1))


def _between(rows: QuerySet, start: dt.date, end: dt.date) -> QuerySet:
    return rows.filter(date__gte=start, date__lte=end)


# --- An office -----------------------------------------------------------------------------


def office_for_dashboard(*, user, code: str) -> Office:
    """The office by its code (`not_found`), if the account reads its dashboard
    (`forbidden`)."""
    office = Office.objects.select_related("region", "region__parent").filter(code=code).first()
    if office is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    permissions.require(permissions.can_see_dashboard(user, office.pk))
    return office


def office_dashboard(
    *, user, office: Office, period: Period, now: dt.datetime | None = None
) -> OfficeDashboard:
    """The office's figures over `period` as `user` may read them: the whole office, or only
    the agencies an agency admin administers there (then from service-days, which hold no
    office-wide figure: no reports, no officers' pledges)."""
    permissions.require(permissions.can_see_dashboard(user, office.pk))
    agency_ids = permissions.dashboard_agency_ids(user, office.pk)
    dashboard = office_figures(office=office, period=period, agency_ids=agency_ids)
    dashboard.live = office_live(office=office, now=now or timezone.now(), agency_ids=agency_ids)
    if agency_ids is None:
        dashboard.reports = monthly_reports(user=user, office=office)
    return dashboard


def office_figures(
    *, office: Office, period: Period, agency_ids: frozenset[int] | None
) -> OfficeDashboard:
    """The office's figures, unchecked: for `office_dashboard` and the monthly report (made by
    the worker for the whole office, read under `may_read_monthly_reports`)."""
    services = ServiceDay.objects.filter(office=office)
    if agency_ids is None:
        rows = OfficeDay.objects.filter(office=office)
        agencies = list(Agency.objects.filter(office=office).order_by("position", "short_name"))
    else:
        services = services.filter(agency__in=agency_ids)
        rows = services
        agencies = list(Agency.objects.filter(pk__in=agency_ids).order_by("position", "short_name"))
    ikm_start, ikm_end = ikm_months(period)
    in_period = _between(rows, period.start, period.end)
    whole_months = _between(rows, ikm_start, ikm_end)
    by_service = figures_by(_between(services, period.start, period.end), "service", ikm=False)
    names = Service.objects.select_related("agency").in_bulk(list(by_service))
    return OfficeDashboard(
        office=office,
        period=period,
        agency_ids=agency_ids,
        agencies=agencies,
        totals=figures_of(in_period, ikm=False),
        trend_unit=trend_unit(period),
        trend_points=trend_points(period),
        trend=_trend(in_period, period),
        by_service=sorted(
            ((names[pk], figures) for pk, figures in by_service.items() if pk in names),
            key=lambda pair: (pair[0].agency.position, pair[0].agency.short_name, pair[0].name),
        ),
        ikm_start=ikm_start,
        ikm_end=ikm_end,
        ikm=figures_of(whole_months),
        by_month=figures_by(whole_months, "month"),
    )


def monthly_reports(*, user, office: Office) -> list[MonthlyReport]:
    """The office's monthly reports, newest first, for whoever reads the whole office."""
    if not may_read_monthly_reports(user, office):
        return []
    return list(MonthlyReport.objects.filter(office=office).order_by("-month"))


def may_read_monthly_reports(user, office: Office) -> bool:
    """The monthly report covers the whole office: its readers are those who read the whole
    office's dashboard (not an agency admin, who reads its agency's part)."""
    return (
        permissions.can_see_dashboard(user, office.pk)
        and permissions.dashboard_agency_ids(user, office.pk) is None
    )


# --- A region and the nation -----------------------------------------------------------------


def region_for_dashboard(*, user, code: str) -> Region:
    region = Region.objects.select_related("parent").filter(code=code).first()
    if region is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    permissions.require(permissions.can_see_region(user, region.pk))
    return region


def offices_of_region(region: Region) -> QuerySet[Office]:
    """The offices of a regency or city, or of every regency and city of a province."""
    return Office.objects.filter(Q(region=region) | Q(region__parent=region))


def today_rows(offices: QuerySet[Office], *, now: dt.datetime) -> QuerySet[OfficeDay]:
    """Today's office-days, each office's own local today (the zones' todays differ around
    midnight)."""
    import zoneinfo

    today = Q(pk__in=[])
    for zone in ZONE_LABELS:
        local = now.astimezone(zoneinfo.ZoneInfo(zone)).date()
        today |= Q(office__timezone=zone, date=local)
    return OfficeDay.objects.filter(today, office__in=offices)


def region_dashboard(
    *,
    user,
    region: Region,
    period: Period,
    now: dt.datetime | None = None,
    trend_sums: Collection[str] | None = None,
) -> AreaDashboard:
    """A province's or a regency's offices side by side. `trend_sums`: the sums each trend
    point needs (TREND_SUMS for the pages; None, every figure, for the API)."""
    permissions.require(permissions.can_see_region(user, region.pk))
    children = None
    if region.level == Region.Level.PROVINCE:
        children = Region.objects.filter(parent=region)
    return _area(
        region,
        offices_of_region(region),
        period,
        children=children,
        now=now,
        trend_sums=trend_sums,
    )


def nation_dashboard(
    *,
    user,
    period: Period,
    now: dt.datetime | None = None,
    trend_sums: Collection[str] | None = None,
) -> AreaDashboard:
    permissions.require(permissions.can_see_nation(user))
    provinces = Region.objects.filter(level=Region.Level.PROVINCE)
    return _area(
        None, Office.objects.all(), period, children=provinces, now=now, trend_sums=trend_sums
    )


def latest_today(now: dt.datetime) -> dt.date:
    """The latest local date anywhere in Indonesia at `now` (WIT's)."""
    import zoneinfo

    return max(now.astimezone(zoneinfo.ZoneInfo(zone)).date() for zone in ZONE_LABELS)


def reads_months(period: Period, *, now: dt.datetime) -> bool:
    """The period is whole calendar months (from a 1st to a month's end, or to today or
    later: no day after it holds figures yet), so it can be read from month rows."""
    return period.start.day == 1 and (
        period.end == month_end(period.end.replace(day=1)) or period.end >= latest_today(now)
    )


def months_and_edges(months: QuerySet, days: QuerySet, period: Period) -> list[QuerySet]:
    """A period of days as month rows for the calendar months wholly inside it and days for
    the rest (its first days before them, its last days after): 90 days read about 30 days
    of rows and two month rows per office instead of 90 days. Without a whole month inside,
    just the days."""
    first = period.start if period.start.day == 1 else next_month(period.start.replace(day=1))
    last = period.end.replace(day=1)
    if month_end(last) > period.end:
        last = previous_month(last)
    if first > last:
        return [_between(days, period.start, period.end)]
    edges = Q(pk__in=[])
    if period.start < first:
        edges |= Q(date__gte=period.start, date__lt=first)
    if month_end(last) < period.end:
        edges |= Q(date__gt=month_end(last), date__lte=period.end)
    return [_between(months, first, last), days.filter(edges)]


def _area(
    region: Region | None,
    offices: QuerySet[Office],
    period: Period,
    *,
    children: QuerySet[Region] | None,
    now: dt.datetime | None,
    trend_sums: Collection[str] | None,
) -> AreaDashboard:
    """Many offices side by side. Whole months (the IKM's always, the period's when it is
    whole months: the presets "this month", "last month", "this year", "12 months") are read
    from the monthly roll-up, 12 rows per office a year; other periods from office-days."""
    now = now or timezone.now()
    # The region only (its parent_id groups the nation by province): a join to the parents
    # would build 500 more Region objects per national page for nothing.
    office_list = list(offices.select_related("region").order_by("name"))
    months = OfficeMonth.objects.all()
    days = OfficeDay.objects.all()
    if region is not None:
        months, days = months.filter(office__in=offices), days.filter(office__in=offices)
    ikm_start, ikm_end = ikm_months(period)
    whole_months = _between(months, ikm_start, ikm_end)
    monthly = reads_months(period, now=now)
    # Read from month rows, the period is exactly the IKM's months: one query gives both.
    in_period = whole_months if monthly else _between(days, period.start, period.end)
    if monthly:
        by_office = figures_by(in_period, "office")
    else:
        # Over days, no IKM: the answers' sums are not read (the offices' IKM come from
        # months), and the whole months inside the period are read from month rows.
        by_office = figures_by_union(
            months_and_edges(months, days, period), "office", sums=SUMS_WITHOUT_SURVEY
        )
    ikm_by_office = by_office if monthly else figures_by(whole_months, "office")
    by_month = figures_by(whole_months, "month")
    ikm = figures_of(whole_months)
    # Office-days: the totals add up the offices' figures instead of reading the days again.
    totals = ikm if monthly else figures_sum(by_office.values(), office_rows=True)
    # Per month over whole months: the IKM's month rows are the trend.
    monthly_trend = trend_unit(period) == "month" and monthly
    trend = by_month if monthly_trend else _trend(in_period, period, sums=trend_sums)
    today = today_rows(offices, now=now)
    today_by_office = figures_by(today, "office", ikm=False)
    waiting = waiting_by_office(offices=office_list, now=now)
    empty = Figures()
    lines = [
        OfficeLine(
            office=office,
            figures=by_office.get(office.pk, empty),
            ikm=ikm_by_office.get(office.pk, empty),
            today=today_by_office.get(office.pk, empty),
            waiting=waiting.get(office.pk, 0),
        )
        for office in office_list
    ]
    areas = []
    if children is not None:
        areas = _area_lines(children, by_office, whole_months, office_list, monthly=monthly)
    return AreaDashboard(
        region=region,
        period=period,
        offices=office_list,
        totals=totals,
        trend_unit=trend_unit(period),
        trend_points=trend_points(period),
        trend=trend,
        ikm_start=ikm_start,
        ikm_end=ikm_end,
        ikm=ikm,
        by_month=by_month,
        lines=lines,
        areas=areas,
        today=figures_of(today, ikm=False),
    )


def _area_lines(
    children: QuerySet[Region],
    by_office: dict[int, Figures],
    whole_months: QuerySet,
    offices: list[Office],
    *,
    monthly: bool,
) -> list[AreaLine]:
    """Per child region: a province's regencies and cities, or the nation's provinces (whose
    offices sit in their regencies: grouped by the office's region's parent; an office placed
    in a province itself is in no province's line, only in the offices' table).

    The period's figures add up the offices' (`by_office`) unless the period is whole months,
    where one query on month rows gives them with the IKM; the IKM always comes from month
    rows grouped by region (its month rule needs each month's responses)."""
    regions = list(children.order_by("code"))
    if not regions:
        return []
    nation = regions[0].level == Region.Level.PROVINCE
    path = "office__region__parent" if nation else "office__region"
    ikm = figures_by(whole_months, path)
    members: dict[int, list[Office]] = {}
    for office in offices:
        region_id = office.region.parent_id if nation else office.region_id
        members.setdefault(region_id, []).append(office)
    if monthly:
        figures = ikm
    else:
        figures = {
            region_id: figures_sum(
                (by_office[office.pk] for office in group if office.pk in by_office),
                office_rows=True,
            )
            for region_id, group in members.items()
        }
    empty = Figures()
    return [
        AreaLine(
            region=region,
            offices=len(members[region.pk]),
            figures=figures.get(region.pk, empty),
            ikm=ikm.get(region.pk, empty),
        )
        for region in regions
        if members.get(region.pk)
    ]
