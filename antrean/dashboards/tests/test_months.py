"""The monthly roll-up: each month row is exactly its office-days, refreshed after any change
to them, and a region read from month rows equals the same region read from days."""

import dataclasses
import datetime as dt

import pytest
from django.utils import timezone

from antrean.dashboards.models import OfficeMonth
from antrean.dashboards.months import office_months_refresh, office_months_refresh_due
from antrean.dashboards.periods import Period
from antrean.dashboards.selectors import reads_months, region_dashboard
from antrean.dashboards.tests.world import DAY, NOW, add_day, add_office_figures, make_world
from antrean.stats.figures import figures_of
from antrean.stats.models import OfficeDay

pytestmark = pytest.mark.django_db

NOVEMBER = dt.date(2026, 11, 1)


@pytest.fixture
def world():
    world = make_world()
    add_day(world.ktp, DAY, online=10, walkin=5, served=12, waits=(60, 300, 900), surveys=(3,) * 5)
    add_day(world.ktp, DAY + dt.timedelta(days=3), online=4, served=3, waits=(120,))
    add_day(world.stnk, dt.date(2026, 10, 30), walkin=6, served=6, waits=(1200,))
    add_office_figures(world.office, DAY, officers_pledged=3, reports_received=1)
    return world


def test_a_month_row_holds_the_sums_of_its_days(world):
    assert office_months_refresh_due() == 2  # Badung's October and November; Sidoarjo has none
    november = OfficeMonth.objects.get(office=world.office, date=NOVEMBER)
    days = figures_of(OfficeDay.objects.filter(office=world.office, date__month=11))
    months = figures_of(OfficeMonth.objects.filter(office=world.office, date=NOVEMBER))
    assert months == dataclasses.replace(days, rows=1)
    assert (november.tickets_online, november.served, november.officers_pledged) == (14, 15, 3)
    assert november.wait_count == 4 and november.survey_responses == 5


def test_changed_days_are_folded_in_at_the_next_refresh_and_only_they(world):
    office_months_refresh_due()
    # The days were written an hour before the refresh (outside its overlap); then a late
    # change to a November day.
    OfficeDay.objects.update(updated_at=timezone.now() - dt.timedelta(hours=1))
    october = OfficeMonth.objects.get(office=world.office, date=dt.date(2026, 10, 1))
    add_day(world.kk, DAY, online=2, served=2)
    assert office_months_refresh_due() == 1
    assert OfficeMonth.objects.get(office=world.office, date=NOVEMBER).tickets_online == 16
    assert OfficeMonth.objects.get(pk=october.pk).updated_at == october.updated_at


def test_a_month_without_days_loses_its_row(world):
    office_months_refresh_due()
    OfficeDay.objects.filter(date__month=10).delete()
    office_months_refresh(month=dt.date(2026, 10, 1))
    assert not OfficeMonth.objects.filter(date=dt.date(2026, 10, 1)).exists()
    assert OfficeMonth.objects.filter(date=NOVEMBER).exists()


def test_whole_months_are_recognised(world):
    now = dt.datetime(2026, 12, 5, 4, tzinfo=dt.UTC)
    assert reads_months(Period(dt.date(2026, 1, 1), dt.date(2026, 11, 30)), now=now)
    assert reads_months(Period(dt.date(2026, 12, 1), dt.date(2026, 12, 5)), now=now)
    assert not reads_months(Period(dt.date(2026, 12, 1), dt.date(2026, 12, 4)), now=now)
    assert not reads_months(Period(dt.date(2026, 11, 2), dt.date(2026, 11, 30)), now=now)


def test_a_region_reads_the_same_from_months_and_from_days(world):
    office_months_refresh_due()
    whole = Period(dt.date(2026, 10, 1), dt.date(2026, 11, 30))
    from_months = region_dashboard(user=world.national, region=world.bali, period=whole)
    # The same days, without the month rows (as a period that is not whole months reads).
    OfficeMonth.objects.all().delete()
    office_months_refresh(month=dt.date(2026, 9, 1))  # nothing
    from_days = region_dashboard(
        user=world.national, region=world.bali, period=whole, now=timezone.now()
    )
    assert from_months.totals.tickets == 25 and from_days.totals.tickets == 0
    office_months_refresh_due()
    again = region_dashboard(user=world.national, region=world.bali, period=whole)
    assert again.totals == from_months.totals
    assert again.lines[0].figures == from_months.lines[0].figures


