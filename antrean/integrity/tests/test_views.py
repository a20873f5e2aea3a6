"""The public verification page (/v/<code> and the upload form at /v/) and the admin's revoke
action, through Django's test client on the real database."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from antrean.booking.services import booking_cancel, booking_create
from antrean.core.personal_data import mask_name, mask_nik, mask_phone
from antrean.integrity.certificate_pdf import render_certificate
from antrean.integrity.certificates import (
    certificate_content,
    certificate_pdf_bytes,
    certificate_render,
    certificate_revoke,
)
from antrean.integrity.models import Certificate
from antrean.integrity.services import ClientInfo
from antrean.integrity.signing import signing_cache_clear
from antrean.testing.factories import (
    booking_request,
    make_agency,
    make_office,
    make_officer,
    make_service,
    make_superuser,
)
from antrean.testing.factories import make_slot as _make_slot
from antrean.testing.signin import sign_in

pytestmark = pytest.mark.django_db

NAME = "Ni Ketut Sri Rahayu"
NIK = "5103014101900007"
PHONE = "081234567890"


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANTREAN_KEY_DIR = tmp_path / "keys"
    signing_cache_clear()
    yield
    signing_cache_clear()


@pytest.fixture
def certificate() -> Certificate:
    office = make_office(code="mpp-badung", name="Mal Pelayanan Publik Kabupaten Badung")
    agency = make_agency(office, name="Dinas Kependudukan dan Pencatatan Sipil")
    service = make_service(agency=agency, name="Perekaman dan Pencetakan KTP-el")
    slot = _make_slot(service)
    ticket = booking_create(
        request=booking_request(slot, name=NAME, nik=NIK, whatsapp=PHONE), client=ClientInfo()
    ).ticket
    certificate = Certificate.objects.get(signature__ticket=ticket)
    return certificate_render(certificate_id=certificate.pk)


def page(client, code: str):
    response = client.get(reverse("integrity:verify", args=[code]))
    return response, response.content.decode()


def assert_no_personal_data(body: str) -> None:
    for secret in (NIK, mask_nik(NIK), PHONE, PHONE[1:], mask_phone("+6281234567890")):
        assert secret not in body, secret
    for word in NAME.split()[1:]:  # "Ni" is too short to be told apart from other text
        assert word not in body, word


def upload(client, content: bytes, name="piagam.pdf"):
    file = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = client.post(reverse("integrity:verify_upload"), {"file": file})
    return response, response.content.decode()


# --- the page the QR code opens -------------------------------------------------------------


def test_valid_certificate_page_shows_only_non_sensitive_facts(client, certificate):
    signature = certificate.signature
    response, body = page(client, certificate.verification_code)
    assert response.status_code == 200
    assert "SAH" in body and "DICABUT" not in body
    for fact in (
        certificate.number,
        mask_name(NAME),
        "Mal Pelayanan Publik Kabupaten Badung",
        "Dinas Kependudukan dan Pencatatan Sipil",
        "Perekaman dan Pencetakan KTP-el",
        signature.ticket.date.isoformat(),
        signature.pact_sha256,
        signature.entry_hash,
        f"#{signature.ledger_seq}",
    ):
        assert fact in body, fact
    assert_no_personal_data(body)
    assert signature.ticket.code not in body  # the booking code opens the booking: not shown


def test_codes_from_paper_work_in_lower_case(client, certificate):
    response, _body = page(client, certificate.verification_code.lower())
    assert response.status_code == 200


def test_revoked_certificate_page_says_so_with_the_reason(client, certificate):
    certificate_revoke(
        certificate=certificate,
        reason="Penandatangan memakai data orang lain.",
        by=make_superuser(),
    )
    response, body = page(client, certificate.verification_code)
    assert response.status_code == 200
    assert "DICABUT" in body and "Penandatangan memakai data orang lain." in body
    assert "Piagam ini tercatat dan berlaku" not in body
    assert_no_personal_data(body)


@pytest.mark.parametrize("code", ["ZZZZZZZZZZZZZZZZ", "tidak-ada", "A" * 40, "%3Cscript%3E"])
def test_unknown_code_is_a_404_page_that_says_unknown(client, certificate, code):
    response = client.get(f"/v/{code}")
    body = response.content.decode()
    assert response.status_code == 404
    assert "TIDAK DIKENAL" in body
    assert certificate.number not in body and "<script>" not in body


def test_cancelling_the_booking_leaves_the_certificate_valid(client, certificate):
    booking_cancel(ticket=certificate.signature.ticket)
    response, body = page(client, certificate.verification_code)
    assert response.status_code == 200 and "SAH" in body and "DICABUT" not in body


# --- the upload form ------------------------------------------------------------------------


def test_upload_page_has_a_multipart_form_with_a_file_field(client):
    response = client.get(reverse("integrity:verify_upload"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in body
    assert 'type="file" name="file"' in body and 'accept="application/pdf"' in body


def test_uploaded_genuine_pdf_is_original_and_shows_its_facts(client, certificate):
    response, body = upload(client, certificate_pdf_bytes(certificate))
    assert response.status_code == 200
    assert "ASLI" in body and "TIDAK SAH" not in body
    assert certificate.number in body and mask_name(NAME) in body
    assert_no_personal_data(body)


def test_uploaded_tampered_pdf_is_not_valid_with_a_reason(client, certificate):
    pdf = bytearray(certificate_pdf_bytes(certificate))
    middle = len(pdf) // 3
    pdf[middle] ^= 0x01
    response, body = upload(client, bytes(pdf))
    assert response.status_code == 200
    assert "TIDAK SAH" in body and "ASLI" not in body
    assert any(
        reason in body
        for reason in ("isi berkas telah diubah", "bukan PDF yang dapat dibaca", "telah diubah")
    )
    assert certificate.number not in body


def test_uploaded_unsigned_pdf_is_not_valid(client, certificate):
    unsigned = render_certificate(certificate_content(certificate))
    _response, body = upload(client, unsigned)
    assert "TIDAK SAH" in body and "tidak bertanda tangan elektronik" in body


def test_upload_of_a_revoked_certificate_says_revoked(client, certificate):
    certificate_revoke(
        certificate=certificate, reason="Dicabut oleh inspektorat.", by=make_superuser()
    )
    _response, body = upload(client, certificate_pdf_bytes(certificate))
    assert "TIDAK SAH" in body and "sudah dicabut" in body


def test_upload_without_a_file_says_to_choose_one(client):
    response = client.post(reverse("integrity:verify_upload"), {})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Pilih berkas PDF piagam terlebih dahulu" in body and "ASLI" not in body


def test_upload_over_two_megabytes_is_refused_unread(client, certificate):
    # A genuine certificate padded past the limit: it would not even be opened.
    big = certificate_pdf_bytes(certificate) + b"\n%" + b"x" * (2 * 1024 * 1024)
    _response, body = upload(client, big)
    assert "Berkas terlalu besar" in body and "ASLI" not in body


# --- the admin's revoke action --------------------------------------------------------------


def _changelist():
    return reverse("admin:integrity_certificate_changelist")


def test_admin_revokes_with_a_reason_through_an_intermediate_form(
    admin_client, admin_user, client, certificate
):
    selection = {"action": "revoke", "_selected_action": [certificate.pk]}
    form = admin_client.post(_changelist(), selection)
    assert form.status_code == 200
    assert 'name="reason"' in form.content.decode() and certificate.number in (
        form.content.decode()
    )
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID  # asking is not revoking

    response = admin_client.post(
        _changelist(), {**selection, "apply": "1", "reason": "Tiket dipesan oleh calo."}
    )
    assert response.status_code in (200, 302)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.revoked_reason == "Tiket dipesan oleh calo."
    assert certificate.revoked_by == admin_user

    _response, body = page(client, certificate.verification_code)
    assert "DICABUT" in body and "Tiket dipesan oleh calo." in body


def test_admin_revoke_without_a_reason_revokes_nothing(admin_client, certificate):
    response = admin_client.post(
        _changelist(),
        {"action": "revoke", "_selected_action": [certificate.pk], "apply": "1", "reason": "  "},
    )
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()  # the form again, with its error
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID and certificate.revoked_at is None


def test_staff_of_another_office_cannot_revoke(client, certificate):
    # Certificates are the office's records: an officer of its agency does not reach them,
    # and another office's admin reaches only their own office's.
    officer = make_officer(certificate.signature.ticket.service.agency)
    sign_in(client, officer, second_step=True)
    assert client.get(_changelist()).status_code == 403
    elsewhere = make_officer(make_agency(make_office()), role="office_admin")
    sign_in(client, elsewhere)
    assert client.get(_changelist()).status_code == 200
    client.post(
        _changelist(),
        {
            "action": "revoke",
            "_selected_action": [certificate.pk],
            "apply": "1",
            "reason": "Coba-coba.",
        },
    )
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID and certificate.revoked_reason == ""


def test_admin_pages_of_certificates_keys_and_heads_render(admin_client, certificate):
    for name in ("certificate", "signingkey", "ledgerhead"):
        response = admin_client.get(reverse(f"admin:integrity_{name}_changelist"))
        assert response.status_code == 200, name
    detail = admin_client.get(
        reverse("admin:integrity_certificate_change", args=[certificate.pk])
    ).content.decode()
    assert certificate.number in detail
    assert NIK not in detail and PHONE[1:] not in detail


def test_pdf_bytes_are_a_file_the_page_accepts(client, certificate):
    # The same bytes through a file object (as a browser sends them) give the same answer.
    stream = io.BytesIO(certificate_pdf_bytes(certificate))
    stream.name = "piagam.pdf"
    response = client.post(reverse("integrity:verify_upload"), {"file": stream})
    assert "ASLI" in response.content.decode()
