"""Certificates (piagam): issued with the signature, rendered and signed by a task, checked
by anyone through the public verification page or by uploading the PDF.

The stored file carries the citizen's full name, so it is sealed with the personal-data keys
(AES-256-GCM, the key id in the file, bound to the certificate's id) and written 0600 in 0700
directories. `pdf_sha256` stays the hash of the plain PDF: it is what citizens verify.
`certificate_pdf_bytes` is the one way to read a stored PDF (downloads, the staff inbox, the
WhatsApp media upload, benchmarks): it opens sealed files and still serves plain ones written
before (`manage.py encrypt_certificate_files` seals those). See
docs/decisions/0011-certificate-files-sealed.md.
"""

import datetime as dt
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from antrean.core.dates import clock, local_moment, long_date
from antrean.core.personal_data import (
    current_key_id,
    decrypt_bytes,
    encrypt_bytes,
    encrypted_bytes_key_id,
    is_encrypted_bytes,
    mask_nik,
)
from antrean.integrity.certificate_pdf import CertificateContent, render_certificate
from antrean.integrity.models import Audience, Certificate, PactSignature
from antrean.integrity.signing import pdf_check_signature, pdf_sign, signing_key_active
from antrean.queueing.models import CODE_ALPHABET
from antrean.tenancy import permissions

VERIFICATION_CODE_LENGTH = 16  # 80 bits from a 32-letter alphabet: not guessable


def _verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(VERIFICATION_CODE_LENGTH))


def certificate_number(*, signature: PactSignature) -> str:
    """Readable and unique: office code, local date, and the signature's chain position."""
    local_date = signature.signed_at.astimezone(signature.office.zone).date()
    return f"{signature.office.code.upper()}-{local_date:%Y%m%d}-{signature.ledger_seq:06d}"


def certificate_issue(*, signature: PactSignature) -> Certificate:
    """Create the certificate record in the signature's transaction; the PDF comes later."""
    return Certificate.objects.create(
        signature=signature,
        office_id=signature.office_id,
        number=certificate_number(signature=signature),
        verification_code=_verification_code(),
    )


def verification_url(certificate: Certificate) -> str:
    return settings.SITE_URL + reverse("integrity:verify", args=[certificate.verification_code])


def _fee_text(fee: int) -> str:
    if fee == 0:
        return "Gratis (Rp 0)"
    return "Rp " + f"{fee:,}".replace(",", ".")


REPORT_NOTE = (
    "Tidak ada biaya di luar biaya resmi. Bila ada yang meminta imbalan, laporkan ke "
    "SP4N-LAPOR! (lapor.go.id, SMS 1708) atau ke pengaduan kantor ini."
)


def certificate_content(certificate: Certificate) -> CertificateContent:
    """The facts printed on the PDF, from the signature as recorded."""
    signature = PactSignature.objects.select_related(
        "office",
        "rendering__pact",
        "rendering__agency",
        "ticket__service__agency",
        "ticket__slot",
        "officer",
    ).get(pk=certificate.signature_id)
    office = signature.office
    rendering = signature.rendering
    signed = local_moment(signature.signed_at, office.timezone)
    if signature.audience == Audience.CITIZEN:
        ticket = signature.ticket
        service = ticket.service
        agency_name = service.agency.name
        if ticket.slot_id:
            when = f"{long_date(ticket.date)}, {clock(ticket.slot.start)}–{clock(ticket.slot.end)}"
        else:
            when = long_date(ticket.date)
        facts = (
            ("Nomor antrean", ticket.number),
            ("Layanan", service.name),
            ("Biaya resmi", _fee_text(service.fee)),
            ("Jadwal", f"{when} {office.zone_label}"),
            ("Ditandatangani", signed),
        )
        signer_name, id_label, signer_id = ticket.name, "NIK", mask_nik(ticket.nik) or "—"
        audience_label = "Pengguna Layanan"
    else:
        officer = signature.officer
        agency_name = rendering.agency.name if rendering.agency_id else office.name
        facts = (("Instansi", agency_name), ("Ditandatangani", signed))
        signer_name = officer.get_full_name() or officer.get_username()
        id_label, signer_id = "Akun", officer.get_username()
        audience_label = "Petugas Pelayanan"
    return CertificateContent(
        office_name=office.name,
        agency_name=agency_name,
        certificate_number=certificate.number,
        audience_label=audience_label,
        signer_name=signer_name,
        signer_id_label=id_label,
        signer_id=signer_id,
        facts=facts,
        pact_title=rendering.pact.title,
        pact_text=rendering.text,
        pact_version=signature.pact_version,
        pact_version_label=pdf_version_label(signature),
        pact_sha256=signature.pact_sha256,
        ledger_seq=signature.ledger_seq or 0,
        ledger_hash=signature.entry_hash,
        verify_url=verification_url(certificate),
        signed_by=f"Ditandatangani secara elektronik oleh {office.name}",
        report_note=REPORT_NOTE,
    )


