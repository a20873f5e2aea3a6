"""Slots are cut from opening hours, once, in the office's own time zone."""

import datetime as dt

import pytest

from antrean.catalog.models import Slot
from antrean.catalog.services import booking_dates, office_slots_ensure, slots_ensure
from antrean.tenancy.models import Closure, OpeningHours
from antrean.testing.factories import make_agency, make_office, make_service

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2030, 1, 7)
UTC = dt.UTC


def office_with_break(**fields):
    """Open Monday to Friday 08:00-15:00 with a break 12:00-13:00, closed at weekends."""
    office = make_office(open_every_day=False, **fields)
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


def periods(service, date):
    return [
        (s.start, s.end) for s in Slot.objects.filter(service=service, date=date).order_by("start")
    ]


def t(hour, minute=0):
    return dt.time(hour, minute)


def test_hourly_slots_skip_the_break():
    service = make_service(office_with_break(), slot_minutes=60, slot_capacity=6)
    assert slots_ensure(service=service, dates=[MONDAY]) == 6
    assert periods(service, MONDAY) == [
        (t(8), t(9)),
        (t(9), t(10)),
        (t(10), t(11)),
        (t(11), t(12)),
        (t(13), t(14)),
        (t(14), t(15)),
    ]
    slots = Slot.objects.filter(service=service, date=MONDAY)
    assert {(s.capacity, s.booked) for s in slots} == {(6, 0)}


def test_a_short_last_period_is_kept():
    # 08:00-12:00 in 45 minutes: the last period is 11:45-12:00; 13:00-15:00 likewise.
    service = make_service(office_with_break(), slot_minutes=45)
    slots_ensure(service=service, dates=[MONDAY])
    assert periods(service, MONDAY) == [
        (t(8), t(8, 45)),
        (t(8, 45), t(9, 30)),
        (t(9, 30), t(10, 15)),
        (t(10, 15), t(11)),
        (t(11), t(11, 45)),
        (t(11, 45), t(12)),
        (t(13), t(13, 45)),
        (t(13, 45), t(14, 30)),
        (t(14, 30), t(15)),
    ]


def test_nothing_on_a_closure_or_a_weekday_without_hours():
    office = office_with_break()
    service = make_service(office)
    Closure.objects.create(office=office, date=MONDAY, reason="Hari Suci Nyepi")
    saturday, sunday = MONDAY + dt.timedelta(days=5), MONDAY + dt.timedelta(days=6)
    tuesday = MONDAY + dt.timedelta(days=1)
    created = slots_ensure(service=service, dates=[MONDAY, tuesday, saturday, sunday])
    assert created == 6
    assert set(Slot.objects.filter(service=service).values_list("date", flat=True)) == {tuesday}


def test_idempotent_and_keeps_what_an_admin_changed():
    service = make_service(office_with_break(), slot_capacity=10)
    dates = [MONDAY, MONDAY + dt.timedelta(days=1)]
    assert slots_ensure(service=service, dates=dates) == 12
    nine = Slot.objects.get(service=service, date=MONDAY, start=t(9))
    nine.capacity = 3
    nine.save(update_fields=["capacity"])
    Slot.objects.filter(pk=nine.pk).update(booked=2)
    # Even if the service's default changes, existing slots stay as they are.
    service.slot_capacity = 20
    service.save()

    assert slots_ensure(service=service, dates=dates) == 0
    assert Slot.objects.filter(service=service).count() == 12
    nine.refresh_from_db()
    assert (nine.capacity, nine.booked) == (3, 2)
    assert Slot.objects.get(service=service, date=MONDAY, start=t(10)).capacity == 10

    # A date added later gets the new default.
    wednesday = MONDAY + dt.timedelta(days=2)
    assert slots_ensure(service=service, dates=[*dates, wednesday]) == 6
    assert Slot.objects.get(service=service, date=wednesday, start=t(10)).capacity == 20


def test_only_the_missing_slots_are_added():
    service = make_service(office_with_break())
    slots_ensure(service=service, dates=[MONDAY])
    Slot.objects.filter(service=service, date=MONDAY, start=t(14)).delete()
    assert slots_ensure(service=service, dates=[MONDAY]) == 1
    assert len(periods(service, MONDAY)) == 6


@pytest.mark.parametrize(
    ("zone", "utc_hour"),
    [("Asia/Makassar", 0), ("Asia/Jakarta", 1), ("Asia/Pontianak", 1), ("Asia/Jayapura", 23)],
)
def test_starts_and_ends_are_utc_for_the_office_zone(zone, utc_hour):
    service = make_service(office_with_break(timezone_name=zone))
    slots_ensure(service=service, dates=[MONDAY])
    first = Slot.objects.get(service=service, date=MONDAY, start=t(8))
    # 08:00 WITA is 00:00 UTC, 08:00 WIB 01:00 UTC, 08:00 WIT 23:00 UTC the day before.
    day = MONDAY if utc_hour < 8 else MONDAY - dt.timedelta(days=1)
    assert first.starts_at == dt.datetime.combine(day, t(utc_hour), tzinfo=UTC)
    assert first.ends_at - first.starts_at == dt.timedelta(hours=1)
    after_break = Slot.objects.get(service=service, date=MONDAY, start=t(13))
    assert after_break.starts_at - first.starts_at == dt.timedelta(hours=5)
    assert first.starts_at.astimezone(service.office.zone).time() == t(8)


def test_same_local_hours_in_two_zones_are_an_hour_apart():
    wita = make_service(office_with_break(timezone_name="Asia/Makassar"))
    wib = make_service(office_with_break(timezone_name="Asia/Jakarta"))
    slots_ensure(service=wita, dates=[MONDAY])
    slots_ensure(service=wib, dates=[MONDAY])
    wita_eight = Slot.objects.get(service=wita, date=MONDAY, start=t(8))
    wib_eight = Slot.objects.get(service=wib, date=MONDAY, start=t(8))
    assert wib_eight.starts_at - wita_eight.starts_at == dt.timedelta(hours=1)


def test_booking_dates_are_today_and_the_horizon_in_local_time():
    office = make_office(booking_horizon_days=3, timezone_name="Asia/Makassar")
    # 17:30 UTC on 6 January is already 01:30 on 7 January in Bali.
    now = dt.datetime(2030, 1, 6, 17, 30, tzinfo=UTC)
    assert booking_dates(office=office, now=now) == [
        MONDAY + dt.timedelta(days=n) for n in range(4)
    ]


def test_office_slots_ensure_covers_the_horizon():
    office = make_office(booking_horizon_days=3)  # open 08-16 every day
    agency = make_agency(office)
    active = [make_service(agency=agency), make_service(agency=agency, slot_minutes=30)]
    inactive = make_service(agency=agency, is_active=False)
    other_office = make_service()
    now = dt.datetime(2030, 1, 7, 2, tzinfo=UTC)
    dates = [MONDAY + dt.timedelta(days=n) for n in range(4)]

    assert office_slots_ensure(office=office, now=now) == 4 * 8 + 4 * 16
    for service, per_day in [(active[0], 8), (active[1], 16)]:
        for date in dates:
            assert len(periods(service, date)) == per_day
        assert not Slot.objects.filter(service=service).exclude(date__in=dates).exists()
    assert not Slot.objects.filter(service=inactive).exists()
    assert not Slot.objects.filter(service=other_office).exists()
    assert office_slots_ensure(office=office, now=now) == 0

    # A day later, only the newly opened date is added.
    assert office_slots_ensure(office=office, now=now + dt.timedelta(days=1)) == 8 + 16
