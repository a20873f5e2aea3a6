"""What a citizen sees of a service: its days, with places left, and its slots."""

import datetime as dt

import pytest

from antrean.catalog.models import Slot
from antrean.catalog.selectors import (
    service_day_slots,
    service_days,
    service_get,
    services_for_office,
    slot_is_bookable,
    slots_booked_total,
)
from antrean.tenancy.models import Closure
from antrean.testing.factories import make_agency, make_office, make_service

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2030, 1, 7)


def local(office, date, hour, minute=0):
    return dt.datetime.combine(date, dt.time(hour, minute), tzinfo=office.zone)


def hourly_service(**office_fields):
    """A service of an office open 08-16 every day: eight slots of capacity 5 a day."""
    office = make_office(booking_horizon_days=3, **office_fields)
    return make_service(office, slot_minutes=60, slot_capacity=5)


def by_date(days):
    return {d.date: d for d in days}


def test_days_cover_the_horizon_with_their_capacity():
    service = hourly_service()
    now = local(service.office, MONDAY, 6)  # before opening
    days = service_days(service=service, now=now)
    assert [d.date for d in days] == [MONDAY + dt.timedelta(days=n) for n in range(4)]
    for day in days:
        assert (day.open, day.reason, day.capacity, day.remaining, day.bookable) == (
            True,
            "",
            40,
            40,
            True,
        )


def test_closed_day_has_its_reason_and_no_places():
    service = hourly_service()
    closed = MONDAY + dt.timedelta(days=1)
    Closure.objects.create(office=service.office, date=closed, reason="Hari Raya Galungan")
    days = by_date(service_days(service=service, now=local(service.office, MONDAY, 6)))
    day = days[closed]
    assert (day.open, day.reason, day.capacity, day.remaining, day.bookable) == (
        False,
        "Hari Raya Galungan",
        0,
        0,
        False,
    )
    assert not Slot.objects.filter(service=service, date=closed).exists()


def test_full_day_shows_nothing_left_and_is_not_bookable():
    service = hourly_service()
    now = local(service.office, MONDAY, 6)
    full = MONDAY + dt.timedelta(days=2)
    service_days(service=service, now=now)
    Slot.objects.filter(service=service, date=full).update(booked=5)
    day = by_date(service_days(service=service, now=now))[full]
    assert (day.open, day.capacity, day.remaining, day.bookable) == (True, 40, 0, False)
    # One place freed makes it bookable again.
    first = Slot.objects.filter(service=service, date=full).order_by("start").first()
    Slot.objects.filter(pk=first.pk).update(booked=4)
    day = by_date(service_days(service=service, now=now))[full]
    assert (day.remaining, day.bookable) == (1, True)


def test_past_slots_of_today_do_not_count():
    service = hourly_service()
    office = service.office
    # At 10:30 the 08, 09 and 10 o'clock slots have started; 11-15 remain.
    today = by_date(service_days(service=service, now=local(office, MONDAY, 10, 30)))[MONDAY]
    assert (today.capacity, today.remaining, today.bookable) == (40, 25, True)
    # At 10:00 sharp the 10 o'clock slot has started too.
    today = by_date(service_days(service=service, now=local(office, MONDAY, 10)))[MONDAY]
    assert today.remaining == 25
    # After the last slot has started nothing is left today, but tomorrow is untouched.
    days = by_date(service_days(service=service, now=local(office, MONDAY, 15, 1)))
    assert (days[MONDAY].remaining, days[MONDAY].bookable) == (0, False)
    assert days[MONDAY + dt.timedelta(days=1)].remaining == 40


def test_cutoff_closes_today_only():
    service = hourly_service(daily_cutoff=dt.time(9))
    office = service.office
    before = by_date(service_days(service=service, now=local(office, MONDAY, 8, 30)))[MONDAY]
    assert (before.remaining, before.bookable) == (35, True)  # 09-15 still ahead
    days = by_date(service_days(service=service, now=local(office, MONDAY, 9)))
    assert (days[MONDAY].open, days[MONDAY].remaining, days[MONDAY].bookable) == (True, 0, False)
    assert days[MONDAY + dt.timedelta(days=1)].bookable