def pdf_version_label(signature: PactSignature) -> str:
    """The versions agreed to, as printed (the piagam is in Indonesian whoever reads it)."""
    national = signature.rendering.pact.office_id is None
    label = f"{signature.pact_version} ({'nasional' if national else 'teks kantor'})"
    if signature.pact_clauses_version is not None:
        label += f" + klausul kantor {signature.pact_clauses_version}"
    return label


def certificate_render(*, certificate_id: int) -> Certificate:
    """Render, sign and store the PDF once. Safe to run twice: a ready one is left alone."""
    certificate = Certificate.objects.select_related("office").get(pk=certificate_id)
    if certificate.is_ready or certificate.is_erased:
        return certificate
    key = signing_key_active(office=certificate.office)
    pdf = pdf_sign(
        render_certificate(certificate_content(certificate)),
        key=key,
        reason="Piagam Pakta Integritas",
        location=certificate.office.name,
    )
    digest = hashlib.sha256(pdf).hexdigest()
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate_id)
        if locked.is_ready or locked.is_erased:  # another worker finished (or erased) first
            return locked
        sealed = pdf_seal(pdf, certificate_id=locked.pk)
        locked.pdf.save(f"{locked.number}.pdf", ContentFile(sealed), save=False)
        locked.pdf_sha256 = digest
        locked.signing_key = key
        locked.rendered_at = timezone.now()
        locked.save(update_fields=["pdf", "pdf_sha256", "signing_key", "rendered_at"])
    return locked


def certificates_pending(*, older_than: dt.timedelta = dt.timedelta(seconds=30)):
    """Certificates still without a PDF a while after issue (a lost task, a crashed worker)."""
    cutoff = timezone.now() - older_than
    return Certificate.objects.filter(rendered_at__isnull=True, created_at__lte=cutoff)


# --- the stored file -------------------------------------------------------------------------

PLAIN_PDF_MAGIC = b"%PDF-"


def _pdf_purpose(certificate_id: int) -> str:
    # The certificate's id as associated data: a file copied onto another certificate's name
    # does not open.
    return f"certificate-pdf:{certificate_id}"


def pdf_seal(pdf: bytes, *, certificate_id: int) -> bytes:
    """The bytes stored for a certificate's PDF."""
    return encrypt_bytes(pdf, purpose=_pdf_purpose(certificate_id))


class StoredPdfError(Exception):
    """A stored file that is not the certificate issued (changed, foreign or unreadable)."""


def _read_stored(certificate: Certificate) -> bytes:
    with certificate.pdf.storage.open(certificate.pdf.name, "rb") as fh:
        return fh.read()


