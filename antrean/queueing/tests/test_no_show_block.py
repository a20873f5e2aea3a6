"""Expiry of bookings never checked in, and the no-show strikes that block online booking."""

import datetime as dt
from types import SimpleNamespace

import pytest

from antrean.catalog.models import Slot
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.personal_data import lookup_hash
from antrean.queueing.models import Ticket, TicketEvent
from antrean.queueing.services import (
    nik_blocked_until,
    ticket_call_next,
    ticket_no_show,
    tickets_expire,
)
from antrean.queueing.states import Status
from antrean.testing.factories import (
    check_in,
    local_time,
    make_agency,
    make_booking,
    make_counter,
    make_nik,
    make_office,
    make_officer,
    make_phone,
    make_service,
    make_slot,
    sign_officer_pact,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 3, 4)
NIK = make_nik(4321)
NIK_HASH = lookup_hash(NIK, purpose="nik")


def at(office, day, hour, minute=0):
    return local_time(office, day, hour, minute)


@pytest.fixture
def desk():
    office = make_office()  # defaults: 3 strikes in 30 days block for 30 days
    agency = make_agency(office)
    service = make_service(agency=agency, prefix="A")
    officer = make_officer(agency)
    return SimpleNamespace(
        office=office,
        service=service,
        counter=make_counter(agency=agency, services=[service]),
        officer=officer,
    )


def book(desk, day, *, nik=NIK, now=None, service=None):
    """A booking of 09:00–10:00 on `day`, made the day before (or at `now`)."""
    service = service or desk.service
    slot = Slot.objects.filter(service=service, date=day).first() or make_slot(
        service, date=day, start=dt.time(9), end=dt.time(10)
    )
    return make_booking(
        slot,
        nik=nik,
        whatsapp=make_phone(),
        now=now or at(service.office, day - dt.timedelta(days=1), 10),
    ).ticket


def expire_strike(desk, day):
    """A booking for `day` never checked in, expired by the task run at 11:00 that day."""
    ticket = book(desk, day)
    assert tickets_expire(now=at(desk.office, day, 11)) >= 1
    ticket.refresh_from_db()
    assert ticket.status == Status.EXPIRED
    return at(desk.office, day, 11)


def no_show_strike(desk, day):
    """A booking for `day`, checked in, called and marked no-show at 09:30."""
    ticket = book(desk, day)
    office = desk.office
    sign_officer_pact(desk.officer, office, now=at(office, day, 8))
    check_in(code=ticket.code, nik_last4="4321", now=at(office, day, 9))
    ticket_call_next(counter=desk.counter, officer=desk.officer, now=at(office, day, 9, 30))
    ticket_no_show(
        ticket_id=ticket.pk, counter=desk.counter, officer=desk.officer, now=at(office, day, 9, 30)
    )
    return at(office, day, 9, 30)


def test_expiry_takes_only_bookings_whose_check_in_window_has_closed(desk):
    office = desk.office
    ended = book(desk, DAY)  # window closes at 10:15
    later = make_slot(desk.service, date=DAY, start=dt.time(10), end=dt.time(11))
    inside = make_booking(later, now=at(office, DAY, 8)).ticket  # window closes 11:15
    checked_in = book(desk, DAY, nik=make_nik(8765))
    check_in(code=checked_in.code, nik_last4="8765", now=at(office, DAY, 9))

    assert tickets_expire(now=at(office, DAY, 10, 15)) == 0  # the window's last moment
    assert tickets_expire(now=at(office, DAY, 10, 16)) == 1
    assert tickets_expire(now=at(office, DAY, 10, 17)) == 0  # done once

    statuses = dict(Ticket.objects.values_list("pk", "status"))
    assert statuses == {
        ended.pk: Status.EXPIRED,
        inside.pk: Status.BOOKED,
        checked_in.pk: Status.WAITING,
    }
    event = TicketEvent.objects.filter(ticket=ended).last()
    assert (event.move, event.from_status, event.to_status, event.at) == (
        "expire",
        "booked",
        "expired",
        at(office, DAY, 10, 16),
    )
    with pytest.raises(DomainError) as exc:  # too late to check in now anyway
        check_in(code=ended.code, nik_last4="4321", now=at(office, DAY, 10, 20))
    assert exc.value.code == ErrorCode.INVALID_TRANSITION


