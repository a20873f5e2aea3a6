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

    assert dashboard.totals == figures_of(days, ikm=False)
    assert dashboard.totals.tickets == 33 and dashboard.totals.officers_pledged == 5
    by_province = figures_by(days, "office__region__parent", ikm=False)
    assert {area.region.code: area.figures for area in dashboard.areas} == {
        "51": by_province[world.bali.pk],
        "35": by_province[world.jatim.pk],
    }
