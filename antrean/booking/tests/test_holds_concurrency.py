"""Holds under real concurrency (threads released together on the real database; on
PostgreSQL, the proof): a hold is a place, never more places than the slot has, and a hold
that is confirmed and swept at the same moment ends one way only."""

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from antrean.booking.holds import (
    HoldResult,
    booking_start,
    hold_prove_by_message,
    holds_expire_due,
    proof_text,
)
from antrean.booking.models import BookingHold, HoldStatus, NikDayCount, PhoneDayCount
from antrean.booking.tests.test_concurrency import run_together
from antrean.catalog.models import Slot
from antrean.integrity.models import Channel, PactSignature
from antrean.integrity.services import ClientInfo
from antrean.queueing.models import Ticket
from antrean.testing.factories import (
    booking_request,
    make_nik,
    make_office,
    make_phone,
    make_service,
    make_slot,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WEB = ClientInfo(channel=Channel.WEB, ip="198.51.100.30", user_agent="pytest")


@pytest.fixture
def slot():
    office = make_office(number_proof_web="on")
    return make_slot(make_service(office, prefix="H"), capacity=5)


def test_concurrent_holds_never_exceed_the_slot(settings, slot):
    settings.ANTREAN_HOLD_SHARE_MAX = 1.0
    requests = [booking_request(slot, nik=make_nik(), whatsapp=make_phone()) for _ in range(16)]
    results = run_together(16, lambda i: booking_start(request=requests[i], client=WEB))
    outcomes = Counter("held" if isinstance(r, HoldResult) else str(r) for r in results)
    assert outcomes == {"held": 5, "slot_full": 11}
    assert Slot.objects.get(pk=slot.pk).booked == 5
    assert BookingHold.objects.filter(status=HoldStatus.HELD).count() == 5
    assert sum(PhoneDayCount.objects.values_list("active", flat=True)) == 5
    assert not Ticket.objects.exists()


def test_concurrent_holds_never_exceed_their_share(slot):
    requests = [booking_request(slot, nik=make_nik(), whatsapp=make_phone()) for _ in range(12)]
    results = run_together(12, lambda i: booking_start(request=requests[i], client=WEB))
    outcomes = Counter("held" if isinstance(r, HoldResult) else str(r) for r in results)
    assert outcomes == {"held": 3, "slot_held": 9}  # half of 5, rounded up
    assert Slot.objects.values_list("booked", "held").get(pk=slot.pk) == (3, 3)


def test_confirmations_racing_the_sweep_end_one_way_each(settings, slot):
    settings.ANTREAN_HOLD_SHARE_MAX = 1.0
    phones = [make_phone() for _ in range(5)]
    holds = [
        booking_start(request=booking_request(slot, whatsapp=phone), client=WEB).hold
        for phone in phones
    ]
    # Every hold ends now: each confirmation races the sweep that would release it.
    BookingHold.objects.update(expires_at=timezone.now() + dt.timedelta(milliseconds=300))
    deadline = BookingHold.objects.values_list("expires_at", flat=True).first()

    def work(i):
        if i < 5:
            return hold_prove_by_message(
                sender_digits="62" + phones[i][1:], text=proof_text(holds[i])
            )
        return holds_expire_due(now=deadline)

    run_together(10, work)
    holds_expire_due(now=deadline)  # whatever no thread decided
    statuses = Counter(BookingHold.objects.values_list("status", flat=True))
    confirmed = statuses[HoldStatus.CONFIRMED]
    assert confirmed + statuses[HoldStatus.EXPIRED] == 5
    # Exactly the confirmed ones hold a place and a ticket, with one signature each.
    assert Ticket.objects.count() == confirmed
    assert PactSignature.objects.count() == confirmed
    assert Slot.objects.values_list("booked", "held").get(pk=slot.pk) == (confirmed, 0)
    assert sum(NikDayCount.objects.values_list("active", flat=True)) == confirmed
    assert sum(PhoneDayCount.objects.values_list("active", flat=True)) == confirmed
    assert len(set(Ticket.objects.values_list("number", flat=True))) == confirmed
