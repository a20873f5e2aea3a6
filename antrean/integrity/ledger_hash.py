"""The ledger's pure part: the canonical record of a signature and its chained hash.

Each office has one chain. Entry n stores the hash of entry n-1 (`prev`), and its own hash is
sha256 over the canonical JSON of its record, which includes `prev` and `seq`. Changing,
deleting or reordering any entry therefore breaks the link at that entry or the next one.
"""

import datetime as dt
import hashlib
import json

GENESIS = "0" * 64
RECORD_VERSION = 1


def format_instant(moment: dt.datetime) -> str:
    """UTC, microseconds, `Z`: one spelling for one instant on every database."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(record: dict) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(record: dict) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


def signature_record(
    *,
    office_id: int,
    seq: int,
    prev: str,
    audience: str,
    pact_version: int,
    pact_sha256: str,
    signed_at: dt.datetime,
    channel: str,
    subject: str,
    signer: str,
    pact_clauses_version: int | None = None,
) -> dict:
    """What the chain vouches for: which pact text, when, how, and for whom (by keyed hash
    for citizens, so the ledger can be published without personal data).

    A signature that agreed to an office's clauses after the national text also records the
    clauses' version; the key is absent otherwise, so every record made before offices could
    extend the national text hashes exactly as it did.
    """
    record = {
        "v": RECORD_VERSION,
        "office": office_id,
        "seq": seq,
        "prev": prev,
        "audience": audience,
        "pact_version": pact_version,
        "pact_sha256": pact_sha256,
        "signed_at": format_instant(signed_at),
        "channel": channel,
        "subject": subject,
        "signer": signer,
    }
    if pact_clauses_version is not None:
        record["pact_clauses_version"] = pact_clauses_version
    return record
