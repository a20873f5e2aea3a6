"""The outbox from booking to the provider, with the real cloud client talking to the local
Cloud API server: queued in the booking's transaction, sent once with the certificate as the
document header, retried when the failure is transient, failed with its reason otherwise."""

import datetime as dt
import hashlib
import logging
import time

import pytest
from django.db import transaction
from django.utils import timezone

from antrean.booking.services import booking_cancel
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.personal_data import lookup_hash
from antrean.integrity.certificates import certificate_pdf_bytes
from antrean.integrity.models import Certificate
from antrean.notifications.models import (
    ErrorCategory,
    Kind,
    MediaUpload,
    Message,
    Status,
    TemplateName,
    UnreachableNumber,
)
from antrean.notifications.services import (
    CERTIFICATE_WAIT,
    message_queue,
    message_resend,
    messages_send_due,
)
from antrean.notifications.tests.conftest import book, point_gateway_at, render_certificate_of
from antrean.queueing.models import Ticket
from antrean.testing.factories import make_office, make_service, make_slot, make_superuser

pytestmark = pytest.mark.django_db

WORKER = "uji-1"


def later(seconds: float = 3600) -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=seconds)


def send_until_settled(*, limit: float = 60.0, worker_id: str = WORKER) -> int:
    """Run the sender until nothing is pending or sending; returns the rounds it took."""
    deadline = time.monotonic() + limit
    rounds = 0
    while Message.objects.filter(status__in=[Status.PENDING, Status.SENDING]).exists():
        assert time.monotonic() < deadline, "messages did not settle in time"
        report = messages_send_due(worker_id=worker_id)
        rounds += 1
        if report.claimed == 0:
            time.sleep(0.01)
    return rounds


@pytest.fixture
def slot(db):
    office = make_office(code="mpp-uji", name="Mal Pelayanan Publik Uji")
    return make_slot(make_service(office, name="Perekaman KTP-el", prefix="A"), capacity=60)


# --- written with the booking -------------------------------------------------------------


def test_booking_with_consent_queues_exactly_one_confirmation(slot, cloud_api):
    ticket = book(slot, consent=True, phone="0812 3456 7890").ticket

    message = Message.objects.get()
    assert (message.ticket, message.kind, message.status) == (
        ticket,
        Kind.BOOKING_CONFIRMED,
        Status.PENDING,
    )
    assert message.recipient == "+6281234567890"
    assert message.recipient_hash == lookup_hash("+6281234567890", purpose="phone")
    assert message.template_name == "antrean_booking_confirmed"
    assert message.with_certificate is True
    assert message.params[:3] == ["A-001", "Perekaman KTP-el", "Mal Pelayanan Publik Uji"]
    assert message.params[3].endswith("09.00–10.00 WITA")
    assert message.params[4] == f"{ticket.code[:4]}-{ticket.code[4:]}"
    assert message.attempts == 0
    assert list(message.events.values_list("event", flat=True)) == ["queued"]
    assert not cloud_api.requests  # nothing leaves before the worker runs


def test_booking_without_consent_queues_and_sends_nothing(slot, cloud_api):
    book(slot, consent=False)

    assert not Message.objects.exists()
    assert messages_send_due(worker_id=WORKER, now=later()).claimed == 0
    assert not cloud_api.requests


def test_refused_booking_leaves_no_message(slot, cloud_api):
    full = make_slot(slot.service, start=dt.time(11), end=dt.time(12), capacity=1)
    book(full, consent=True)

    with pytest.raises(DomainError) as refused:
        book(full, consent=True)

    assert refused.value.code == ErrorCode.SLOT_FULL
    assert Message.objects.count() == 1  # only the first booking's


def test_message_exists_only_if_the_booking_commits(slot, cloud_api):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        book(slot, consent=True)
        assert Message.objects.count() == 1
        raise Boom

    assert not Ticket.objects.exists()
    assert not Message.objects.exists()


def test_one_message_per_ticket_and_kind(slot, cloud_api):
    ticket = book(slot, consent=True).ticket

    again = message_queue(ticket=ticket, kind=Kind.BOOKING_CONFIRMED, params=["x"])

    assert again is None
    assert Message.objects.filter(ticket=ticket, kind=Kind.BOOKING_CONFIRMED).count() == 1


def test_template_name_per_office_then_national_then_default(slot, cloud_api):
    office = slot.service.office
    TemplateName.objects.create(kind=Kind.BOOKING_CANCELLED, name="nasional_batal")
    TemplateName.objects.create(
        office=office, kind=Kind.BOOKING_CONFIRMED, name="badung_piagam", language="en"
    )

    ticket = book(slot, consent=True).ticket
    booking_cancel(ticket=ticket)

    names = dict(Message.objects.values_list("kind", "template_name"))
    assert names == {
        Kind.BOOKING_CONFIRMED: "badung_piagam",
        Kind.BOOKING_CANCELLED: "nasional_batal",
    }
    assert Message.objects.get(kind=Kind.BOOKING_CONFIRMED).language == "en"


