"""Calling the next ticket: priority groups, the K-then-one-regular rule, then the queue key."""

import datetime as dt
from types import SimpleNamespace

import pytest

from antrean.core.errors import DomainError, ErrorCode
from antrean.queueing.models import CallState, Ticket, TicketEvent
from antrean.queueing.services import (
    ticket_call_next,
    ticket_finish,
    ticket_start,
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
    make_service,
    make_slot,
    make_walk_in,
    sign_officer_pact,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 3, 4)


def at(office, hour, minute=0, second=0, day=DAY):
    return local_time(office, day, hour, minute, second)


def make_desk(**office_fields):
    """An office with one agency, services A and B, counters for A, for B and for both, and
    an officer who signed today's pact."""
    office = make_office(**office_fields)
    agency = make_agency(office)
    a = make_service(agency=agency, prefix="A")
    b = make_service(agency=agency, prefix="B")
    officer = make_officer(agency)
    sign_officer_pact(officer, office, now=at(office, 7, 30))
    return SimpleNamespace(
        office=office,
        agency=agency,
        a=a,
        b=b,
        counter_a=make_counter(agency=agency, services=[a]),
        counter_b=make_counter(agency=agency, services=[b]),
        counter_ab=make_counter(agency=agency, services=[a, b]),
        officer=officer,
    )


@pytest.fixture
def desk():
    return make_desk()


def call(desk, counter, now):
    """Call the next ticket at `counter` and serve it at once, so the counter is free again.
    Returns the number called."""
    ticket = ticket_call_next(counter=counter, officer=desk.officer, now=now)
    ticket_start(ticket_id=ticket.pk, counter=counter, officer=desk.officer, now=now)
    ticket_finish(ticket_id=ticket.pk, counter=counter, officer=desk.officer, now=now)
    return ticket.number


def calls(desk, counter, n, *, start):
    return [call(desk, counter, start + dt.timedelta(seconds=i)) for i in range(n)]


def walk_in(desk, service, hour, minute=0, priority=""):
    return make_walk_in(service, now=at(desk.office, hour, minute), priority=priority).ticket


def test_the_call_marks_the_ticket_called_at_this_counter(desk):
    ticket = walk_in(desk, desk.a, 9)
    now = at(desk.office, 9, 30)
    called = ticket_call_next(counter=desk.counter_a, officer=desk.officer, now=now)

    assert called.pk == ticket.pk
    ticket.refresh_from_db()
    assert (ticket.status, ticket.counter, ticket.officer, ticket.called_at) == (
        Status.CALLED,
        desk.counter_a,
        desk.officer,
        now,
    )
    event = TicketEvent.objects.filter(ticket=ticket).last()
    assert (event.move, event.from_status, event.to_status) == ("call", "waiting", "called")
    assert (event.officer, event.counter, event.at) == (desk.officer, desk.counter_a, now)


def test_regular_tickets_go_by_arrival(desk):
    for minute in (5, 1, 9, 3):
        walk_in(desk, desk.a, 9, minute)
    numbers = calls(desk, desk.counter_a, 4, start=at(desk.office, 10))
    assert numbers == ["A-002", "A-004", "A-001", "A-003"]


def test_priority_groups_go_first(desk):
    walk_in(desk, desk.a, 9, 0)  # A-001, regular, first to arrive
    walk_in(desk, desk.a, 9, 5, priority="lansia")
    walk_in(desk, desk.a, 9, 6)
    walk_in(desk, desk.a, 9, 7, priority="ibu_hamil")
    numbers = calls(desk, desk.counter_a, 4, start=at(desk.office, 10))
    assert numbers == ["A-002", "A-004", "A-001", "A-003"]


def test_after_k_priority_calls_one_regular_ticket_goes(desk):
    assert desk.office.priority_streak_limit == 2
    for minute in range(2):
        walk_in(desk, desk.a, 9, minute)  # regular, the first to arrive
    for minute in range(2, 8):
        walk_in(desk, desk.a, 9, minute, priority="disabilitas")  # A-003 … A-008
    numbers = calls(desk, desk.counter_a, 8, start=at(desk.office, 10))
    assert numbers == [
        "A-003",
        "A-004",
        "A-001",  # after two priority calls, one regular
        "A-005",
        "A-006",
        "A-002",
        "A-007",
        "A-008",  # no regular left: priority goes on
    ]


def test_k_is_an_office_setting():
    desk = make_desk(priority_streak_limit=1)
    for minute in range(3):
        walk_in(desk, desk.a, 9, minute)  # A-001 … A-003
    for minute in range(3, 6):
        walk_in(desk, desk.a, 9, minute, priority="anak")  # A-004 … A-006
    numbers = calls(desk, desk.counter_a, 6, start=at(desk.office, 10))
    assert numbers == ["A-004", "A-001", "A-005", "A-002", "A-006", "A-003"]


def test_the_priority_streak_is_counted_per_office_across_its_counters(desk):
    walk_in(desk, desk.a, 9, 0)  # A-001 regular
    walk_in(desk, desk.b, 9, 1, priority="lansia")  # B-001
    walk_in(desk, desk.a, 9, 2, priority="lansia")
    walk_in(desk, desk.a, 9, 3, priority="lansia")
    start = at(desk.office, 10)
    assert call(desk, desk.counter_b, start) == "B-001"
    assert call(desk, desk.counter_a, start) == "A-002"
    # Two priority calls at this office, at two counters: a regular ticket goes now.
    assert call(desk, desk.counter_a, start) == "A-001"
    assert CallState.objects.get(office=desk.office).priority_streak == 0
    assert call(desk, desk.counter_a, start) == "A-003"
    assert CallState.objects.get(office=desk.office).priority_streak == 1


