"""A draw's steps in the office's hash chain (antrean.integrity.ledger): the commitment when
its window opens, the seed and the result when it is drawn. A seed changed after the fact, an
entry added or dropped, or a result rewritten breaks the chain or no longer matches it
(`manage.py verify_ledger`, `manage.py verify_draw`)."""

from __future__ import annotations

from collections.abc import Iterator

from antrean.draws.models import DrawStep
from antrean.integrity.ledger import LedgerSource
from antrean.integrity.ledger_hash import format_instant

RECORD_VERSION = 1


def step_record(step: DrawStep, *, seq: int, prev: str) -> dict:
    return {
        "v": RECORD_VERSION,
        "entry": "draw_step",
        "office": step.office_id,
        "seq": seq,
        "prev": prev,
        "draw": step.draw_id,
        "kind": step.kind,
        "at": format_instant(step.at),
        "commitment": step.commitment,
        "seed": step.seed,
        "entries": step.entries_sha256,
        "result": step.result_sha256,
        "places": step.places,
    }


def _entries(office) -> Iterator[DrawStep]:
    return DrawStep.objects.filter(office=office).order_by("ledger_seq", "pk").iterator(500)


DRAW_STEPS = LedgerSource(name="draw_step", entries=_entries, record=step_record)
