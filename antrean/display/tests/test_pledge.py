"""The board and the status page show whether the officer serving has pledged today."""

import datetime as dt

import pytest

from antrean.display.selectors import board_snapshot
from antrean.display.status import ticket_status
from antrean.queueing.services import ticket_call_next
from antrean.testing.factories import (
    local_time,
    make_counter,
    make_office,
    make_officer,
    make_service,
    make_walk_in,
    sign_officer_pact,
)

pytestmark = pytest.mark.django_db


def _called_ticket():
    office = make_office()
    service = make_service(office)
    counter = make_counter(agency=service.agency, services=[service])
    officer = make_officer(service.agency)
    noon = local_time(office, office.local_today(), 12)  # open hours, the office's today
    sign_officer_pact(officer, office, now=noon)
    make_walk_in(service, now=noon)
    ticket = ticket_call_next(counter=counter, officer=officer, now=noon + dt.timedelta(minutes=5))
    return office, counter, ticket


def test_board_and_status_show_the_pledge_of_the_officer_serving():
    office, counter, ticket = _called_ticket()

    tile = next(
        c for c in board_snapshot(office=office)["counters"] if c["number"] == counter.number
    )
    assert tile["ticket"] == ticket.number
    assert tile["pledged"] is True
    assert ticket_status(ticket_id=ticket.pk)["officer_pledged"] is True


def test_an_idle_counter_is_not_marked_pledged():
    office = make_office()
    service = make_service(office)
    counter = make_counter(agency=service.agency, services=[service])

    tile = next(
        c for c in board_snapshot(office=office)["counters"] if c["number"] == counter.number
    )
    assert tile["pledged"] is False
