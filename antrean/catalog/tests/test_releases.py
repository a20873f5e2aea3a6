"""Places released in parts at set times (issue 14): a quarter at 07:00, 10:00, 13:00 and
16:00 of the day a date enters the booking horizon, the office's local time."""

import datetime as dt
import zoneinfo

import pytest
from django.test import Client

from antrean.booking.services import booking_create
from antrean.booking.tests.test_services import CLIENT, snapshot
from antrean.catalog.releases import parse_release_times, released
from antrean.core.errors import DomainError, ErrorCode
from antrean.testing.factories import booking_request, make_office, make_service, make_slot

pytestmark = pytest.mark.django_db

WITA = zoneinfo.ZoneInfo("Asia/Makassar")
OPENING = dt.date(2030, 3, 4)  # the day the slot's date enters the 14-day horizon
DAY = OPENING + dt.timedelta(days=14)


def at(hour: int, minute: int = 0, day: dt.date = OPENING) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=WITA)


@pytest.fixture
def slot():
    office = make_office(booking_horizon_days=14)
    service = make_service(office, prefix="R", release_times="07:00, 10:00,13.00, 16:00")
    return make_slot(service, date=DAY, capacity=10)


def test_the_times_are_read_as_written():
    assert parse_release_times("16:00, 07:00,10.00; 13:00") == [
        dt.time(7),
        dt.time(10),
        dt.time(13),
        dt.time(16),
    ]
    assert parse_release_times("") == []
    with pytest.raises(ValueError):
        parse_release_times("pagi")


@pytest.mark.parametrize(
    ("now", "places", "next_at"),
    [
        (at(12, day=OPENING - dt.timedelta(days=1)), 0, at(7)),
        (at(6, 59), 0, at(7)),
        (at(7), 3, at(10)),
        (at(9, 59), 3, at(10)),
        (at(10), 5, at(13)),
        (at(13), 8, at(16)),
        (at(16), 10, None),
        (at(0, day=OPENING + dt.timedelta(days=1)), 10, None),
    ],
)
def test_a_quarter_at_each_time(slot, now, places, next_at):
    assert released(slot, service=slot.service, now=now) == (places, next_at)


def test_booking_takes_only_released_places(slot):
    for _ in range(3):
        booking_create(request=booking_request(slot), client=CLIENT, now=at(8))
    before = snapshot()
    with pytest.raises(DomainError) as caught:
        booking_create(request=booking_request(slot), client=CLIENT, now=at(8))
    assert caught.value.code == ErrorCode.SLOT_NOT_RELEASED
    assert caught.value.retry_after == 2 * 3600  # until 10:00
    assert snapshot() == before
    booking_create(request=booking_request(slot), client=CLIENT, now=at(10))


def test_without_release_times_everything_is_open_at_once():
    office = make_office(booking_horizon_days=14)
    slot = make_slot(make_service(office, prefix="S"), date=DAY, capacity=2)
    assert released(slot, service=slot.service, now=at(0, 1)) == (2, None)


def test_the_page_and_the_api_say_when_the_next_part_opens(slot, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: at(10, 30))
    for _ in range(5):
        booking_create(request=booking_request(slot), client=CLIENT, now=at(10, 30))
    service = slot.service
    api = Client().get(f"/api/v1/services/{service.pk}/slots", {"date": DAY.isoformat()}).json()
    mine = next(s for s in api["slots"] if s["id"] == slot.pk)
    assert mine["remaining"] == 0 and not mine["bookable"]
    assert mine["next_release_at"].startswith("2030-03-04T05:00:00")  # 13:00 WITA, in UTC
    page = (
        Client()
        .get(f"/kantor/{service.office.code}/layanan/{service.pk}/{DAY.isoformat()}/")
        .content.decode()
    )
    assert "Tempat berikutnya dibuka pukul 13.00" in page
