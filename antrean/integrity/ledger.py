"""Each office's hash chain of pact signatures: appending, and checking it end to end.

Appending runs inside the transaction that creates the signature: it locks the office's
`LedgerHead` row, so two signatures of one office never get the same position or previous
hash (unique constraints say so too), and offices never wait on each other.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q

from antrean.integrity.ledger_hash import GENESIS, entry_hash, signature_record
from antrean.integrity.models import Audience, LedgerHead, PactSignature
from antrean.tenancy.models import Office


def signature_subject(signature: PactSignature) -> tuple[str, str]:
    """What a signature is about and who signed it, as the chain records them.

    Citizens are recorded by the keyed hash of their NIK (never the NIK), so a published
    ledger reveals no personal data; officers by their account id.
    """
    if signature.audience == Audience.CITIZEN and signature.ticket_id:
        ticket = signature.ticket
        return f"ticket:{ticket.code}", ticket.nik_hash or f"name:{ticket.pk}"
    return f"officer:{signature.officer_id}", f"user:{signature.officer_id}"


def _record(signature: PactSignature, *, seq: int, prev: str) -> dict:
    subject, signer = signature_subject(signature)
    return signature_record(
        office_id=signature.office_id,
        seq=seq,
        prev=prev,
        audience=signature.audience,
        pact_version=signature.pact_version,
        pact_sha256=signature.pact_sha256,
        signed_at=signature.signed_at,
        channel=signature.channel,
        subject=subject,
        signer=signer,
    )


def ledger_append(*, signature: PactSignature) -> PactSignature:
    """Give an unsaved signature its chain position and hashes, then save it.

    Must run inside a transaction (the caller's): the head row stays locked until commit.
    """
    office_id = signature.office_id
    head = LedgerHead.objects.select_for_update().filter(office_id=office_id).first()
    if head is None:  # the office's first entry; a concurrent first one may make it too
        LedgerHead.objects.bulk_create(
            [LedgerHead(office_id=office_id, seq=0, hash=GENESIS)], ignore_conflicts=True
        )
        head = LedgerHead.objects.select_for_update().get(office_id=office_id)
    seq = head.seq + 1
    signature.ledger_seq = seq
    signature.prev_hash = head.hash
    signature.entry_hash = entry_hash(_record(signature, seq=seq, prev=head.hash))
    signature.save()
    head.seq, head.hash, head.updated_at = seq, signature.entry_hash, signature.signed_at
    head.save(update_fields=["seq", "hash", "updated_at"])
    return signature


@dataclass(frozen=True)
class ChainReport:
    office: Office
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    problem: str = ""  # the first broken link, in words
    bad_seq: int | None = None
    bad_signature_id: int | None = None


def _entries(office: Office) -> Iterator[PactSignature]:
    return (
        PactSignature.objects.filter(office=office)
        .filter(~Q(ledger_seq=None))
        .select_related("ticket")
        .order_by("ledger_seq", "pk")
        .iterator(chunk_size=2000)
    )


def ledger_verify(*, office: Office, expected_head: tuple[int, str] | None = None) -> ChainReport:
    """Walk the office's chain from the start and name the first entry that does not match.

    Catches a changed row (its hash no longer matches its record), a deleted row (a gap in
    positions, or a head that points past the last entry), and reordered rows (a previous
    hash that is not the hash of the entry before). `expected_head` checks an earlier
    published head `(seq, hash)` against the chain as it is now.
    """
    expected_seq, prev, count = 1, GENESIS, 0
    seen_expected = expected_head is None
    for signature in _entries(office):

        def broken(problem: str) -> ChainReport:
            return ChainReport(
                office=office,
                ok=False,
                entries=count,  # noqa: B023 — used at once, inside this iteration
                head_seq=expected_seq - 1,  # noqa: B023
                head_hash=prev,  # noqa: B023
                problem=problem,
                bad_seq=signature.ledger_seq,  # noqa: B023
                bad_signature_id=signature.pk,  # noqa: B023
            )

        if signature.ledger_seq != expected_seq:
            return broken(
                f"entry #{expected_seq} is missing (found #{signature.ledger_seq} after "
                f"#{expected_seq - 1})"
            )
        if signature.prev_hash != prev:
            return broken(f"entry #{signature.ledger_seq} does not follow the entry before it")
        recomputed = entry_hash(_record(signature, seq=signature.ledger_seq, prev=prev))
        if recomputed != signature.entry_hash:
            return broken(f"entry #{signature.ledger_seq} was changed after it was recorded")
        if expected_head and signature.ledger_seq == expected_head[0]:
            if signature.entry_hash != expected_head[1]:
                return broken(f"entry #{signature.ledger_seq} differs from the published head")
            seen_expected = True
        prev, expected_seq, count = signature.entry_hash, expected_seq + 1, count + 1

    head = LedgerHead.objects.filter(office=office).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if (head_seq, head_hash) != (count, prev):
        return ChainReport(
            office=office,
            ok=False,
            entries=count,
            head_seq=head_seq,
            head_hash=head_hash,
            problem=(
                f"the head says #{head_seq} but the chain ends at #{count}: "
                "entries after it were removed or the head was changed"
            ),
            bad_seq=count + 1,
        )
    if not seen_expected:
        return ChainReport(
            office=office,
            ok=False,
            entries=count,
            head_seq=head_seq,
            head_hash=head_hash,
            problem=f"the published head #{expected_head[0]} is not in the chain",
            bad_seq=expected_head[0],
        )
    return ChainReport(
        office=office, ok=True, entries=count, head_seq=head_seq, head_hash=head_hash
    )


@dataclass(frozen=True)
class HeadInfo:
    seq: int
    hash: str
    at: dt.datetime | None


def ledger_head(*, office: Office) -> HeadInfo:
    head = LedgerHead.objects.filter(office=office).first()
    if head is None:
        return HeadInfo(seq=0, hash=GENESIS, at=None)
    return HeadInfo(seq=head.seq, hash=head.hash, at=head.updated_at)


def ledger_entry(*, office: Office, seq: int) -> PactSignature | None:
    return PactSignature.objects.filter(office=office, ledger_seq=seq).first()
