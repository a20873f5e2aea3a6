"""What one booking sends to the database, captured, so the DB-limit scripts can mirror it.

Usage: .venv/bin/python -m bench.booking_sql [--out var/bench/booking-sql.txt]

Books twice through the real API view (Django's test client, so every middleware runs) on an
office of its own: the first booking warms the per-process caches, the second is captured.
Django's query log has every statement it sends through its cursors, with BEGIN and COMMIT; a
recording cursor at the psycopg level adds what Django sends without logging it (the
connection health check of CONN_HEALTH_CHECKS). The text goes to booking-sql.txt, with each
statement's shape (verb, table, ON CONFLICT, FOR UPDATE, RETURNING) beside it.

`shapes_differ` compares those shapes with a pgbench script's or the SQLite port's: the bench
smoke test fails when booking_create changes and the scripts do not.
"""

import argparse
import difflib
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT, django_setup, out_dir

PGBENCH_DIR = ROOT / "bench" / "pgbench"

_TABLE = re.compile(
    r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?|\bFROM\s+"?(\w+)"?', re.I | re.S
)


def statement_shape(sql: str) -> str:
    """`INSERT queueing_ticket RETURNING`, `SELECT integrity_ledgerhead FOR UPDATE`, `BEGIN`…"""
    text = re.sub(r"\\gset.*$", "", sql.strip(), flags=re.S).strip().rstrip(";").strip()
    verb = text.split(None, 1)[0].upper() if text else ""
    if verb in {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}:
        return verb
    if verb == "SELECT" and re.fullmatch(r"SELECT\s+1", text, re.I):
        return "SELECT 1"
    match = _TABLE.search(text)
    table = next((g for g in match.groups() if g), "?") if match else "?"
    parts = [verb, table]
    upper = text.upper()
    for flag in ("ON CONFLICT", "FOR UPDATE", "RETURNING"):
        if flag in upper:
            parts.append(flag)
    return " ".join(parts)


def pgbench_statements(path: Path) -> list[str]:
    """The SQL commands of a pgbench script (meta-commands and comments left out)."""
    statements, current = [], []
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith(("--", "\\"))):
            continue
        current.append(line)
        if stripped.endswith(";") or "\\gset" in stripped:
            statements.append("\n".join(current))
            current = []
    if current:
        statements.append("\n".join(current))
    return statements


def shapes_differ(expected: list[str], actual: list[str]) -> str:
    """A unified diff of two shape lists, or "" when they are the same."""
    if expected == actual:
        return ""
    return "\n".join(difflib.unified_diff(expected, actual, "django", "script", lineterm="", n=2))


@dataclass
class Capture:
    vendor: str
    statements: list[str]  # in the order sent
    unlogged: list[str]  # sent outside Django's query log (included in `statements`)
    transaction_start: int  # index of BEGIN in `statements`

    @property
    def shapes(self) -> list[str]:
        return [statement_shape(s) for s in self.statements]

    @property
    def transaction_shapes(self) -> list[str]:
        shapes = self.shapes
        start = self.transaction_start
        end = max(i for i, s in enumerate(shapes) if s == "COMMIT")
        return shapes[start : end + 1]


def _normalise_begin(sql: str) -> str:
    # SQLite's BEGIN IMMEDIATE is the same statement as far as the scripts go.
    return "BEGIN" if sql.upper().startswith("BEGIN") else sql


def capture() -> Capture:
    """Book twice through POST /api/v1/bookings and return what the second booking sent."""
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from antrean.integrity.models import Audience
    from antrean.integrity.services import pact_in_force
    from antrean.testing.factories import make_office, make_service, make_slot
    from bench.fixtures import nik_for, phone_for

    # Fresh names every call: a capture may run many times on one database.
    office = make_office(code=f"bench-capture-{secrets.token_hex(4)}")
    first_citizen = secrets.randbelow(10**7)
    slot = make_slot(make_service(office, prefix="A"), capacity=10)
    rendering = pact_in_force(office=office, audience=Audience.CITIZEN)

    def body(n: int) -> str:
        return json.dumps(
            {
                "slot_id": slot.pk,
                "name": "Ni Made Ayu Lestari",
                "nik": nik_for(first_citizen + n),
                "whatsapp": phone_for(first_citizen + n),
                "pact_version": rendering.pact.version,
                "pact_sha256": rendering.sha256,
                "pact_agreed": True,
                "whatsapp_consent": True,
            }
        )

    client = Client()
    first = client.post("/api/v1/bookings", body(1), content_type="application/json")
    if first.status_code != 201:
        raise RuntimeError(f"warm-up booking refused: {first.status_code} {first.content!r}")

    connection.ensure_connection()
    raw = connection.connection
    recorded: list[str] = []
    original = raw.cursor_factory if connection.vendor == "postgresql" else None
    if original is not None:

        class RecordingCursor(original):
            def execute(self, query, params=None, **kwargs):
                recorded.append(query if isinstance(query, str) else repr(query))
                return super().execute(query, params, **kwargs)

        raw.cursor_factory = RecordingCursor
    try:
        with CaptureQueriesContext(connection) as queries:
            # What a real server does when a request starts (the test client skips it): with
            # persistent connections this arms the health check of CONN_HEALTH_CHECKS.
            close_old_connections()
            second = client.post("/api/v1/bookings", body(2), content_type="application/json")
    finally:
        if original is not None and connection.connection is raw:
            raw.cursor_factory = original
    if second.status_code != 201:
        raise RuntimeError(f"captured booking refused: {second.status_code} {second.content!r}")
    logged = [_normalise_begin(q["sql"]) for q in queries.captured_queries]
    through_cursors = [q for q in logged if q not in ("BEGIN", "COMMIT")]
    # The recording cursor saw Django's statements too; what it saw first, beyond them, was
    # sent before Django logged anything (the health check runs at the first cursor).
    unlogged = recorded[: max(0, len(recorded) - len(through_cursors))]
    statements = unlogged + logged
    return Capture(
        vendor=connection.vendor,
        statements=statements,
        unlogged=unlogged,
        transaction_start=statements.index("BEGIN"),
    )


def write_text(result: Capture, path: Path) -> Path:
    lines = [
        f"# One POST /api/v1/bookings on {result.vendor}, as sent (bench/booking_sql.py).",
        "# The DB-limit scripts (bench/pgbench/*.sql, the SQLite port in bench/dblimit.py)",
        "# mirror these statements; each line below starts with the statement's shape.",
        "",
    ]
    for n, sql in enumerate(result.statements, 1):
        note = "  (sent outside Django's query log)" if sql in result.unlogged else ""
        lines += [f"-- {n:2d}. {statement_shape(sql)}{note}", sql.strip() + ";", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    django_setup()
    result = capture()
    suffix = "" if result.vendor == "postgresql" else f"-{result.vendor}"
    path = write_text(result, args.out or out_dir() / f"booking-sql{suffix}.txt")
    print(f"{len(result.statements)} statements → {path}")


if __name__ == "__main__":
    main()
