"""The fair-call audit: calls out of order, service without waiting, too fast, many no-shows."""

import datetime as dt
from types import SimpleNamespace

import pytest

from antrean.core.errors import DomainError, ErrorCode
from antrean.queueing.models import AuditFlag, Ticket, TicketEvent
from antrean.queueing.services import (
    ticket_call_next,
    ticket_call_specific,
    ticket_finish,
    ticket_no_show,
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
Kind = AuditFlag.Kind


def at(office, hour, minute=0, second=0, day=DAY):
    return local_time(office, day, hour, minute, second)


@pytest.fixture
def desk():
    office = make_office()
    agency = make_agency(office)
    a = make_service(agency=agency, prefix="A", duration_minutes=15)
    officer = make_officer(agency)
    sign_officer_pact(officer, office, now=at(office, 7, 30))
    return SimpleNamespace(
        office=office, a=a, counter=make_counter(agency=agency, services=[a]), officer=officer
    )


def walk_in(desk, hour, minute=0, second=0, priority=""):
    return make_walk_in(desk.a, now=at(desk.office, hour, minute, second), priority=priority).ticket


def call_specific(desk, ticket, now, reason="Warga lansia tidak kuat berdiri"):
    return ticket_call_specific(
        ticket_id=ticket.pk, counter=desk.counter, officer=desk.officer, reason=reason, now=now
    )


def flags(kind=None):
    queryset = AuditFlag.objects.order_by("pk")
    return list(queryset.filter(kind=kind) if kind else queryset)


@pytest.mark.parametrize("reason", ["", "   ", "abcd", None])
def test_calling_a_specific_ticket_needs_a_written_reason(desk, reason):
    walk_in(desk, 9)
    ticket = walk_in(desk, 9, 5)
    with pytest.raises(DomainError) as exc:
        call_specific(desk, ticket, at(desk.office, 9, 30), reason=reason)
    assert (exc.value.code, exc.value.field) == (ErrorCode.REASON_REQUIRED, "reason")
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING
    assert not flags()
    assert not TicketEvent.objects.filter(move="call").exists()


def test_a_call_out_of_order_is_recorded_with_its_reason_and_flagged(desk):
    first = walk_in(desk, 9)
    ticket = walk_in(desk, 9, 5)
    now = at(desk.office, 9, 30)
    call_specific(desk, ticket, now, reason="  Ibu membawa bayi sakit  ")

    ticket.refresh_from_db()
    assert (ticket.status, ticket.counter) == (Status.CALLED, desk.counter)
    event = TicketEvent.objects.get(ticket=ticket, move="call")
    assert event.note == "Ibu membawa bayi sakit"
    [flag] = flags()
    assert (flag.kind, flag.ticket, flag.officer, flag.counter, flag.at, flag.office) == (
        Kind.OUT_OF_ORDER,
        ticket,
        desk.officer,
        desk.counter,
        now,
        desk.office,
    )
    assert first.number in flag.detail and "Ibu membawa bayi sakit" in flag.detail
    assert flag.acknowledged_at is None


def test_calling_the_first_ticket_by_hand_is_not_out_of_order(desk):
    first = walk_in(desk, 9)
    walk_in(desk, 9, 5)
    call_specific(desk, first, at(desk.office, 9, 30))
    assert not flags()


def test_the_first_is_judged_by_the_calling_order_with_priority(desk):
    walk_in(desk, 9)
    elderly = walk_in(desk, 9, 5, priority="lansia")
    call_specific(desk, elderly, at(desk.office, 9, 30))
    assert not flags()  # the priority ticket was first anyway


def test_a_ticket_called_within_a_minute_of_arriving_past_three_others_is_flagged(desk):
    for minute in range(3):
        walk_in(desk, 9, minute)
    newcomer = walk_in(desk, 9, 10)
    now = at(desk.office, 9, 11)  # 60 s after arriving
    call_specific(desk, newcomer, now)

    assert [f.kind for f in flags()] == [Kind.OUT_OF_ORDER, Kind.NO_WAIT]
    no_wait = flags(Kind.NO_WAIT)[0]
    assert (no_wait.ticket, no_wait.officer, no_wait.counter, no_wait.at) == (
        newcomer,
        desk.officer,
        desk.counter,
        now,
    )
    assert "60 detik" in no_wait.detail and "3 antrean" in no_wait.detail


def test_waiting_more_than_a_minute_is_not_flagged_as_no_wait(desk):
    for minute in range(3):
        walk_in(desk, 9, minute)
    newcomer = walk_in(desk, 9, 10)
    call_specific(desk, newcomer, at(desk.office, 9, 11, 1))
    assert [f.kind for f in flags()] == [Kind.OUT_OF_ORDER]


def test_two_waiting_ahead_are_not_enough_for_no_wait(desk):
    for minute in range(2):
        walk_in(desk, 9, minute)
    newcomer = walk_in(desk, 9, 10)
    call_specific(desk, newcomer, at(desk.office, 9, 10, 30))
    assert [f.kind for f in flags()] == [Kind.OUT_OF_ORDER]


def test_a_ticket_called_next_in_its_turn_is_not_flagged(desk):
    ticket = walk_in(desk, 9)
    for minute in range(1, 4):
        walk_in(desk, 9, minute)
    assert (
        ticket_call_next(
            counter=desk.counter, officer=desk.officer, now=at(desk.office, 9, 3, 30)
        ).pk
        == ticket.pk
    )
    assert not flags()


def serve(desk, ticket, started, finished):
    ticket_call_specific(
        ticket_id=ticket.pk,
        counter=desk.counter,
        officer=desk.officer,
        reason="Sesuai urutan",
        now=started,
    )
    ticket_start(ticket_id=ticket.pk, counter=desk.counter, officer=desk.officer, now=started)
    ticket_finish(ticket_id=ticket.pk, counter=desk.counter, officer=desk.officer, now=finished)


def test_finishing_in_under_a_fifth_of_the_service_duration_is_flagged(desk):
    ticket = walk_in(desk, 9)
    started = at(desk.office, 9, 30)
    serve(desk, ticket, started, started + dt.timedelta(seconds=179))  # 20% of 15 min is 180 s
    [flag] = flags()
    assert (flag.kind, flag.ticket, flag.officer, flag.counter) == (
        Kind.TOO_FAST,
        ticket,
        desk.officer,
        desk.counter,
    )
    assert flag.at == started + dt.timedelta(seconds=179)
    assert "179 detik" in flag.detail and "15 menit" in flag.detail


def test_finishing_at_a_fifth_of_the_duration_or_later_is_not_flagged(desk):
    ticket = walk_in(desk, 9)
    started = at(desk.office, 9, 30)
    serve(desk, ticket, started, started + dt.timedelta(seconds=180))
    assert not flags()


def no_show(desk, ticket, now):
    ticket_call_next(counter=desk.counter, officer=desk.officer, now=now)
    ticket_no_show(ticket_id=ticket.pk, counter=desk.counter, officer=desk.officer, now=now)


def test_three_no_shows_by_one_officer_in_a_day_are_flagged(desk):
    tickets = [walk_in(desk, 9, minute) for minute in range(7)]
    for i, ticket in enumerate(tickets[:2]):
        no_show(desk, ticket, at(desk.office, 10, i))
    assert not flags()
    no_show(desk, tickets[2], at(desk.office, 10, 2))
    [flag] = flags()
    assert (flag.kind, flag.ticket, flag.officer, flag.counter) == (
        Kind.REPEATED_NO_SHOW,
        tickets[2],
        desk.officer,
        desk.counter,
    )
    assert "3 antrean" in flag.detail
    # Again at each multiple of three.
    for i, ticket in enumerate(tickets[3:], start=3):
        no_show(desk, ticket, at(desk.office, 10, i))
    assert [f.ticket for f in flags(Kind.REPEATED_NO_SHOW)] == [tickets[2], tickets[5]]


def test_no_shows_are_counted_per_officer_and_per_local_day(desk):
    office = desk.office
    yesterday = DAY - dt.timedelta(days=1)
    sign_officer_pact(desk.officer, office, now=at(office, 7, 30, day=yesterday))
    for minute in range(2):
        ticket = make_walk_in(desk.a, now=at(office, 9, minute, day=yesterday)).ticket
        no_show(desk, ticket, at(office, 15, minute, day=yesterday))
    # Another officer of the same counter marks one today: neither count reaches three.
    colleague = make_officer(desk.counter.agency)
    sign_officer_pact(colleague, office, now=at(office, 7, 45))
    ticket = walk_in(desk, 9)
    ticket_call_next(counter=desk.counter, officer=colleague, now=at(office, 9, 30))
    ticket_no_show(
        ticket_id=ticket.pk, counter=desk.counter, officer=colleague, now=at(office, 9, 31)
    )
    ticket = walk_in(desk, 9, 1)
    no_show(desk, ticket, at(office, 9, 40))  # the officer's first today
    assert not flags()
    assert Ticket.objects.filter(status=Status.NO_SHOW).count() == 4


def test_a_flag_keeps_its_ticket_from_being_deleted(desk):
    from django.db.models import ProtectedError

    walk_in(desk, 9)
    ticket = walk_in(desk, 9, 5)
    call_specific(desk, ticket, at(desk.office, 9, 30))
    [flag] = flags()
    with pytest.raises(ProtectedError) as exc:
        ticket.delete()
    assert flag in exc.value.protected_objects
