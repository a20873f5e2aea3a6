"""Helpers for the API tests: a valid booking payload and a snapshot of what a booking writes."""

import dataclasses
import datetime as dt

import pytest
from django.utils import timezone

from antrean.booking.models import NikDayCount, PhoneDayCount
from antrean.catalog.models import Slot
from antrean.integrity.models import PactSignature
from antrean.queueing.models import Ticket, TicketSequence
from antrean.testing.factories import booking_request, make_office

BOOKINGS = "/api/v1/bookings"


def booking_payload(slot: Slot, **overrides) -> dict:
    """A JSON body that books `slot`, agreeing to the pact in force."""
    return dataclasses.asdict(booking_request(slot, **overrides))


def db_state() -> dict:
    """Everything a booking or a cancellation writes; a refused request must leave it as is."""
    return {
        "tickets": dict(Ticket.objects.values_list("pk", "status")),
        "signatures": PactSignature.objects.count(),
        "booked": dict(Slot.objects.values_list("pk", "booked")),
        "phone_counts": sorted(PhoneDayCount.objects.values_list("phone_hash", "date", "active")),
        "nik_counts": sorted(NikDayCount.objects.values_list("nik_hash", "date", "active")),
        "sequences": sorted(TicketSequence.objects.values_list("service_id", "date", "last")),
    }


def office_at_noon(**fields):
    """An office whose local time is now between 12:00 and 13:00, whatever the wall clock.

    Same-day rules (a slot already started, the daily cutoff) then have room on both sides.
    """
    offset = 12 - timezone.now().astimezone(dt.UTC).hour  # -11 to +12
    # POSIX-style names invert the sign: Etc/GMT-7 is UTC+7.
    zone = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"
    office = make_office(timezone_name=zone, **fields)
    assert office.local_now().hour == 12
    return office


@pytest.fixture
def book(client):
    """POST a booking; returns the response."""

    def _book(payload: dict, **extra):
        return client.post(BOOKINGS, payload, content_type="application/json", **extra)

    return _book
