"""The database's own limit for the booking work: the same SQL, with no Python in between.

Usage: .venv/bin/python -m bench.dblimit [--seconds 10] [--clients 8] [--fixtures PATH]

On PostgreSQL (DATABASE_URL): pgbench runs each script of bench/pgbench/ for `--seconds`, at
`--clients` clients on 2 threads, once spread over the `sql-spread` slots and once on the one
`sql-hot` slot (see bench/fixtures.py):

- `transaction`: the booking transaction alone, BEGIN to COMMIT.
- `request`: every statement one booking request sends, the checks before it included.
- `number`: the queue-number upsert alone (TicketSequence … RETURNING).

On SQLite: the same statements in SQLite's dialect, in a tight loop in this one process (SQLite
has one writer; a second client would only wait for the lock). `request` opens a connection
per booking, as Django does on SQLite (no persistent connections there).

Before each run the group's `booked` counters go back to 0; after it, a slot found full fails
the run (its later transactions would have been refusals, a shorter transaction). Results go
to <out>/dblimit.json (PostgreSQL) or <out>/dblimit-sqlite.json.
"""

import argparse
import datetime as dt
import json
import os
import random
import re
import sqlite3
import statistics
import subprocess
import time
from pathlib import Path

from bench.booking_sql import PGBENCH_DIR, pgbench_statements
from bench.common import django_setup, out_dir, percentile, write_json

SCRIPTS = ("transaction", "request", "number")
LAYOUTS = {"spread": "sql-spread", "hot": "sql-hot"}


# --- PostgreSQL: pgbench ---------------------------------------------------------------------


def pgbench_dsn(settings_dict: dict) -> str:
    """A libpq URI for Django's database settings (pgbench takes it as its dbname)."""
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    auth = f"{user}:{password}@" if password else f"{user}@"
    return f"postgresql://{auth}{host}:{port}/{settings_dict['NAME']}"


def pgbench_variables(group: dict) -> list[str]:
    names = ("slot0", "service0", "office0", "rendering0", "per_office", "date", "pact_sha256")
    values = {name: group[name] for name in names} | {"nslots": group["slots"]}
    return [arg for name, value in values.items() for arg in ("-D", f"{name}={value}")]


def _number(pattern: str, text: str, default=None):
    match = re.search(pattern, text, re.M)
    return float(match.group(1)) if match else default


def parse_pgbench(output: str) -> dict:
    """tps, mean latency and the processed/failed counts from pgbench's summary."""
    return {
        "tps": _number(r"^tps = ([\d.]+) \(without initial connection time\)", output),
        "latency_avg_ms": _number(r"^latency average = ([\d.]+) ms", output),
        "transactions": int(
            _number(r"^number of transactions actually processed: (\d+)", output, 0)
        ),
        "failed": int(_number(r"^number of failed transactions: (\d+)", output, 0)),
        "aborted": "aborted" in output,
    }


def reset_slots(group: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE catalog_slot SET booked = 0 WHERE id >= %s AND id < %s",
            [group["slot0"], group["slot0"] + group["slots"]],
        )


def slots_filled(group: dict) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM catalog_slot WHERE id >= %s AND id < %s AND booked >= capacity",
            [group["slot0"], group["slot0"] + group["slots"]],
        )
        return cursor.fetchone()[0]


def run_pgbench(
    *, script: str, group: dict, seconds: float, clients: int, dsn: str, threads: int = 2
) -> dict:
    reset_slots(group)
    command = [
        "pgbench", "--no-vacuum", "--client", str(clients), "--jobs", str(min(threads, clients)),
        "--time", str(max(1, round(seconds))), "--file", str(pgbench_path(script)),
        *pgbench_variables(group), dsn,
    ]  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    output = done.stdout + done.stderr
    result = parse_pgbench(output) | {
        "script": script,
        "clients": clients,
        "seconds": round(time.monotonic() - started, 1),
        "exit_code": done.returncode,
        "slots_filled": slots_filled(group),
    }
    result["ok"] = (
        done.returncode == 0
        and not result["aborted"]
        and result["failed"] == 0
        and result["transactions"] > 0
        and result["slots_filled"] == 0
    )
    if not result["ok"]:
        result["output"] = output[-3000:]
    return result