def pdf_open_stored(raw: bytes, *, certificate: Certificate) -> bytes:
    """The plain PDF from a stored file's bytes: sealed (opened) or plain (from before)."""
    if is_encrypted_bytes(raw):
        try:
            pdf = decrypt_bytes(raw, purpose=_pdf_purpose(certificate.pk))
        except Exception as exc:  # InvalidTag, a retired key
            raise StoredPdfError(f"{certificate.number}: sealed file does not open") from exc
    elif raw.startswith(PLAIN_PDF_MAGIC):
        pdf = raw  # written before files were sealed; served until the command seals it
    else:
        raise StoredPdfError(f"{certificate.number}: not a PDF nor a sealed file")
    if hashlib.sha256(pdf).hexdigest() != certificate.pdf_sha256:
        raise StoredPdfError(f"{certificate.number}: file differs from its recorded sha256")
    return pdf


def certificate_pdf_bytes(certificate: Certificate) -> bytes:
    """The certificate's signed PDF exactly as issued: the one way every reader gets it."""
    if not certificate.pdf:
        raise StoredPdfError(f"{certificate.number}: no file")
    return pdf_open_stored(_read_stored(certificate), certificate=certificate)


def _write_private(path: Path, data: bytes) -> None:
    """Replace `path` atomically by a 0600 file holding `data` (readers see old or new)."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _private_directories(path: Path) -> None:
    """0700 on the file's directories, from `certificates/` down."""
    root = Path(settings.MEDIA_ROOT).resolve() / "certificates"
    folder = path.parent.resolve()
    while folder == root or root in folder.parents:
        folder.chmod(0o700)
        folder = folder.parent


def certificate_pdf_seal_stored(certificate: Certificate, *, dry_run: bool = False) -> str:
    """Seal a stored plain PDF in place, or reseal one made with a retired key.

    Returns what was (or, with `dry_run`, would be) done: `sealed`, `resealed`, `current`
    (already sealed with the current key), `missing` (no file), `invalid` (the file is not
    the certificate recorded: left as it is, for a person to look at).
    """
    if not certificate.pdf:
        return "missing"
    try:
        path = Path(certificate.pdf.path)
        raw = path.read_bytes()
    except FileNotFoundError:
        return "missing"
    try:
        pdf = pdf_open_stored(raw, certificate=certificate)
    except StoredPdfError:
        return "invalid"
    if is_encrypted_bytes(raw):
        outcome = "current" if encrypted_bytes_key_id(raw) == current_key_id() else "resealed"
    else:
        outcome = "sealed"
    if not dry_run:
        if outcome != "current":
            _write_private(path, pdf_seal(pdf, certificate_id=certificate.pk))
        path.chmod(0o600)
        _private_directories(path)
    return outcome


def certificate_revoke(*, certificate: Certificate, reason: str, by) -> Certificate:
    """Revoke with a reason (shown on the verification page), by an administrator of the
    certificate's office. Cancelling a booking does not revoke: the pledge was made."""
    permissions.require(permissions.can_administer_office(by, certificate.office_id))
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("A revocation needs a reason.")
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revoked_reason = reason
    certificate.revoked_by = by
    certificate.save(update_fields=["status", "revoked_at", "revoked_reason", "revoked_by"])
    return certificate


@dataclass(frozen=True)
class UploadCheck:
    valid: bool
    reason: str  # ok, unsigned, malformed, unknown_key, bad_signature, modified, unknown, revoked
    certificate: Certificate | None = None


def certificate_check_upload(pdf: bytes) -> UploadCheck:
    """Is this PDF one of our certificates, signed by an office key and byte-for-byte the one
    we issued? A single changed byte fails one of the two checks."""
    signature = pdf_check_signature(pdf)
    if not signature.valid:
        return UploadCheck(valid=False, reason=signature.reason)
    digest = hashlib.sha256(pdf).hexdigest()
    certificate = (
        Certificate.objects.select_related("office", "signature__rendering__pact")
        .filter(pdf_sha256=digest)
        .first()
    )
    if certificate is None:
        return UploadCheck(valid=False, reason="unknown")
    if certificate.status == Certificate.Status.REVOKED:
        return UploadCheck(valid=False, reason="revoked", certificate=certificate)
    return UploadCheck(valid=True, reason="ok", certificate=certificate)