# --- the certificate as the document header ----------------------------------------------


def test_confirmation_waits_for_the_certificate_then_sends_it_once(slot, cloud_api):
    ticket = book(slot, consent=True).ticket

    report = messages_send_due(worker_id=WORKER)

    assert (report.claimed, report.waiting, report.sent) == (1, 1, 0)
    message = Message.objects.get()
    assert (message.status, message.attempts) == (Status.PENDING, 0)  # no attempt spent
    assert message.next_attempt_at >= timezone.now() + CERTIFICATE_WAIT / 2
    assert not cloud_api.requests

    certificate = render_certificate_of(ticket)
    report = messages_send_due(worker_id=WORKER, now=later(CERTIFICATE_WAIT.total_seconds() + 1))

    assert report.sent == 1
    media_request, message_request = cloud_api.requests
    assert media_request.path.endswith("/media")
    assert message_request.path.endswith("/messages")
    (upload,) = cloud_api.media.values()
    # The provider gets the PDF as issued, not the sealed file kept on disk.
    assert upload.content.startswith(b"%PDF-")
    assert hashlib.sha256(upload.content).hexdigest() == certificate.pdf_sha256
    assert upload.content == certificate_pdf_bytes(certificate)
    assert (upload.filename, upload.mime_type) == (
        f"piagam-{certificate.number}.pdf",
        "application/pdf",
    )
    (accepted,) = cloud_api.accepted
    assert accepted.header == {"id": upload.media_id, "filename": upload.filename}
    assert accepted.biz_opaque_callback_data == str(message.pk)
    assert accepted.to == "+" + ticket.phone.lstrip("+")
    message.refresh_from_db()
    assert (message.status, message.attempts, message.provider_id) == (
        Status.SENT,
        1,
        accepted.wamid,
    )
    assert message.sent_at is not None
    assert MediaUpload.objects.get(certificate=certificate).media_id == upload.media_id
    assert list(message.events.values_list("event", flat=True)) == ["queued", "sent"]


def test_a_retry_reuses_the_uploaded_certificate(slot, cloud_api):
    ticket = book(slot, consent=True).ticket
    render_certificate_of(ticket)
    cloud_api.template_errors["antrean_booking_confirmed"] = 131000  # transient, once

    assert messages_send_due(worker_id=WORKER).retried == 1
    del cloud_api.template_errors["antrean_booking_confirmed"]
    assert messages_send_due(worker_id=WORKER, now=later()).sent == 1

    assert len(cloud_api.requests_to("media")) == 1
    assert len(cloud_api.requests_to("messages")) == 2
    (media_id,) = cloud_api.media
    assert [m.header["id"] for m in cloud_api.accepted] == [media_id]
    assert MediaUpload.objects.count() == 1


def test_an_admin_resend_reuses_the_uploaded_certificate(slot, cloud_api):
    ticket = book(slot, consent=True).ticket
    render_certificate_of(ticket)
    cloud_api.template_errors["antrean_booking_confirmed"] = 132001
    messages_send_due(worker_id=WORKER)
    message = Message.objects.get()
    assert message.status == Status.FAILED

    del cloud_api.template_errors["antrean_booking_confirmed"]  # the admin fixed the template
    message_resend(message=message, by=make_superuser())
    assert messages_send_due(worker_id=WORKER).sent == 1

    assert len(cloud_api.requests_to("media")) == 1
    assert len(cloud_api.accepted) == 1
    assert "resent" in message.events.values_list("event", flat=True)


def test_an_expired_upload_is_uploaded_again(slot, cloud_api):
    ticket = book(slot, consent=True).ticket
    certificate = render_certificate_of(ticket)
    MediaUpload.objects.create(
        certificate=certificate,
        media_id="lama",
        uploaded_at=timezone.now() - dt.timedelta(days=26),  # the provider drops it at 30
    )

    messages_send_due(worker_id=WORKER)

    (media_id,) = cloud_api.media
    assert cloud_api.accepted[0].header["id"] == media_id != "lama"
    assert MediaUpload.objects.get().media_id == media_id


# --- cancellation ---------------------------------------------------------------------------


