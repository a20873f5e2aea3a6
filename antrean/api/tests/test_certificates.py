"""The certificate and ledger endpoints: the booker's PDF, public facts, checking an uploaded
PDF, and the office chain's head and entries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from antrean.booking.services import booking_cancel, booking_create
from antrean.core.personal_data import mask_name, mask_nik
from antrean.integrity.certificate_pdf import render_certificate
from antrean.integrity.certificates import (
    certificate_content,
    certificate_pdf_bytes,
    certificate_render,
    certificate_revoke,
)
from antrean.integrity.ledger import ledger_head
from antrean.integrity.ledger_hash import GENESIS
from antrean.integrity.models import Certificate, PactSignature
from antrean.integrity.services import ClientInfo
from antrean.integrity.signing import pdf_check_signature, signing_cache_clear
from antrean.testing.factories import (
    booking_request,
    make_agency,
    make_nik,
    make_office,
    make_phone,
    make_service,
    make_slot,
    make_superuser,
)

pytestmark = pytest.mark.django_db

NAME = "Ni Ketut Sri Rahayu"
NIK = "5103014101900007"
PHONE = "081234567890"
VERIFY = "/api/v1/certificates/verify"


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANTREAN_KEY_DIR = tmp_path / "keys"
    signing_cache_clear()
    yield
    signing_cache_clear()


@pytest.fixture
def slot():
    office = make_office(code="mpp-badung", name="Mal Pelayanan Publik Kabupaten Badung")
    agency = make_agency(office, name="Dinas Kependudukan dan Pencatatan Sipil")
    service = make_service(agency=agency, name="Perekaman dan Pencetakan KTP-el")
    return make_slot(service, capacity=20)


@pytest.fixture
def booked(slot):
    return booking_create(
        request=booking_request(slot, name=NAME, nik=NIK, whatsapp=PHONE), client=ClientInfo()
    )


@pytest.fixture
def certificate(booked) -> Certificate:
    certificate = Certificate.objects.get(signature__ticket=booked.ticket)
    return certificate_render(certificate_id=certificate.pk)


def no_personal_data(text: str) -> bool:
    secrets = (NIK, mask_nik(NIK), PHONE[1:], *NAME.split()[1:])
    return not any(secret in text for secret in secrets)


def post_file(client, content: bytes, name="piagam.pdf"):
    return client.post(
        VERIFY, {"file": SimpleUploadedFile(name, content, content_type="application/pdf")}
    )


# --- the booker's PDF -----------------------------------------------------------------------


def test_booking_certificate_is_pending_then_the_stored_signed_pdf(client, booked):
    url = f"/api/v1/bookings/{booked.ticket.code}/certificate.pdf"
    pending = client.get(url, HTTP_X_BOOKING_TOKEN=booked.token)
    assert pending.status_code == 409
    assert pending.json()["error"] == "certificate_pending"
    assert pending.json()["message"]
    assert int(pending["Retry-After"]) > 0

    certificate = certificate_render(
        certificate_id=Certificate.objects.get(signature__ticket=booked.ticket).pk
    )
    response = client.get(url, HTTP_X_BOOKING_TOKEN=booked.token)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert certificate.number in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body == certificate_pdf_bytes(certificate)  # served as stored
    assert pdf_check_signature(body).valid


def test_booking_certificate_needs_the_booking_token(client, certificate, booked):
    url = f"/api/v1/bookings/{booked.ticket.code}/certificate.pdf"
    for headers in ({}, {"HTTP_X_BOOKING_TOKEN": "tebakan"}):
        response = client.get(url, **headers)
        assert response.status_code == 403
        assert response.json()["error"] == "bad_token"
        assert response["Content-Type"].startswith("application/json")
    assert client.get(
        "/api/v1/bookings/ZZZZZZZZ/certificate.pdf", HTTP_X_BOOKING_TOKEN=booked.token
    ).status_code in (403, 404)


def test_another_bookings_token_does_not_open_this_certificate(client, slot, certificate, booked):
    other = booking_create(
        request=booking_request(slot, nik=make_nik(9), whatsapp=make_phone(9)),
        client=ClientInfo(),
    )
    url = f"/api/v1/bookings/{booked.ticket.code}/certificate.pdf"
    assert client.get(url, HTTP_X_BOOKING_TOKEN=other.token).status_code == 403


# --- public facts ---------------------------------------------------------------------------


def test_certificate_facts_are_public_and_never_personal(client, certificate):
    signature = certificate.signature
    response = client.get(f"/api/v1/certificates/{certificate.verification_code}")
    assert response.status_code == 200
    data = response.json()
    assert data == {
        "status": "valid",
        "number": certificate.number,
        "name_masked": mask_name(NAME),
        "office_code": "mpp-badung",
        "office_name": "Mal Pelayanan Publik Kabupaten Badung",
        "agency_name": "Dinas Kependudukan dan Pencatatan Sipil",
        "service_name": "Perekaman dan Pencetakan KTP-el",
        "date": signature.ticket.date.isoformat(),
        "audience": "citizen",
        "pact_version": signature.pact_version,
        "pact_scope": "national",
        "pact_clauses_version": None,
        "pact_sha256": signature.pact_sha256,
        "ledger_seq": 1,
        "ledger_hash": signature.entry_hash,
        "signed_at": signature.signed_at.isoformat(),
        "revoked_reason": "",
        "revoked_at": None,
        "pdf_ready": True,
    }
    assert no_personal_data(response.content.decode())
    assert signature.ticket.code not in response.content.decode()


def test_revoked_certificate_says_revoked_with_the_reason(client, certificate):
    certificate_revoke(
        certificate=certificate, reason="Data pemohon tidak benar.", by=make_superuser()
    )
    data = client.get(f"/api/v1/certificates/{certificate.verification_code}").json()
    assert data["status"] == "revoked"
    assert data["revoked_reason"] == "Data pemohon tidak benar."
    assert data["revoked_at"]


def test_cancelled_booking_keeps_a_valid_certificate(client, certificate, booked):
    booking_cancel(ticket=booked.ticket)
    data = client.get(f"/api/v1/certificates/{certificate.verification_code}").json()
    assert data["status"] == "valid"


@pytest.mark.parametrize("code", ["ZZZZZZZZZZZZZZZZ", "A" * 30, "kode-salah", "%20"])
def test_unknown_certificate_is_404(client, certificate, code):
    response = client.get(f"/api/v1/certificates/{code}")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_certificate_codes_are_case_insensitive(client, certificate):
    code = certificate.verification_code.lower()
    assert client.get(f"/api/v1/certificates/{code}").json()["number"] == certificate.number


# --- checking an uploaded PDF ---------------------------------------------------------------


def test_genuine_upload_is_valid_with_its_facts(client, certificate):
    response = post_file(client, certificate_pdf_bytes(certificate))
    assert response.status_code == 200
    data = response.json()
    assert (data["valid"], data["reason"], data["message"]) == (True, "ok", "")
    assert data["certificate"]["number"] == certificate.number
    assert no_personal_data(response.content.decode())


@pytest.mark.parametrize("where", [0.01, 0.3, 0.6, 0.999])
def test_tampered_upload_is_invalid_with_a_reason(client, certificate, where):
    pdf = bytearray(certificate_pdf_bytes(certificate))
    pdf[int(len(pdf) * where)] ^= 0x01
    data = post_file(client, bytes(pdf)).json()
    assert data["valid"] is False
    assert data["reason"] in {"malformed", "bad_signature", "modified", "unknown"}
    assert data["message"]


def test_unsigned_upload_is_invalid(client, certificate):
    unsigned = render_certificate(certificate_content(certificate))
    data = post_file(client, unsigned).json()
    assert (data["valid"], data["reason"], data["certificate"]) == (False, "unsigned", None)
    assert "tidak bertanda tangan" in data["message"]


def test_revoked_upload_is_invalid_and_names_the_certificate(client, certificate):
    certificate_revoke(certificate=certificate, reason="Dicabut.", by=make_superuser())
    data = post_file(client, certificate_pdf_bytes(certificate)).json()
    assert (data["valid"], data["reason"]) == (False, "revoked")
    assert data["certificate"]["status"] == "revoked"


def test_upload_without_a_file_is_a_clear_error(client):
    response = client.post(VERIFY, {})
    assert response.status_code == 422
    data = response.json()
    assert data["error"] and data.get("field") == "file"
    assert data["message"]


def test_upload_over_two_megabytes_is_refused(client, certificate):
    big = certificate_pdf_bytes(certificate) + b"\n%" + b"x" * (2 * 1024 * 1024)
    response = post_file(client, big)
    assert response.status_code == 413
    assert response.json()["error"] == "request_too_large"


# --- the ledger -----------------------------------------------------------------------------


def test_ledger_head_and_entries_match_the_chain(client, slot):
    office = slot.service.office
    empty = client.get("/api/v1/offices/mpp-badung/ledger/head").json()
    assert empty == {"seq": 0, "hash": GENESIS, "at": None}

    for n in range(3):
        booking_create(
            request=booking_request(slot, nik=make_nik(20 + n), whatsapp=make_phone(20 + n)),
            client=ClientInfo(),
        )
    entries = list(PactSignature.objects.filter(office=office).order_by("ledger_seq"))
    head = client.get("/api/v1/offices/mpp-badung/ledger/head").json()
    info = ledger_head(office=office)
    assert head == {"seq": 3, "hash": entries[-1].entry_hash, "at": info.at.isoformat()}
    assert info.hash == head["hash"]

    for entry in entries:
        data = client.get(f"/api/v1/offices/mpp-badung/ledger/{entry.ledger_seq}").json()
        assert data == {
            "seq": entry.ledger_seq,
            "hash": entry.entry_hash,
            "prev_hash": entry.prev_hash,
            "at": entry.signed_at.isoformat(),
        }
    # A published head can be checked later against the entry at its position.
    published = client.get(f"/api/v1/offices/mpp-badung/ledger/{head['seq']}").json()
    assert published["hash"] == head["hash"]


@pytest.mark.parametrize("path", ["ledger/0", "ledger/4", "ledger/99999999999999999999"])
def test_ledger_entry_outside_the_chain_is_404(client, certificate, path):
    response = client.get(f"/api/v1/offices/mpp-badung/{path}")
    assert response.status_code in (404, 422)
    assert response.json()["error"]


def test_ledger_of_an_unknown_office_is_404(client):
    assert client.get("/api/v1/offices/tidak-ada/ledger/head").status_code == 404
    assert client.get("/api/v1/offices/tidak-ada/ledger/1").status_code == 404


def test_ledgers_are_per_office(client, certificate):
    make_office(code="mpp-lain")
    assert client.get("/api/v1/offices/mpp-lain/ledger/head").json()["seq"] == 0
    assert client.get("/api/v1/offices/mpp-lain/ledger/1").status_code == 404
    assert client.get("/api/v1/offices/mpp-badung/ledger/1").status_code == 200