def pgbench_path(script: str) -> Path:
    return PGBENCH_DIR / f"{script}.sql"


# --- SQLite: a tight loop ------------------------------------------------------------------

# Ciphertexts and the message's parameters as Django writes them; their content does not
# matter to the database, their length does.
_NAME = "enc1:f22af6f2:OuUjVlo40IZl4Qo_Y-uXdzGXJ4UVjOTA0opbjcnkgQqaToQ87Uvm-d_dTUWoK-o="
_NIK = "enc1:f22af6f2:0pLGn29i5i8a_RpJynOWZDfIZtGFOkfZ0I26vSGAOjj7LibNCnqqFvDkj1U="
_PHONE = "enc1:f22af6f2:Z4-Y_6tmPoX8nKPZuzS0i-CNgsF0nrVQNKguYOMK79qtyr6TDPw6dDyG"
_PARAMS = json.dumps(
    ["A-002", "Layanan 3", "Mal Pelayanan Publik kantor-1",
     "Minggu, 29 November 2026, 09.00\u201310.00 WITA", "BF0T-VJ0W"]
)  # fmt: skip


def _now() -> str:
    """UTC now as Django writes a datetime on SQLite."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")


def sqlite_connect(path: str) -> sqlite3.Connection:
    """A connection set up as Django's SQLite backend and antrean/settings.py set theirs."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA legacy_alter_table = OFF")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _slot_query() -> str:
    """Django's slot query is the same text on both databases: taken from request.sql."""
    for sql in pgbench_statements(pgbench_path("request")):
        if sql.startswith('SELECT "catalog_slot"'):
            return sql.rstrip(";").replace(":slot_id", "?")
    raise RuntimeError("request.sql has no slot query")


def sqlite_prechecks(cur, v: dict) -> None:
    cur.execute(_slot_query(), [v["slot_id"]]).fetchall()
    cur.execute(
        'SELECT "queueing_ticketevent"."at" AS "at" FROM "queueing_ticketevent" INNER JOIN '
        '"queueing_ticket" ON ("queueing_ticketevent"."ticket_id" = "queueing_ticket"."id") '
        'WHERE ("queueing_ticketevent"."at" >= ? AND "queueing_ticketevent"."move" IN '
        "('no_show', 'expire') AND \"queueing_ticket\".\"nik_hash\" = ? "
        'AND "queueing_ticket"."office_id" = ?) ORDER BY 1 ASC',
        ["2026-01-01 00:00:00", v["nik_hash"], v["office_id"]],
    ).fetchall()


