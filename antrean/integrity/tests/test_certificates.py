"""Certificates from issue to PDF: issued in the booking's transaction with the task that
renders it, rendered once (idempotent), swept when a task is lost, revoked only with a reason."""

import base64
import datetime as dt
import hashlib
import re
import stat
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from antrean.booking.services import booking_cancel, booking_create
from antrean.core import personal_data
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.personal_data import FILE_MAGIC
from antrean.integrity.certificates import (
    VERIFICATION_CODE_LENGTH,
    StoredPdfError,
    certificate_check_upload,
    certificate_pdf_bytes,
    certificate_pdf_seal_stored,
    certificate_render,
    certificate_revoke,
    certificates_pending,
    verification_url,
)
from antrean.integrity.models import Certificate, LedgerHead, PactSignature, SigningKey
from antrean.integrity.services import ClientInfo
from antrean.integrity.signing import pdf_check_signature, signing_cache_clear
from antrean.integrity.tasks import render_certificate, render_pending_certificates
from antrean.queueing.models import CODE_ALPHABET, Ticket
from antrean.testing.factories import (
    booking_request,
    make_nik,
    make_office,
    make_officer,
    make_phone,
    make_service,
    make_slot,
)

RENDER_TASK = "antrean.integrity.tasks.render_certificate"


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANTREAN_KEY_DIR = tmp_path / "keys"
    signing_cache_clear()
    yield
    signing_cache_clear()


_serial = iter(range(1, 100_000))


def book(slot):
    n = next(_serial)
    request = booking_request(slot, nik=make_nik(n), whatsapp=make_phone(n))
    return booking_create(request=request, client=ClientInfo())


def certificate_of(ticket: Ticket) -> Certificate:
    return Certificate.objects.get(signature__ticket=ticket)


def render_tasks():
    return DBTaskResult.objects.filter(task_path=RENDER_TASK)


def rows() -> dict:
    return {
        "tickets": Ticket.objects.count(),
        "signatures": PactSignature.objects.count(),
        "certificates": Certificate.objects.count(),
        "tasks": DBTaskResult.objects.count(),
        "heads": sorted(LedgerHead.objects.values_list("office_id", "seq", "hash")),
    }


# --- issue ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_booking_issues_a_certificate_and_queues_its_rendering():
    office = make_office(code="mpp-uji")
    slot = make_slot(make_service(office))
    ticket = book(slot).ticket

    certificate = certificate_of(ticket)
    assert certificate.office == office
    assert certificate.status == Certificate.Status.VALID
    assert not certificate.is_ready and not certificate.pdf and certificate.rendered_at is None
    local_date = certificate.signature.signed_at.astimezone(office.zone).date()
    assert certificate.number == f"MPP-UJI-{local_date:%Y%m%d}-000001"
    task = render_tasks().get()
    assert task.args_kwargs == {"args": [], "kwargs": {"certificate_id": certificate.pk}}
    assert task.queue_name == "certificates" and task.status == "READY"


@pytest.mark.django_db
def test_signature_certificate_and_task_commit_together_or_not_at_all():
    slot = make_slot(make_service())
    book(slot)
    before = rows()

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        ticket = book(slot).ticket
        # Inside the booking's transaction all three exist already (not after commit) ...
        assert certificate_of(ticket).signature.ticket == ticket
        assert render_tasks().count() == 2
        raise Abort
    # ... and when it rolls back, none is left behind.
    assert rows() == before


@pytest.mark.django_db
def test_refused_booking_leaves_no_signature_certificate_or_task():
    slot = make_slot(make_service(), capacity=1)
    book(slot)
    before = rows()
    with pytest.raises(DomainError) as refused:
        book(slot)
    assert refused.value.code == ErrorCode.SLOT_FULL
    assert rows() == before
    assert render_tasks().count() == 1


@pytest.mark.django_db
def test_verification_codes_are_long_random_and_unrelated_to_the_number(settings):
    settings.SITE_URL = "https://antrean.contoh.go.id"
    slot = make_slot(make_service(), capacity=30)
    certificates = [certificate_of(book(slot).ticket) for _ in range(20)]
    codes = [c.verification_code for c in certificates]
    assert len(set(codes)) == 20
    for certificate in certificates:
        code = certificate.verification_code
        assert len(code) == VERIFICATION_CODE_LENGTH >= 16
        assert set(code) <= set(CODE_ALPHABET)
        assert certificate.number not in code and code not in certificate.number
        assert verification_url(certificate) == f"https://antrean.contoh.go.id/v/{code}"
    numbers = [c.number for c in certificates]
    assert [n[-6:] for n in numbers] == [f"{i:06d}" for i in range(1, 21)]