def test_today_is_the_offices_today():
    # 16:30 UTC on Sunday is already Monday 00:30 in Bali, still Sunday 23:30 in Jakarta.
    now = dt.datetime(2030, 1, 6, 16, 30, tzinfo=dt.UTC)
    wita = hourly_service(timezone_name="Asia/Makassar")
    wib = hourly_service(timezone_name="Asia/Jakarta")
    assert service_days(service=wita, now=now)[0].date == MONDAY
    assert service_days(service=wib, now=now)[0].date == MONDAY - dt.timedelta(days=1)


def test_slot_is_bookable():
    service = hourly_service(daily_cutoff=dt.time(12))
    office = service.office
    service_days(service=service, now=local(office, MONDAY, 6))
    ten = Slot.objects.get(service=service, date=MONDAY, start=dt.time(10))
    assert slot_is_bookable(ten, office=office, now=local(office, MONDAY, 9, 59))
    assert not slot_is_bookable(ten, office=office, now=local(office, MONDAY, 10))
    fifteen = Slot.objects.get(service=service, date=MONDAY, start=dt.time(15))
    assert slot_is_bookable(fifteen, office=office, now=local(office, MONDAY, 11, 59))
    assert not slot_is_bookable(fifteen, office=office, now=local(office, MONDAY, 12))
    tomorrow = Slot.objects.get(
        service=service, date=MONDAY + dt.timedelta(days=1), start=dt.time(8)
    )
    assert slot_is_bookable(tomorrow, office=office, now=local(office, MONDAY, 23))


def test_day_slots_of_an_open_day():
    service = hourly_service()
    office = service.office
    day = service_day_slots(service=service, date=MONDAY, now=local(office, MONDAY, 6))
    assert (day.open, day.reason) == (True, "")
    assert [s.start for s in day.slots] == [dt.time(h) for h in range(8, 16)]


def test_day_slots_of_a_closed_day():
    service = hourly_service()
    Closure.objects.create(office=service.office, date=MONDAY, reason="Hari Suci Nyepi")
    day = service_day_slots(service=service, date=MONDAY, now=local(service.office, MONDAY, 6))
    assert (day.open, day.reason, day.slots) == (False, "Hari Suci Nyepi", [])


def test_day_slots_beyond_the_horizon_are_not_made():
    service = hourly_service()
    far = MONDAY + dt.timedelta(days=30)
    day = service_day_slots(service=service, date=far, now=local(service.office, MONDAY, 6))
    assert day.open and day.slots == []


def test_services_for_office_lists_only_active_ones():
    office = make_office()
    first = make_agency(office, position=1, short_name="Disdukcapil")
    second = make_agency(office, position=2, short_name="Imigrasi")
    closed_agency = make_agency(office, position=0, is_active=False)
    a = make_service(agency=first, position=2, name="Akta Kelahiran")
    b = make_service(agency=first, position=1, name="KTP-el")
    c = make_service(agency=second, name="Paspor")
    make_service(agency=first, is_active=False)
    make_service(agency=closed_agency)
    make_service()  # another office
    assert list(services_for_office(office=office)) == [b, a, c]


def test_service_get_hides_inactive_things():
    service = make_service()
    assert service_get(service_id=service.pk) == service
    assert service_get(service_id=service.pk + 1000) is None
    office = service.office
    office.is_active = False
    office.save()
    assert service_get(service_id=service.pk) is None
    office.is_active = True
    office.save()
    service.agency.is_active = False
    service.agency.save()
    assert service_get(service_id=service.pk) is None


def test_slots_booked_total():
    service = hourly_service()
    service_days(service=service, now=local(service.office, MONDAY, 6))
    Slot.objects.filter(service=service, date=MONDAY, start__lt=dt.time(10)).update(booked=3)
    assert slots_booked_total(service=service, date=MONDAY) == 6
    assert slots_booked_total(service=service, date=MONDAY + dt.timedelta(days=1)) == 0