def sqlite_transaction(cur, v: dict) -> None:
    """The booking transaction as Django sends it on SQLite (see booking-sql-sqlite.txt)."""
    now, date = _now(), v["date"]
    cur.execute("BEGIN IMMEDIATE")
    cur.execute(
        'UPDATE "catalog_slot" SET "booked" = ("catalog_slot"."booked" + 1) WHERE '
        '("catalog_slot"."booked" < ("catalog_slot"."capacity") AND "catalog_slot"."id" = ?)',
        [v["slot_id"]],
    )
    for table, column, key in (
        ("booking_phonedaycount", "phone_hash", v["phone_hash"]),
        ("booking_nikdaycount", "nik_hash", v["nik_hash"]),
    ):
        cur.execute(
            f"INSERT INTO {table} ({column}, date, active) VALUES (?, ?, 1) "  # noqa: S608
            f"ON CONFLICT ({column}, date) DO UPDATE SET active = {table}.active + 1 "
            f"WHERE {table}.active < 3 RETURNING active",
            [key, date],
        ).fetchall()
    (seq,) = cur.execute(
        "INSERT INTO queueing_ticketsequence (service_id, date, last, walkins) VALUES (?, ?, 1, 0) "
        "ON CONFLICT (service_id, date) DO UPDATE SET last = queueing_ticketsequence.last + 1 "
        "RETURNING last",
        [v["service_id"], date],
    ).fetchone()
    (ticket_id,) = cur.execute(
        'INSERT INTO "queueing_ticket" ("code", "office_id", "service_id", "numbered_service_id", '
        '"slot_id", "date", "seq", "number", "status", "channel", "priority", "name", "nik", '
        '"nik_hash", "phone", "phone_hash", "whatsapp_consent", "nik_check", "token_hash", '
        '"created_at", "cancelled_at", "arrived_at", "queue_key", "counter_id", "officer_id", '
        '"called_at", "started_at", "finished_at") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '
        '?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL) '
        'RETURNING "queueing_ticket"."id"',
        [
            f"{v['service_id'] * 1048576 + seq:08X}", v["office_id"], v["service_id"],
            v["service_id"], v["slot_id"], date, seq, f"A-{seq:03d}", "booked", "api", "",
            _NAME, _NIK, v["nik_hash"], _PHONE, v["phone_hash"], 1, "", v["token_hash"], now,
        ],
    ).fetchone()  # fmt: skip
    cur.execute(
        'INSERT INTO "queueing_ticketevent" ("ticket_id", "move", "from_status", "to_status", '
        '"at", "officer_id", "counter_id", "service_id", "note") VALUES (?, ?, ?, ?, ?, NULL, '
        'NULL, ?, ?) RETURNING "queueing_ticketevent"."id"',
        [ticket_id, "book", "", "booked", now, v["service_id"], ""],
    ).fetchall()
    head_seq, head_hash = cur.execute(
        'SELECT "integrity_ledgerhead"."office_id", "integrity_ledgerhead"."seq", '
        '"integrity_ledgerhead"."hash", "integrity_ledgerhead"."updated_at" FROM '
        '"integrity_ledgerhead" WHERE "integrity_ledgerhead"."office_id" = ? '
        'ORDER BY "integrity_ledgerhead"."office_id" ASC LIMIT 1',
        [v["office_id"]],
    ).fetchone()[1:3]
    (signature_id,) = cur.execute(
        'INSERT INTO "integrity_pactsignature" ("office_id", "audience", "rendering_id", '
        '"pact_version", "pact_sha256", "ticket_id", "officer_id", "signed_at", "channel", '
        '"client_ip", "user_agent", "ledger_seq", "prev_hash", "entry_hash") VALUES (?, ?, ?, ?, '
        '?, ?, NULL, ?, ?, ?, ?, ?, ?, ?) RETURNING "integrity_pactsignature"."id"',
        [
            v["office_id"], "citizen", v["rendering_id"], 1, v["pact_sha256"], ticket_id, now,
            "api", "127.0.0.1", "", head_seq + 1, head_hash, v["entry_hash"],
        ],
    ).fetchone()  # fmt: skip
    cur.execute(
        'UPDATE "integrity_ledgerhead" SET "seq" = ?, "hash" = ?, "updated_at" = ? '
        'WHERE "integrity_ledgerhead"."office_id" = ?',
        [head_seq + 1, v["entry_hash"], now, v["office_id"]],
    )
    (certificate_id,) = cur.execute(
        'INSERT INTO "integrity_certificate" ("signature_id", "office_id", "number", '
        '"verification_code", "status", "pdf", "pdf_sha256", "signing_key_id", "created_at", '
        '"rendered_at", "revoked_at", "revoked_reason", "revoked_by_id") VALUES (?, ?, ?, ?, ?, '
        "?, ?, NULL, ?, NULL, NULL, ?, NULL) RETURNING \"integrity_certificate\".\"id\"",
        [
            signature_id, v["office_id"], f"BENCH-{v['office_id']}-{head_seq + 1:06d}",
            v["verification_code"], "valid", "", "", now, "",
        ],
    ).fetchone()  # fmt: skip
    cur.execute(
        'INSERT INTO "django_tasks_database_dbtaskresult" ("id", "status", "enqueued_at", '
        '"started_at", "finished_at", "args_kwargs", "priority", "task_path", "worker_ids", '
        '"queue_name", "backend_name", "run_after", "return_value", "exception_class_path", '
        '"traceback") VALUES (?, ?, ?, NULL, NULL, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)',
        [
            v["task_id"], "READY", now,
            json.dumps({"args": [], "kwargs": {"certificate_id": certificate_id}}), 0,
            "antrean.integrity.tasks.render_certificate", "[]", "certificates", "default",
            "9999-01-01 00:00:00", "", "",
        ],
    )  # fmt: skip
    (message_id,) = cur.execute(
        'INSERT INTO "notifications_message" ("office_id", "ticket_id", "kind", "recipient", '
        '"recipient_hash", "template_name", "language", "params", "with_certificate", "status", '
        '"attempts", "next_attempt_at", "claimed_by", "claimed_at", "request_started_at", '
        '"provider_id", "error_code", "error_category", "error_detail", "created_at", '
        '"sent_at", "delivered_at", "read_at", "failed_at") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '
        "?, ?, ?, ?, NULL, NULL, NULL, ?, ?, ?, ?, NULL, NULL, NULL, NULL) "
        'RETURNING "notifications_message"."id"',
        [
            v["office_id"], ticket_id, "booking_confirmed", _PHONE, v["phone_hash"],
            "antrean_booking_confirmed", "id", _PARAMS, 1, "pending", 0, now, "", "", "", "",
            now,
        ],
    ).fetchone()  # fmt: skip
    cur.execute(
        'INSERT INTO "notifications_messageevent" ("message_id", "at", "event", "detail") '
        'VALUES (?, ?, ?, ?) RETURNING "notifications_messageevent"."id"',
        [message_id, now, "queued", ""],
    ).fetchall()
    cur.execute("COMMIT")


