"""The staff inbox (/staf/kotak-pesan/): a phone-like view of every message, for staff only,
with masked numbers, the text the citizen reads, status ticks and the certificate PDF."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from antrean.booking.services import booking_create
from antrean.integrity.certificates import certificate_render
from antrean.integrity.models import Certificate
from antrean.integrity.services import ClientInfo
from antrean.integrity.signing import signing_cache_clear
from antrean.notifications.models import ErrorCategory, Kind, Message, Status
from antrean.notifications.services import message_queue
from antrean.testing.factories import booking_request, make_office, make_service, make_slot
from antrean.testing.signin import sign_in

pytestmark = pytest.mark.django_db

PHONE_LOCAL = "081234567890"
PHONE_E164 = "+6281234567890"
MASKED = "+62812****7890"
INBOX = reverse("notifications:inbox")


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANTREAN_KEY_DIR = tmp_path / "keys"
    signing_cache_clear()
    yield
    signing_cache_clear()


def _book(office, *, phone: str = PHONE_LOCAL, consent: bool = True):
    service = make_service(office, name="Perekaman KTP-el")
    slot = make_slot(service)
    request = booking_request(slot, whatsapp=phone, whatsapp_consent=consent)
    return booking_create(request=request, client=ClientInfo()).ticket


@pytest.fixture
def office():
    return make_office(code="mpp-badung", name="MPP Kabupaten Badung")


@pytest.fixture
def confirmed(office) -> Message:
    """A booking_confirmed message whose certificate PDF is ready."""
    ticket = _book(office)
    certificate = Certificate.objects.get(signature__ticket=ticket)
    certificate_render(certificate_id=certificate.pk)
    return Message.objects.get(ticket=ticket, kind=Kind.BOOKING_CONFIRMED)


@pytest.fixture
def clerk(client):
    """A logged-in user who is not staff."""
    user = get_user_model().objects.create_user("warga", password="rahasia-sekali-123")
    sign_in(client, user)
    return client


def test_anonymous_is_sent_to_login(client, confirmed):
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("queueing:login"))


def test_an_account_without_a_role_gets_no_inbox(clerk, confirmed):
    response = clerk.get(INBOX)
    assert response.status_code == 403
    assert MASKED not in response.content.decode()


def test_staff_sees_the_conversation_with_masked_number_only(admin_client, confirmed):
    response = admin_client.get(INBOX)
    assert response.status_code == 200
    body = response.content.decode()
    assert MASKED in body
    for secret in (PHONE_E164, PHONE_E164[1:], PHONE_LOCAL):
        assert secret not in body
    # The text the citizen reads, with the parameters filled in.
    ticket = confirmed.ticket
    assert f"Nomor antrean Anda {ticket.number} untuk layanan Perekaman KTP-el" in body
    assert f"Kode pemesanan {ticket.code[:4]}-{ticket.code[4:]}" in body
    assert "MPP Kabupaten Badung" in body
    assert "tick-pending" in body  # not sent yet: "menunggu"
    assert "menunggu" in body


def test_time_is_shown_in_the_office_zone(admin_client, confirmed):
    sent = dt.datetime(2030, 3, 4, 1, 30, tzinfo=dt.UTC)  # 09.30 in Bali (WITA, UTC+8)
    Message.objects.filter(pk=confirmed.pk).update(status=Status.SENT, sent_at=sent)
    body = admin_client.get(INBOX).content.decode()
    assert "09.30 WITA" in body


@pytest.mark.parametrize(
    ("status", "mark", "text"),
    [
        (Status.SENT, "tick-sent", "terkirim"),
        (Status.DELIVERED, "tick-delivered", "sampai"),
        (Status.READ, "tick-read", "dibaca"),
        (Status.FAILED, "tick-failed", "gagal"),
        (Status.AMBIGUOUS, "tick-ambiguous", "tidak pasti"),
        (Status.PENDING, "tick-pending", "menunggu"),
    ],
)
def test_each_status_has_its_tick(admin_client, confirmed, status, mark, text):
    Message.objects.filter(pk=confirmed.pk).update(status=status)
    body = admin_client.get(INBOX).content.decode()
    assert f'class="tick {mark}"' in body
    assert text in body
    others = {"tick-sent", "tick-delivered", "tick-read", "tick-failed", "tick-ambiguous"}
    for other in others - {mark}:
        assert f'class="tick {other}"' not in body


def test_failure_shows_the_error_without_the_number(admin_client, confirmed):
    Message.objects.filter(pk=confirmed.pk).update(
        status=Status.FAILED,
        error_code="132001",
        error_category=ErrorCategory.CONFIG,
        error_detail=f"HTTP 404: template does not exist (to {PHONE_E164[1:]})",
    )
    body = admin_client.get(INBOX).content.decode()
    assert "132001 (templat salah" in body
    assert "template does not exist" in body
    assert PHONE_E164[1:] not in body


def test_messages_of_one_number_form_one_conversation(admin_client, office, confirmed):
    message_queue(
        ticket=confirmed.ticket, kind=Kind.REMINDER_DAY, params=["A-001", "KTP-el", "besok", "MPP"]
    )
    _book(office, phone="081298765432")
    response = admin_client.get(INBOX)
    conversations = response.context["conversations"]
    assert [len(c.messages) for c in conversations if c.recipient == MASKED] == [2]
    assert len(conversations) == 2
    body = response.content.decode()
    assert "Pengingat: besok Anda memiliki antrean A-001" in body
    assert "+62812****5432" in body


def test_filter_by_office(admin_client, confirmed):
    other = make_office(code="mpp-denpasar", name="MPP Kota Denpasar")
    _book(other, phone="081298765432")
    mine = admin_client.get(INBOX + "?kantor=mpp-badung").content.decode()
    assert MASKED in mine
    assert "+62812****5432" not in mine
    theirs = admin_client.get(INBOX + "?kantor=mpp-denpasar").content.decode()
    assert "+62812****5432" in theirs
    assert MASKED not in theirs
    # The filter offers both offices.
    assert 'value="mpp-denpasar"' in mine


def test_certificate_card_links_to_a_staff_only_pdf(admin_client, client, confirmed):
    certificate = confirmed.ticket.pact_signature.certificate
    url = reverse("notifications:inbox_certificate", args=[confirmed.pk])
    body = admin_client.get(INBOX).content.decode()
    assert f'href="{url}"' in body
    assert f"piagam-{certificate.number}.pdf" in body

    response = admin_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")

    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Content-Type"] != "application/pdf"


def test_certificate_pdf_refused_to_an_account_without_a_role(clerk, confirmed):
    response = clerk.get(reverse("notifications:inbox_certificate", args=[confirmed.pk]))
    assert response.status_code == 404
    assert response["Content-Type"] != "application/pdf"


def test_certificate_not_ready_is_shown_as_being_prepared(admin_client, office):
    ticket = _book(office)  # the PDF is rendered by a task that has not run
    message = Message.objects.get(ticket=ticket)
    body = admin_client.get(INBOX).content.decode()
    assert "Piagam sedang disiapkan" in body
    url = reverse("notifications:inbox_certificate", args=[message.pk])
    assert url not in body
    assert admin_client.get(url).status_code == 404


def test_empty_inbox(admin_client):
    response = admin_client.get(INBOX)
    assert response.status_code == 200
    assert "Belum ada pesan" in response.content.decode()


# --- Scoped to the account's offices (security issue, defect 3) --------------------------------


def _login(client, user):
    sign_in(client, user)
    return client


def test_an_office_admin_sees_only_their_offices_messages(client, office, confirmed):
    from antrean.testing.factories import make_agency, make_officer

    other = make_office(code="mpp-sidoarjo", name="MPP Sidoarjo")
    theirs = _book(other, phone="081311112222")
    admin = make_officer(make_agency(other), role="office_admin")
    _login(client, admin)

    body = client.get(INBOX).content.decode()
    assert "+62813****2222" in body
    assert MASKED not in body
    assert "MPP Kabupaten Badung" not in body
    assert theirs.number in body


def test_another_offices_messages_are_refused_even_when_asked_by_name(client, office, confirmed):
    from antrean.testing.factories import make_agency, make_officer

    other = make_office(code="mpp-sidoarjo", name="MPP Sidoarjo")
    for role in ("officer", "office_admin"):
        _login(client, make_officer(make_agency(other), role=role))
        response = client.get(INBOX, {"kantor": office.code})
        assert response.status_code == 403, role
        assert MASKED not in response.content.decode()
        pdf = client.get(reverse("notifications:inbox_certificate", args=[confirmed.pk]))
        assert pdf.status_code == 404, role
        assert pdf["Content-Type"] != "application/pdf"


def test_an_officer_sees_only_their_agencys_messages(client, office):
    from antrean.testing.factories import make_agency, make_officer

    dukcapil, imigrasi = make_agency(office, code="dukcapil"), make_agency(office, code="imi")
    ours = _book_at(make_service(agency=dukcapil, name="KTP"), "081311112222")
    theirs = _book_at(make_service(agency=imigrasi, name="Paspor"), "081399998888")
    officer = make_officer(dukcapil)
    body = _login(client, officer).get(INBOX).content.decode()
    assert "+62813****2222" in body
    assert "+62813****8888" not in body
    message = Message.objects.get(ticket=theirs, kind=Kind.BOOKING_CONFIRMED)
    certificate = Certificate.objects.get(signature__ticket=theirs)
    certificate_render(certificate_id=certificate.pk)
    url = reverse("notifications:inbox_certificate", args=[message.pk])
    assert client.get(url).status_code == 404
    # The office admin sees both agencies.
    admin = make_officer(dukcapil, role="office_admin")
    body = _login(client, admin).get(INBOX).content.decode()
    assert "+62813****2222" in body and "+62813****8888" in body
    assert ours.number in body


def _book_at(service, phone):
    slot = make_slot(service)
    request = booking_request(slot, whatsapp=phone, whatsapp_consent=True)
    return booking_create(request=request, client=ClientInfo()).ticket