def test_cancellation_queues_a_message_and_cancels_pending_reminders(slot, cloud_api):
    ticket = book(slot, consent=True).ticket
    reminder = message_queue(ticket=ticket, kind=Kind.REMINDER_DAY, params=["A-001"])
    sent_reminder = message_queue(ticket=ticket, kind=Kind.REMINDER_HOUR, params=["A-001"])
    Message.objects.filter(pk=sent_reminder.pk).update(status=Status.SENT)

    booking_cancel(ticket=ticket)

    reminder.refresh_from_db()
    sent_reminder.refresh_from_db()
    assert reminder.status == Status.CANCELLED
    assert sent_reminder.status == Status.SENT  # what was sent stays sent
    cancelled = Message.objects.get(kind=Kind.BOOKING_CANCELLED)
    assert cancelled.status == Status.PENDING
    assert cancelled.with_certificate is False
    assert cancelled.params[:2] == [ticket.number, ticket.service.name]

    messages_send_due(worker_id=WORKER)
    assert [m.template for m in cloud_api.accepted] == ["antrean_booking_cancelled"]
    assert not cloud_api.requests_to("media")


def test_cancellation_without_consent_sends_nothing(slot, cloud_api):
    ticket = book(slot, consent=False).ticket

    booking_cancel(ticket=ticket)
    booking_cancel(ticket=ticket)  # twice: still nothing

    assert not Message.objects.exists()


def test_cancelling_twice_queues_one_message(slot, cloud_api):
    ticket = book(slot, consent=True).ticket

    booking_cancel(ticket=ticket)
    booking_cancel(ticket=ticket)

    assert Message.objects.filter(kind=Kind.BOOKING_CANCELLED).count() == 1


# --- transient failures ---------------------------------------------------------------------


def test_thirty_percent_transient_failures_still_deliver_every_message_once(slot, cloud_api):
    """The issue's acceptance run: 40 bookings with consent, 30 % of calls failing with
    transient errors (131000, 130429, 131016, 131056), backoff base 10 ms."""
    cloud_api.fail_share = 0.3
    tickets = [book(slot, consent=True).ticket for _ in range(40)]
    for ticket in tickets:
        render_certificate_of(ticket)

    send_until_settled(limit=60)

    messages = list(Message.objects.all())
    assert len(messages) == 40
    assert {m.status for m in messages} == {Status.SENT}
    # The provider accepted exactly one message per Message, and we recorded its id.
    per_callback = cloud_api.accepted_per_callback()
    assert per_callback == {str(m.pk): 1 for m in messages}
    wamid_of = {a.biz_opaque_callback_data: a.wamid for a in cloud_api.accepted}
    assert {str(m.pk): m.provider_id for m in messages} == wamid_of
    # The failures did happen, and were retried.
    failed = [r for r in cloud_api.requests if r.status != 200]
    assert len(failed) >= 10
    assert {r.outcome for r in failed} == {"131000", "130429", "131016", "131056"}
    assert any(m.attempts > 1 for m in messages)
    assert sum(m.attempts for m in messages) == len(cloud_api.requests_to("messages")) + sum(
        1 for r in cloud_api.requests_to("media") if r.status != 200
    )
    for message in messages:
        events = list(message.events.values_list("event", flat=True))
        assert events.count("sent") == 1
        assert events.count("retry") == message.attempts - 1
    # Each certificate was uploaded once successfully and reused.
    assert MediaUpload.objects.count() == 40
    assert len(cloud_api.media) == 40
    assert {a.header["id"] for a in cloud_api.accepted} == set(cloud_api.media)


def test_backoff_waits_before_the_next_attempt(slot, cloud_api, settings):
    settings.WHATSAPP_RETRY_BASE_SECONDS = 60
    ticket = book(slot, consent=False).ticket
    Ticket.objects.filter(pk=ticket.pk).update(whatsapp_consent=True)
    ticket.refresh_from_db()
    message_queue(ticket=ticket, kind=Kind.REMINDER_DAY, params=["A-001"])
    cloud_api.fail_share = 1.0

    before = timezone.now()
    assert messages_send_due(worker_id=WORKER).retried == 1
    message = Message.objects.get()
    # Full jitter between half and all of the base: 30–60 s for the first retry.
    wait = (message.next_attempt_at - before).total_seconds()
    assert 29 <= wait <= 61
    assert messages_send_due(worker_id=WORKER).claimed == 0  # not due yet
    assert (message.error_category, message.error_code) == (ErrorCategory.TRANSIENT, "131000")

    assert messages_send_due(worker_id=WORKER, now=later(61)).retried == 1
    message.refresh_from_db()
    wait = (message.next_attempt_at - timezone.now()).total_seconds()
    assert 59 <= wait <= 121  # doubled


