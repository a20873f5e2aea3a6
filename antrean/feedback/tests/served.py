"""Tickets taken and served the way citizens and officers do it, for the survey tests."""

import datetime as dt
from types import SimpleNamespace

from antrean.queueing.services import ticket_call_next, ticket_finish, ticket_start
from antrean.testing.factories import (
    check_in,
    local_time,
    make_agency,
    make_booking,
    make_counter,
    make_office,
    make_officer,
    make_service,
    make_slot,
    make_walk_in,
    sign_officer_pact,
)

DAY = dt.date(2030, 3, 4)


def make_desk(**office_fields) -> SimpleNamespace:
    office = make_office(**office_fields)
    agency = make_agency(office)
    service = make_service(agency=agency, prefix="A")
    officer = make_officer(agency)
    sign_officer_pact(officer, office, now=at(office, 7, 30))
    return SimpleNamespace(
        office=office,
        agency=agency,
        service=service,
        officer=officer,
        counter=make_counter(agency=agency, services=[service]),
    )


def at(office, hour, minute=0, second=0) -> dt.datetime:
    return local_time(office, DAY, hour, minute, second)


def walk_in(desk, *, hour=8):
    return make_walk_in(desk.service, now=at(desk.office, hour, 5))


def booking(desk, *, consent=False, nik="5103010101900007"):
    slot = make_slot(desk.service, date=DAY, start=dt.time(9), end=dt.time(10), capacity=5)
    result = make_booking(
        slot, now=at(desk.office, 8) - dt.timedelta(days=1), whatsapp_consent=consent, nik=nik
    )
    check_in(code=result.ticket.code, nik_last4=nik[-4:], now=at(desk.office, 8, 50))
    return result


def serve(desk, ticket, *, finish_at=None):
    """Call, start and finish `ticket` (the only one waiting) at the desk's counter."""
    called = ticket_call_next(counter=desk.counter, officer=desk.officer, now=at(desk.office, 9))
    assert called.pk == ticket.pk
    ticket_start(
        ticket_id=ticket.pk, counter=desk.counter, officer=desk.officer, now=at(desk.office, 9, 1)
    )
    return ticket_finish(
        ticket_id=ticket.pk,
        counter=desk.counter,
        officer=desk.officer,
        now=finish_at or at(desk.office, 9, 20),
    )


def good_answers(**overrides) -> dict:
    values = {
        "answers": {f"u{n}": (n % 4) + 1 for n in range(1, 10)},
        "sex": "P",
        "age_band": "31-40",
        "education": "s1",
        "occupation": "swasta",
        "suggestion": "Ruang tunggu kurang kursi.",
    }
    values.update(overrides)
    return values


class CounterDesk:
    """A counter of an office open all day, served at the real present (the pages read the
    clock): for the tablet and console pages, as the console tests do."""

    def __init__(self, name: str = "Mal Pelayanan Publik Kabupaten Badung"):
        from django.urls import reverse

        from antrean.queueing.tests.test_console import make_open_office

        self.office = make_open_office("mpp-tablet")
        self.office.name = name
        self.office.save(update_fields=["name"])
        self.agency = make_agency(self.office, short_name="Disdukcapil")
        self.service = make_service(agency=self.agency, name="Perekaman KTP-el", prefix="A")
        self.counter = make_counter(agency=self.agency, services=[self.service], number=4)
        self.officer = make_officer(self.agency)
        self.url = reverse("feedback:tablet", kwargs={"counter_id": self.counter.pk})

    def serve_one(self):
        sign_officer_pact(self.officer, self.office)
        ticket = make_walk_in(self.service).ticket
        ticket_call_next(counter=self.counter, officer=self.officer)
        ticket_start(ticket_id=ticket.pk, counter=self.counter, officer=self.officer)
        return ticket_finish(ticket_id=ticket.pk, counter=self.counter, officer=self.officer)
