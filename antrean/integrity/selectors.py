"""Reads about certificates and the ledger, for pages and the API."""

from dataclasses import dataclass

from antrean.core.personal_data import mask_name
from antrean.integrity.models import Audience, Certificate


def certificate_for_ticket(*, code: str) -> Certificate | None:
    return Certificate.objects.filter(signature__ticket__code=code).first()


def certificate_by_verification_code(*, code: str) -> Certificate | None:
    code = (code or "").strip().upper()
    if not code.isalnum() or len(code) > 24:
        return None
    return (
        Certificate.objects.select_related(
            "office",
            "signature__ticket__service__agency",
            "signature__officer",
            "signature__rendering__agency",
            "signature__rendering__pact",
        )
        .filter(verification_code=code)
        .first()
    )


@dataclass(frozen=True)
class PublicFacts:
    """What anyone may see about a certificate: nothing that identifies the signer."""

    status: str  # valid, revoked
    number: str
    name_masked: str
    office_code: str
    office_name: str
    agency_name: str
    service_name: str
    date: str  # local date of the service (citizen) or of signing (officer), ISO
    audience: str
    pact_version: int
    pact_sha256: str
    ledger_seq: int
    ledger_hash: str
    signed_at: str  # ISO UTC
    revoked_reason: str
    revoked_at: str | None
    pdf_ready: bool
    # Its file (and the signer's name) were erased under the retention policy; the record,
    # its hashes and its status remain.
    pdf_erased: bool = False
    # Whose text `pact_version` numbers: "national", or "office" (a full text of its own);
    # and the version of the office's clauses signed after the national text, if any.
    pact_scope: str = "national"
    pact_clauses_version: int | None = None


def certificate_public_facts(certificate: Certificate) -> PublicFacts:
    signature = certificate.signature
    office = certificate.office
    if signature.audience == Audience.CITIZEN and signature.ticket_id:
        ticket = signature.ticket
        name = ticket.name
        agency = ticket.service.agency.name
        service = ticket.service.name
        date = ticket.date.isoformat()
    else:
        officer = signature.officer
        name = officer.get_full_name() or officer.get_username()
        agency = signature.rendering.agency.name if signature.rendering.agency_id else ""
        service = ""
        date = signature.signed_at.astimezone(office.zone).date().isoformat()
    return PublicFacts(
        status=certificate.status,
        number=certificate.number,
        name_masked=mask_name(name),
        office_code=office.code,
        office_name=office.name,
        agency_name=agency,
        service_name=service,
        date=date,
        audience=signature.audience,
        pact_version=signature.pact_version,
        pact_sha256=signature.pact_sha256,
        ledger_seq=signature.ledger_seq or 0,
        ledger_hash=signature.entry_hash,
        signed_at=signature.signed_at.isoformat(),
        revoked_reason=certificate.revoked_reason,
        revoked_at=certificate.revoked_at.isoformat() if certificate.revoked_at else None,
        pdf_ready=certificate.is_ready,
        pdf_erased=certificate.is_erased,
        pact_scope="national" if signature.rendering.pact.office_id is None else "office",
        pact_clauses_version=signature.pact_clauses_version,
    )