def sqlite_number(cur, v: dict) -> None:
    cur.execute(
        "INSERT INTO queueing_ticketsequence (service_id, date, last, walkins) VALUES (?, ?, 1, 0) "
        "ON CONFLICT (service_id, date) DO UPDATE SET last = queueing_ticketsequence.last + 1 "
        "RETURNING last",
        [v["service_id"], v["date"]],
    ).fetchone()


def booking_values(group: dict, rng: random.Random) -> dict:
    """What one booking needs: a random slot of the group and fresh per-booking values."""
    i = rng.randrange(group["slots"])
    return {
        "slot_id": group["slot0"] + i,
        "service_id": group["service0"] + i,
        "office_id": group["office0"] + i // group["per_office"],
        "rendering_id": group["rendering0"] + i // group["per_office"],
        "date": group["date"],
        "pact_sha256": group["pact_sha256"],
        "nik_hash": rng.randbytes(32).hex(),
        "phone_hash": rng.randbytes(32).hex(),
        "token_hash": rng.randbytes(32).hex(),
        "entry_hash": rng.randbytes(32).hex(),
        "verification_code": rng.randbytes(8).hex().upper(),
        "task_id": rng.randbytes(16).hex(),
    }


def sqlite_booking(conn: sqlite3.Connection, script: str, v: dict) -> None:
    if script == "number":
        sqlite_number(conn, v)
        return
    if script == "request":
        sqlite_prechecks(conn, v)
    sqlite_transaction(conn, v)


