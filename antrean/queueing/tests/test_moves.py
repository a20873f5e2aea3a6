"""Every move at the counter, and every move that does not exist refused with nothing changed."""

import datetime as dt
from types import SimpleNamespace

import pytest

from antrean.booking.services import booking_cancel
from antrean.catalog.models import Slot
from antrean.core.errors import DomainError, ErrorCode
from antrean.queueing.models import AuditFlag, CallState, Ticket, TicketEvent
from antrean.queueing.services import (
    ticket_call_next,
    ticket_call_specific,
    ticket_cancel_at_counter,
    ticket_finish,
    ticket_hold,
    ticket_no_show,
    ticket_recall,
    ticket_resume,
    ticket_start,
    ticket_transfer,
    tickets_expire,
)
from antrean.queueing.states import TRANSITIONS, Move, Status
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
NIK = make_nik(4321)


def at(office, hour, minute=0, second=0):
    return local_time(office, DAY, hour, minute, second)


@pytest.fixture
def desk():
    office = make_office()
    agency = make_agency(office)
    a = make_service(agency=agency, prefix="A")
    b = make_service(agency=agency, prefix="B")
    officer = make_officer(agency)
    sign_officer_pact(officer, office, now=at(office, 7, 30))
    return SimpleNamespace(
        office=office,
        a=a,
        b=b,
        counter=make_counter(agency=agency, services=[a]),
        other_counter=make_counter(agency=agency, services=[a]),
        counter_b=make_counter(agency=agency, services=[b]),
        officer=officer,
    )


def move(desk, name, ticket, now, *, counter=None, **extra):
    """Make one counter move on `ticket` at `counter` (the desk's first counter by default)."""
    args = {
        "ticket_id": ticket.pk,
        "counter": counter or desk.counter,
        "officer": desk.officer,
        "now": now,
    }
    if name == Move.CALL:
        return ticket_call_specific(reason=extra.get("reason", "Warga lansia datang"), **args)
    if name == Move.TRANSFER:
        return ticket_transfer(service_id=extra.get("service_id", desk.b.pk), **args)
    if name == Move.CHECK_IN:
        return check_in(code=ticket.code, nik_last4="4321", now=now)
    return {
        Move.RECALL: ticket_recall,
        Move.START: ticket_start,
        Move.FINISH: ticket_finish,
        Move.NO_SHOW: ticket_no_show,
        Move.HOLD: ticket_hold,
        Move.RESUME: ticket_resume,
        Move.CANCEL: ticket_cancel_at_counter,
    }[name](**args)


# The moves that lead from a booking to each status, made at the desk's counter from 09:00.
PATHS = {
    Status.BOOKED: [],
    Status.WAITING: [Move.CHECK_IN],
    Status.CALLED: [Move.CHECK_IN, Move.CALL],
    Status.SERVING: [Move.CHECK_IN, Move.CALL, Move.START],
    Status.ON_HOLD: [Move.CHECK_IN, Move.CALL, Move.START, Move.HOLD],
    Status.DONE: [Move.CHECK_IN, Move.CALL, Move.START, Move.FINISH],
    Status.NO_SHOW: [Move.CHECK_IN, Move.CALL, Move.NO_SHOW],
    Status.CANCELLED: [Move.CHECK_IN, Move.CANCEL],
    Status.EXPIRED: [Move.EXPIRE],
}


def ticket_in(desk, status):
    """A booking of service A (09:00–10:00) brought to `status` by the moves of PATHS."""
    slot = make_slot(desk.a, date=DAY, start=dt.time(9), end=dt.time(10))
    ticket = make_booking(slot, nik=NIK).ticket
    now = at(desk.office, 9)
    for step in PATHS[status]:
        now += dt.timedelta(minutes=1)
        if step == Move.EXPIRE:
            assert tickets_expire(now=at(desk.office, 10, 16)) == 1
        else:
            move(desk, step, ticket, now)
    ticket.refresh_from_db()
    assert ticket.status == status
    return ticket


def snapshot():
    """The rows a refused move must leave as they were."""
    return (
        list(Ticket.objects.order_by("pk").values()),
        list(TicketEvent.objects.order_by("pk").values()),
        list(AuditFlag.objects.order_by("pk").values()),
        list(CallState.objects.values()),
        list(Slot.objects.order_by("pk").values("pk", "booked")),
    )


COUNTER_MOVES = [
    Move.CALL,
    Move.RECALL,
    Move.START,
    Move.FINISH,
    Move.NO_SHOW,
    Move.HOLD,
    Move.RESUME,
    Move.TRANSFER,
    Move.CANCEL,
]
# Check-in of a ticket already in the queue returns it unchanged (it is idempotent), so it
# is refused only from the statuses that have left the queue.
REFUSED = [
    (status, name)
    for status in Status
    for name in COUNTER_MOVES
    if (status, name) not in TRANSITIONS
] + [(status, Move.CHECK_IN) for status in ("done", "no_show", "cancelled", "expired")]