def test_a_period_of_days_adds_up_its_offices_as_the_days_themselves_would(world):
    """Over a period that is not whole months, the totals and each province's line are summed
    from the offices' figures: they equal what the office-days give when read directly."""
    from antrean.dashboards.selectors import nation_dashboard
    from antrean.stats.figures import figures_by

    add_day(world.other_ktp, DAY, online=7, walkin=1, served=6, waits=(30, 45, 2000))
    add_office_figures(world.other, DAY + dt.timedelta(days=1), officers_pledged=2)
    office_months_refresh_due()
    period = Period(dt.date(2026, 10, 15), dt.date(2026, 11, 20))
    dashboard = nation_dashboard(user=world.national, period=period, now=NOW)
    days = OfficeDay.objects.filter(date__gte=period.start, date__lte=period.end)

    # The answers' sums are not read over days (no IKM): (), not zeros.
    assert dashboard.totals == dataclasses.replace(figures_of(days, ikm=False), survey_totals=())
    assert dashboard.totals.tickets == 33 and dashboard.totals.officers_pledged == 5
    by_province = figures_by(days, "office__region__parent", ikm=False)
    assert {area.region.code: area.figures for area in dashboard.areas} == {
        "51": dataclasses.replace(by_province[world.bali.pk], survey_totals=()),
        "35": dataclasses.replace(by_province[world.jatim.pk], survey_totals=()),
    }


@pytest.mark.parametrize(
    ("start", "end", "reads"),
    [
        (dt.date(2026, 9, 7), dt.date(2026, 12, 5), 2),  # "90 days": Oct and Nov whole, 2 edges
        (dt.date(2026, 10, 1), dt.date(2026, 11, 20), 2),  # Oct whole from its first, 1 edge
        (dt.date(2026, 9, 20), dt.date(2026, 10, 31), 2),  # ends on a month's last day
        (dt.date(2026, 10, 2), dt.date(2026, 10, 30), 1),  # no whole month: days only
    ],
)
def test_whole_months_inside_a_period_of_days_are_read_from_month_rows_with_the_same_figures(
    start, end, reads
):
    """A period of days reads the months wholly inside it from month rows and its edges from
    office-days; each office's figures (and so the totals and the provinces' lines) are what
    the office-days alone give. Only `rows` differs: a month row is one row."""
    from antrean.dashboards.selectors import months_and_edges, nation_dashboard
    from antrean.dashboards.tests.world import fill_days
    from antrean.stats.figures import SUMS_WITHOUT_SURVEY, figures_by, figures_by_union

    world = make_world()
    fill_days(world, dt.date(2026, 9, 1), 96)
    office_months_refresh_due()
    period = Period(start, end)
    days = OfficeDay.objects.filter(date__gte=start, date__lte=end)
    parts = months_and_edges(OfficeMonth.objects.all(), OfficeDay.objects.all(), period)
    assert len(parts) == reads

    direct = figures_by(days, "office", ikm=False, sums=SUMS_WITHOUT_SURVEY)
    union = figures_by_union(parts, "office", sums=SUMS_WITHOUT_SURVEY)
    assert direct.keys() == union.keys() == {world.office.pk, world.other.pk}
    for office_id, figures in union.items():
        assert figures.served > 0 and figures.wait_p90_s is not None
        assert figures.survey_totals == ()  # not read, not zeros
        assert dataclasses.replace(figures, rows=0) == dataclasses.replace(
            direct[office_id], rows=0
        )
    dashboard = nation_dashboard(user=world.national, period=period, now=NOW)
    expected = figures_of(days, ikm=False)
    for name in (
        "tickets",
        "served",
        "wait_histogram",
        "wait_p50_s",
        "wait_p90_s",
        "service_mean_s",
        "officers_pledged",
        "reports_received",
        "survey_responses",
    ):
        assert getattr(dashboard.totals, name) == getattr(expected, name), name


def test_the_pages_trend_reads_only_its_counts_and_shows_what_every_sum_would():
    """The pages read a trend point's counts only (TREND_SUMS); every trend table and chart
    they make is the same as from every sum (a column added to the trend needs its sum)."""
    from antrean.dashboards.content import area_content, ranking_from_query
    from antrean.dashboards.selectors import TREND_SUMS, nation_dashboard
    from antrean.dashboards.tests.world import fill_days

    world = make_world()
    fill_days(world, dt.date(2026, 10, 20), 40)
    office_months_refresh_due()
    period = Period(dt.date(2026, 10, 25), dt.date(2026, 11, 25))

    def tables(trend_sums):
        dashboard = nation_dashboard(
            user=world.national, period=period, now=NOW, trend_sums=trend_sums
        )
        content = area_content(dashboard, ranking=ranking_from_query({}), charts_on=False)
        # (Charts draw from the same rows; pygal's SVG holds a random id, so not compared.)
        return {section.table.slug: section.table.rows for section in content.sections}

    light, full = tables(TREND_SUMS), tables(None)
    assert light == full
    assert len(light["antrean"]) == period.days and any(row[4] for row in light["antrean"])
