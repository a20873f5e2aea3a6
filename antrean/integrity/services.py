"""Pacts: which text is in force, publishing a new version, and signing."""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from antrean.core.errors import DomainError, ErrorCode
from antrean.core.hotcache import HotCache
from antrean.integrity.models import Audience, Channel, PactRendering, PactSignature, PactText
from antrean.tenancy.models import Agency, Office


def pact_render(*, pact: PactText, office: Office, agency: Agency | None = None) -> str:
    """The text the signer reads: the body with the office's (and agency's) names."""
    text = pact.body.replace("{kantor}", office.name)
    return text.replace("{instansi}", agency.name if agency else office.name)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_pact_in_force = HotCache("pact_text_in_force", watch=("integrity.PactText",))


def pact_text_in_force(*, office: Office, audience: str, language: str = "id") -> PactText | None:
    """The newest published version: the office's own if it has one, else the national one."""
    return _pact_in_force.get(
        (office.pk, audience, language), lambda: _pact_text_in_force(office, audience, language)
    )


def _pact_text_in_force(office: Office, audience: str, language: str) -> PactText | None:
    candidates = PactText.objects.filter(
        Q(office=office) | Q(office__isnull=True),
        audience=audience,
        language=language,
        published_at__isnull=False,
    ).order_by(
        # The office's own versions first: SQLite sorts NULLs first unless told otherwise.
        F("office_id").asc(nulls_last=True),
        "-version",
    )
    own = None
    national = None
    for pact in candidates.only("id", "office_id", "version", "body", "title", "language")[:50]:
        if pact.office_id is not None and own is None:
            own = pact
        if pact.office_id is None and national is None:
            national = pact
    return own or national


# Renderings never change once made (the pact body is immutable after publishing and the text
# is keyed by its hash), so a process may keep them.
_rendering_cache: dict[tuple[int, int, int | None, str], PactRendering] = {}


def pact_in_force(
    *, office: Office, audience: str = Audience.CITIZEN, agency: Agency | None = None
) -> PactRendering | None:
    """The exact text a signer must agree to now, stored once per distinct text."""
    pact = pact_text_in_force(office=office, audience=audience)
    if pact is None:
        return None
    text = pact_render(pact=pact, office=office, agency=agency)
    digest = _sha256(text)
    key = (pact.pk, office.pk, agency.pk if agency else None, digest)
    cached = _rendering_cache.get(key)
    if cached is not None:
        return cached
    try:
        with transaction.atomic():
            rendering, _ = PactRendering.objects.get_or_create(
                pact=pact,
                office=office,
                sha256=digest,
                defaults={"text": text, "agency": agency},
            )
    except IntegrityError:  # made at the same moment by another request
        rendering = PactRendering.objects.get(pact=pact, office=office, sha256=digest)
    rendering.pact = pact
    if not transaction.get_connection().in_atomic_block:
        # Only what is surely committed may be remembered.
        _rendering_cache[key] = rendering
    return rendering


def pact_cache_clear() -> None:
    _rendering_cache.clear()


def pact_check_agreement(
    *, rendering: PactRendering | None, version: int | None, sha256: str | None, agreed: bool
) -> PactRendering:
    """Refuse unless the signer agreed to exactly the text in force."""
    if not agreed:
        raise DomainError(ErrorCode.PACT_REQUIRED, field="pact_agreed")
    if rendering is None:
        # No pact is published for this office: nobody can sign, so nobody can book.
        raise DomainError(ErrorCode.PACT_OUTDATED, field="pact_agreed")
    if version != rendering.pact.version or (sha256 or "").lower() != rendering.sha256:
        raise DomainError(ErrorCode.PACT_OUTDATED, field="pact_agreed")
    return rendering


def pact_publish(*, pact: PactText, now: dt.datetime | None = None) -> PactText:
    """Publish a draft. Published versions are frozen; earlier signatures keep their text."""
    if pact.published_at is not None:
        return pact
    pact.published_at = now or timezone.now()
    pact.save(update_fields=["published_at"])
    return pact


def pact_next_version(*, office: Office | None, audience: str, language: str = "id") -> int:
    current = PactText.objects.filter(
        office=office, audience=audience, language=language
    ).aggregate(v=Max("version"))["v"]
    return (current or 0) + 1


@dataclass(frozen=True)
class ClientInfo:
    channel: str = Channel.WEB
    ip: str | None = None
    user_agent: str = ""


def pact_signature_create(
    *,
    rendering: PactRendering,
    office: Office,
    client: ClientInfo,
    ticket=None,
    officer=None,
    now: dt.datetime | None = None,
) -> PactSignature:
    """Record a signature, append it to the office's ledger and issue its certificate.

    Must run inside the transaction that creates what it belongs to (a ticket, an officer's
    shift): the signature, its chain entry, its certificate and the task that renders the PDF
    commit together or not at all.
    """
    from antrean.core.tasks import enqueue_with_transaction
    from antrean.integrity.certificates import certificate_issue
    from antrean.integrity.ledger import ledger_append
    from antrean.integrity.tasks import render_certificate

    signature = ledger_append(
        signature=PactSignature(
            office=office,
            audience=rendering.pact.audience,
            rendering=rendering,
            pact_version=rendering.pact.version,
            pact_sha256=rendering.sha256,
            ticket=ticket,
            officer=officer,
            signed_at=now or timezone.now(),
            channel=client.channel,
            client_ip=client.ip,
            user_agent=(client.user_agent or "")[:300],
        )
    )
    certificate = certificate_issue(signature=signature)
    enqueue_with_transaction(render_certificate, certificate_id=certificate.pk)
    return signature