def test_expiry_follows_each_office_own_window():
    office = make_office(checkin_after_minutes=60)
    ticket = make_booking(make_slot(make_service(office), date=DAY)).ticket  # 09:00–10:00
    assert tickets_expire(now=at(office, DAY, 10, 59)) == 0
    assert tickets_expire(now=at(office, DAY, 11, 1)) == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.EXPIRED


def test_three_strikes_in_thirty_days_block_online_booking_there_for_thirty_days(desk):
    office = desk.office
    days = [DAY, DAY + dt.timedelta(days=10), DAY + dt.timedelta(days=20)]
    expire_strike(desk, days[0])
    no_show_strike(desk, days[1])
    assert nik_blocked_until(nik_hash=NIK_HASH, office=office, now=at(office, days[1], 12)) is None
    last = expire_strike(desk, days[2])
    until = last + dt.timedelta(days=30)
    assert nik_blocked_until(nik_hash=NIK_HASH, office=office, now=last) == until

    # Refused the next day, and nothing is taken.
    target = days[2] + dt.timedelta(days=2)
    tickets = Ticket.objects.count()
    with pytest.raises(DomainError) as exc:
        book(desk, target, now=at(office, days[2], 12))
    assert (exc.value.code, exc.value.field) == (ErrorCode.BLOCKED_NO_SHOW, "nik")
    assert Ticket.objects.count() == tickets
    assert Slot.objects.get(service=desk.service, date=target).booked == 0

    # Still refused a day before the block ends …
    with pytest.raises(DomainError) as exc:
        book(desk, target + dt.timedelta(days=40), now=until - dt.timedelta(days=1))
    assert exc.value.code == ErrorCode.BLOCKED_NO_SHOW
    # … and allowed once it has ended.
    later = book(desk, target + dt.timedelta(days=40), now=until + dt.timedelta(minutes=1))
    assert later.status == Status.BOOKED

    # Another NIK at this office, and this NIK at another office, book as usual.
    assert book(desk, target, nik=make_nik(1111), now=at(office, days[2], 12)).pk
    other = make_service(make_office())
    assert book(desk, target, service=other, now=at(other.office, days[2], 12)).pk


def test_strikes_spread_wider_than_the_window_do_not_block(desk):
    office = desk.office
    expire_strike(desk, DAY)
    expire_strike(desk, DAY + dt.timedelta(days=16))
    last = expire_strike(desk, DAY + dt.timedelta(days=31))  # 31 days after the first
    assert nik_blocked_until(nik_hash=NIK_HASH, office=office, now=last) is None
    ticket = book(desk, DAY + dt.timedelta(days=33), now=last + dt.timedelta(hours=1))
    assert ticket.status == Status.BOOKED


def test_two_strikes_do_not_block(desk):
    office = desk.office
    expire_strike(desk, DAY)
    last = no_show_strike(desk, DAY + dt.timedelta(days=1))
    assert nik_blocked_until(nik_hash=NIK_HASH, office=office, now=last) is None
    assert book(desk, DAY + dt.timedelta(days=3), now=last).status == Status.BOOKED


def test_a_cancelled_booking_is_not_a_strike(desk):
    from antrean.booking.services import booking_cancel

    office = desk.office
    for offset in range(3):
        day = DAY + dt.timedelta(days=offset)
        booking_cancel(ticket=book(desk, day), now=at(office, day, 8))
    assert book(desk, DAY + dt.timedelta(days=5), now=at(office, DAY, 12)).pk


def test_the_strike_settings_are_the_office_own():
    office = make_office(noshow_strikes=2, noshow_window_days=7, noshow_block_days=3)
    agency = make_agency(office)
    desk = SimpleNamespace(
        office=office,
        service=make_service(agency=agency),
        counter=None,
        officer=None,
    )
    expire_strike(desk, DAY)
    last = expire_strike(desk, DAY + dt.timedelta(days=6))
    until = last + dt.timedelta(days=3)
    assert nik_blocked_until(nik_hash=NIK_HASH, office=office, now=last) == until
    with pytest.raises(DomainError) as exc:
        book(desk, DAY + dt.timedelta(days=12), now=until - dt.timedelta(minutes=1))
    assert exc.value.code == ErrorCode.BLOCKED_NO_SHOW
    assert book(desk, DAY + dt.timedelta(days=12), now=until + dt.timedelta(minutes=1)).pk
