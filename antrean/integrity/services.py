"""Pacts: which text is in force, publishing a new version, the office's mode, and signing.

What an office's signers agree to is the national text in force, alone (`adopt`, the default)
or followed by the office's own clauses (`extend`), or a full text of the office's own where
the national administrators allowed it (`own`). A new version of any part is a new text with a
new hash; every signature keeps the rendering it agreed to. See
docs/decisions/0016-pact-extension.md.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from antrean.core.errors import DomainError, ErrorCode
from antrean.core.hotcache import HotCache
from antrean.integrity.models import (
    Audience,
    Channel,
    PactKind,
    PactMode,
    PactPolicy,
    PactRendering,
    PactSignature,
    PactText,
)
from antrean.tenancy import permissions
from antrean.tenancy.models import Agency, Office

# The line that opens an office's clauses in the text signed: part of what is hashed, so it
# is fixed per language of the pact, never translated for the reader.
CLAUSES_HEADING = {
    "id": "Klausul tambahan dari {kantor}:",
    "en": "Additional clauses of {kantor}:",
}


def _fill(text: str, office: Office, agency: Agency | None) -> str:
    text = text.replace("{kantor}", office.name)
    return text.replace("{instansi}", agency.name if agency else office.name)


def pact_render(
    *,
    pact: PactText,
    office: Office,
    agency: Agency | None = None,
    clauses: PactText | None = None,
) -> str:
    """The text the signer reads: the body with the office's (and agency's) names, then the
    office's clauses under a heading that names the office."""
    text = _fill(pact.body, office, agency)
    if clauses is not None:
        heading = CLAUSES_HEADING.get(pact.language, CLAUSES_HEADING["id"])
        text += "\n\n" + _fill(heading, office, agency) + "\n" + _fill(clauses.body, office, agency)
    return text


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PactTexts:
    """The texts in force for an office and audience: the base (national, or the office's
    own full text) and the office's clauses appended to it, if any."""

    base: PactText
    clauses: PactText | None = None


_pact_in_force = HotCache(
    "pact_text_in_force", watch=("integrity.PactText", "integrity.PactPolicy")
)


def pact_mode(*, office: Office) -> str:
    """The office's mode: `adopt` unless it chose otherwise."""
    mode = PactPolicy.objects.filter(office=office).values_list("mode", flat=True).first()
    return mode or PactMode.ADOPT


def pact_texts_in_force(*, office: Office, audience: str, language: str = "id") -> PactTexts | None:
    """The newest published versions the office's signers agree to now (None: nothing is
    published, so nobody can sign)."""
    return _pact_in_force.get(
        (office.pk, audience, language), lambda: _pact_texts_in_force(office, audience, language)
    )


def pact_text_in_force(*, office: Office, audience: str, language: str = "id") -> PactText | None:
    """The base text in force: the national one, or the office's own where it has that mode."""
    texts = pact_texts_in_force(office=office, audience=audience, language=language)
    return texts.base if texts else None


def _pact_texts_in_force(office: Office, audience: str, language: str) -> PactTexts | None:
    published = (
        PactText.objects.filter(audience=audience, language=language, published_at__isnull=False)
        .only("id", "office_id", "kind", "version", "body", "title", "language", "audience")
        .order_by("-version")
    )
    national = published.filter(office__isnull=True).first()
    mode = pact_mode(office=office)
    if mode == PactMode.OWN:
        own = published.filter(office=office, kind=PactKind.FULL).first()
        base = own or national
        return PactTexts(base=base) if base else None
    if national is None:
        return None
    if mode == PactMode.EXTEND:
        clauses = published.filter(office=office, kind=PactKind.CLAUSES).first()
        return PactTexts(base=national, clauses=clauses)
    return PactTexts(base=national)


# Renderings never change once made (the pact body is immutable after publishing and the text
# is keyed by its hash), so a process may keep them.
_rendering_cache: dict[tuple[int, int | None, int, int | None, str], PactRendering] = {}


def pact_in_force(
    *, office: Office, audience: str = Audience.CITIZEN, agency: Agency | None = None
) -> PactRendering | None:
    """The exact text a signer must agree to now, stored once per distinct text."""
    texts = pact_texts_in_force(office=office, audience=audience)
    if texts is None:
        return None
    pact, clauses = texts.base, texts.clauses
    text = pact_render(pact=pact, office=office, agency=agency, clauses=clauses)
    digest = _sha256(text)
    key = (
        pact.pk,
        clauses.pk if clauses else None,
        office.pk,
        agency.pk if agency else None,
        digest,
    )
    cached = _rendering_cache.get(key)
    if cached is not None:
        return cached
    lookup = {"pact": pact, "clauses": clauses, "office": office, "sha256": digest}
    try:
        with transaction.atomic():
            rendering, _ = PactRendering.objects.get_or_create(
                **lookup, defaults={"text": text, "agency": agency}
            )
    except IntegrityError:  # made at the same moment by another request
        rendering = PactRendering.objects.get(**lookup)
    rendering.pact = pact
    rendering.clauses = clauses
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


def _require(by, allowed) -> None:
    """`by` None is the installation's operator (a management command on the server, a data
    migration): no account to check. Anyone else must be allowed by tenancy.permissions."""
    if by is not None:
        permissions.require(allowed(by))


def pact_publish(*, pact: PactText, by, now: dt.datetime | None = None) -> PactText:
    """Publish a draft: it is in force for the next signature. Published versions are frozen;
    earlier signatures keep their text.

    National texts, and an office's full text of its own, are published by national admins;
    an office's clauses by the office's administrators. Publishing an office's text also puts
    the office in the mode that uses it (clauses: `extend`; a full text: `own`).
    """
    _require(
        by,
        lambda user: permissions.can_publish_pact(
            user, office_id=pact.office_id, full_text=pact.kind == PactKind.FULL
        ),
    )
    if pact.published_at is not None:
        return pact
    now = now or timezone.now()
    with transaction.atomic():
        pact.published_at = now
        pact.save(update_fields=["published_at"])
        if pact.office_id is not None:
            mode = PactMode.EXTEND if pact.kind == PactKind.CLAUSES else PactMode.OWN
            _policy_save(office_id=pact.office_id, mode=mode, by=by, now=now)
    return pact


def pact_mode_set(*, office: Office, mode: str, by, now: dt.datetime | None = None) -> PactPolicy:
    """Choose how the office's pacts relate to the national text. Adopting or extending it is
    the office's administrators' choice; a full text of its own, the national admins'."""
    if mode not in PactMode.values:
        raise DomainError(ErrorCode.INVALID_REQUEST, field="mode")
    _require(by, lambda user: permissions.can_set_pact_mode(user, office_id=office.pk, mode=mode))
    return _policy_save(office_id=office.pk, mode=mode, by=by, now=now or timezone.now())


def _policy_save(*, office_id: int, mode: str, by, now: dt.datetime) -> PactPolicy:
    policy, _ = PactPolicy.objects.get_or_create(office_id=office_id)
    policy.mode, policy.changed_at = mode, now
    policy.changed_by = by if getattr(by, "pk", None) else None
    policy.save(update_fields=["mode", "changed_at", "changed_by"])
    return policy


def pact_next_version(
    *, office: Office | None, audience: str, language: str = "id", kind: str = PactKind.FULL
) -> int:
    """Full texts and an office's clauses are numbered apart (national texts are full)."""
    current = PactText.objects.filter(
        office=office, audience=audience, language=language, kind=kind
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
            pact_clauses_version=rendering.clauses.version if rendering.clauses_id else None,
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
