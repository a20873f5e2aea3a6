"""Totals over roll-up rows: sums, shares, percentiles from the summed histogram (exact for
one row), the IKM under the anonymity rules, grouping, and the number of queries."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from antrean.stats.figures import (
    MONTH_COLUMNS_MAX,
    Figures,
    figures_by,
    figures_of,
    figures_sum,
)
from antrean.stats.models import SURVEY_SUM_FIELDS, OfficeDay, ServiceDay
from antrean.testing.factories import make_agency, make_office, make_region, make_service

pytestmark = pytest.mark.django_db

JAN = dt.date(2025, 1, 1)
FEB = dt.date(2025, 2, 1)


def survey(responses: int, answer: int) -> dict:
    """`responses` answers of `answer` to every element."""
    return {"survey_responses": responses, **dict.fromkeys(SURVEY_SUM_FIELDS, responses * answer)}


def office_day(office, date, **values) -> OfficeDay:
    return OfficeDay.objects.create(office=office, date=date, **values)


def service_day(service, date, **values) -> ServiceDay:
    return ServiceDay.objects.create(
        office=service.office, agency=service.agency, service=service, date=date, **values
    )


@pytest.fixture
def office():
    return make_office()


def test_nothing_adds_up_to_zero_without_figures(office):
    figures = figures_of(OfficeDay.objects.filter(office=office))

    assert figures.rows == 0
    assert (figures.tickets, figures.served, figures.officers_pledged) == (0, 0, 0)
    assert (figures.wait_p50_s, figures.wait_mean_s, figures.no_show_rate) == (None, None, None)
    assert (figures.pledged_call_share, figures.ikm, figures.ikm_withheld) == (None, None, False)


def test_sums_shares_and_means(office):
    office_day(
        office, JAN, tickets_online=6, tickets_walkin=4, served=7, no_shows=2, cancelled=1,
        wait_count=7, wait_sum_s=4200, service_count=7, service_sum_s=2100, pacts_citizen=10,
        calls=9, calls_pledged=9, audit_flags=1, officers_pledged=3, reports_received=1,
    )  # fmt: skip
    office_day(
        office, JAN + dt.timedelta(days=1), tickets_online=2, tickets_walkin=8, served=8,
        no_shows=0, wait_count=8, wait_sum_s=1800, service_count=8, service_sum_s=2700,
        pacts_citizen=10, calls=11, calls_pledged=7, officers_pledged=2,
        reports_closed_substantiated=1, reports_closed_referred=1,
    )  # fmt: skip

    figures = figures_of(OfficeDay.objects.filter(office=office))

    assert figures.rows == 2
    assert (figures.tickets_online, figures.tickets_walkin, figures.tickets) == (8, 12, 20)
    assert (figures.served, figures.no_shows, figures.cancelled) == (15, 2, 1)
    assert figures.no_show_rate == Fraction(2, 20)
    assert figures.online_share == Fraction(8, 20)
    assert figures.wait_mean_s == 400  # 6000 s over 15 waits
    assert figures.service_mean_s == 320  # 4800 s over 15 services
    assert figures.pledged_call_share == Fraction(16, 20)
    assert (figures.pacts_citizen, figures.audit_flags, figures.officers_pledged) == (20, 1, 5)
    assert (figures.reports_received, figures.reports_closed) == (1, 2)


def test_one_row_keeps_its_exact_percentiles_and_many_read_the_histogram(office):
    first = office_day(
        office, JAN, wait_count=3, wait_p50_s=200, wait_p90_s=290, service_p50_s=600,
        wait_h1=3,  # three waits in [2, 5) minutes
    )  # fmt: skip
    office_day(office, JAN + dt.timedelta(days=1), wait_count=1, wait_h3=1)  # [10, 15)

    one = figures_of(OfficeDay.objects.filter(pk=first.pk))
    both = figures_of(OfficeDay.objects.filter(office=office))

    assert (one.wait_p50_s, one.wait_p90_s, one.service_p50_s) == (200, 290, 600)
    # Four waits: the median is the 2nd, two thirds into [2, 5) → 4 minutes; the p90 (3.6th)
    # falls 60% into [10, 15) → 13 minutes.
    assert both.wait_histogram[:4] == (0, 3, 0, 1)
    assert (both.wait_p50_s, both.wait_p90_s, both.service_p50_s) == (240, 780, None)


def test_service_days_carry_no_office_figures(office):
    service = make_service(office)
    service_day(service, JAN, tickets_walkin=3)

    figures = figures_of(ServiceDay.objects.filter(office=office))

    assert figures.tickets_walkin == 3
    assert (figures.officers_pledged, figures.reports_received, figures.reports_closed) == (
        None,
        None,
        None,
    )


def test_the_ikm_needs_five_responses(office):
    office_day(office, JAN, **survey(4, 3))
    four = figures_of(OfficeDay.objects.filter(office=office))
    office_day(office, JAN + dt.timedelta(days=1), **survey(1, 4))
    five = figures_of(OfficeDay.objects.filter(office=office))

    assert (four.survey_responses, four.ikm, four.ikm_withheld) == (4, None, True)
    # Each element: (4 × 3 + 4) / 5 = 3.2; IKM = 25 × 3.2 = 80.00, grade B.
    assert (five.survey_responses, five.ikm, five.grade.letter) == (5, Decimal("80.00"), "B")
    assert five.ikm_withheld is False


def test_no_ikm_when_a_month_holds_one_to_four_responses(office):
    office_day(office, JAN, **survey(10, 4))
    office_day(office, FEB, **survey(2, 1))
    rows = OfficeDay.objects.filter(office=office)

    both = figures_of(rows)
    january = figures_of(rows.filter(date__lt=FEB))

    assert (both.survey_responses, both.ikm, both.thin_month, both.ikm_withheld) == (
        12,
        None,
        True,
        True,
    )
    assert (january.ikm, january.thin_month) == (Decimal("100.00"), False)


def test_figures_by_office_month_date_and_service():
    badung = make_office(region=make_region("51.03", "Kabupaten Badung"))
    gianyar = make_office(region=make_region("51.04", "Kabupaten Gianyar"))
    office_day(badung, JAN, served=3, **survey(6, 4))
    office_day(badung, FEB, served=4, **survey(3, 4))  # a thin month for Badung
    office_day(gianyar, JAN, served=5, **survey(5, 2))
    rows = OfficeDay.objects.all()

    by_office = figures_by(rows, "office")
    by_month = figures_by(rows, "month")
    by_date = figures_by(rows, "date")
    by_region = figures_by(rows, "office__region")

    assert list(by_office) == sorted([badung.pk, gianyar.pk])
    assert (by_office[badung.pk].served, by_office[badung.pk].ikm) == (7, None)
    assert by_office[badung.pk].thin_month is True
    assert (by_office[gianyar.pk].served, by_office[gianyar.pk].ikm) == (5, Decimal("50.00"))
    assert list(by_month) == [JAN, FEB]
    # January: 6 × 4 and 5 × 2 → (24 + 10) / 11 per element; 25 × 34/11 = 77.27.
    assert (by_month[JAN].served, by_month[JAN].ikm) == (8, Decimal("77.27"))
    assert (by_month[FEB].ikm, by_month[FEB].thin_month) == (None, True)
    assert list(by_date) == [JAN, FEB]
    assert by_date[JAN].ikm is None and by_date[JAN].ikm_withheld  # never per day
    assert {region: f.served for region, f in by_region.items()} == {
        badung.region_id: 7,
        gianyar.region_id: 5,
    }

    agency = make_agency(badung)
    one, two = make_service(agency=agency), make_service(agency=agency)
    service_day(one, JAN, served=2)
    service_day(two, JAN, served=1)
    service_day(two, FEB, served=1)
    by_service = figures_by(ServiceDay.objects.all(), "service")
    assert {key: f.served for key, f in by_service.items()} == {one.pk: 2, two.pk: 2}
    assert figures_by(ServiceDay.objects.all(), "agency")[agency.pk].served == 4


def test_figures_summed_in_python_equal_the_sql_totals_of_the_same_rows():
    badung, gianyar = make_office(), make_office()
    office_day(
        badung, JAN, tickets_online=5, served=4, wait_count=4, wait_sum_s=900, wait_h1=3,
        wait_h4=1, service_count=4, service_sum_s=1200, calls=4, calls_pledged=3,
        officers_pledged=2, reports_received=1, **survey(6, 3),
    )  # fmt: skip
    office_day(badung, FEB, tickets_walkin=2, served=2, wait_count=2, wait_h2=2, no_shows=1)
    office_day(
        gianyar, JAN, tickets_online=1, served=1, wait_count=1, wait_p50_s=300, wait_p90_s=300,
        wait_h2=1, reports_closed_referred=1, audit_flags=2, **survey(2, 4),
    )  # fmt: skip
    rows = OfficeDay.objects.all()

    summed = figures_sum(figures_by(rows, "office", ikm=False).values(), office_rows=True)

    assert summed == figures_of(rows, ikm=False)
    assert (summed.served, summed.reports_closed, summed.officers_pledged) == (7, 1, 2)
    assert summed.wait_histogram == figures_of(rows).wait_histogram
    # One row keeps its exact percentiles; nothing sums to zero figures; service-days have no
    # office figures.
    one = figures_by(rows.filter(office=gianyar), "office", ikm=False).values()
    assert figures_sum(one, office_rows=True) == figures_of(rows.filter(office=gianyar), ikm=False)
    assert figures_sum([], office_rows=True) == figures_of(rows.none(), ikm=False)
    service = make_service(badung)
    service_day(service, JAN, served=3, wait_count=3, wait_h0=3)
    service_day(service, FEB, served=1)
    services = ServiceDay.objects.all()
    by_date = figures_by(services, "date").values()
    assert figures_sum(by_date, office_rows=False) == figures_of(services, ikm=False)


def test_one_aggregate_query_with_the_month_rule_in_it(office, django_assert_num_queries):
    for day in range(20):
        office_day(office, JAN + dt.timedelta(days=day), served=1)
    office_day(office, FEB, **survey(5, 3))
    rows = OfficeDay.objects.filter(office=office)

    # The sums, and the months they span (an index-only MIN/MAX) for the per-month columns.
    with django_assert_num_queries(2):
        assert figures_of(rows).ikm == Decimal("75.00")
    with django_assert_num_queries(2):
        assert figures_by(rows, "office")[office.pk].ikm == Decimal("75.00")
    with django_assert_num_queries(1):
        assert len(figures_by(rows, "date")) == 21
    with django_assert_num_queries(1):
        assert figures_by(rows, "month")[FEB].ikm == Decimal("75.00")
    with django_assert_num_queries(1):
        figures = figures_of(rows, ikm=False)
        assert (figures.served, figures.ikm) == (20, None)


def test_a_span_of_many_months_reads_the_month_rule_in_a_second_query(
    office, django_assert_num_queries
):
    for month in range(MONTH_COLUMNS_MAX + 1):
        office_day(office, dt.date(2020 + month // 12, month % 12 + 1, 1), **survey(5, 4))
    rows = OfficeDay.objects.filter(office=office)
    with django_assert_num_queries(3):
        assert figures_of(rows).ikm == Decimal("100.00")

    office_day(office, dt.date(2020, 1, 2), **survey(1, 4))  # January 2020: 6 responses
    office_day(office, dt.date(2022, 6, 15), **survey(2, 4))  # a thin month in the middle
    with django_assert_num_queries(3):
        figures = figures_of(rows)
    assert (figures.ikm, figures.thin_month) == (None, True)
    by_office = figures_by(rows, "office")[office.pk]
    assert (by_office.ikm, by_office.thin_month) == (None, True)


def test_figures_are_frozen():
    with pytest.raises(AttributeError):
        Figures().served = 1  # type: ignore[misc]
