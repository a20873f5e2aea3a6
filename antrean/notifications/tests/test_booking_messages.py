"""Consent decides: through the API and through the booking pages, a booking without
`whatsapp_consent` queues and sends nothing, one with it gets its confirmation sent to the
number it gave, by the real cloud client to the local Cloud API server."""

import dataclasses

import pytest
from django.urls import reverse

from antrean.integrity.models import Audience
from antrean.integrity.services import pact_in_force
from antrean.notifications.models import Kind, Message, Status
from antrean.notifications.services import messages_send_due
from antrean.notifications.tests.conftest import render_certificate_of
from antrean.queueing.models import Ticket
from antrean.testing.factories import booking_request, make_office, make_service, make_slot

pytestmark = pytest.mark.django_db

BOOKINGS = "/api/v1/bookings"


@pytest.fixture
def slot(db):
    office = make_office(code="mpp-uji")
    return make_slot(make_service(office), capacity=10)


def api_book(client, slot, phone: str, **consent):
    payload = dataclasses.asdict(booking_request(slot, whatsapp=phone))
    del payload["whatsapp_consent"]
    payload.update(consent)
    response = client.post(BOOKINGS, payload, content_type="application/json")
    assert response.status_code == 201, response.content
    return Ticket.objects.get(code=response.json()["code"])


def send_all() -> None:
    for ticket in Ticket.objects.all():
        render_certificate_of(ticket)
    messages_send_due(worker_id="uji")


@pytest.mark.parametrize("consent", [{}, {"whatsapp_consent": False}])
def test_api_booking_without_consent_sends_nothing(client, slot, cloud_api, consent):
    ticket = api_book(client, slot, "081211110001", **consent)

    send_all()

    assert ticket.whatsapp_consent is False
    assert not Message.objects.exists()
    assert not cloud_api.requests


def test_api_booking_with_consent_sends_the_confirmation(client, slot, cloud_api):
    ticket = api_book(client, slot, "0812-1111-0002", whatsapp_consent=True)

    send_all()

    message = Message.objects.get()
    assert (message.ticket, message.kind, message.status) == (
        ticket,
        Kind.BOOKING_CONFIRMED,
        Status.SENT,
    )
    (accepted,) = cloud_api.accepted
    assert accepted.to == "+6281211110002"
    assert accepted.params[0] == ticket.number
    assert accepted.header["filename"].endswith(".pdf")


def test_api_consent_must_be_a_boolean(client, slot, cloud_api):
    payload = dataclasses.asdict(booking_request(slot, whatsapp="081211110003"))
    payload["whatsapp_consent"] = "ya"

    response = client.post(BOOKINGS, payload, content_type="application/json")

    assert response.status_code == 422
    assert not Ticket.objects.exists()
    assert not Message.objects.exists()


def form_book(client, slot, phone: str, **consent):
    office_code = slot.service.office.code
    identity = reverse("booking:identity", kwargs={"office_code": office_code, "slot_id": slot.pk})
    pact = reverse("booking:pact", kwargs={"office_code": office_code, "slot_id": slot.pk})
    data = {"name": "I Wayan Sudarma", "nik": "5103010101900042", "whatsapp": phone}
    assert client.post(identity, data | consent).status_code == 302
    rendering = pact_in_force(office=slot.service.office, audience=Audience.CITIZEN)
    response = client.post(
        pact,
        {
            "pact_version": rendering.pact.version,
            "pact_sha256": rendering.sha256,
            "pact_agreed": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    return Ticket.objects.get()


def test_form_booking_with_the_box_unticked_sends_nothing(client, slot, cloud_api):
    ticket = form_book(client, slot, "081211110004")

    send_all()

    assert ticket.whatsapp_consent is False
    assert not Message.objects.exists()
    assert not cloud_api.requests


def test_form_booking_with_the_box_ticked_sends_the_confirmation(client, slot, cloud_api):
    ticket = form_book(client, slot, "081211110005", whatsapp_consent="on")

    send_all()

    assert ticket.whatsapp_consent is True
    message = Message.objects.get()
    assert (message.ticket, message.status) == (ticket, Status.SENT)
    assert [a.to for a in cloud_api.accepted] == ["+6281211110005"]
