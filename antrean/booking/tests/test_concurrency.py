"""The booking guards under real concurrency: threads released together on the real database.

On PostgreSQL these are the proof that the guards hold (the conditional UPDATE checked by row
count, the (service, date) sequence row, the partial unique index per NIK, the per-phone counter
row). On SQLite, IMMEDIATE transactions and the busy timeout serialise the writers, and the same
outcomes must hold.
"""

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Sum

from antrean.booking.models import NikDayCount, PhoneDayCount
from antrean.booking.services import BookingResult, booking_cancel, booking_create
from antrean.catalog.models import Slot
from antrean.core.errors import DomainError, ErrorCode
from antrean.integrity.models import PactSignature
from antrean.integrity.services import ClientInfo
from antrean.queueing.models import Ticket, TicketSequence
from antrean.queueing.states import ACTIVE, Status
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

CLIENT = ClientInfo(channel="web", ip="198.51.100.20", user_agent="pytest")


def run_together(n, work):
    """Run work(i) for i in 0..n-1, each in its own thread, all released at the same moment.

    Returns, per thread, what work returned or the code of the DomainError it raised. Any
    other exception fails the test.
    """
    barrier = threading.Barrier(n)
    results = [None] * n
    crashes = []

    def runner(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except DomainError as exc:
            results[i] = exc.code
        except BaseException as exc:  # reported below, with the thread it came from
            crashes.append((i, repr(exc)))
        finally:
            connection.close()  # each thread has its own connection: do not leak it

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert not crashes, crashes
    return results


def book(request):
    return booking_create(request=request, client=CLIENT)


def outcomes(results):
    return Counter("ok" if isinstance(r, BookingResult) else str(r) for r in results)


def assert_numbers_gapless(service, date):
    """Numbers of (service, date) are exactly 1..n, unique, and the sequence row says n."""
    seqs = sorted(Ticket.objects.filter(service=service, date=date).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    numbers = list(
        Ticket.objects.filter(service=service, date=date).values_list("number", flat=True)
    )
    assert len(set(numbers)) == len(numbers)
    last = TicketSequence.objects.filter(service=service, date=date).values_list("last", flat=True)
    assert list(last) == ([len(seqs)] if seqs else [])


def test_many_bookings_for_one_slot_never_exceed_its_capacity():
    service = make_service(prefix="A")
    slot = make_slot(service, capacity=7)
    requests = [
        booking_request(slot, nik=make_nik(i + 1), whatsapp=make_phone(i + 1)) for i in range(40)
    ]
    results = run_together(40, lambda i: book(requests[i]))

    assert outcomes(results) == {"ok": 7, ErrorCode.SLOT_FULL.value: 33}
    slot.refresh_from_db()
    assert (slot.booked, slot.remaining) == (7, 0)
    tickets = Ticket.objects.filter(slot=slot)
    assert tickets.count() == Ticket.objects.count() == 7
    assert sorted(tickets.values_list("number", flat=True)) == [f"A-{n:03d}" for n in range(1, 8)]
    assert_numbers_gapless(service, slot.date)
    winners = {r.ticket.pk for r in results if isinstance(r, BookingResult)}
    assert winners == set(tickets.values_list("pk", flat=True))
    assert PactSignature.objects.count() == 7
    assert set(PactSignature.objects.values_list("ticket_id", flat=True)) == winners
    assert PhoneDayCount.objects.aggregate(n=Sum("active"))["n"] == 7


def half_hour_slots(service, date, count, capacity):
    """`count` back-to-back 30-minute slots of `service` from 08:00."""
    start = dt.datetime.combine(date, dt.time(8))
    slots = []
    for i in range(count):
        begin = start + dt.timedelta(minutes=30 * i)
        end = begin + dt.timedelta(minutes=30)
        slots.append(
            make_slot(service, date=date, start=begin.time(), end=end.time(), capacity=capacity)
        )
    return slots


def test_numbers_stay_unique_and_gapless_across_the_slots_of_a_service():
    # Different slots do not share a row lock: only the (service, date) sequence row orders them.
    service = make_service(prefix="A")
    date = tomorrow(service.office)
    slots = half_hour_slots(service, date, 10, capacity=3)
    requests = [
        booking_request(slots[i % 10], nik=make_nik(500 + i), whatsapp=make_phone(500 + i))
        for i in range(30)
    ]
    results = run_together(30, lambda i: book(requests[i]))

    assert outcomes(results) == {"ok": 30}
    assert_numbers_gapless(service, date)
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert numbers == [f"A-{n:03d}" for n in range(1, 31)]
    assert set(Slot.objects.values_list("booked", flat=True)) == {3}


def test_one_nik_gets_one_booking_per_service_and_day():
    service = make_service(prefix="A")
    date = tomorrow(service.office)
    slots = half_hour_slots(service, date, 10, capacity=5)
    nik = make_nik(77)
    requests = [booking_request(slots[i], nik=nik, whatsapp=make_phone(100 + i)) for i in range(10)]
    results = run_together(10, lambda i: book(requests[i]))

    assert outcomes(results) == {"ok": 1, ErrorCode.DUPLICATE_BOOKING.value: 9}
    assert Ticket.objects.count() == 1
    assert Slot.objects.aggregate(n=Sum("booked"))["n"] == 1
    assert_numbers_gapless(service, date)  # the refused ones gave their numbers back
    assert Ticket.objects.get().number == "A-001"
    assert PactSignature.objects.count() == 1
    assert PhoneDayCount.objects.aggregate(n=Sum("active"))["n"] == 1


def test_one_phone_gets_three_bookings_a_day():
    office = make_office()
    date = tomorrow(office)
    slots = [make_slot(make_service(office), date=date, capacity=5) for _ in range(10)]
    requests = [
        booking_request(slots[i], nik=make_nik(200 + i), whatsapp="0812 3456 7890")
        for i in range(10)
    ]
    results = run_together(10, lambda i: book(requests[i]))

    assert outcomes(results) == {"ok": 3, ErrorCode.TOO_MANY_BOOKINGS.value: 7}
    assert Ticket.objects.count() == 3
    assert Slot.objects.aggregate(n=Sum("booked"))["n"] == 3
    assert list(PhoneDayCount.objects.values_list("active", flat=True)) == [3]
    assert PactSignature.objects.count() == 3
    for slot in slots:
        assert_numbers_gapless(slot.service, date)


def test_one_nik_gets_three_bookings_a_day_over_all_services():
    office = make_office()
    date = tomorrow(office)
    slots = [make_slot(make_service(office), date=date, capacity=5) for _ in range(10)]
    nik = make_nik(88)
    requests = [booking_request(slots[i], nik=nik, whatsapp=make_phone(300 + i)) for i in range(10)]
    results = run_together(10, lambda i: book(requests[i]))

    assert outcomes(results) == {"ok": 3, ErrorCode.NIK_DAILY_LIMIT.value: 7}
    assert Ticket.objects.count() == 3
    assert Slot.objects.aggregate(n=Sum("booked"))["n"] == 3
    assert list(NikDayCount.objects.values_list("active", flat=True)) == [3]
    assert PhoneDayCount.objects.aggregate(n=Sum("active"))["n"] == 3
    for slot in slots:
        assert_numbers_gapless(slot.service, date)


def test_booking_and_cancelling_at_once_keeps_the_counts_true():
    service = make_service(prefix="A")
    slot = make_slot(service, capacity=8)
    niks = [make_nik(300 + i) for i in range(20)]
    phones = [make_phone(300 + i) for i in range(20)]

    def churn(i):
        done = []
        first = book(booking_request(slot, nik=niks[i], whatsapp=phones[i]))
        done.append("booked")
        if i % 2 == 0:
            # Half of them cancel at once and book again: the freed place is up for grabs.
            booking_cancel(ticket=first.ticket)
            done.append("cancelled")
            try:
                book(booking_request(slot, nik=niks[i], whatsapp=phones[i]))
                done.append("booked")
            except DomainError as exc:
                done.append(str(exc.code))
        return done

    results = run_together(20, churn)

    flat = Counter()
    for result in results:
        flat.update([result] if isinstance(result, str) else result)
    assert set(flat) <= {"booked", "cancelled", ErrorCode.SLOT_FULL.value}
    assert flat["booked"] >= 8  # the slot filled at least once

    slot.refresh_from_db()
    active = Ticket.objects.filter(slot=slot, status__in=ACTIVE).count()
    assert slot.booked == active <= slot.capacity
    assert Ticket.objects.count() == flat["booked"]
    assert Ticket.objects.filter(status=Status.CANCELLED).count() == flat["cancelled"]
    assert_numbers_gapless(service, slot.date)
    assert PactSignature.objects.count() == Ticket.objects.count()
    # Each phone's counter equals its active bookings.
    for phone_hash, count in PhoneDayCount.objects.values_list("phone_hash", "active"):
        assert count == Ticket.objects.filter(phone_hash=phone_hash, status__in=ACTIVE).count()


def test_cancelling_one_booking_many_times_at_once_frees_one_place():
    slot = make_slot(capacity=5)
    phone = make_phone(400)
    tickets = [
        book(booking_request(slot, nik=make_nik(400 + i), whatsapp=phone)).ticket for i in range(2)
    ]
    results = run_together(10, lambda i: booking_cancel(ticket=tickets[0]).status)

    assert set(results) == {Status.CANCELLED}
    slot.refresh_from_db()
    assert slot.booked == 1
    assert list(PhoneDayCount.objects.values_list("active", flat=True)) == [1]
