"""Today, live, from the live tables: the day of `day.py` seen at 20:00, whole and for one
agency, and the waiting count of many offices at once."""

import datetime as dt

import pytest

from antrean.stats.live import office_live, waiting_by_office
from antrean.stats.tests.day import DAY, at, build_day
from antrean.testing.factories import make_agency, make_office, make_service, make_walk_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    day = build_day()
    make_walk_in(day.b, now=at(day.office, 13, 30))
    make_walk_in(day.c, now=at(day.office, 13, 40))
    other = make_agency(day.office, code="imigrasi", position=1)
    day.d = make_service(agency=other, code="paspor", prefix="D")
    make_walk_in(day.d, now=at(day.office, 14))
    return day


def test_the_office_today_live(day):
    live = office_live(office=day.office, now=day.evening)

    assert (live.date, live.waiting, live.serving, live.served) == (DAY, 3, 1, 4)
    # Six waits today (see test_rollup): 180 600 600 1380 1500 1800 → the 3rd.
    assert (live.wait_count, live.wait_p50_s) == (6, 600)
    # Counter B still has v1 called; counter A last called at 11:20.
    assert (live.counters, live.counters_open, live.officers_pledged) == (2, 1, 2)
    services = {row.code: row for row in live.services}
    assert list(services) == ["ktp-el", "kk", "akta", "paspor"]
    assert (services["ktp-el"].waiting, services["ktp-el"].done) == (0, 4)
    assert (services["ktp-el"].wait_count, services["ktp-el"].wait_p50_s) == (4, 600)
    assert (services["kk"].waiting, services["kk"].serving, services["kk"].wait_p50_s) == (
        1,
        1,
        180,
    )
    assert (services["akta"].waiting, services["akta"].wait_p50_s) == (1, None)
    assert services["paspor"].waiting == 1


def test_an_agency_sees_its_part_only(day):
    live = office_live(office=day.office, now=day.evening, agency_ids=[day.agency.pk])

    assert [row.code for row in live.services] == ["ktp-el", "kk", "akta"]
    assert (live.waiting, live.serving, live.served, live.wait_p50_s) == (2, 1, 4, 600)
    assert (live.counters, live.counters_open, live.officers_pledged) == (2, 1, 2)

    nothing = office_live(office=day.office, now=day.evening, agency_ids=[])
    assert (nothing.services, nothing.waiting, nothing.counters) == ((), 0, 0)
    assert (nothing.wait_p50_s, nothing.officers_pledged) == (None, 0)


def test_a_counter_that_called_within_half_an_hour_is_open(day):
    live = office_live(office=day.office, now=at(day.office, 11, 45))
    # Counter A called u1 at 11:20; counter B holds v1 (in the tables as they are now).
    assert live.counters_open == 2


def test_waiting_by_office_reads_each_offices_own_today():
    wita = make_office(timezone_name="Asia/Makassar")
    wib = make_office(timezone_name="Asia/Jakarta")
    # A ticket of the day before is no longer waiting today, wherever it is.
    make_walk_in(make_service(wita), now=at(wita, 9))
    make_walk_in(make_service(wita), now=at(wita, 9, day=DAY - dt.timedelta(days=1)))
    wib_service = make_service(wib)
    make_walk_in(wib_service, now=at(wib, 9))
    make_walk_in(wib_service, now=at(wib, 10))

    waiting = waiting_by_office(offices=[wita, wib], now=at(wita, 15))

    assert waiting == {wita.pk: 1, wib.pk: 2}
    assert waiting_by_office(offices=[], now=at(wita, 15)) == {}
