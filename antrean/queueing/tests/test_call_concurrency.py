"""Counters calling at the same instant, with real threads on the real database.

On PostgreSQL this is the proof that SELECT … FOR UPDATE SKIP LOCKED gives each waiting ticket
to exactly one counter. On SQLite the IMMEDIATE write lock serialises the callers, and the
same outcome must hold. A third test shows on PostgreSQL what happens without the lock.
"""

import collections
import datetime as dt
import threading

import pytest
from django.db import connection

from antrean.core.errors import DomainError, ErrorCode
from antrean.queueing import services
from antrean.queueing.models import Ticket, TicketEvent
from antrean.queueing.services import ticket_call_next, ticket_finish, ticket_start
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

# Threads need committed rows, hence transaction=True; serialized_rollback puts back the rows
# the migrations seeded (the national pacts) that the flush after each test removes.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DAY = dt.date(2030, 3, 4)


def drain_together(desks, *, now):
    """Each (counter, officer) in its own thread, released at the same moment: call next,
    serve, call next … until the queue is empty. Returns, per counter, the tickets it called
    (by pk, in order)."""
    barrier = threading.Barrier(len(desks))
    called = [[] for _ in desks]
    crashes = []

    def work(i):
        counter, officer = desks[i]
        try:
            barrier.wait(timeout=30)
            while True:
                try:
                    ticket = ticket_call_next(counter=counter, officer=officer, now=now)
                except DomainError as exc:
                    if exc.code == ErrorCode.QUEUE_EMPTY:
                        return
                    raise
                called[i].append(ticket.pk)
                ticket_start(ticket_id=ticket.pk, counter=counter, officer=officer, now=now)
                ticket_finish(ticket_id=ticket.pk, counter=counter, officer=officer, now=now)
        except BaseException as exc:  # reported below, with the thread it came from
            crashes.append((i, repr(exc)))
        finally:
            connection.close()  # each thread has its own connection: do not leak it

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(desks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert not crashes, crashes
    return called


def office_with_counters(services_per_counter, *, tickets_per_service):
    """An office whose counters serve the given sets of service prefixes, one officer each
    (pact signed), and `tickets_per_service` walk-ins waiting in each service."""
    office = make_office()
    agency = make_agency(office)
    prefixes = sorted({p for group in services_per_counter for p in group})
    by_prefix = {p: make_service(agency=agency, prefix=p) for p in prefixes}
    desks = []
    for group in services_per_counter:
        counter = make_counter(agency=agency, services=[by_prefix[p] for p in group])
        officer = make_officer(agency)
        sign_officer_pact(officer, office, now=local_time(office, DAY, 7))
        desks.append((counter, officer))
    start = local_time(office, DAY, 8)
    for n in range(tickets_per_service):
        for p in prefixes:
            make_walk_in(by_prefix[p], now=start + dt.timedelta(seconds=7 * n + ord(p)))
    return office, desks, local_time(office, DAY, 10)


def assert_each_ticket_called_once_by_a_counter_that_serves_it(desks, called):
    everyone = [pk for per_counter in called for pk in per_counter]
    tickets = Ticket.objects.all()
    assert sorted(everyone) == sorted(tickets.values_list("pk", flat=True))  # all, once
    assert set(tickets.values_list("status", flat=True)) == {Status.DONE}
    calls = collections.Counter(
        TicketEvent.objects.filter(move="call").values_list("ticket_id", flat=True)
    )
    assert set(calls.values()) == {1}
    for (counter, _), pks in zip(desks, called, strict=True):
        served = set(counter.services.values_list("pk", flat=True))
        for ticket in Ticket.objects.filter(pk__in=pks):
            assert ticket.service_id in served
            assert ticket.counter_id == counter.pk
        assert set(
            TicketEvent.objects.filter(move="call", counter=counter).values_list(
                "ticket_id", flat=True
            )
        ) == set(pks)


def test_eight_counters_calling_at_once_never_share_a_ticket():
    _, desks, now = office_with_counters([("A", "B")] * 8, tickets_per_service=15)
    assert Ticket.objects.filter(status=Status.WAITING).count() == 30

    called = drain_together(desks, now=now)

    assert_each_ticket_called_once_by_a_counter_that_serves_it(desks, called)
    # Each counter called in queue order among what was left to it: never a later ticket
    # before an earlier one.
    for pks in called:
        keys = list(Ticket.objects.filter(pk__in=pks).values_list("pk", "queue_key"))
        by_pk = dict(keys)
        assert [by_pk[pk] for pk in pks] == sorted(by_pk[pk] for pk in pks)


def test_counters_with_different_services_take_only_their_own_tickets():
    groups = [("A",), ("A",), ("B",), ("B",), ("C",), ("A", "B"), ("B", "C"), ("A", "C")]
    _, desks, now = office_with_counters(groups, tickets_per_service=10)
    assert Ticket.objects.filter(status=Status.WAITING).count() == 30

    called = drain_together(desks, now=now)

    assert_each_ticket_called_once_by_a_counter_that_serves_it(desks, called)


def call_once_together(desks, *, now):
    """Every counter calls next once, all released at the same moment; returns how many
    times each ticket was called."""
    barrier = threading.Barrier(len(desks))
    crashes = []

    def work(i):
        counter, officer = desks[i]
        try:
            barrier.wait(timeout=30)
            ticket_call_next(counter=counter, officer=officer, now=now)
        except BaseException as exc:
            crashes.append((i, repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(desks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not crashes, crashes
    return collections.Counter(
        TicketEvent.objects.filter(move="call").values_list("ticket_id", flat=True)
    )


@pytest.mark.parametrize("locked", [True, False], ids=["skip-locked", "no-lock"])
def test_without_the_lock_counters_calling_at_once_get_the_same_ticket(
    monkeypatch, on_postgresql, locked
):
    """The control: the same eight counters calling at once, with _take_first reading
    without FOR UPDATE SKIP LOCKED, give one ticket to several counters (5 or 6 of the 8
    calls were duplicates in every one of 10 runs measured; 0 with the lock)."""
    if not on_postgresql:
        pytest.skip("SQLite serialises the callers with its write lock: there is no race")
    if not locked:
        monkeypatch.setattr(
            services,
            "_take_first",
            lambda queryset: queryset.select_related("service", "office", "slot").first(),
        )
    _, desks, now = office_with_counters([("A",)] * 8, tickets_per_service=30)

    calls = call_once_together(desks, now=now)

    assert sum(calls.values()) == 8
    duplicates = sum(n - 1 for n in calls.values())
    if locked:
        assert duplicates == 0
    else:
        assert duplicates > 0
