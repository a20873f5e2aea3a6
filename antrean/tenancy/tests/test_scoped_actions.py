"""Every staff action refuses, in its service, an account outside its scope, and the refused
request changes nothing (security issue: one home for permissions). The counter moves and
check-in have their own tests (queueing/tests); these are the other writes staff make."""

import datetime as dt

import pytest

from antrean.core.errors import DomainError, ErrorCode
from antrean.integrity.certificates import certificate_revoke
from antrean.integrity.models import Audience, Certificate, PactSignature
from antrean.integrity.services import ClientInfo, pact_in_force
from antrean.notifications.models import Message, MessageEvent, Status
from antrean.notifications.services import message_resend
from antrean.queueing.models import Ticket, TicketEvent, TicketSequence
from antrean.queueing.services import officer_pact_sign, ticket_walk_in
from antrean.testing.factories import (
    kiosk_of,
    local_time,
    make_agency,
    make_booking,
    make_office,
    make_officer,
    make_service,
    make_slot,
    make_superuser,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 3, 4)
COUNTER = ClientInfo(channel="counter", ip="192.0.2.10", user_agent="pytest")


def snapshot():
    return (
        sorted(Ticket.objects.values_list("pk", "status")),
        TicketEvent.objects.count(),
        sorted(TicketSequence.objects.values_list("service_id", "last", "walkins")),
        PactSignature.objects.count(),
        sorted(Certificate.objects.values_list("pk", "status", "revoked_reason")),
        sorted(Message.objects.values_list("pk", "status", "attempts")),
        MessageEvent.objects.count(),
    )


@pytest.fixture
def here():
    office = make_office(code="mpp-sini")
    capil = make_agency(office, code="capil")
    return {
        "office": office,
        "capil": capil,
        "ktp": make_service(agency=capil, prefix="A", walkin_daily_quota=10),
        "imigrasi": make_agency(office, code="imigrasi"),
    }


def outsiders(here):
    elsewhere = make_agency(make_office(code="mpp-sana"))
    return {
        "officer-other-agency": make_officer(here["imigrasi"]),
        "officer-other-office": make_officer(elsewhere),
        "admin-other-office": make_officer(elsewhere, role="office_admin"),
    }


def walk_in(service, *, officer=None, kiosk=None):
    rendering = pact_in_force(office=service.office, audience=Audience.CITIZEN)
    return ticket_walk_in(
        service=service,
        name="Ni Luh Putu",
        pact_version=rendering.pact.version,
        pact_sha256=rendering.sha256,
        pact_agreed=True,
        client=COUNTER,
        officer=officer,
        kiosk=kiosk,
        now=local_time(service.office, DAY, 9),
    )


def refused(call) -> ErrorCode:
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value.code


def test_walk_ins_only_for_the_accounts_own_services(here):
    before = snapshot()
    for name, user in outsiders(here).items():
        assert refused(lambda u=user: walk_in(here["ktp"], officer=u)) == ErrorCode.FORBIDDEN, name
    foreign_kiosk = kiosk_of(make_office(code="mpp-lain"))
    assert refused(lambda: walk_in(here["ktp"], kiosk=foreign_kiosk)) == ErrorCode.FORBIDDEN
    assert refused(lambda: walk_in(here["ktp"])) == ErrorCode.FORBIDDEN  # nobody
    assert snapshot() == before
    assert walk_in(here["ktp"], officer=make_officer(here["capil"])).ticket.status == "waiting"
    assert walk_in(here["ktp"], kiosk=kiosk_of(here["office"])).ticket.status == "waiting"


def test_the_officer_pact_is_signed_only_at_an_office_of_the_account(here):
    far = make_officer(make_agency(make_office(code="mpp-sana")))
    rendering = pact_in_force(office=here["office"], audience=Audience.OFFICER)
    before = snapshot()
    code = refused(
        lambda: officer_pact_sign(
            user=far,
            office=here["office"],
            pact_version=rendering.pact.version,
            pact_sha256=rendering.sha256,
            pact_agreed=True,
            client=COUNTER,
        )
    )
    assert code == ErrorCode.FORBIDDEN
    assert snapshot() == before


def test_a_message_is_resent_only_by_an_administrator_of_its_office_or_agency(here):
    slot = make_slot(here["ktp"], date=DAY, start=dt.time(9), end=dt.time(10))
    ticket = make_booking(slot, whatsapp="081234567890", whatsapp_consent=True).ticket
    message = Message.objects.get(ticket=ticket)
    Message.objects.filter(pk=message.pk).update(status=Status.FAILED)
    message.refresh_from_db()
    before = snapshot()
    people = {
        **outsiders(here),
        "officer-same-agency": make_officer(here["capil"]),
        "admin-other-agency": make_officer(here["imigrasi"], role="agency_admin"),
    }
    for name, user in people.items():
        assert refused(lambda u=user: message_resend(message=message, by=u)) == (
            ErrorCode.FORBIDDEN
        ), name
    assert snapshot() == before
    agency_admin = make_officer(here["capil"], role="agency_admin")
    assert message_resend(message=message, by=agency_admin).status == Status.PENDING


def test_a_certificate_is_revoked_only_by_an_administrator_of_its_office(here):
    slot = make_slot(here["ktp"], date=DAY, start=dt.time(9), end=dt.time(10))
    ticket = make_booking(slot).ticket
    certificate = Certificate.objects.get(signature__ticket=ticket)
    before = snapshot()
    people = {**outsiders(here), "agency-admin": make_officer(here["capil"], role="agency_admin")}
    for name, user in people.items():
        code = refused(
            lambda u=user: certificate_revoke(certificate=certificate, reason="Palsu.", by=u)
        )
        assert code == ErrorCode.FORBIDDEN, name
    assert snapshot() == before
    revoked = certificate_revoke(certificate=certificate, reason="Palsu.", by=make_superuser())
    assert revoked.status == Certificate.Status.REVOKED
