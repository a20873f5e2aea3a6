"""`LAPOR …` sent to the office's WhatsApp number, through the signed webhook: a report bound
to the sender's latest ticket, a receipt with the tracking code sent back through the
outbox (to the fake Cloud API), once per provider message however often it is delivered."""

import datetime as dt

import pytest

from antrean.notifications.models import InboundMessage, Kind, Message
from antrean.notifications.selectors import messages_visible
from antrean.notifications.services import messages_send_due
from antrean.queueing.models import Ticket
from antrean.reports.models import Report, ReportStatus
from antrean.tenancy.models import Membership
from antrean.testing.factories import make_officer

T0 = int(dt.datetime(2030, 3, 4, 2, 0, tzinfo=dt.UTC).timestamp())


def deliver(client, api, text, *, sender_digits, message=None):
    message = message or api.inbound_text(sender_digits=sender_digits, text=text, timestamp=T0)
    response = api.deliver_with_client(client, api.status_payload(messages=[message]))
    assert response.status_code == 200, response.content
    return message


@pytest.fixture
def sender(desk):
    ticket = Ticket.objects.get(pk=desk.ticket.pk)
    return ticket.phone.lstrip("+")


def test_lapor_files_a_report_bound_to_the_ticket_and_replies_once(client, cloud_api, desk, sender):
    message = deliver(
        client, cloud_api, "lapor: petugas loket minta uang rokok 20 ribu", sender_digits=sender
    )
    deliver(client, cloud_api, "", sender_digits=sender, message=message)  # redelivered
    report = Report.objects.get()
    assert report.ticket == desk.ticket and report.office == desk.office
    assert report.officer == desk.officer and report.channel == "whatsapp"
    assert report.text == "petugas loket minta uang rokok 20 ribu"
    assert report.identity_to_office is False and report.status == ReportStatus.RECEIVED
    assert report.steps.count() == 1
    # Not in the inbound log (national admins read it), nor in any staff inbox.
    assert not InboundMessage.objects.exists()
    receipt = Message.objects.get(kind=Kind.REPORT_RECEIVED)
    assert receipt.ticket is None and receipt.params[0] == report.tracking_display
    office_admin = make_officer(desk.agency, role=Membership.Role.OFFICE_ADMIN)
    assert not messages_visible(user=office_admin).filter(pk=receipt.pk).exists()
    messages_send_due(worker_id="uji")
    (sent,) = [m for m in cloud_api.accepted if m.template == "antrean_report_received"]
    assert sent.to.lstrip("+") == sender
    assert sent.params[0] == report.tracking_display and sent.params[1].endswith("/lapor/lacak/")


def test_other_texts_are_stored_as_before(client, cloud_api, desk, sender):
    deliver(client, cloud_api, "Halo, jam buka kantor?", sender_digits=sender)
    assert InboundMessage.objects.count() == 1 and not Report.objects.exists()


def test_lapor_from_a_number_without_a_ticket_files_nothing(client, cloud_api, desk):
    deliver(client, cloud_api, "LAPOR ada pungli", sender_digits="6289999999999")
    assert not Report.objects.exists() and not Message.objects.exists()
