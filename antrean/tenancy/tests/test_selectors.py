"""Whether an office is open on a date, and why not."""

import datetime as dt

import pytest

from antrean.tenancy.models import Closure, OpeningHours
from antrean.tenancy.selectors import office_day_status, office_days_status
from antrean.testing.factories import make_office

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2030, 1, 7)
NO_SERVICE = "Tidak ada layanan pada hari ini."


def weekday_office():
    """Open Monday to Friday 08:00-15:00 with a break 12:00-13:00, closed at weekends."""
    office = make_office(open_every_day=False)
    OpeningHours.objects.bulk_create(
        OpeningHours(
            office=office,
            weekday=d,
            opens=dt.time(8),
            closes=dt.time(15),
            break_start=dt.time(12),
            break_end=dt.time(13),
        )
        for d in range(5)
    )
    return office


def test_open_day_has_its_hours():
    office = weekday_office()
    status = office_day_status(office=office, date=MONDAY)
    assert status.open
    assert status.reason == ""
    assert status.hours.weekday == 0
    assert (status.hours.opens, status.hours.closes) == (dt.time(8), dt.time(15))


def test_closure_closes_the_day_with_its_reason():
    office = weekday_office()
    Closure.objects.create(office=office, date=MONDAY, reason="Hari Suci Nyepi")
    status = office_day_status(office=office, date=MONDAY)
    assert not status.open
    assert status.reason == "Hari Suci Nyepi"
    assert status.hours is None
    # Another office is not affected by it.
    assert office_day_status(office=weekday_office(), date=MONDAY).open


def test_weekday_without_hours_is_closed():
    office = weekday_office()
    saturday = MONDAY + dt.timedelta(days=5)
    status = office_day_status(office=office, date=saturday)
    assert not status.open
    assert status.reason == NO_SERVICE
    assert status.hours is None


def test_days_status_agrees_with_day_status():
    office = weekday_office()
    Closure.objects.create(office=office, date=MONDAY + dt.timedelta(days=2), reason="Rapat")
    dates = [MONDAY + dt.timedelta(days=n) for n in range(14)]
    many = office_days_status(office=office, dates=dates)
    assert list(many) == dates
    for date in dates:
        assert many[date] == office_day_status(office=office, date=date)
    opened = [d for d in dates if many[d].open]
    assert len(opened) == 9  # ten weekdays minus the meeting day
    assert many[MONDAY + dt.timedelta(days=2)].reason == "Rapat"
    assert many[MONDAY + dt.timedelta(days=6)].reason == NO_SERVICE


def test_days_status_takes_two_queries(django_assert_num_queries):
    office = weekday_office()
    dates = [MONDAY + dt.timedelta(days=n) for n in range(14)]
    with django_assert_num_queries(2):
        office_days_status(office=office, dates=dates)
