"""Appending to the ledger under real concurrency: threads released together on the real
database. On PostgreSQL the office's LedgerHead row lock is what orders one office's
signatures, and another office's bookings do not wait for it; on SQLite the single writer
serialises everything and the chains must come out just as intact."""

import datetime as dt
import itertools
import threading
import time
from collections import Counter

import pytest
from django.db import connection, transaction

from antrean.booking.services import BookingResult, booking_create
from antrean.integrity.ledger import ledger_verify
from antrean.integrity.models import Certificate, LedgerHead, PactSignature
from antrean.integrity.services import ClientInfo
from antrean.testing.factories import (
    booking_request,
    make_nik,
    make_office,
    make_phone,
    make_service,
    make_slot,
    tomorrow,
)

# Threads need committed rows, hence transaction=True; serialized_rollback puts back the rows
# the migrations seeded (the national pacts) that the flush after each test removes.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CLIENT = ClientInfo(channel="web", ip="198.51.100.30", user_agent="pytest")


def run_together(n, work):
    """work(i) for i in 0..n-1, each in its own thread, all released at the same moment."""
    barrier = threading.Barrier(n)
    results = [None] * n
    crashes = []

    def runner(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except BaseException as exc:  # reported below, with the thread it came from
            crashes.append((i, repr(exc)))
        finally:
            connection.close()  # each thread has its own connection: do not leak it

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert not crashes, crashes
    return results


def office_slots(count: int, *, capacity: int = 10):
    office = make_office()
    date = tomorrow(office)
    slots = []
    for i in range(count):
        service = make_service(office)
        slots.append(make_slot(service, date=date, capacity=capacity))
        if i % 2:  # two slots of the same service too, at another hour
            slots.append(
                make_slot(service, date=date, capacity=capacity, start=dt.time(10), end=dt.time(11))
            )
    return office, slots


_serial = itertools.count(1000)


def requests_for(slots, n):
    return [
        booking_request(slots[i % len(slots)], nik=make_nik(k), whatsapp=make_phone(k))
        for i, k in ((i, next(_serial)) for i in range(n))
    ]


def book(request):
    return booking_create(request=request, client=CLIENT)


def assert_chain_intact(office, n: int):
    entries = list(PactSignature.objects.filter(office=office).order_by("ledger_seq"))
    assert [e.ledger_seq for e in entries] == list(range(1, n + 1))
    prevs = [e.prev_hash for e in entries]
    assert len(set(prevs)) == n  # no two entries share a previous hash
    assert len({e.entry_hash for e in entries}) == n
    report = ledger_verify(office=office)
    assert report.ok, report.problem
    assert (report.entries, report.head_seq) == (n, n)
    head = LedgerHead.objects.get(office=office)
    assert (head.seq, head.hash) == (n, entries[-1].entry_hash)
    # One certificate per entry, numbered by its chain position.
    numbers = sorted(Certificate.objects.filter(office=office).values_list("number", flat=True))
    assert [number[-6:] for number in numbers] == [f"{s:06d}" for s in range(1, n + 1)]


def test_thirty_bookings_at_once_in_one_office_make_one_unbroken_chain():
    office, slots = office_slots(4)  # six slots over four services
    requests = requests_for(slots, 30)
    results = run_together(30, lambda i: book(requests[i]))
    assert Counter(type(r) for r in results) == {BookingResult: 30}
    assert_chain_intact(office, 30)


def test_two_offices_booked_at_once_keep_separate_unbroken_chains():
    office_a, slots_a = office_slots(3)
    office_b, slots_b = office_slots(3)
    requests = [
        request
        for pair in zip(requests_for(slots_a, 15), requests_for(slots_b, 15), strict=True)
        for request in pair
    ]
    results = run_together(30, lambda i: book(requests[i]))
    assert all(isinstance(r, BookingResult) for r in results)
    assert_chain_intact(office_a, 15)
    assert_chain_intact(office_b, 15)


def test_an_office_never_waits_for_another_offices_chain(on_postgresql):
    if not on_postgresql:
        pytest.skip("SQLite has one writer for the whole database: every write waits its turn")
    office_a, slots_a = office_slots(1)
    office_b, slots_b = office_slots(1)
    book(requests_for(slots_a, 1)[0])  # both heads exist, pact texts are rendered
    book(requests_for(slots_b, 1)[0])
    request_a, request_b = requests_for(slots_a, 1)[0], requests_for(slots_b, 1)[0]
    hold = 1.0
    locked = threading.Event()
    timings = {}

    def hold_office_a_head(_):
        with transaction.atomic():
            LedgerHead.objects.select_for_update().get(office=office_a)
            locked.set()
            time.sleep(hold)

    def timed_booking(name, request):
        def work(_):
            assert locked.wait(timeout=10)
            started = time.monotonic()
            book(request)
            timings[name] = time.monotonic() - started

        return work

    workers = [hold_office_a_head, timed_booking("B", request_b), timed_booking("A", request_a)]
    run_together(3, lambda i: workers[i](i))

    assert timings["B"] < hold / 4, timings  # office B went straight through
    assert timings["A"] > hold / 2, timings  # office A waited for its own head: the lock holds
    assert_chain_intact(office_a, 2)
    assert_chain_intact(office_b, 2)
