"""Certificates and the ledger over the API: the booker's PDF, public verification, heads."""

import re

from django.http import FileResponse
from ninja import File, Header, Router, Schema
from ninja.files import UploadedFile

from antrean.api.errors import error_response
from antrean.api.public import _TOKEN_HELP, _booking_get, _office_get
from antrean.api.schemas import ErrorOut, PlainText
from antrean.core.errors import DomainError, ErrorCode
from antrean.integrity.certificates import certificate_check_upload
from antrean.integrity.ledger import ledger_entry, ledger_head
from antrean.integrity.selectors import (
    certificate_by_verification_code,
    certificate_for_ticket,
    certificate_public_facts,
)
from antrean.integrity.views import MAX_UPLOAD_BYTES, pdf_response, reason_message

router = Router(tags=["Certificates"])

_VERIFICATION_CODE = re.compile(r"[0-9A-Za-z]{1,24}")


class CertificateOut(Schema):
    status: str  # valid | revoked
    number: str
    name_masked: str
    office_code: str
    office_name: str
    agency_name: str
    service_name: str
    date: str
    audience: str
    pact_version: int
    pact_scope: str  # national | office: whose text pact_version numbers
    pact_clauses_version: int | None  # the office's clauses signed after the national text
    pact_sha256: str
    ledger_seq: int
    ledger_hash: str
    signed_at: str
    revoked_reason: str
    revoked_at: str | None
    pdf_ready: bool


class VerifyOut(Schema):
    valid: bool
    reason: str
    message: str
    certificate: CertificateOut | None = None


class LedgerHeadOut(Schema):
    seq: int
    hash: str
    at: str | None


class LedgerEntryOut(Schema):
    seq: int
    hash: str
    prev_hash: str
    at: str


@router.get(
    "/bookings/{code}/certificate.pdf",
    response={200: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    openapi_extra={
        "responses": {
            200: {
                "description": "The signed PDF.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
    operation_id="getBookingCertificate",
    summary="Download the booking's signed certificate (PDF)",
    description="The PAdES-signed piagam, exactly as stored. While it is being produced "
    "(a few seconds after booking) the answer is 409 `certificate_pending` with Retry-After.",
)
def booking_certificate(
    request,
    code: PlainText,
    token: PlainText = Header(None, alias="X-Booking-Token", description=_TOKEN_HELP),
) -> FileResponse:
    ticket = _booking_get(code, token)
    certificate = certificate_for_ticket(code=ticket.code)
    if certificate is None or certificate.is_erased:  # erased under the retention policy
        raise DomainError(ErrorCode.NOT_FOUND)
    if not certificate.is_ready:
        response = error_response(ErrorCode.CERTIFICATE_PENDING)
        response["Retry-After"] = "3"
        return response
    return pdf_response(certificate)


# Before "/certificates/{verification_code}": Django tries URL patterns in order, and that
# one would take "verify" as a code and answer a POST with 405.
@router.post(
    "/certificates/verify",
    response={200: VerifyOut, 413: ErrorOut, 422: ErrorOut},
    operation_id="verifyCertificatePdf",
    summary="Check an uploaded certificate PDF",
    description="Multipart field `file`. Checks the PAdES signature against the offices' keys "
    "(current and retired) and that the file is byte-for-byte the certificate issued. "
    "`reason` is one of ok, unsigned, malformed, unknown_key, bad_signature, modified, "
    "unknown, revoked.",
)
def verify_certificate(request, file: UploadedFile = File(...)):
    if file.size > MAX_UPLOAD_BYTES:
        raise DomainError(ErrorCode.REQUEST_TOO_LARGE)
    result = certificate_check_upload(file.read())
    return {
        "valid": result.valid,
        "reason": result.reason,
        "message": reason_message(result.reason) if not result.valid else "",
        "certificate": certificate_public_facts(result.certificate).__dict__
        if result.certificate
        else None,
    }


@router.get(
    "/certificates/{verification_code}",
    response={200: CertificateOut, 404: ErrorOut},
    operation_id="getCertificate",
    summary="Public facts of a certificate",
    description="What the QR code on a certificate points to: `status` valid or revoked, and "
    "only non-sensitive facts (masked name). Unknown codes answer 404 `not_found`.",
)
def get_certificate(request, verification_code: PlainText):
    certificate = None
    if _VERIFICATION_CODE.fullmatch(verification_code):
        certificate = certificate_by_verification_code(code=verification_code)
    if certificate is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    return certificate_public_facts(certificate).__dict__


@router.get(
    "/offices/{code}/ledger/head",
    response={200: LedgerHeadOut, 404: ErrorOut},
    tags=["Ledger"],
    operation_id="getLedgerHead",
    summary="The newest entry of the office's signature chain",
    description="Publish `{seq, hash}` daily; later, `GET …/ledger/{seq}` must give the same "
    "hash, and `manage.py verify_ledger --head seq:hash` checks the whole chain up to it.",
)
def get_ledger_head(request, code: PlainText):
    head = ledger_head(office=_office_get(code))
    return {"seq": head.seq, "hash": head.hash, "at": head.at.isoformat() if head.at else None}


@router.get(
    "/offices/{code}/ledger/{seq}",
    response={200: LedgerEntryOut, 404: ErrorOut},
    tags=["Ledger"],
    operation_id="getLedgerEntry",
    summary="One entry of the office's signature chain",
)
def get_ledger_entry(request, code: PlainText, seq: int):
    entry = ledger_entry(office=_office_get(code), seq=seq) if 0 < seq < 2**62 else None
    if entry is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    return {
        "seq": entry.ledger_seq,
        "hash": entry.entry_hash,
        "prev_hash": entry.prev_hash,
        "at": entry.signed_at.isoformat(),
    }