class _Recorder:
    """Passes statements to a connection and keeps their text."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn, self.statements = conn, []

    def execute(self, sql: str, params=()):
        self.statements.append(sql)
        return self.conn.execute(sql, params)


def sqlite_statements(*, path: str, script: str, group: dict) -> list[str]:
    """The statements one booking of the SQLite port sends (it books for real)."""
    conn = sqlite_connect(path)
    try:
        recorder = _Recorder(conn)
        sqlite_booking(recorder, script, booking_values(group, random.Random()))
        return recorder.statements
    finally:
        conn.close()


def run_sqlite(*, path: str, script: str, group: dict, seconds: float) -> dict:
    conn = sqlite_connect(path)
    conn.execute(
        "UPDATE catalog_slot SET booked = 0 WHERE id >= ? AND id < ?",
        [group["slot0"], group["slot0"] + group["slots"]],
    )
    rng = random.Random()
    latencies, errors = [], []
    started = time.perf_counter()
    deadline = started + seconds
    while (begin := time.perf_counter()) < deadline:
        v = booking_values(group, rng)
        try:
            if script == "request":
                # Django opens a connection per request on SQLite (CONN_MAX_AGE 0).
                conn.close()
                conn = sqlite_connect(path)
            sqlite_booking(conn, script, v)
        except sqlite3.Error as exc:
            errors.append(repr(exc))
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        latencies.append((time.perf_counter() - begin) * 1000)
    wall = time.perf_counter() - started
    (filled,) = conn.execute(
        "SELECT count(*) FROM catalog_slot WHERE id >= ? AND id < ? AND booked >= capacity",
        [group["slot0"], group["slot0"] + group["slots"]],
    ).fetchone()
    conn.close()
    done = len(latencies) - len(errors)
    return {
        "script": script,
        "clients": 1,
        "seconds": round(wall, 1),
        "tps": round(done / wall, 1),
        "latency_avg_ms": round(statistics.fmean(latencies), 3) if latencies else None,
        "latency_p99_ms": round(percentile(latencies, 0.99), 3) if latencies else None,
        "transactions": done,
        "failed": len(errors),
        "errors": errors[:5],
        "slots_filled": filled,
        "ok": not errors and done > 0 and filled == 0,
    }


# --- both --------------------------------------------------------------------------------


def measure(*, fixtures: dict, seconds: float, clients: int, scripts=SCRIPTS) -> dict:
    from django.db import connection

    vendor = connection.vendor
    runs = []
    for layout, group_name in LAYOUTS.items():
        group = fixtures["groups"][group_name]
        for script in scripts:
            if vendor == "postgresql":
                result = run_pgbench(
                    script=script,
                    group=group,
                    seconds=seconds,
                    clients=clients,
                    dsn=pgbench_dsn(connection.settings_dict),
                )
            else:
                result = run_sqlite(
                    path=str(connection.settings_dict["NAME"]),
                    script=script,
                    group=group,
                    seconds=seconds,
                )
            runs.append({"layout": layout, **result})
    return {
        "benchmark": "dblimit",
        "database": vendor,
        "tool": "pgbench" if vendor == "postgresql" else "python sqlite3 loop, 1 writer",
        "cores": os.cpu_count(),
        "clients": clients if vendor == "postgresql" else 1,
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--scripts", default=",".join(SCRIPTS))
    parser.add_argument("--fixtures", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    django_setup()
    from django.db import connection

    from bench.booking_sql import capture, write_text

    fixtures = json.loads((args.fixtures or out_dir() / "fixtures.json").read_text())
    vendor = connection.vendor
    suffix = "" if vendor == "postgresql" else f"-{vendor}"
    # What the scripts mirror, captured from the code as it is now.
    write_text(capture(), out_dir() / f"booking-sql{suffix}.txt")
    result = measure(
        fixtures=fixtures,
        seconds=args.seconds,
        clients=args.clients,
        scripts=[s for s in args.scripts.split(",") if s],
    )
    path = write_json(args.json or out_dir() / f"dblimit{suffix}.json", result)
    for run in result["runs"]:
        status = "ok" if run["ok"] else "FAILED"
        print(
            f"db limit {vendor} {run['script']:<11} {run['layout']:<6} "
            f"{run['clients']} client(s): {run['tps'] or 0:8.1f} tps, "
            f"mean {run['latency_avg_ms'] or 0:.2f} ms, failed {run['failed']} [{status}]"
        )
    print(f"written to {path}")
    if not all(run["ok"] for run in result["runs"]):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
