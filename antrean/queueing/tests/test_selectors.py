"""Reads about queues: the waiting-time estimate and a ticket's place in its queue."""

import datetime as dt
from types import SimpleNamespace

import pytest

from antrean.queueing.models import Ticket
from antrean.queueing.selectors import (
    counter_current_ticket,
    counter_queue_lengths,
    counters_for_office,
    service_wait_estimate,
    ticket_position,
)
from antrean.queueing.services import (
    ticket_call_next,
    ticket_finish,
    ticket_hold,
    ticket_start,
)
from antrean.queueing.states import Status
from antrean.testing.factories import (
    local_time,
    make_agency,
    make_counter,
    make_office,
    make_officer,
    make_service,
    make_walk_in,
    sign_officer_pact,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 3, 4)


def at(office, hour, minute=0, second=0):
    return local_time(office, DAY, hour, minute, second)


@pytest.fixture
def desk():
    office = make_office()
    agency = make_agency(office)
    a = make_service(agency=agency, prefix="A", duration_minutes=12)
    b = make_service(agency=agency, prefix="B")
    officer = make_officer(agency)
    sign_officer_pact(officer, office, now=at(office, 7))
    return SimpleNamespace(
        office=office,
        agency=agency,
        a=a,
        b=b,
        counters=[make_counter(agency=agency, services=[a]) for _ in range(3)],
        counter_b=make_counter(agency=agency, services=[b]),
        officer=officer,
    )


def walk_in(desk, service, hour, minute=0, priority=""):
    return make_walk_in(service, now=at(desk.office, hour, minute), priority=priority).ticket


def serve(desk, counter, called, minutes):
    """Call the next ticket at `counter` at `called`, serve it for `minutes`."""
    ticket = ticket_call_next(counter=counter, officer=desk.officer, now=called)
    ticket_start(ticket_id=ticket.pk, counter=counter, officer=desk.officer, now=called)
    ticket_finish(
        ticket_id=ticket.pk,
        counter=counter,
        officer=desk.officer,
        now=called + dt.timedelta(minutes=minutes),
    )
    return ticket


def test_without_history_the_estimate_uses_the_service_duration_and_one_counter(desk):
    for minute in range(5):
        walk_in(desk, desk.a, 9, minute)
    walk_in(desk, desk.b, 9)  # another service's queue does not count
    estimate = service_wait_estimate(service=desk.a, now=at(desk.office, 9, 10))
    assert (estimate.waiting, estimate.open_counters, estimate.minutes_per_ticket) == (5, 1, 12.0)
    assert estimate.minutes == 60


def test_the_estimate_uses_recent_service_durations_and_the_counters_open_now(desk):
    office = desk.office
    for minute in range(2):
        walk_in(desk, desk.a, 8, minute)
    serve(desk, desk.counters[0], at(office, 9), minutes=6)
    serve(desk, desk.counters[1], at(office, 9, 5), minutes=10)
    for minute in range(5):
        walk_in(desk, desk.a, 9, 10 + minute)
    walk_in(desk, desk.b, 9, 10)
    # Counter B calls at 09:20: it does not serve A, so it is not an open counter for A.
    ticket_call_next(counter=desk.counter_b, officer=desk.officer, now=at(office, 9, 20))

    estimate = service_wait_estimate(service=desk.a, now=at(office, 9, 30))
    # 5 waiting × 8 minutes (the mean of 6 and 10) over 2 counters that called recently.
    assert (estimate.waiting, estimate.open_counters, estimate.minutes_per_ticket) == (5, 2, 8.0)
    assert estimate.minutes == 20

    # Half an hour after the last call at 09:05, only one counter still counts as open.
    later = service_wait_estimate(service=desk.a, now=at(office, 9, 30, 1))
    assert later.open_counters == 1
    assert later.minutes == 40


def test_a_ticket_position_counts_the_people_ahead_in_calling_order(desk):
    first = walk_in(desk, desk.a, 9)
    second = walk_in(desk, desk.a, 9, 5)
    elderly = walk_in(desk, desk.a, 9, 10, priority="lansia")
    walk_in(desk, desk.b, 8)  # another service's queue is not ahead
    now = at(desk.office, 9, 15)

    assert ticket_position(ticket=elderly, now=now) == {"ahead": 0, "minutes": 0}
    assert ticket_position(ticket=first, now=now) == {"ahead": 1, "minutes": 12}
    assert ticket_position(ticket=second, now=now) == {"ahead": 2, "minutes": 24}

    serve(desk, desk.counters[0], now, minutes=4)  # the elderly citizen goes first
    elderly.refresh_from_db()
    assert elderly.status == Status.DONE
    assert ticket_position(ticket=elderly, now=now) == {"ahead": 0, "minutes": 0}
    second.refresh_from_db()
    assert ticket_position(ticket=second, now=now)["ahead"] == 1


def test_counter_queue_lengths_and_current_ticket(desk):
    office = desk.office
    both = make_counter(agency=desk.agency, services=[desk.a, desk.b])
    for minute in range(3):
        walk_in(desk, desk.a, 9, minute)
    walk_in(desk, desk.b, 9)
    lengths = counter_queue_lengths(counter=both, now=at(office, 9, 30))
    assert [(row["service"], row["waiting"]) for row in lengths] == [(desk.a, 3), (desk.b, 1)]

    assert counter_current_ticket(counter=both) is None
    first = ticket_call_next(counter=both, officer=desk.officer, now=at(office, 9, 30))
    assert counter_current_ticket(counter=both) == first
    ticket_start(ticket_id=first.pk, counter=both, officer=desk.officer, now=at(office, 9, 31))
    ticket_hold(ticket_id=first.pk, counter=both, officer=desk.officer, now=at(office, 9, 32))
    second = ticket_call_next(counter=both, officer=desk.officer, now=at(office, 9, 33))
    assert counter_current_ticket(counter=both) == second  # the newest call, not the held one
    ticket_start(ticket_id=second.pk, counter=both, officer=desk.officer, now=at(office, 9, 34))
    ticket_finish(ticket_id=second.pk, counter=both, officer=desk.officer, now=at(office, 9, 45))
    assert counter_current_ticket(counter=both) == first  # back to the held one
    assert Ticket.objects.get(pk=first.pk).status == Status.ON_HOLD


def test_counters_for_office_lists_active_counters_in_number_order(desk):
    desk.counters[1].is_active = False
    desk.counters[1].save(update_fields=["is_active"])
    listed = list(counters_for_office(office_code=desk.office.code))
    expected = sorted([desk.counters[0], desk.counters[2], desk.counter_b], key=lambda c: c.number)
    assert listed == expected
