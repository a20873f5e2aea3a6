"""A small hall for the display tests: one office, one service, counters, an officer who
signed today's pact, and walk-in tickets waiting."""

from dataclasses import dataclass

from antrean.catalog.models import Counter, Service
from antrean.queueing.services import WalkIn
from antrean.tenancy.models import Agency, Office
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

NAMES = ["I Wayan Sudarma", "Ni Ketut Sriasih", "Made Wirawan", "Komang Ayu", "Putu Gede"]
OFFICER_PASSWORD = "x-officer-pass-1"


@dataclass
class Hall:
    office: Office
    agency: Agency
    service: Service
    counters: list[Counter]
    officer: object
    walk_ins: list[WalkIn]


def make_hall(*, code: str | None = None, counters: int = 1, tickets: int = 3) -> Hall:
    office = make_office(code=code, name=f"MPP {code or 'Uji'}") if code else make_office()
    agency = make_agency(office, name="Dinas Kependudukan", short_name="Disdukcapil")
    service = make_service(agency=agency, name="Perekaman KTP-el", prefix="A")
    desks = [make_counter(agency=agency, services=[service], number=n + 1) for n in range(counters)]
    officer = make_officer(agency)
    officer.set_password(OFFICER_PASSWORD)
    officer.save(update_fields=["password"])
    sign_officer_pact(officer, office)
    # Walk-ins are taken at 10:00 office time today, when the office is open, whatever the
    # clock says while the tests run.
    ten = local_time(office, office.local_today(), 10)
    walk_ins = [make_walk_in(service, now=ten, name=NAMES[i % len(NAMES)]) for i in range(tickets)]
    return Hall(office, agency, service, desks, officer, walk_ins)
