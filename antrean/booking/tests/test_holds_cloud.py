"""Proof of the WhatsApp number end to end with the Cloud API (issue 14, part 1): the real
gateway talks to a local server that answers as the Cloud API does, and the webhook receives
signed deliveries, as in production. "auto" is on with this gateway."""

import pytest
from django.test import Client

from antrean.booking.holds import HoldResult, booking_start, proof_text
from antrean.booking.models import BookingHold, HoldStatus
from antrean.booking.tests.test_holds import WEB, digits
from antrean.notifications.models import SCRUBBED, InboundMessage, Kind, Message, Status
from antrean.notifications.services import messages_send_due
from antrean.notifications.tests.conftest import cloud_api, files_in_tmp  # noqa: F401 (fixtures)
from antrean.queueing.models import Ticket
from antrean.testing.factories import (
    booking_request,
    make_office,
    make_phone,
    make_service,
    make_slot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def slot(cloud_api):  # noqa: F811
    office = make_office(number_proof_web="auto", number_proof_api="auto")
    return make_slot(make_service(office, prefix="P"), capacity=2)


def send_all() -> None:
    while messages_send_due(worker_id="uji").claimed:
        pass


def test_a_signed_message_from_the_number_confirms_through_the_webhook(
    slot,
    cloud_api,  # noqa: F811
):
    phone = make_phone()
    result = booking_start(
        request=booking_request(slot, whatsapp=phone, whatsapp_consent=True), client=WEB
    )
    assert isinstance(result, HoldResult)
    hold = result.hold
    client = Client()
    # From another number: proves nothing.
    payload = cloud_api.status_payload(
        messages=[cloud_api.inbound_text(sender_digits=digits(make_phone()), text=proof_text(hold))]
    )
    assert cloud_api.deliver_with_client(client, payload).status_code == 200
    hold.refresh_from_db()
    assert hold.status == HoldStatus.HELD
    # Unsigned: refused, changes nothing.
    forged = client.generic(
        "POST",
        "/webhooks/whatsapp",
        cloud_api.encode(
            cloud_api.status_payload(
                messages=[
                    cloud_api.inbound_text(sender_digits=digits(phone), text=proof_text(hold))
                ]
            )
        ),
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256="sha256=" + "0" * 64,
    )
    assert forged.status_code == 403
    hold.refresh_from_db()
    assert hold.status == HoldStatus.HELD
    # From the number, as the citizen types it.
    payload = cloud_api.status_payload(
        messages=[
            cloud_api.inbound_text(sender_digits=digits(phone), text=f"antrean {hold.code.lower()}")
        ]
    )
    assert cloud_api.deliver_with_client(client, payload).status_code == 200
    hold.refresh_from_db()
    assert hold.status == HoldStatus.CONFIRMED and hold.proven_by == "message"
    # The proof is not kept in the inbound log.
    assert not InboundMessage.objects.exists()
    # The confirmation leaves through the real gateway, once, with the certificate.
    from antrean.integrity.certificates import certificate_render
    from antrean.integrity.models import Certificate

    certificate_render(certificate_id=Certificate.objects.get(signature__ticket=hold.ticket).pk)
    send_all()
    confirmed = Message.objects.get(ticket=hold.ticket, kind=Kind.BOOKING_CONFIRMED)
    assert confirmed.status == Status.SENT
    assert cloud_api.accepted_per_callback()[str(confirmed.pk)] == 1


def test_a_one_time_code_goes_out_with_the_authentication_template(
    slot,
    cloud_api,  # noqa: F811
):
    phone = make_phone()
    client = Client()
    request = booking_request(slot, whatsapp=phone)
    response = client.post(
        "/api/v1/bookings",
        {
            "slot_id": request.slot_id,
            "name": request.name,
            "nik": request.nik,
            "whatsapp": phone,
            "pact_version": request.pact_version,
            "pact_sha256": request.pact_sha256,
            "pact_agreed": True,
        },
        content_type="application/json",
    )
    assert response.status_code == 202, response.content
    body = response.json()
    headers = {"HTTP_X_BOOKING_TOKEN": body["token"]}
    url = f"/api/v1/holds/{body['hold_code']}"
    assert client.post(f"{url}/otp", **headers).status_code == 202
    send_all()
    accepted = [m for m in cloud_api.accepted if m.template == "antrean_number_code"]
    assert len(accepted) == 1
    sent = accepted[0]
    assert sent.to == "+62" + phone[1:] and len(sent.params) == 1
    code = sent.params[0]
    assert sent.button == code  # the copy-code button carries it too
    # Once sent, our row no longer keeps the code.
    message = Message.objects.get(kind=Kind.NUMBER_CODE)
    assert message.params == [SCRUBBED] and message.status == Status.SENT
    confirmed = client.post(
        f"{url}/confirm", {"otp": code}, content_type="application/json", **headers
    )
    assert confirmed.status_code == 201, confirmed.content
    assert Ticket.objects.get().code == confirmed.json()["code"]
    assert BookingHold.objects.get().status == HoldStatus.CONFIRMED
