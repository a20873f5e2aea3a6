"""Each office's hash chain: appending, and checking it end to end.

The chain's entries are pact signatures and, since the citizen's voice arrived, the steps of
gratification reports (antrean.reports). Any app may add a kind of entry by registering a
`LedgerSource` (its rows, ordered by position, and the canonical record of one row); the
chain, its head and `verify_ledger` stay one per office.

Appending runs inside the transaction that creates the entry: it locks the office's
`LedgerHead` row, so two entries of one office never get the same position or previous
hash, and offices never wait on each other. (Unique constraints hold within each table;
across tables the head lock does, and `ledger_verify` would name a doubled position.)
"""

import datetime as dt
import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Q

from antrean.integrity.ledger_hash import GENESIS, entry_hash, signature_record
from antrean.integrity.models import Audience, LedgerHead, PactSignature
from antrean.tenancy.models import Office


@dataclass(frozen=True)
class LedgerSource:
    """One kind of chain entry. Its rows carry `ledger_seq`, `prev_hash` and `entry_hash`.

    `entries(office)` yields the office's chained rows ordered by `ledger_seq`; `record(row,
    seq, prev)` is the canonical dict the row's hash covers (it may read related rows: a
    report's entry covers the report's current text, so an edited report breaks the chain).
    """

    name: str
    entries: Callable[[Office], Iterable]
    record: Callable[..., dict]
    # Optional: what the chain cannot cover by itself, checked once the chain holds (a
    # report's status copy against its latest chained step). Returns (row, problem) or None.
    check: Callable[[Office], tuple[str, str] | None] | None = None


_SOURCES: dict[str, LedgerSource] = {}


def ledger_source_register(source: LedgerSource) -> None:
    """Called from an app's `ready()`; registering the same name again replaces it."""
    _SOURCES[source.name] = source


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
        pact_clauses_version=signature.pact_clauses_version,
        pact_sha256=signature.pact_sha256,
        signed_at=signature.signed_at,
        channel=signature.channel,
        subject=subject,
        signer=signer,
    )


def ledger_append_row(row, *, office_id: int, at: dt.datetime, record: Callable[..., dict]):
    """Give an unsaved chain row its position and hashes, then save it.

    Must run inside a transaction (the caller's): the head row stays locked until commit.
    """
    head = LedgerHead.objects.select_for_update().filter(office_id=office_id).first()
    if head is None:  # the office's first entry; a concurrent first one may make it too
        LedgerHead.objects.bulk_create(
            [LedgerHead(office_id=office_id, seq=0, hash=GENESIS)], ignore_conflicts=True
        )
        head = LedgerHead.objects.select_for_update().get(office_id=office_id)
    seq = head.seq + 1
    row.ledger_seq = seq
    row.prev_hash = head.hash
    row.entry_hash = entry_hash(record(row, seq=seq, prev=head.hash))
    row.save()
    head.seq, head.hash, head.updated_at = seq, row.entry_hash, at
    head.save(update_fields=["seq", "hash", "updated_at"])
    return row


def ledger_append(*, signature: PactSignature) -> PactSignature:
    """Chain an unsaved pact signature (see `ledger_append_row`)."""
    return ledger_append_row(
        signature, office_id=signature.office_id, at=signature.signed_at, record=_record
    )


@dataclass(frozen=True)
class ChainReport:
    office: Office
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    problem: str = ""  # the first broken link, in words
    bad_seq: int | None = None
    bad_signature_id: int | None = None  # when the broken entry is a pact signature
    bad_entry: str = ""  # which row, e.g. "signature 12" or "report_event 3"


def _signatures(office: Office) -> Iterator[PactSignature]:
    return (
        PactSignature.objects.filter(office=office)
        .filter(~Q(ledger_seq=None))
        .select_related("ticket")
        .order_by("ledger_seq", "pk")
        .iterator(chunk_size=2000)
    )


_SIGNATURES = LedgerSource(name="signature", entries=_signatures, record=_record)


def _tagged(n: int, source: LedgerSource, office: Office):
    for row in source.entries(office):
        yield row.ledger_seq, n, source, row


def _entries(office: Office) -> Iterator[tuple[LedgerSource, object]]:
    """Every chained row of the office, from every source, in chain order."""
    sources = [_SIGNATURES, *_SOURCES.values()]
    # One function per stream: a generator expression here would bind `n` and `source` late,
    # tagging every row with the last source.
    streams = [_tagged(n, source, office) for n, source in enumerate(sources)]
    for _seq, _n, source, row in heapq.merge(*streams, key=lambda item: (item[0], item[1])):
        yield source, row


def ledger_verify(*, office: Office, expected_head: tuple[int, str] | None = None) -> ChainReport:
    """Walk the office's chain from the start and name the first entry that does not match.

    Catches a changed row (its hash no longer matches its record), a deleted row (a gap in
    positions, or a head that points past the last entry), and reordered rows (a previous
    hash that is not the hash of the entry before). Then each source's own `check` (rows
    whose copies must agree with the chain). `expected_head` checks an earlier published
    head `(seq, hash)` against the chain as it is now.
    """
    expected_seq, prev, count = 1, GENESIS, 0
    seen_expected = expected_head is None
    for source, row in _entries(office):

        def broken(problem: str) -> ChainReport:
            return ChainReport(
                office=office,
                ok=False,
                entries=count,  # noqa: B023 — used at once, inside this iteration
                head_seq=expected_seq - 1,  # noqa: B023
                head_hash=prev,  # noqa: B023
                problem=problem,
                bad_seq=row.ledger_seq,  # noqa: B023
                bad_signature_id=row.pk if source is _SIGNATURES else None,  # noqa: B023
                bad_entry=f"{source.name} {row.pk}",  # noqa: B023
            )

        if row.ledger_seq < expected_seq:
            return broken(f"entry #{row.ledger_seq} appears twice")
        if row.ledger_seq != expected_seq:
            return broken(
                f"entry #{expected_seq} is missing (found #{row.ledger_seq} after "
                f"#{expected_seq - 1})"
            )
        if row.prev_hash != prev:
            return broken(f"entry #{row.ledger_seq} does not follow the entry before it")
        recomputed = entry_hash(source.record(row, seq=row.ledger_seq, prev=prev))
        if recomputed != row.entry_hash:
            return broken(f"entry #{row.ledger_seq} was changed after it was recorded")
        if expected_head and row.ledger_seq == expected_head[0]:
            if row.entry_hash != expected_head[1]:
                return broken(f"entry #{row.ledger_seq} differs from the published head")
            seen_expected = True
        prev, expected_seq, count = row.entry_hash, expected_seq + 1, count + 1

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
    for source in _SOURCES.values():
        found = source.check(office) if source.check else None
        if found is not None:
            entry, problem = found
            return ChainReport(
                office=office,
                ok=False,
                entries=count,
                head_seq=head_seq,
                head_hash=head_hash,
                problem=problem,
                bad_entry=entry,
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
