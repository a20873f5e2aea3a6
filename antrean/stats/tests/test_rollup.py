"""The daily roll-up: exact counts and percentiles worked out by hand, idempotence, late
changes, stale rows, erasure, the worker's job and the backfill command."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict

from antrean.core.management.commands import worker
from antrean.feedback.models import SurveyResponse
from antrean.privacy.services import personal_data_erase_expired
from antrean.queueing.services import ticket_finish
from antrean.stats.models import (
    SURVEY_SUM_FIELDS,
    WAIT_BUCKET_FIELDS,
    WAIT_BUCKETS,
    OfficeDay,
    ServiceDay,
    percentile_from_histogram,
    wait_bucket,
)
from antrean.stats.rollup import (
    LATE_ANSWER_DAYS,
    active_dates,
    exact_percentile,
    office_day_rollup,
    rollup_recent,
)
from antrean.stats.tests.day import DAY, answer, at, build_day
from antrean.tenancy.models import OpeningHours
from antrean.testing.factories import (
    make_office,
    make_officer,
    make_service,
    make_walk_in,
    sign_officer_pact,
)

pytestmark = pytest.mark.django_db


def histogram(**buckets) -> dict:
    """All bucket fields, zero unless given (`h3=2`)."""
    values = dict.fromkeys(WAIT_BUCKET_FIELDS, 0)
    for name, count in buckets.items():
        values[f"wait_{name}"] = count
    return values


def sums(value: int) -> dict:
    return dict.fromkeys(SURVEY_SUM_FIELDS, value)


def figures(row) -> dict:
    data = model_to_dict(row)
    for name in ("id", "updated_at"):
        data.pop(name, None)
    return data


@pytest.fixture
def day():
    return build_day()


def test_a_day_rolls_up_to_the_figures_worked_out_by_hand(day):
    result = office_day_rollup(office=day.office, date=DAY, now=day.evening)

    assert (result.services, result.deleted, result.office_day) == (3, 0, True)
    rows = {row.service_id: row for row in ServiceDay.objects.filter(office=day.office)}
    assert set(rows) == {day.a.pk, day.b.pk, day.c.pk}

    # A: t1–t6 and u1 (transferred in, counted where it ended).
    # Waits (first calls in A): t1 600, t2 1380, t3 1500, t4 600 → sorted 600 600 1380 1500:
    # p50 is the 2nd (600), p90 the 4th (1500). 600 s = 10 min is bucket [10, 15) (h3);
    # 1380 s = 23 min and 1500 s = 25 min are [20, 30) (h5).
    # Service: t1 900, t2 300, t4 300, u1 1200 → sorted 300 300 900 1200: p50 the 2nd (300).
    # Calls: t1, t2, t3, t4 and u1's second call, all by the officer who pledged at 07:30.
    a = rows[day.a.pk]
    assert figures(a) == {
        "office": day.office.pk,
        "agency": day.agency.pk,
        "service": day.a.pk,
        "date": DAY,
        "tickets_online": 3,
        "tickets_walkin": 4,
        "served": 4,
        "no_shows": 2,
        "cancelled": 1,
        "wait_count": 4,
        "wait_sum_s": 4080,
        "wait_p50_s": 600,
        "wait_p90_s": 1500,
        "service_count": 4,
        "service_sum_s": 2700,
        "service_p50_s": 300,
        "pacts_citizen": 7,
        "calls": 5,
        "calls_pledged": 5,
        "survey_responses": 3,
        "audit_flags": 1,
        **histogram(h3=2, h5=2),
        **sums(10),  # 4 + 3 + 3 for every element
    }

    # B: only v1 is still B's. Waits: u1's first call 180 s (3 min, h1) and v1's 1800 s
    # (30 min, h6): p50 the 1st (180), p90 the 2nd (1800). v1's call was by an officer who
    # pledged only at 13:00: one call of two pledged.
    b = rows[day.b.pk]
    assert figures(b) == {
        "office": day.office.pk,
        "agency": day.agency.pk,
        "service": day.b.pk,
        "date": DAY,
        "tickets_online": 0,
        "tickets_walkin": 1,
        "served": 0,
        "no_shows": 0,
        "cancelled": 0,
        "wait_count": 2,
        "wait_sum_s": 1980,
        "wait_p50_s": 180,
        "wait_p90_s": 1800,
        "service_count": 0,
        "service_sum_s": 0,
        "service_p50_s": None,
        "pacts_citizen": 1,
        "calls": 2,
        "calls_pledged": 1,
        "survey_responses": 1,
        "audit_flags": 0,
        **histogram(h1=1, h6=1),
        **sums(2),
    }

    # C: one survey answer, nothing else (the answer of the next day is not this day's).
    c = rows[day.c.pk]
    assert (c.survey_responses, c.u1_sum, c.u9_sum, c.tickets_online, c.calls) == (1, 4, 4, 0, 0)
    assert (c.wait_p50_s, c.wait_p90_s, c.service_p50_s) == (None, None, None)

    # The office: the sums, with its own exact percentiles over all six waits
    # (180 600 600 1380 1500 1800: p50 the 3rd, p90 the 6th), both flags (one without a
    # ticket), both officers, and the reports by their chained steps that day.
    office_day = OfficeDay.objects.get(office=day.office, date=DAY)
    assert figures(office_day) == {
        "office": day.office.pk,
        "date": DAY,
        "tickets_online": 3,
        "tickets_walkin": 5,
        "served": 4,
        "no_shows": 2,
        "cancelled": 1,
        "wait_count": 6,
        "wait_sum_s": 6060,
        "wait_p50_s": 600,
        "wait_p90_s": 1800,
        "service_count": 4,
        "service_sum_s": 2700,
        "service_p50_s": 300,
        "pacts_citizen": 8,
        "calls": 7,
        "calls_pledged": 6,
        "survey_responses": 5,
        "audit_flags": 2,
        **histogram(h1=1, h3=2, h5=2, h6=1),
        **sums(16),
        "officers_pledged": 2,
        "reports_received": 1,
        "reports_closed_substantiated": 1,
        "reports_closed_not_substantiated": 0,
        "reports_closed_referred": 1,
    }


def test_the_office_day_is_the_sum_of_its_service_days_except_what_is_the_offices(day):
    office_day_rollup(office=day.office, date=DAY, now=day.evening)
    office_day = OfficeDay.objects.get(office=day.office, date=DAY)
    rows = list(ServiceDay.objects.filter(office=day.office, date=DAY))
    for name in ("tickets_online", "served", "calls", "wait_sum_s", *WAIT_BUCKET_FIELDS):
        assert getattr(office_day, name) == sum(getattr(row, name) for row in rows), name


def test_twice_gives_the_same_rows(day):
    office_day_rollup(office=day.office, date=DAY, now=day.evening)
    first = {row.pk: figures(row) for row in ServiceDay.objects.all()}
    first_office = figures(OfficeDay.objects.get())

    result = office_day_rollup(office=day.office, date=DAY, now=day.evening)

    assert result.deleted == 0
    assert {row.pk: figures(row) for row in ServiceDay.objects.all()} == first
    assert figures(OfficeDay.objects.get()) == first_office


def test_a_ticket_finished_after_a_roll_up_is_counted_at_the_next():
    day = build_day(finish_t1=False)
    office_day_rollup(office=day.office, date=DAY, now=at(day.office, 9, 20))
    row = ServiceDay.objects.get(service=day.a)
    assert (row.served, row.service_count, row.wait_count, row.calls) == (0, 0, 1, 1)

    ticket_finish(
        ticket_id=day.t1.pk, counter=day.counter_a, officer=day.officer, now=at(day.office, 9, 25)
    )
    office_day_rollup(office=day.office, date=DAY, now=at(day.office, 9, 30))

    row.refresh_from_db()
    assert (row.served, row.service_count, row.service_sum_s, row.service_p50_s) == (
        1,
        1,
        900,
        900,
    )
    assert OfficeDay.objects.get(office=day.office).served == 1


def test_a_service_without_activity_any_more_loses_its_row(day):
    office_day_rollup(office=day.office, date=DAY, now=day.evening)
    assert ServiceDay.objects.filter(service=day.c).exists()

    SurveyResponse.objects.filter(service=day.c).delete()
    result = office_day_rollup(office=day.office, date=DAY, now=day.evening)

    assert result.deleted == 1
    assert not ServiceDay.objects.filter(service=day.c).exists()
    assert OfficeDay.objects.get(office=day.office).survey_responses == 4


def test_a_day_without_activity_has_no_rows_and_a_day_not_begun_none_either():
    office = make_office()
    make_service(office)
    quiet = dt.date(2030, 3, 5)

    result = office_day_rollup(office=office, date=quiet, now=at(office, 20, day=quiet))

    assert (result.services, result.office_day) == (0, False)
    assert not ServiceDay.objects.exists()
    assert not OfficeDay.objects.exists()


def test_tickets_booked_ahead_count_only_once_their_day_has_come(day):
    before = at(day.office, 20, day=DAY - dt.timedelta(days=1))
    result = office_day_rollup(office=day.office, date=DAY, now=before)

    assert (result.services, result.office_day) == (0, False)
    assert not ServiceDay.objects.exists()


def test_roll_ups_survive_the_erasure_of_personal_data(day, settings):
    office_day_rollup(office=day.office, date=DAY, now=day.evening)
    before = {row.service_id: figures(row) for row in ServiceDay.objects.all()}
    before_office = figures(OfficeDay.objects.get())

    settings.ANTREAN_RETENTION_DAYS = 1
    report = personal_data_erase_expired(now=day.evening + dt.timedelta(days=30))
    assert report.tickets == 8
    office_day_rollup(office=day.office, date=DAY, now=day.evening + dt.timedelta(days=30))

    assert {row.service_id: figures(row) for row in ServiceDay.objects.all()} == before
    assert figures(OfficeDay.objects.get()) == before_office


def test_a_days_figures_follow_the_offices_own_midnight():
    """A walk-in at 23:50 WIB is that day's; a pledge at 00:10 WIB the next day's."""
    office = make_office(timezone_name="Asia/Jakarta", open_every_day=False)
    OpeningHours.objects.bulk_create(
        OpeningHours(office=office, weekday=d, opens=dt.time(0), closes=dt.time(23, 59, 59))
        for d in range(7)
    )
    service = make_service(office)
    late = make_walk_in(service, now=at(office, 23, 50)).ticket
    next_day = DAY + dt.timedelta(days=1)
    sign_officer_pact(make_officer(service.agency), office, now=at(office, 0, 10, day=next_day))

    office_day_rollup(office=office, date=DAY, now=at(office, 23, 59))

    row = ServiceDay.objects.get(service=service)
    assert (row.date, row.tickets_walkin, late.date) == (DAY, 1, DAY)
    assert OfficeDay.objects.get(office=office, date=DAY).officers_pledged == 0
    days = active_dates(office=office, start=DAY - dt.timedelta(days=1), end=next_day)
    assert days == [DAY, next_day]


def test_the_worker_rolls_up_today_and_yesterday_of_every_active_office(day):
    closed = make_office()
    make_walk_in(make_service(closed), now=at(closed, 9))
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    next_day = at(day.office, 9, day=DAY + dt.timedelta(days=1))

    assert rollup_recent(now=next_day) == 2  # the active office's DAY and DAY + 1

    assert OfficeDay.objects.filter(office=day.office, date=DAY).exists()
    assert not OfficeDay.objects.filter(office=closed).exists()
    assert any(job is worker._rollup_stats for _every, job in worker.PERIODIC)
    assert dict((job, every) for every, job in worker.PERIODIC)[worker._rollup_stats] == 600


def test_the_worker_counts_answers_that_arrive_days_after_the_service(day):
    office_day_rollup(office=day.office, date=DAY, now=day.evening)
    later = at(day.office, 9, day=DAY + dt.timedelta(days=5))
    # Today, yesterday, and DAY + 1, whose one answer no roll-up has counted yet.
    assert rollup_recent(now=later) == 3
    assert rollup_recent(now=later) == 2  # nothing new any more: today and yesterday

    answer(office=day.office, service=day.b, value=4)  # answered on the fifth day
    assert rollup_recent(now=later) == 3

    assert OfficeDay.objects.get(office=day.office, date=DAY).survey_responses == 6
    assert ServiceDay.objects.get(service=day.b, date=DAY).survey_responses == 2
    too_late = at(day.office, 9, day=DAY + dt.timedelta(days=LATE_ANSWER_DAYS + 2))
    answer(office=day.office, service=day.b, value=4)
    assert rollup_recent(now=too_late) == 2  # past the invitations' life: not looked at


def test_the_backfill_command_rolls_up_a_range(day):
    out = io.StringIO()
    call_command(
        "stats_rollup",
        office=day.office.code,
        date_from=(DAY - dt.timedelta(days=3)).isoformat(),
        date_to=DAY.isoformat(),
        stdout=out,
    )
    # The day before DAY holds only a report received (bookings made then are DAY's).
    assert set(OfficeDay.objects.values_list("date", flat=True)) == {
        DAY - dt.timedelta(days=1),
        DAY,
    }
    assert ServiceDay.objects.filter(date=DAY).count() == 3
    assert f"{day.office.code}: 2 day(s)" in out.getvalue()

    with pytest.raises(CommandError):
        call_command("stats_rollup", office="tidak-ada", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("stats_rollup", date_from="2030-02-30", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command(
            "stats_rollup", date_from="2030-03-05", date_to="2030-03-04", stdout=io.StringIO()
        )


# --- percentiles -----------------------------------------------------------------------------


def test_exact_percentiles_are_nearest_rank():
    assert exact_percentile([], 0.5) is None
    assert exact_percentile([42], 0.5) == 42
    assert exact_percentile([42], 0.9) == 42
    assert exact_percentile([60, 120], 0.5) == 60
    assert exact_percentile([30, 10, 20], 0.5) == 20
    values = list(range(1, 11))  # 0.9 × 10 = 9 exactly (not 9.000000000000002 → 10)
    assert exact_percentile(values, 0.9) == 9
    assert exact_percentile(values, 0.5) == 5
    assert exact_percentile([*values, 11], 0.9) == 10


def test_wait_buckets_hold_their_lower_edge_and_not_their_upper():
    assert wait_bucket(0) == 0
    assert wait_bucket(119) == 0
    assert wait_bucket(120) == 1  # 2 minutes: the bucket [2, 5)
    assert wait_bucket(599) == 2
    assert wait_bucket(600) == 3
    assert wait_bucket(180 * 60 - 1) == len(WAIT_BUCKETS) - 1
    assert wait_bucket(180 * 60) == len(WAIT_BUCKETS)  # the open bucket
    assert wait_bucket(10**6) == len(WAIT_BUCKETS)


def test_histogram_percentiles_at_bucket_edges():
    empty = [0] * (len(WAIT_BUCKETS) + 1)
    assert percentile_from_histogram(empty, 0.5) is None

    one_each = [1, 1] + [0] * (len(WAIT_BUCKETS) - 1)  # [0, 2) and [2, 5) minutes
    assert percentile_from_histogram(one_each, 0.5) == 120  # the edge between them
    assert percentile_from_histogram(one_each, 1.0) == 300  # the top of [2, 5)
    assert percentile_from_histogram(one_each, 0.0) == 0
    assert percentile_from_histogram(one_each, 0.75) == 210  # halfway through [2, 5)

    late = [0, 0, 4] + [0] * (len(WAIT_BUCKETS) - 2)  # all in [5, 10)
    assert percentile_from_histogram(late, 0.0) == 300  # its lower edge, not 0
    assert percentile_from_histogram(late, 0.5) == 450
    assert percentile_from_histogram(late, 0.9) == 570

    open_end = [0] * len(WAIT_BUCKETS) + [3]  # 180 minutes or more: a floor
    assert percentile_from_histogram(open_end, 0.5) == 180 * 60
    assert percentile_from_histogram(open_end, 0.9) == 180 * 60

    split = [1] + [0] * (len(WAIT_BUCKETS) - 1) + [1]
    assert percentile_from_histogram(split, 0.5) == 120  # the top of the first bucket
    assert percentile_from_histogram(split, 0.9) == 180 * 60