def test_max_attempts_reached_fails_the_message(slot, cloud_api, settings):
    settings.WHATSAPP_MAX_ATTEMPTS = 3
    cloud_api.fail_media = False
    cloud_api.fail_share = 1.0
    render_certificate_of(book(slot, consent=True).ticket)

    send_until_settled(limit=20)

    message = Message.objects.get()
    assert (message.status, message.attempts) == (Status.FAILED, 3)
    assert message.error_category == ErrorCategory.TRANSIENT
    assert message.failed_at is not None
    assert len(cloud_api.requests_to("messages")) == 3
    assert not cloud_api.accepted
    events = list(message.events.values_list("event", flat=True))
    assert events == ["queued", "retry", "retry", "failed"]


def test_a_stalled_request_is_retried_and_sent_once(slot, cloud_api, settings):
    point_gateway_at(settings, cloud_api, WHATSAPP_TIMEOUT=0.3)
    cloud_api.stall_seconds = 1.0
    cloud_api.stall_next()
    render_certificate_of(book(slot, consent=True).ticket)

    started = time.monotonic()
    send_until_settled(limit=20)

    assert time.monotonic() - started < 10
    message = Message.objects.get()
    assert (message.status, message.attempts) == (Status.SENT, 2)
    outcomes = [r.outcome for r in cloud_api.requests_to("messages")]
    assert outcomes == ["stalled", "accepted"]
    assert cloud_api.accepted_per_callback() == {str(message.pk): 1}
    retry = message.events.get(event="retry")
    assert "timeout" in retry.detail


# --- permanent and configuration errors -----------------------------------------------------


def test_permanent_error_fails_with_its_reason_and_is_not_retried(slot, cloud_api):
    cloud_api.template_errors["antrean_booking_confirmed"] = 131051
    render_certificate_of(book(slot, consent=True).ticket)

    report = messages_send_due(worker_id=WORKER)

    assert report.failed == 1
    message = Message.objects.get()
    assert (message.status, message.attempts) == (Status.FAILED, 1)
    assert (message.error_category, message.error_code) == (ErrorCategory.PERMANENT, "131051")
    assert "Unsupported message type" in message.error_detail
    assert message.failed_at is not None
    assert message.request_started_at is None
    assert messages_send_due(worker_id=WORKER, now=later()).claimed == 0
    assert len(cloud_api.requests_to("messages")) == 1
    failed = message.events.get(event="failed")
    assert "131051" in failed.detail


@pytest.mark.parametrize("code", [132001, 132000, 132016])
def test_template_errors_fail_as_configuration_and_are_logged(slot, cloud_api, caplog, code):
    cloud_api.template_errors["antrean_booking_confirmed"] = code
    render_certificate_of(book(slot, consent=True).ticket)

    with caplog.at_level(logging.ERROR, logger="antrean.notifications"):
        messages_send_due(worker_id=WORKER)

    message = Message.objects.get()
    assert (message.status, message.error_category, message.error_code) == (
        Status.FAILED,
        ErrorCategory.CONFIG,
        str(code),
    )
    assert messages_send_due(worker_id=WORKER, now=later()).claimed == 0
    assert any("configuration error" in r.getMessage() for r in caplog.records)


def test_expired_token_fails_as_configuration(slot, cloud_api, settings):
    point_gateway_at(settings, cloud_api, WHATSAPP_ACCESS_TOKEN="kedaluwarsa")
    render_certificate_of(book(slot, consent=True).ticket)

    messages_send_due(worker_id=WORKER)

    message = Message.objects.get()
    assert (message.status, message.error_category, message.error_code) == (
        Status.FAILED,
        ErrorCategory.CONFIG,
        "190",
    )
    assert not cloud_api.accepted
    assert [r.status for r in cloud_api.requests] == [401]  # the upload, refused


def test_not_on_whatsapp_fails_and_marks_the_number(slot, cloud_api):
    cloud_api.unreachable.add("+6281299990000")
    ticket = book(slot, consent=True, phone="081299990000").ticket
    other = book(slot, consent=True).ticket
    render_certificate_of(ticket)
    render_certificate_of(other)

    messages_send_due(worker_id=WORKER)

    message = Message.objects.get(ticket=ticket)
    assert (message.status, message.error_category, message.error_code) == (
        Status.FAILED,
        ErrorCategory.NOT_ON_WHATSAPP,
        "131026",
    )
    assert UnreachableNumber.objects.filter(phone_hash=ticket.phone_hash).exists()
    assert UnreachableNumber.objects.count() == 1
    assert Message.objects.get(ticket=other).status == Status.SENT
    # The certificate stays on the web.
    assert Certificate.objects.get(signature__ticket=ticket).is_ready


def test_console_gateway_keeps_the_message_as_sent(slot, console_gateway):
    ticket = book(slot, consent=True).ticket
    render_certificate_of(ticket)

    assert messages_send_due(worker_id=WORKER).sent == 1

    message = Message.objects.get()
    assert message.status == Status.SENT
    assert message.provider_id.startswith("console.")
    assert MediaUpload.objects.get().media_id.startswith("console-media.")
