"""WhatsApp consent on the citizen's side: asked separately and never pre-ticked, explained,
respected (no consent, no message), and the booking page says what became of the message."""

import dataclasses
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from antrean.integrity.models import Audience
from antrean.integrity.services import pact_in_force
from antrean.notifications.models import ErrorCategory, Kind, Message, Status, UnreachableNumber
from antrean.queueing.models import Ticket
from antrean.testing.factories import (
    booking_request,
    make_agency,
    make_office,
    make_service,
    make_slot,
)

pytestmark = pytest.mark.django_db

PHONE = "0812 3456 7890"
PHONE_E164 = "+6281234567890"
FALLBACK = "Piagam tetap tersedia di halaman ini."


@pytest.fixture
def slot():
    office = make_office(code="mpp-badung", name="MPP Kabupaten Badung")
    service = make_service(agency=make_agency(office), name="Perekaman KTP-el", prefix="A")
    return make_slot(service, capacity=5)


def _identity_url(slot) -> str:
    return reverse(
        "booking:identity", kwargs={"office_code": slot.service.office.code, "slot_id": slot.pk}
    )


def _book(client, slot, *, consent: bool) -> Ticket:
    """Book through the pages, as a citizen does; returns the ticket."""
    identity = {"name": "Ni Made Ayu Lestari", "nik": "5103014101900007", "whatsapp": PHONE}
    if consent:
        identity["whatsapp_consent"] = "on"
    assert client.post(_identity_url(slot), identity).status_code == 302
    rendering = pact_in_force(office=slot.service.office, audience=Audience.CITIZEN)
    pact_url = reverse(
        "booking:pact", kwargs={"office_code": slot.service.office.code, "slot_id": slot.pk}
    )
    response = client.post(
        pact_url,
        {
            "pact_version": rendering.pact.version,
            "pact_sha256": rendering.sha256,
            "pact_agreed": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    return Ticket.objects.get(code=client.session["booking_owned"][-1])


def _page(client, ticket) -> str:
    response = client.get(reverse("booking:booking", kwargs={"code": ticket.code}))
    assert response.status_code == 200
    return response.content.decode()


# --- the identity page ---------------------------------------------------------------------


def test_consent_is_not_ticked_and_says_what_is_sent(client, slot):
    body = client.get(_identity_url(slot)).content.decode()
    checkbox = re.search(r'<input[^>]*name="whatsapp_consent"[^>]*>', body).group(0)
    assert 'type="checkbox"' in checkbox
    assert "checked" not in checkbox
    # The explanation is tied to the checkbox for screen readers.
    assert 'aria-describedby="id_whatsapp_consent_helptext"' in checkbox
    hint = re.search(r'<p class="hint" id="id_whatsapp_consent_helptext">(.*?)</p>', body).group(1)
    for what in ("nomor antrean", "Piagam Pakta Integritas (PDF)", "pengingat"):
        assert what in hint
    assert "tanpa centang ini tidak ada pesan WhatsApp" in hint
    assert "piagam dapat diunduh di halaman antrean Anda" in hint


# --- consent decides whether a message is queued ----------------------------------------------


def test_booking_without_consent_queues_nothing(client, slot):
    ticket = _book(client, slot, consent=False)
    assert ticket.whatsapp_consent is False
    assert not Message.objects.exists()
    body = _page(client, ticket)
    assert "Tidak ada kiriman WhatsApp (tidak dipilih)." in body


def test_booking_with_consent_queues_one_message(client, slot):
    ticket = _book(client, slot, consent=True)
    message = Message.objects.get()
    assert (message.ticket, message.kind) == (ticket, Kind.BOOKING_CONFIRMED)
    assert message.recipient == PHONE_E164
    assert message.with_certificate
    assert "sedang dikirim ke nomor ini" in _page(client, ticket)


@pytest.mark.parametrize("consent", [False, True])
def test_api_booking_follows_whatsapp_consent(client, slot, consent):
    payload = dataclasses.asdict(booking_request(slot, whatsapp_consent=consent))
    response = client.post("/api/v1/bookings", payload, content_type="application/json")
    assert response.status_code in (200, 201), response.content
    assert Message.objects.count() == (1 if consent else 0)


# --- the booking page says what became of the message ---------------------------------------


@pytest.mark.parametrize(
    ("status", "line"),
    [
        (Status.SENT, "Pesan WhatsApp berisi piagam terkirim ke nomor ini."),
        (Status.DELIVERED, "Pesan WhatsApp berisi piagam sudah sampai di nomor ini."),
        (Status.READ, "Pesan WhatsApp berisi piagam sudah dibaca."),
        (Status.FAILED, "Pesan WhatsApp gagal dikirim."),
    ],
)
def test_booking_page_shows_the_delivery_status(client, slot, status, line):
    ticket = _book(client, slot, consent=True)
    Message.objects.filter(ticket=ticket).update(status=status)
    body = _page(client, ticket)
    assert line in body
    assert (FALLBACK in body) == (status == Status.FAILED)
    assert PHONE_E164 not in body


def test_number_not_on_whatsapp_keeps_the_certificate_on_the_page(client, slot):
    ticket = _book(client, slot, consent=True)
    Message.objects.filter(ticket=ticket).update(
        status=Status.FAILED, error_code="131026", error_category=ErrorCategory.NOT_ON_WHATSAPP
    )
    UnreachableNumber.objects.create(phone_hash=ticket.phone_hash, marked_at=timezone.now())
    body = _page(client, ticket)
    assert "Nomor ini tidak terdaftar di WhatsApp. Piagam tetap tersedia di halaman ini." in body


def test_a_known_unreachable_number_is_told_before_any_failure(client, slot):
    first = _book(client, slot, consent=True)
    UnreachableNumber.objects.create(phone_hash=first.phone_hash, marked_at=timezone.now())
    body = _page(client, first)
    assert "Pesan WhatsApp berisi piagam sedang dikirim" in body  # still pending
    assert "tidak terdaftar di WhatsApp" in body
    # The note follows the mark on the number, not on the ticket.
    UnreachableNumber.objects.all().delete()
    assert "tidak terdaftar di WhatsApp" not in _page(client, first)
