"""Reads for the public transparency pages: what anyone may see of how an office keeps its
promises, from the roll-ups (and today's live queue), never a person.

Small numbers: a figure that describes what people experienced (a waiting time) is shown
only when at least `PUBLIC_MIN` people are behind it; the IKM follows the survey's own rules
(docs/ikm.md), over the last calendar quarter whose survey is closed (every invitation of it
has expired), so the published value never changes after it is first shown and two visits
cannot be subtracted to isolate a late answer.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.functional import Promise

from antrean.feedback.models import ANONYMITY_MIN, INVITATION_DAYS
from antrean.feedback.periods import PERIODS, period_dates, previous_quarter
from antrean.stats.figures import Figures, figures_by, figures_of
from antrean.stats.live import OfficeLive, office_live, waiting_by_office
from antrean.stats.models import OfficeDay
from antrean.tenancy.models import Office

# A waiting time (median, p90) is published from this many measured waits.
PUBLIC_MIN = ANONYMITY_MIN


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    label: str | Promise = ""


def month_to_date(today: dt.date) -> Period:
    return Period(today.replace(day=1), today)


def year_to_date(today: dt.date) -> Period:
    return Period(today.replace(month=1, day=1), today)


def closed_quarter(today: dt.date) -> Period:
    """The last calendar quarter whose survey is closed on `today`: it ended more than
    INVITATION_DAYS ago, so no answer can still come for it."""
    key, year = previous_quarter(today - dt.timedelta(days=INVITATION_DAYS))
    start, end = period_dates(key, year)
    return Period(start, end, f"{PERIODS[key][0]} {year}")


def public_wait(seconds: int | None, count: int) -> int | None:
    """A waiting time as the public pages show it: only from PUBLIC_MIN waits."""
    return seconds if count >= PUBLIC_MIN else None


@dataclass(frozen=True)
class OfficeTransparency:
    office: Office
    live: OfficeLive
    month: Period
    month_figures: Figures
    quarter: Period
    quarter_figures: Figures  # the IKM's
    year: Period
    year_figures: Figures  # the reports'

    @property
    def today_wait_p50_s(self) -> int | None:
        return public_wait(self.live.wait_p50_s, self.live.wait_count)

    @property
    def month_wait_p50_s(self) -> int | None:
        return public_wait(self.month_figures.wait_p50_s, self.month_figures.wait_count)

    @property
    def month_wait_p90_s(self) -> int | None:
        return public_wait(self.month_figures.wait_p90_s, self.month_figures.wait_count)

    @property
    def services(self) -> list:
        """Today's queue of each service that has tickets today, with its median wait only
        from PUBLIC_MIN waits."""
        return [
            {"row": row, "wait_p50_s": public_wait(row.wait_p50_s, row.wait_count)}
            for row in self.live.services
            if row.waiting or row.serving or row.done or row.wait_count
        ]


def _office_days(office: Office, period: Period) -> QuerySet[OfficeDay]:
    return OfficeDay.objects.filter(office=office, date__range=(period.start, period.end))


def office_transparency(*, office: Office, now: dt.datetime) -> OfficeTransparency:
    today = office.local_today(now)
    month, quarter, year = month_to_date(today), closed_quarter(today), year_to_date(today)
    return OfficeTransparency(
        office=office,
        live=office_live(office=office, now=now),
        month=month,
        month_figures=figures_of(_office_days(office, month), ikm=False),
        quarter=quarter,
        quarter_figures=figures_of(_office_days(office, quarter)),
        year=year,
        year_figures=figures_of(_office_days(office, year), ikm=False),
    )


def public_office(*, code: str) -> Office | None:
    return Office.objects.filter(code=code, is_active=True).select_related("region__parent").first()


@dataclass(frozen=True)
class IndexRow:
    office: Office
    waiting: int
    served_month: int
    quarter: Period
    quarter_figures: Figures | None


def _by_period(
    offices: Iterable[Office], period_of, now: dt.datetime
) -> tuple[Q, dict[int, Period]]:
    """One OR'd condition selecting each office's own period (offices in different zones may
    be on different days), and the period of each office."""
    groups: dict[tuple[dt.date, dt.date], list[int]] = defaultdict(list)
    periods = {}
    for office in offices:
        period = period_of(office.local_today(now))
        periods[office.pk] = period
        groups[(period.start, period.end)].append(office.pk)
    condition = Q(pk__in=[])
    for (start, end), ids in groups.items():
        condition |= Q(office_id__in=ids, date__range=(start, end))
    return condition, periods


def transparency_index(*, now: dt.datetime) -> list[IndexRow]:
    """Every active office with its region, today's waiting, this month's served and the
    IKM of its last closed quarter: five queries whatever the number of offices."""
    offices = list(
        Office.objects.filter(is_active=True).select_related("region__parent").order_by("name")
    )
    waiting = waiting_by_office(offices=offices, now=now)
    month_condition, _months = _by_period(offices, month_to_date, now)
    served = figures_by(OfficeDay.objects.filter(month_condition), "office", ikm=False)
    quarter_condition, quarters = _by_period(offices, closed_quarter, now)
    ikm = figures_by(OfficeDay.objects.filter(quarter_condition), "office")
    return [
        IndexRow(
            office=office,
            waiting=waiting.get(office.pk, 0),
            served_month=served[office.pk].served if office.pk in served else 0,
            quarter=quarters[office.pk],
            quarter_figures=ikm.get(office.pk),
        )
        for office in offices
    ]