# --- render ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_render_signs_and_stores_the_pdf_once(tmp_path):
    slot = make_slot(make_service())
    certificate = certificate_of(book(slot).ticket)

    rendered = certificate_render(certificate_id=certificate.pk)
    assert rendered.is_ready and rendered.rendered_at is not None
    path = tmp_path / "media" / rendered.pdf.name
    assert path.exists() and rendered.pdf.name.startswith("certificates/")
    assert rendered.number in rendered.pdf.name
    stored = path.read_bytes()
    # Sealed at rest; the plain PDF (what pdf_sha256 is the hash of) comes out of the one
    # reader.
    assert stored.startswith(FILE_MAGIC) and b"%PDF" not in stored
    pdf = certificate_pdf_bytes(rendered)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == rendered.pdf_sha256
    assert rendered.signing_key == SigningKey.objects.get(office=slot.service.office)
    assert pdf_check_signature(pdf).valid

    # Again (a task that runs twice): nothing is signed anew or rewritten. Signing is not
    # deterministic (ECDSA), so a second signature would give other bytes.
    again = certificate_render(certificate_id=certificate.pk)
    assert (again.pdf.name, again.pdf_sha256, again.rendered_at) == (
        rendered.pdf.name,
        rendered.pdf_sha256,
        rendered.rendered_at,
    )
    assert path.read_bytes() == stored
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    render_certificate.call(certificate_id=certificate.pk)  # the task itself, too
    certificate.refresh_from_db()
    assert certificate.pdf_sha256 == rendered.pdf_sha256
    assert certificate_pdf_bytes(certificate) == pdf


@pytest.mark.django_db
def test_pending_certificates_are_found_and_swept():
    slot = make_slot(make_service(), capacity=10)
    lost = [certificate_of(book(slot).ticket) for _ in range(3)]
    fresh = certificate_of(book(slot).ticket)
    done = certificate_of(book(slot).ticket)
    certificate_render(certificate_id=done.pk)
    a_minute_ago = timezone.now() - dt.timedelta(minutes=1)
    Certificate.objects.filter(pk__in=[c.pk for c in [*lost, done]]).update(created_at=a_minute_ago)

    # A fresh one is left to its own task; a rendered one is done.
    assert set(certificates_pending()) == set(lost)
    assert fresh in set(certificates_pending(older_than=dt.timedelta(0)))

    assert render_pending_certificates.call() == 3
    assert not certificates_pending().exists()
    for certificate in lost:
        certificate.refresh_from_db()
        assert certificate.is_ready
        assert pdf_check_signature(certificate_pdf_bytes(certificate)).valid
    assert render_pending_certificates.call() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_database_worker_renders_what_the_booking_queued():
    slot = make_slot(make_service())
    ticket = book(slot).ticket
    assert not certificate_of(ticket).is_ready

    call_command("db_worker", "--queue-name", "*", "--batch", "--no-startup-delay")

    certificate = certificate_of(ticket)
    assert certificate.is_ready
    assert certificate_check_upload(certificate_pdf_bytes(certificate)).valid
    task = render_tasks().get()
    assert task.status == "SUCCESSFUL"


# --- revoke and cancel ----------------------------------------------------------------------


@pytest.mark.django_db
def test_cancelling_a_booking_does_not_revoke_its_certificate():
    slot = make_slot(make_service())
    ticket = book(slot).ticket
    certificate = certificate_render(certificate_id=certificate_of(ticket).pk)
    booking_cancel(ticket=ticket)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID
    assert certificate.revoked_at is None
    assert certificate_check_upload(certificate_pdf_bytes(certificate)).valid


@pytest.mark.django_db
def test_revoking_needs_a_reason_and_records_who_and_when():
    slot = make_slot(make_service())
    admin = make_officer(slot.service.agency, role="office_admin")
    certificate = certificate_render(certificate_id=certificate_of(book(slot).ticket).pk)
    pdf = certificate_pdf_bytes(certificate)

    for empty in ("", "   \n"):
        with pytest.raises(ValueError):
            certificate_revoke(certificate=certificate, reason=empty, by=admin)
        certificate.refresh_from_db()
        assert certificate.status == Certificate.Status.VALID

    certificate_revoke(certificate=certificate, reason="  Data pemohon palsu.  ", by=admin)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.revoked_reason == "Data pemohon palsu."
    assert certificate.revoked_by == admin and certificate.revoked_at is not None
    result = certificate_check_upload(pdf)
    assert (result.valid, result.reason, result.certificate) == (False, "revoked", certificate)


