"""A served ticket at a counter, with the officer who served it, and the region's inspectorate."""

import datetime as dt
from types import SimpleNamespace

import pytest

# The fake Cloud API and its gateway settings, as the notification tests use them.
from antrean.notifications.tests.conftest import cloud_api, files_in_tmp  # noqa: F401
from antrean.queueing.services import ticket_call_next, ticket_finish, ticket_start
from antrean.testing.factories import (
    check_in,
    make_agency,
    make_booking,
    make_counter,
    make_inspector,
    make_nik,
    make_office,
    make_officer,
    make_region,
    make_service,
    make_slot,
    sign_officer_pact,
)

NIK = make_nik(4321)  # ends in 4321


@pytest.fixture
def desk(db):
    region = make_region()
    office = make_office(region=region)
    agency = make_agency(office)
    service = make_service(agency=agency, prefix="A", duration_minutes=15)
    counter = make_counter(agency=agency, services=[service])
    officer = make_officer(agency)
    slot = make_slot(service)
    t0 = slot.starts_at
    sign_officer_pact(officer, office, now=t0 - dt.timedelta(minutes=30))
    booking = make_booking(slot, nik=NIK)
    check_in(code=booking.ticket.code, nik_last4="4321", now=t0 - dt.timedelta(minutes=5))
    ticket = ticket_call_next(counter=counter, officer=officer, now=t0)
    ticket_start(
        ticket_id=ticket.pk, counter=counter, officer=officer, now=t0 + dt.timedelta(minutes=1)
    )
    ticket = ticket_finish(
        ticket_id=ticket.pk, counter=counter, officer=officer, now=t0 + dt.timedelta(minutes=10)
    )
    return SimpleNamespace(
        region=region,
        office=office,
        agency=agency,
        service=service,
        counter=counter,
        officer=officer,
        ticket=ticket,
        token=booking.token,
        inspector=make_inspector(region),
        now=t0 + dt.timedelta(hours=1),
    )
