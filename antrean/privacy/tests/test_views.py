"""The "Data saya" pages: right and wrong requests, the attempt limits, what is shown (and
what is not: nothing of another booking), the JSON download and the grant's end."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from antrean.integrity.certificates import certificate_pdf_bytes
from antrean.integrity.models import Certificate
from antrean.notifications.services import messages_send_due
from antrean.privacy.services import personal_data_erase_expired
from antrean.privacy.tests.conftest import NAME, book_on, days_ago
from antrean.privacy.views import GRANT_KEY
from antrean.testing.factories import make_nik, make_office, make_service

pytestmark = pytest.mark.django_db

FORM = reverse("privacy:my_data")
RESULT = reverse("privacy:my_data_result")
JSON_URL = reverse("privacy:my_data_json")
PDF_URL = reverse("privacy:my_data_certificate")
DONE = reverse("privacy:my_data_done")
NIK_A = make_nik(7001)
NIK_B = make_nik(7002)
PHONE_A = "081211117001"
PHONE_B = "081211117002"


@pytest.fixture
def bookings():
    office = make_office(code="mpp-badung", name="MPP Kabupaten Badung")
    service = make_service(office, name="Perekaman KTP-el")
    a = book_on(service, days_ago(-2), nik=NIK_A, whatsapp=PHONE_A).ticket
    b = book_on(service, days_ago(-2), nik=NIK_B, whatsapp=PHONE_B, name="I Ketut Dharma").ticket
    assert messages_send_due(worker_id="uji").sent == 2
    return a, b


def ask(client, code: str, nik: str, **extra):
    return client.post(FORM, {"code": code, "nik": nik}, **extra)


def error_text(response) -> str:
    """The page without what differs between any two renderings (CSRF token, the code typed
    back into its box)."""
    return re.sub(r'value="[^"]*"', "", response.content.decode())


def test_the_form_asks_for_code_and_nik_by_post(client):
    page = client.get(FORM)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'method="post"' in html and 'name="code"' in html and 'name="nik"' in html
    assert "<script" not in html and "style=" not in html and "<style" not in html


def test_right_code_and_nik_show_everything_held_with_nik_and_number_masked(client, bookings):
    a, _b = bookings
    response = ask(client, f"{a.code[:4]}-{a.code[4:].lower()}", NIK_A)
    assert response.status_code == 302 and response["Location"] == RESULT
    assert NIK_A not in response["Location"]

    page = client.get(RESULT)
    html = page.content.decode()
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert NAME in html and a.number in html
    assert NIK_A not in html and "5103********" in html  # masked on the screen
    assert "+6281211117001" not in html and "+62812****7001" in html
    assert "Dipesan daring" in html  # its history
    assert "Posisi buku besar" in html and a.pact_signature.entry_hash in html
    assert a.pact_signature.certificate.number in html
    assert "Nomor antrean Anda " + a.number in html  # the WhatsApp message as sent
    assert "Masa retensi data adalah 365 hari" in html
    assert "<script" not in html and "style=" not in html and "<style" not in html


def test_the_json_download_holds_the_full_values_and_nothing_of_another_booking(client, bookings):
    a, b = bookings
    ask(client, a.code, NIK_A)
    response = client.get(JSON_URL)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="data-saya-{a.code}.json"'
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    ticket = data["ticket"]
    assert (ticket["code"], ticket["name"], ticket["nik"], ticket["whatsapp"]) == (
        a.code,
        NAME,
        NIK_A,
        "+6281211117001",
    )
    assert [e["move"] for e in data["events"]] == ["book"]
    assert data["pact_signature"]["ledger"]["seq"] == a.pact_signature.ledger_seq
    assert data["pact_signature"]["user_agent"] == "pytest"
    assert data["certificate"]["file"] == "available"
    (message,) = data["messages"]
    assert message["to"] == "+6281211117001" and a.number in message["text"]
    assert data["retention"]["erased"] == []

    raw = response.content.decode()
    b_signature = b.pact_signature
    for other in (b.code, NIK_B, "6281211117002", "I Ketut Dharma", b_signature.entry_hash):
        assert other not in raw


def test_the_certificate_can_be_downloaded_with_the_grant(client, bookings):
    a, _b = bookings
    ask(client, a.code, NIK_A)
    response = client.get(PDF_URL)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert body == certificate_pdf_bytes(Certificate.objects.get(signature__ticket=a))


def test_wrong_code_and_wrong_nik_get_the_same_answer(client, bookings):
    a, _b = bookings
    wrong_nik = ask(client, a.code, NIK_B)  # a real NIK, of another booking
    wrong_code = ask(client, "ZZZZ-9999", NIK_A)
    assert wrong_nik.status_code == wrong_code.status_code == 404
    assert error_text(wrong_nik) == error_text(wrong_code)
    assert "tidak cocok dengan pemesanan mana pun" in error_text(wrong_nik)
    assert NIK_B not in wrong_nik.content.decode()  # the NIK typed is not written back
    assert GRANT_KEY not in client.session
    assert client.get(RESULT).status_code == 302  # nothing granted
    assert client.get(JSON_URL).status_code == 302


def test_a_malformed_nik_is_refused_as_such(client, bookings):
    a, _b = bookings
    response = ask(client, a.code, "1234")
    assert response.status_code == 422
    assert "NIK tidak sah" in response.content.decode()
    assert ask(client, "", "").status_code == 422


def test_attempts_are_limited_per_code_even_for_the_right_nik(client, bookings, settings):
    settings.ANTREAN_DATA_ACCESS_PER_CODE = 3
    a, b = bookings
    for n in range(3):
        assert ask(client, a.code, make_nik(8000 + n)).status_code == 404
    limited = ask(client, a.code, NIK_A)
    assert limited.status_code == 429
    assert "Terlalu banyak permintaan data" in limited.content.decode()
    assert GRANT_KEY not in client.session
    # Another code is not held back by this one.
    assert ask(client, b.code, NIK_B).status_code == 302


def test_attempts_are_limited_per_client_address(client, bookings, settings):
    settings.ANTREAN_DATA_ACCESS_PER_ADDRESS = 4
    a, _b = bookings
    for n in range(4):
        assert ask(client, f"AAAA{n:04d}", NIK_A, REMOTE_ADDR="198.51.100.9").status_code == 404
    assert ask(client, a.code, NIK_A, REMOTE_ADDR="198.51.100.9").status_code == 429
    assert ask(client, a.code, NIK_A, REMOTE_ADDR="198.51.100.10").status_code == 302


def test_done_and_time_end_the_grant(client, bookings):
    a, _b = bookings
    ask(client, a.code, NIK_A)
    assert client.get(RESULT).status_code == 200
    assert client.post(DONE).status_code == 302
    assert client.get(RESULT)["Location"] == FORM

    ask(client, a.code, NIK_A)
    session = client.session
    grant = session[GRANT_KEY]
    grant["at"] = (timezone.now() - dt.timedelta(minutes=16)).isoformat()
    session[GRANT_KEY] = grant
    session.save()
    assert client.get(JSON_URL)["Location"] == FORM


def test_after_erasure_the_request_still_works_and_says_what_was_erased(client):
    office = make_office(code="mpp-lama")
    old = book_on(make_service(office), days_ago(400), nik=NIK_A).ticket
    personal_data_erase_expired()

    assert ask(client, old.code, NIK_A).status_code == 302  # the keyed hash still matches
    html = client.get(RESULT).content.decode()
    assert "data berikut telah dihapus" in html and NAME not in html
    assert "Berkas piagam ini telah dihapus" in html
    data = json.loads(client.get(JSON_URL).content)
    assert (data["ticket"]["name"], data["ticket"]["nik"], data["ticket"]["whatsapp"]) == (
        "",
        "",
        "",
    )
    assert "ticket.nik" in data["retention"]["erased"]
    assert data["certificate"]["file"] == "erased"
    assert client.get(PDF_URL).status_code == 302  # no file to give


@pytest.fixture
def _back_to_indonesian():
    yield
    translation.deactivate()  # a request leaves its language active in the thread


@pytest.mark.usefixtures("_back_to_indonesian")
def test_the_pages_are_in_english_when_english_is_chosen(client, bookings, settings):
    a, _b = bookings
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Show my data" in client.get(FORM).content.decode()
    refused = ask(client, a.code, NIK_B).content.decode()
    assert "The booking code or NIK does not match any booking." in refused
    ask(client, a.code, NIK_A)
    html = client.get(RESULT).content.decode()
    assert "This is all the data we hold about booking" in html
    assert "Data is kept for 365 days after the queue date." in html
