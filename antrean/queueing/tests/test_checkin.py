"""Check-in: a booking becomes a place in the waiting queue, only inside its window."""

import datetime as dt

import pytest

from antrean.core.errors import DomainError, ErrorCode
from antrean.queueing.models import Ticket, TicketEvent
from antrean.queueing.services import ticket_check_in
from antrean.queueing.states import Status
from antrean.testing.factories import (
    check_in,
    local_time,
    make_booking,
    make_counter,
    make_nik,
    make_office,
    make_officer,
    make_service,
    make_slot,
    make_walk_in,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 3, 4)
NIK = make_nik(4321)  # ends in 4321


@pytest.fixture
def office():
    # The defaults, written out: the window is [start − 30 min, end + 15 min], grace 10 min.
    return make_office(checkin_before_minutes=30, checkin_after_minutes=15, ontime_grace_minutes=10)


@pytest.fixture
def booking(office):
    """A booking for 09:00–10:00 on DAY."""
    slot = make_slot(make_service(office, prefix="A"), date=DAY, start=dt.time(9), end=dt.time(10))
    return make_booking(slot, nik=NIK).ticket


def at(office, hour, minute=0, second=0):
    return local_time(office, DAY, hour, minute, second)


def snapshot(ticket):
    row = Ticket.objects.filter(pk=ticket.pk).values().get()
    return row, list(TicketEvent.objects.filter(ticket=ticket).values_list("move", flat=True))


@pytest.mark.parametrize(
    "when",
    [(8, 30, 0), (8, 45, 0), (9, 0, 0), (9, 59, 59), (10, 15, 0)],
    ids=["window-opens", "early", "slot-start", "slot-end", "window-closes"],
)
def test_checking_in_inside_the_window_puts_the_booking_in_the_queue(office, booking, when):
    now = at(office, *when)
    ticket = check_in(code=booking.code, nik_last4="4321", now=now)

    assert ticket.pk == booking.pk
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING
    assert ticket.arrived_at == now
    event = TicketEvent.objects.filter(ticket=ticket).last()
    assert (event.move, event.from_status, event.to_status, event.at) == (
        "check_in",
        Status.BOOKED,
        Status.WAITING,
        now,
    )


def test_a_counter_check_in_records_who_and_where(office, booking):
    agency = booking.service.agency
    counter = make_counter(agency=agency, services=[booking.service])
    officer = make_officer(agency)
    ticket_check_in(
        code=booking.code,
        nik_last4="4321",
        officer=officer,
        counter=counter,
        now=at(office, 9, 5),
    )
    event = TicketEvent.objects.get(ticket=booking, move="check_in")
    assert (event.officer, event.counter) == (officer, counter)


@pytest.mark.parametrize(
    ("when", "code"),
    [
        ((8, 29, 59), ErrorCode.CHECKIN_TOO_EARLY),
        ((7, 0, 0), ErrorCode.CHECKIN_TOO_EARLY),
        ((10, 15, 1), ErrorCode.CHECKIN_TOO_LATE),
        ((15, 0, 0), ErrorCode.CHECKIN_TOO_LATE),
    ],
)
def test_outside_the_window_check_in_is_refused_and_nothing_changes(office, booking, when, code):
    before = snapshot(booking)
    with pytest.raises(DomainError) as exc:
        check_in(code=booking.code, nik_last4="4321", now=at(office, *when))
    assert exc.value.code == code
    assert snapshot(booking) == before
    booking.refresh_from_db()
    assert (booking.status, booking.arrived_at, booking.queue_key) == (Status.BOOKED, None, None)


def test_the_window_follows_the_office_settings():
    office = make_office(checkin_before_minutes=5, checkin_after_minutes=0)
    slot = make_slot(make_service(office), date=DAY, start=dt.time(9), end=dt.time(10))
    ticket = make_booking(slot, nik=NIK).ticket
    with pytest.raises(DomainError) as exc:
        check_in(code=ticket.code, nik_last4="4321", now=at(office, 8, 54, 59))
    assert exc.value.code == ErrorCode.CHECKIN_TOO_EARLY
    with pytest.raises(DomainError) as exc:
        check_in(code=ticket.code, nik_last4="4321", now=at(office, 10, 0, 1))
    assert exc.value.code == ErrorCode.CHECKIN_TOO_LATE
    assert check_in(code=ticket.code, nik_last4="4321", now=at(office, 8, 55)).status == (
        Status.WAITING
    )


