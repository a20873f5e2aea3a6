"""The outbox in the Django admin: read-only messages with masked numbers, their history,
a deliberate resend of failed or ambiguous ones, configuration errors announced, and
template names configurable per office."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from antrean.booking.services import booking_create
from antrean.core.personal_data import lookup_hash
from antrean.integrity.services import ClientInfo
from antrean.notifications.models import (
    ErrorCategory,
    InboundMessage,
    Kind,
    Message,
    MessageEvent,
    Status,
    TemplateName,
    UnreachableNumber,
)
from antrean.notifications.services import message_queue_booking_confirmed, template_for
from antrean.testing.factories import (
    booking_request,
    make_agency,
    make_office,
    make_officer,
    make_service,
    make_slot,
)
from antrean.testing.signin import sign_in

pytestmark = pytest.mark.django_db

PHONE_LOCAL = "081234567890"
PHONE_E164 = "+6281234567890"
SECRETS = (PHONE_E164, PHONE_E164[1:], PHONE_LOCAL)
MASKED = "+62812****7890"

LIST = reverse("admin:notifications_message_changelist")


def _change(message) -> str:
    return reverse("admin:notifications_message_change", args=[message.pk])


@pytest.fixture
def office():
    return make_office(code="mpp-badung", name="MPP Kabupaten Badung")


def _book(office, *, phone: str = PHONE_LOCAL):
    slot = make_slot(make_service(office))
    request = booking_request(slot, whatsapp=phone, whatsapp_consent=True)
    return booking_create(request=request, client=ClientInfo()).ticket


@pytest.fixture
def message(office) -> Message:
    return Message.objects.get(ticket=_book(office), kind=Kind.BOOKING_CONFIRMED)


def _set(message, **fields) -> Message:
    Message.objects.filter(pk=message.pk).update(**fields)
    message.refresh_from_db()
    return message


def _assert_no_full_number(content: str):
    for secret in SECRETS:
        assert secret not in content


# --- pages ---------------------------------------------------------------------------------


def test_message_list_and_detail_show_only_the_masked_number(admin_client, message):
    _set(
        message,
        status=Status.FAILED,
        provider_id="wamid.HBgLNjI4MTIzNDU2Nzg5MBUCABEYEjRFQUMzQzFCNjg2RkE2QTY3AA==",
        error_code="131026",
        error_category=ErrorCategory.NOT_ON_WHATSAPP,
        error_detail=f"Message undeliverable to {PHONE_E164}",
    )
    MessageEvent.objects.create(
        message=message, at=timezone.now(), event="failed", detail=f"to {PHONE_E164[1:]}"
    )
    pages = [
        LIST,
        LIST + f"?q={message.ticket.code}",
        LIST + "?status__exact=failed",
        _change(message),
        reverse("admin:notifications_message_history", args=[message.pk]),
    ]
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        _assert_no_full_number(response.content.decode())
    listing = admin_client.get(LIST).content.decode()
    assert MASKED in listing
    assert "wamid.HBgL…Y3AA==" in listing  # the provider id, shortened
    detail = admin_client.get(_change(message))
    content = detail.content.decode()
    assert MASKED in content
    assert 'name="recipient"' not in content
    assert "recipient_hash" not in content
    assert message.recipient_hash not in content
    assert "Nomor antrean Anda" in content  # the text as the citizen reads it
    assert "131026" in content


def test_detail_shows_the_history_oldest_first(admin_client, message):
    now = timezone.now()
    MessageEvent.objects.create(message=message, at=now + dt.timedelta(seconds=2), event="sent")
    MessageEvent.objects.create(
        message=message, at=now + dt.timedelta(seconds=5), event="webhook_read"
    )
    content = admin_client.get(_change(message)).content.decode()
    assert content.index("queued") < content.index(">sent<") < content.index("webhook_read")


def test_messages_are_neither_added_edited_nor_deleted(admin_client, message):
    assert admin_client.get(reverse("admin:notifications_message_add")).status_code == 403
    response = admin_client.post(_change(message), {"status": Status.READ})
    assert response.status_code == 403
    delete = reverse("admin:notifications_message_delete", args=[message.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert 'name="template_name"' not in admin_client.get(_change(message)).content.decode()


def test_search_by_booking_code_or_provider_id(admin_client, office, message):
    other = Message.objects.get(ticket=_book(office, phone="081298765432"))
    _set(other, provider_id="wamid.CARI-SAYA")
    code = message.ticket.code
    for query in (code, code.lower(), f"{code[:4]}-{code[4:]}"):
        found = admin_client.get(LIST, {"q": query}).context["cl"].result_list
        assert list(found) == [message], query
    found = admin_client.get(LIST, {"q": "wamid.CARI-SAYA"}).context["cl"].result_list
    assert list(found) == [other]


def test_filters(admin_client, office, message):
    other = Message.objects.get(ticket=_book(make_office(code="mpp-lain"), phone="081298765432"))
    _set(other, status=Status.FAILED, error_category=ErrorCategory.CONFIG, error_code="190")
    failed = admin_client.get(LIST, {"status__exact": "failed"}).context["cl"].result_list
    assert list(failed) == [other]
    config = admin_client.get(LIST, {"error_category__exact": "config"})
    assert list(config.context["cl"].result_list) == [other]
    assert "Kesalahan konfigurasi" in config.content.decode()
    mine = admin_client.get(LIST, {"office__id__exact": office.pk}).context["cl"].result_list
    assert list(mine) == [message]
    kind = admin_client.get(LIST, {"kind__exact": Kind.BOOKING_CANCELLED}).context["cl"]
    assert list(kind.result_list) == []


# --- resend --------------------------------------------------------------------------------


def _resend(admin_client, *messages):
    return admin_client.post(
        LIST,
        {"action": "resend", "_selected_action": [m.pk for m in messages]},
        follow=True,
    )


@pytest.mark.parametrize("status", [Status.FAILED, Status.AMBIGUOUS])
def test_resend_puts_a_failed_or_ambiguous_message_back_in_the_queue(admin_client, message, status):
    _set(message, status=status, attempts=8, provider_id=None, error_code="131000")
    response = _resend(admin_client, message)
    assert "1 pesan dijadwalkan untuk dikirim ulang." in response.content.decode()
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert message.attempts == 0
    assert message.next_attempt_at <= timezone.now()
    event = message.events.order_by("at", "pk").last()
    assert event.event == "resent"
    assert "admin" in event.detail


@pytest.mark.parametrize(
    "status", [Status.PENDING, Status.SENDING, Status.SENT, Status.DELIVERED, Status.READ]
)
def test_resend_leaves_other_messages_alone(admin_client, message, status):
    _set(message, status=status, attempts=1)
    events = message.events.count()
    response = _resend(admin_client, message)
    assert "hanya pesan yang gagal atau tidak pasti" in response.content.decode()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (status, 1)
    assert message.events.count() == events


def test_resend_of_a_mixed_selection(admin_client, office, message):
    other = Message.objects.get(ticket=_book(office, phone="081298765432"))
    _set(message, status=Status.FAILED, attempts=3)
    _set(other, status=Status.READ, attempts=1)
    content = _resend(admin_client, message, other).content.decode()
    assert "1 pesan dijadwalkan" in content
    assert "1 pesan tidak diubah" in content
    message.refresh_from_db()
    other.refresh_from_db()
    assert (message.status, other.status) == (Status.PENDING, Status.READ)


def test_resend_button_on_the_detail_page(admin_client, message):
    url = reverse("admin:notifications_message_resend", args=[message.pk])
    assert url not in admin_client.get(_change(message)).content.decode()  # pending: no button
    _set(message, status=Status.FAILED, attempts=8)
    assert url in admin_client.get(_change(message)).content.decode()
    assert admin_client.get(url).status_code == 405
    response = admin_client.post(url)
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 0)


def test_resend_needs_the_change_permission(client, message):
    # An officer of the ticket's agency reads its messages but administers nothing.
    sign_in(client, make_officer(message.ticket.service.agency), second_step=True)
    _set(message, status=Status.FAILED, attempts=8)
    assert client.get(LIST).status_code == 200
    client.post(LIST, {"action": "resend", "_selected_action": [message.pk]})
    url = reverse("admin:notifications_message_resend", args=[message.pk])
    assert client.post(url).status_code == 403
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.FAILED, 8)
    assert url not in client.get(_change(message)).content.decode()


# --- configuration errors ------------------------------------------------------------------


def test_no_warning_without_configuration_errors(admin_client, message):
    _set(message, status=Status.FAILED, error_category=ErrorCategory.PERMANENT, error_code="131")
    assert "kesalahan konfigurasi dalam 7 hari" not in admin_client.get(LIST).content.decode()
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "kesalahan konfigurasi dalam 7 hari" not in index


def test_configuration_errors_are_announced(admin_client, office, message):
    other = Message.objects.get(ticket=_book(office, phone="081298765432"))
    _set(message, status=Status.FAILED, error_category=ErrorCategory.CONFIG, error_code="132001")
    _set(other, status=Status.FAILED, error_category=ErrorCategory.CONFIG, error_code="190")
    for url in (LIST, reverse("admin:index")):
        content = admin_client.get(url).content.decode()
        assert "kesalahan konfigurasi dalam 7 hari terakhir" in content, url
        assert "132001 (templat salah" in content
        assert "190 (token akses kedaluwarsa" in content
        assert "error_category__exact=config" in content


def test_configuration_errors_are_announced_to_those_who_see_every_office(client, message):
    # The WhatsApp account is the installation's: its failures are counted over every office,
    # so an office admin is not shown other offices' counts (nor can they fix it).
    _set(message, status=Status.FAILED, error_category=ErrorCategory.CONFIG, error_code="132001")
    other_office = make_agency(make_office(code="mpp-lain"))
    sign_in(client, make_officer(other_office, role="office_admin"))
    for url in (LIST, reverse("admin:index")):
        response = client.get(url)
        assert response.status_code == 200
        assert "kesalahan konfigurasi" not in response.content.decode(), url
    national = make_officer(other_office, role="officer")
    national.memberships.update(role="national_admin", office=None, agency=None)
    sign_in(client, national)
    for url in (LIST, reverse("admin:index")):
        assert "kesalahan konfigurasi dalam 7 hari" in client.get(url).content.decode(), url


def test_old_configuration_errors_are_not_announced(admin_client, message):
    _set(
        message,
        status=Status.FAILED,
        error_category=ErrorCategory.CONFIG,
        error_code="132001",
        created_at=timezone.now() - dt.timedelta(days=8),
    )
    assert "kesalahan konfigurasi dalam 7 hari" not in admin_client.get(LIST).content.decode()


# --- template names, inbound messages, unreachable numbers ---------------------------------


def test_template_names_are_configured_per_office(admin_client, office):
    add = reverse("admin:notifications_templatename_add")
    assert admin_client.get(add).status_code == 200
    national = {
        "office": "",
        "kind": Kind.BOOKING_CONFIRMED,
        "name": "nasional_v2",
        "language": "id",
    }
    assert admin_client.post(add, national).status_code == 302
    own = national | {"office": office.pk, "name": "badung_konfirmasi"}
    assert admin_client.post(add, own).status_code == 302
    # One name per office and kind.
    again = admin_client.post(add, own | {"name": "lain"})
    assert again.status_code == 200
    assert TemplateName.objects.filter(office=office).count() == 1

    assert template_for(office=office, kind=Kind.BOOKING_CONFIRMED) == ("badung_konfirmasi", "id")
    elsewhere = make_office(code="mpp-lain")
    assert template_for(office=elsewhere, kind=Kind.BOOKING_CONFIRMED) == ("nasional_v2", "id")
    ticket = _book(office)
    assert Message.objects.get(ticket=ticket).template_name == "badung_konfirmasi"
    listing = admin_client.get(reverse("admin:notifications_templatename_changelist"))
    assert "Semua kantor (nasional)" in listing.content.decode()


def test_inbound_messages_show_a_masked_sender(admin_client):
    inbound = InboundMessage.objects.create(
        provider_id="wamid.masuk",
        sender=PHONE_E164,
        sender_hash=lookup_hash(PHONE_E164, purpose="phone"),
        kind="text",
        text="Apakah besok buka?",
        sent_at=timezone.now(),
    )
    for url in (
        reverse("admin:notifications_inboundmessage_changelist"),
        reverse("admin:notifications_inboundmessage_change", args=[inbound.pk]),
    ):
        response = admin_client.get(url)
        assert response.status_code == 200
        content = response.content.decode()
        _assert_no_full_number(content)
        assert MASKED in content
        assert "Apakah besok buka?" in content
    assert admin_client.get(reverse("admin:notifications_inboundmessage_add")).status_code == 403


def test_inbound_text_shows_numbers_masked_in_the_list_and_the_detail(admin_client):
    nik = "5103014101900001"
    inbound = InboundMessage.objects.create(
        provider_id="wamid.nik",
        sender=PHONE_E164,
        sender_hash=lookup_hash(PHONE_E164, purpose="phone"),
        kind="text",
        # A long one: the list's 60 characters end inside the NIK, which is masked first.
        text=f"Selamat pagi, saya Made, nomor KTP saya {nik[:4]} {nik[4:8]} {nik[8:12]} "
        f"{nik[12:]}, WA lain 0857-1234-5678. Kapan bisa ambil?",
        sent_at=timezone.now(),
    )
    for url in (
        reverse("admin:notifications_inboundmessage_changelist"),
        reverse("admin:notifications_inboundmessage_change", args=[inbound.pk]),
    ):
        content = admin_client.get(url).content.decode()
        assert "0141 0190" not in content and "01410190" not in content
        assert "1234-5678" not in content
        assert "Selamat pagi, saya Made" in content
    detail = admin_client.get(
        reverse("admin:notifications_inboundmessage_change", args=[inbound.pk])
    ).content.decode()
    assert "5103********0001" in detail
    assert "0857****678" in detail


def test_unreachable_numbers_are_read_only(admin_client):
    row = UnreachableNumber.objects.create(
        phone_hash=lookup_hash(PHONE_E164, purpose="phone"), marked_at=timezone.now()
    )
    change = reverse("admin:notifications_unreachablenumber_change", args=[row.pk])
    assert admin_client.get(change).status_code == 200
    assert row.phone_hash not in admin_client.get(change).content.decode()
    assert admin_client.get(reverse("admin:notifications_unreachablenumber_add")).status_code == 403
    delete = reverse("admin:notifications_unreachablenumber_delete", args=[row.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert UnreachableNumber.objects.filter(pk=row.pk).exists()


def test_a_message_without_a_ticket_renders(admin_client, office, message):
    # Messages of later kinds (surveys…) may have no ticket.
    orphan = Message.objects.create(
        office=office,
        kind=Kind.SURVEY,
        recipient=PHONE_E164,
        recipient_hash=lookup_hash(PHONE_E164, purpose="phone"),
        template_name="antrean_survey",
        params=["https://contoh.test/s"],
        next_attempt_at=timezone.now(),
    )
    assert admin_client.get(_change(orphan)).status_code == 200
    assert message_queue_booking_confirmed(ticket=message.ticket) is None  # once per ticket


def test_times_are_shown_in_the_office_zone(admin_client, message):
    at = dt.datetime(2030, 3, 4, 1, 30, 15, tzinfo=dt.UTC)  # 09.30 in Bali (WITA, UTC+8)
    _set(message, created_at=at, status=Status.SENT, sent_at=at)
    MessageEvent.objects.filter(message=message).update(at=at)
    assert "4 Mar 2030, 09.30 WITA" in admin_client.get(LIST).content.decode()
    detail = admin_client.get(_change(message)).content.decode()
    assert "4 Mar 2030, 09.30 WITA" in detail  # created, sent
    assert "4 Mar 2030, 09.30.15 WITA" in detail  # the history, to the second