@pytest.mark.parametrize(("status", "name"), REFUSED)
def test_every_move_outside_the_state_table_is_refused_and_changes_nothing(desk, status, name):
    ticket = ticket_in(desk, status)
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        move(desk, name, ticket, at(desk.office, 9, 30))
    assert exc.value.code == ErrorCode.INVALID_TRANSITION
    assert snapshot() == before


@pytest.mark.parametrize("status", [Status.CALLED, Status.SERVING, Status.ON_HOLD])
def test_checking_in_a_ticket_already_at_the_counter_changes_nothing(desk, status):
    ticket = ticket_in(desk, status)
    before = snapshot()
    assert move(desk, Move.CHECK_IN, ticket, at(desk.office, 9, 30)).status == status
    assert snapshot() == before


ALLOWED = sorted((s, m) for (s, m) in TRANSITIONS if m not in (Move.CHECK_IN, Move.EXPIRE))


@pytest.mark.parametrize(("status", "name"), ALLOWED)
def test_each_move_of_the_state_table_makes_its_step_and_one_event(desk, status, name):
    ticket = ticket_in(desk, status)
    events = TicketEvent.objects.filter(ticket=ticket).count()
    now = at(desk.office, 9, 30)
    move(desk, name, ticket, now)
    ticket.refresh_from_db()
    assert ticket.status == TRANSITIONS[(status, name)]
    assert TicketEvent.objects.filter(ticket=ticket).count() == events + 1
    event = TicketEvent.objects.filter(ticket=ticket).last()
    assert (event.move, event.from_status, event.to_status) == (name, status, ticket.status)
    assert (event.officer, event.counter, event.at) == (desk.officer, desk.counter, now)
    assert Ticket.objects.count() == 1  # no move makes a new row


def test_a_booked_ticket_is_cancelled_at_the_counter(desk):
    ticket = ticket_in(desk, Status.BOOKED)
    move(desk, Move.CANCEL, ticket, at(desk.office, 9, 30))
    ticket.refresh_from_db()
    assert (ticket.status, ticket.cancelled_at) == (Status.CANCELLED, at(desk.office, 9, 30))


def test_start_and_finish_record_their_times_and_the_officer(desk):
    ticket = ticket_in(desk, Status.CALLED)
    move(desk, Move.START, ticket, at(desk.office, 9, 10))
    move(desk, Move.FINISH, ticket, at(desk.office, 9, 25))
    ticket.refresh_from_db()
    assert (ticket.started_at, ticket.finished_at) == (
        at(desk.office, 9, 10),
        at(desk.office, 9, 25),
    )
    assert (ticket.counter, ticket.officer) == (desk.counter, desk.officer)


def test_recall_announces_again_without_changing_the_ticket_or_the_order(desk):
    ticket = ticket_in(desk, Status.CALLED)
    before = Ticket.objects.filter(pk=ticket.pk).values().get()
    events = TicketEvent.objects.count()
    move(desk, Move.RECALL, ticket, at(desk.office, 9, 20))
    move(desk, Move.RECALL, ticket, at(desk.office, 9, 21))
    assert Ticket.objects.filter(pk=ticket.pk).values().get() == before  # status, called_at …
    assert TicketEvent.objects.count() == events + 2
    assert list(
        TicketEvent.objects.filter(ticket=ticket, move="recall").values_list(
            "from_status", "to_status", "at"
        )
    ) == [
        ("called", "called", at(desk.office, 9, 20)),
        ("called", "called", at(desk.office, 9, 21)),
    ]


def test_no_show_only_after_a_call(desk):
    ticket = ticket_in(desk, Status.WAITING)
    with pytest.raises(DomainError) as exc:
        move(desk, Move.NO_SHOW, ticket, at(desk.office, 9, 20))
    assert exc.value.code == ErrorCode.INVALID_TRANSITION
    move(desk, Move.CALL, ticket, at(desk.office, 9, 21))
    move(desk, Move.NO_SHOW, ticket, at(desk.office, 9, 25))
    ticket.refresh_from_db()
    assert ticket.status == Status.NO_SHOW


def test_a_held_ticket_stays_at_its_counter_which_serves_others_meanwhile(desk):
    held = ticket_in(desk, Status.ON_HOLD)
    assert held.counter == desk.counter
    nxt = make_walk_in(desk.a, now=at(desk.office, 9, 10)).ticket
    now = at(desk.office, 9, 30)
    assert ticket_call_next(counter=desk.counter, officer=desk.officer, now=now).pk == nxt.pk
    # The held citizen is back, but the counter is busy: resume waits until it is free.
    with pytest.raises(DomainError) as exc:
        move(desk, Move.RESUME, held, now)
    assert exc.value.code == ErrorCode.INVALID_TRANSITION
    held.refresh_from_db()
    assert held.status == Status.ON_HOLD
    move(desk, Move.START, nxt, now)
    move(desk, Move.FINISH, nxt, at(desk.office, 9, 40))
    move(desk, Move.RESUME, held, at(desk.office, 9, 41))
    held.refresh_from_db()
    assert (held.status, held.counter) == (Status.SERVING, desk.counter)