def test_a_wrong_code_and_a_wrong_nik_ending_get_the_same_answer(office, booking):
    before = snapshot(booking)
    now = at(office, 9)
    refusals = []
    for code, last4 in [
        ("ZZZZZZZZ", "4321"),  # no such booking
        (booking.code, "4320"),  # the wrong NIK ending
        (booking.code, ""),
        (booking.code, "321"),
        ("", "4321"),
        ("<script>", "4321"),
        # compare_digest refuses non-ASCII str (a TypeError, so a 500 from every check-in
        # form and the API): found by the API's contract run.
        (booking.code, "\u0663\u0662\u0661"),
        (booking.code, "43\u00b2\u00b9"),
    ]:
        with pytest.raises(DomainError) as exc:
            check_in(code=code, nik_last4=last4, now=now)
        refusals.append((exc.value.code, exc.value.field, exc.value.message))
    assert set(refusals) == {(ErrorCode.CHECKIN_REFUSED, "code", ErrorCode.CHECKIN_REFUSED.message)}
    assert snapshot(booking) == before


def test_the_code_may_be_typed_in_lower_case_with_spaces_or_dashes(office, booking):
    typed = f" {booking.code[:4].lower()}-{booking.code[4:].lower()} "
    assert check_in(code=typed, nik_last4=" 4321 ", now=at(office, 9)).pk == booking.pk


def test_a_walk_in_ticket_has_no_nik_and_cannot_be_checked_in(office):
    service = make_service(office)
    walk_in = make_walk_in(service, now=at(office, 9)).ticket
    with pytest.raises(DomainError) as exc:
        check_in(code=walk_in.code, nik_last4="0000", now=at(office, 9, 1))
    assert exc.value.code == ErrorCode.CHECKIN_REFUSED


def test_checking_in_twice_returns_the_same_ticket_and_records_one_event(office, booking):
    first = check_in(code=booking.code, nik_last4="4321", now=at(office, 9, 2))
    again = check_in(code=booking.code, nik_last4="4321", now=at(office, 9, 40))

    assert again.pk == first.pk
    assert again.status == Status.WAITING
    booking.refresh_from_db()
    assert booking.arrived_at == at(office, 9, 2)  # the first arrival stands
    assert TicketEvent.objects.filter(ticket=booking, move="check_in").count() == 1


def test_a_cancelled_booking_cannot_be_checked_in(office, booking):
    from antrean.booking.services import booking_cancel

    booking_cancel(ticket=booking, now=at(office, 8))
    before = snapshot(booking)
    with pytest.raises(DomainError) as exc:
        check_in(code=booking.code, nik_last4="4321", now=at(office, 9))
    assert exc.value.code == ErrorCode.INVALID_TRANSITION
    assert snapshot(booking) == before


@pytest.mark.parametrize(
    ("when", "key"),
    [
        ((9, 0, 0), (9, 0, 0)),  # at the slot's start
        ((9, 5, 0), (9, 0, 0)),  # a little late, inside the grace: keeps the slot's place
        ((9, 10, 0), (9, 0, 0)),  # the last second of the grace
        ((9, 10, 1), (9, 10, 1)),  # late: queues from arrival
        ((9, 45, 0), (9, 45, 0)),
        ((10, 15, 0), (10, 15, 0)),
        # Early: from arrival, never later than the slot's start (the earlier of the two).
        ((8, 40, 0), (8, 40, 0)),
    ],
)
def test_the_queue_key_is_the_slot_start_when_on_time_and_the_arrival_when_late(
    office, booking, when, key
):
    check_in(code=booking.code, nik_last4="4321", now=at(office, *when))
    booking.refresh_from_db()
    assert booking.queue_key == at(office, *key)
    assert booking.arrived_at == at(office, *when)


def test_the_grace_follows_the_office_setting():
    office = make_office(ontime_grace_minutes=0)
    slot = make_slot(make_service(office), date=DAY, start=dt.time(9), end=dt.time(10))
    on_time = make_booking(slot, nik=NIK).ticket
    late = make_booking(slot, nik=make_nik(8765)).ticket
    check_in(code=on_time.code, nik_last4="4321", now=at(office, 9))
    check_in(code=late.code, nik_last4="8765", now=at(office, 9, 0, 1))
    on_time.refresh_from_db()
    late.refresh_from_db()
    assert (on_time.queue_key, late.queue_key) == (at(office, 9), at(office, 9, 0, 1))