def test_an_on_time_booker_is_never_overtaken_by_a_walk_in_who_came_after_the_slot_start(desk):
    office = desk.office
    slot = make_slot(desk.a, date=DAY, start=dt.time(9), end=dt.time(10))
    on_time = make_booking(slot, nik=make_nik(1111)).ticket
    late = make_booking(slot, nik=make_nik(2222)).ticket
    early_walk_in = walk_in(desk, desk.a, 8, 50)  # came before the slot started
    after_start = walk_in(desk, desk.a, 9, 1)  # came after the slot started
    check_in(code=on_time.code, nik_last4="1111", now=at(office, 9, 8))  # on time
    check_in(code=late.code, nik_last4="2222", now=at(office, 9, 20))  # late
    between = walk_in(desk, desk.a, 9, 15)
    last = walk_in(desk, desk.a, 9, 25)

    numbers = calls(desk, desk.counter_a, 6, start=at(office, 9, 30))
    assert numbers == [
        early_walk_in.number,  # 08:50
        on_time.number,  # 09:00, its slot start, though it checked in at 09:08
        after_start.number,  # 09:01
        between.number,  # 09:15
        late.number,  # 09:20, its check-in: it came after the grace
        last.number,  # 09:25
    ]


def test_a_counter_calls_only_the_services_it_serves(desk):
    b_ticket = walk_in(desk, desk.b, 9)
    with pytest.raises(DomainError) as exc:
        ticket_call_next(counter=desk.counter_a, officer=desk.officer, now=at(desk.office, 10))
    assert exc.value.code == ErrorCode.QUEUE_EMPTY
    b_ticket.refresh_from_db()
    assert b_ticket.status == Status.WAITING

    a_ticket = walk_in(desk, desk.a, 9, 30)
    # The counter for both services takes the first by arrival among both queues.
    assert call(desk, desk.counter_ab, at(desk.office, 10)) == b_ticket.number
    assert call(desk, desk.counter_ab, at(desk.office, 10)) == a_ticket.number


def test_an_inactive_service_is_not_called(desk):
    ticket = walk_in(desk, desk.a, 9)
    desk.a.is_active = False
    desk.a.save(update_fields=["is_active"])
    with pytest.raises(DomainError) as exc:
        ticket_call_next(counter=desk.counter_a, officer=desk.officer, now=at(desk.office, 10))
    assert exc.value.code == ErrorCode.QUEUE_EMPTY
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING


def test_queue_empty_when_nothing_waits_and_nothing_changes(desk):
    slot = make_slot(desk.a, date=DAY, start=dt.time(11), end=dt.time(12))
    booked = make_booking(slot).ticket  # booked, not checked in: not in the queue yet
    with pytest.raises(DomainError) as exc:
        ticket_call_next(counter=desk.counter_a, officer=desk.officer, now=at(desk.office, 10))
    assert exc.value.code == ErrorCode.QUEUE_EMPTY
    booked.refresh_from_db()
    assert booked.status == Status.BOOKED
    assert not TicketEvent.objects.filter(move="call").exists()


def test_yesterdays_leftover_is_not_called_today(desk):
    leftover = walk_in(desk, desk.a, 9)
    with pytest.raises(DomainError) as exc:
        ticket_call_next(
            counter=desk.counter_a,
            officer=desk.officer,
            now=at(desk.office, 9, day=DAY + dt.timedelta(days=1)),
        )
    # The officer's pact is of yesterday: sign today's first, then the queue is empty.
    assert exc.value.code == ErrorCode.OFFICER_PACT_REQUIRED
    tomorrow = DAY + dt.timedelta(days=1)
    sign_officer_pact(desk.officer, desk.office, now=at(desk.office, 8, day=tomorrow))
    with pytest.raises(DomainError) as exc:
        ticket_call_next(
            counter=desk.counter_a, officer=desk.officer, now=at(desk.office, 9, day=tomorrow)
        )
    assert exc.value.code == ErrorCode.QUEUE_EMPTY
    leftover.refresh_from_db()
    assert leftover.status == Status.WAITING


def test_a_counter_serves_one_ticket_at_a_time(desk):
    first = walk_in(desk, desk.a, 9)
    second = walk_in(desk, desk.a, 9, 1)
    now = at(desk.office, 10)
    ticket_call_next(counter=desk.counter_a, officer=desk.officer, now=now)
    for step in ("called", "serving"):
        # A second call while one is called or being served is refused: nothing changes.
        with pytest.raises(DomainError) as exc:
            ticket_call_next(counter=desk.counter_a, officer=desk.officer, now=now)
        assert exc.value.code == ErrorCode.INVALID_TRANSITION
        second.refresh_from_db()
        assert second.status == Status.WAITING
        if step == "called":
            ticket_start(ticket_id=first.pk, counter=desk.counter_a, officer=desk.officer, now=now)
    ticket_finish(ticket_id=first.pk, counter=desk.counter_a, officer=desk.officer, now=now)
    assert ticket_call_next(counter=desk.counter_a, officer=desk.officer, now=now).pk == second.pk
    # Another counter is not held up by this one.
    third = walk_in(desk, desk.a, 9, 2)
    assert ticket_call_next(counter=desk.counter_ab, officer=desk.officer, now=now).pk == third.pk
    assert Ticket.objects.filter(status=Status.CALLED).count() == 2