@pytest.mark.django_db
def test_officer_signature_gets_a_certificate_too():
    from antrean.integrity.models import Audience
    from antrean.integrity.services import pact_in_force, pact_signature_create

    office = make_office(code="mpp-petugas")
    officer = get_user_model().objects.create_user(username="petugas")
    with transaction.atomic():
        signature = pact_signature_create(
            rendering=pact_in_force(office=office, audience=Audience.OFFICER),
            office=office,
            client=ClientInfo(channel="counter"),
            officer=officer,
        )
    certificate = signature.certificate
    assert re.fullmatch(r"MPP-PETUGAS-\d{8}-000001", certificate.number)
    assert render_tasks().filter(args_kwargs__kwargs__certificate_id=certificate.pk).exists()
    rendered = certificate_render(certificate_id=certificate.pk)
    assert certificate_check_upload(certificate_pdf_bytes(rendered)).valid


# --- the stored file: sealed, private, and one way to read it --------------------------------


def _rendered(slot) -> Certificate:
    certificate = certificate_of(book(slot).ticket)
    return certificate_render(certificate_id=certificate.pk)


def _plain_as_before(certificate: Certificate) -> bytes:
    """Store the certificate's file as versions before sealing did: the plain PDF."""
    pdf = certificate_pdf_bytes(certificate)
    Path(certificate.pdf.path).write_bytes(pdf)
    return pdf


@pytest.mark.django_db
def test_stored_files_are_private_to_the_app(tmp_path):
    rendered = _rendered(make_slot(make_service()))
    path = Path(rendered.pdf.path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    folder = path.parent
    while folder != tmp_path / "media":
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        folder = folder.parent


@pytest.mark.django_db
def test_a_plain_file_from_before_is_still_served_and_then_sealed_in_place():
    slot = make_slot(make_service())
    rendered = _rendered(slot)
    pdf = _plain_as_before(rendered)
    path = Path(rendered.pdf.path)
    path.chmod(0o644)

    assert certificate_pdf_bytes(rendered) == pdf  # recognised by its %PDF- header
    assert certificate_pdf_seal_stored(rendered, dry_run=True) == "sealed"
    assert path.read_bytes() == pdf  # a dry run writes nothing
    assert certificate_pdf_seal_stored(rendered) == "sealed"

    raw = path.read_bytes()
    assert raw.startswith(FILE_MAGIC) and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert certificate_pdf_bytes(rendered) == pdf
    assert certificate_pdf_seal_stored(rendered) == "current"
    assert path.read_bytes() == raw  # nothing rewritten the second time
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left


@pytest.mark.django_db
def test_files_of_a_retired_key_are_resealed_with_the_current_one(settings):
    old_key = settings.ANTREAN_DATA_KEYS[0]
    new_key = base64.b64encode(b"n" * 32).decode()
    rendered = _rendered(make_slot(make_service()))
    pdf = certificate_pdf_bytes(rendered)
    try:
        settings.ANTREAN_DATA_KEYS = [new_key, old_key]
        personal_data.reset_key_cache()
        assert certificate_pdf_bytes(rendered) == pdf  # the old key still opens it
        assert certificate_pdf_seal_stored(rendered) == "resealed"
        raw = Path(rendered.pdf.path).read_bytes()
        assert personal_data.encrypted_bytes_key_id(raw) == personal_data.current_key_id()
        settings.ANTREAN_DATA_KEYS = [new_key]  # the old key can go now
        personal_data.reset_key_cache()
        assert certificate_pdf_bytes(rendered) == pdf
    finally:
        personal_data.reset_key_cache()


@pytest.mark.django_db
def test_a_changed_or_swapped_file_is_refused_not_served():
    slot = make_slot(make_service())
    first, second = _rendered(slot), _rendered(slot)
    # Another certificate's sealed file under this one's name: bound to its own id.
    Path(first.pdf.path).write_bytes(Path(second.pdf.path).read_bytes())
    with pytest.raises(StoredPdfError):
        certificate_pdf_bytes(first)
    assert certificate_pdf_seal_stored(first) == "invalid"
    # A plain PDF that is not the one issued (its sha256 differs).
    Path(second.pdf.path).write_bytes(b"%PDF-1.7 something else")
    with pytest.raises(StoredPdfError):
        certificate_pdf_bytes(second)
    assert certificate_pdf_seal_stored(second) == "invalid"
    assert Path(second.pdf.path).read_bytes() == b"%PDF-1.7 something else"  # left for a person