def test_a_transfer_keeps_the_number_and_queues_by_the_original_arrival(desk):
    office = desk.office
    early = make_walk_in(desk.b, now=at(office, 9, 0)).ticket  # B-001
    ticket = make_walk_in(desk.a, now=at(office, 9, 10)).ticket
    late = make_walk_in(desk.b, now=at(office, 9, 30)).ticket  # B-002
    move(desk, Move.CALL, ticket, at(office, 9, 40))
    move(desk, Move.START, ticket, at(office, 9, 41))
    move(desk, Move.TRANSFER, ticket, at(office, 9, 50))

    ticket.refresh_from_db()
    assert (ticket.status, ticket.service, ticket.numbered_service) == (
        Status.WAITING,
        desk.b,
        desk.a,
    )
    assert ticket.number == "A-001"
    assert ticket.arrived_at == ticket.queue_key == at(office, 9, 10)
    assert (ticket.counter, ticket.officer) == (None, None)
    event = TicketEvent.objects.filter(ticket=ticket).last()
    assert (event.move, event.service) == ("transfer", desk.b)

    order = []
    for minute in (55, 56, 57):
        called = ticket_call_next(
            counter=desk.counter_b, officer=desk.officer, now=at(office, 9, minute)
        )
        order.append(called.number)
        move(desk, Move.NO_SHOW, called, at(office, 9, minute), counter=desk.counter_b)
    assert order == [early.number, ticket.number, late.number]


def test_a_booker_transferred_queues_by_arrival_not_by_slot(desk):
    ticket = ticket_in(desk, Status.SERVING)  # checked in at 09:01 for a 09:00 slot
    assert ticket.queue_key == at(desk.office, 9)
    move(desk, Move.TRANSFER, ticket, at(desk.office, 9, 30))
    ticket.refresh_from_db()
    assert ticket.queue_key == ticket.arrived_at == at(desk.office, 9, 1)


@pytest.mark.parametrize("target", ["same", "other_office", "inactive", "missing"])
def test_a_transfer_to_a_service_that_cannot_take_it_is_refused(desk, target):
    ticket = ticket_in(desk, Status.SERVING)
    if target == "same":
        service_id = desk.a.pk
    elif target == "other_office":
        service_id = make_service(make_office()).pk
    elif target == "inactive":
        service_id = make_service(desk.office, prefix="C", is_active=False).pk
    else:
        service_id = 999_999
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        move(desk, Move.TRANSFER, ticket, at(desk.office, 9, 30), service_id=service_id)
    assert (exc.value.code, exc.value.field) == (ErrorCode.INVALID_REQUEST, "service_id")
    assert snapshot() == before


@pytest.mark.parametrize("status", [Status.WAITING, Status.ON_HOLD])
def test_a_cancel_at_the_counter_keeps_the_slot_place_taken(desk, status):
    ticket = ticket_in(desk, status)
    move(desk, Move.CANCEL, ticket, at(desk.office, 9, 30))
    ticket.refresh_from_db()
    assert (ticket.status, ticket.cancelled_at) == (Status.CANCELLED, at(desk.office, 9, 30))
    assert ticket.slot.booked == 1  # the slot's time has come: the place is not given back


def test_the_citizen_cancels_a_waiting_ticket_and_frees_the_place(desk):
    ticket = ticket_in(desk, Status.WAITING)
    booking_cancel(ticket=ticket, now=at(desk.office, 9, 30))
    ticket.refresh_from_db()
    assert ticket.status == Status.CANCELLED
    assert Slot.objects.get(pk=ticket.slot_id).booked == 0
    event = TicketEvent.objects.filter(ticket=ticket).last()
    assert (event.move, event.from_status, event.officer) == ("cancel", "waiting", None)


@pytest.mark.parametrize("status", [Status.CALLED, Status.SERVING])
def test_the_citizen_cannot_cancel_once_called(desk, status):
    ticket = ticket_in(desk, status)
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        booking_cancel(ticket=ticket, now=at(desk.office, 9, 30))
    assert exc.value.code == ErrorCode.INVALID_TRANSITION
    assert snapshot() == before


@pytest.mark.parametrize(
    ("status", "name"),
    [
        (Status.CALLED, Move.RECALL),
        (Status.CALLED, Move.START),
        (Status.CALLED, Move.NO_SHOW),
        (Status.CALLED, Move.CALL),
        (Status.SERVING, Move.FINISH),
        (Status.SERVING, Move.HOLD),
        (Status.SERVING, Move.TRANSFER),
        (Status.ON_HOLD, Move.RESUME),
        (Status.ON_HOLD, Move.CANCEL),
    ],
)
def test_only_the_counter_holding_a_ticket_moves_it(desk, status, name):
    ticket = ticket_in(desk, status)
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        move(desk, name, ticket, at(desk.office, 9, 30), counter=desk.other_counter)
    assert exc.value.code == ErrorCode.FORBIDDEN
    assert snapshot() == before


def test_a_missing_ticket_is_not_found(desk):
    with pytest.raises(DomainError) as exc:
        move(desk, Move.START, SimpleNamespace(pk=999_999), at(desk.office, 9, 30))
    assert exc.value.code == ErrorCode.NOT_FOUND
