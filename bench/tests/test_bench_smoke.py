"""A bounded run of each part of `make bench`, so that the harness cannot rot unnoticed.

The DB-limit scripts must send what booking_create sends (same statements, same order) and
run without a failed transaction; the HTTP path must get only 201s and leave the rows behind;
page bytes must walk the whole journey. Speed is never asserted here.
"""

import json
import shutil

import pytest
from django.db import connection

from antrean.integrity.models import PactSignature
from antrean.queueing.models import Ticket
from antrean.testing.factories import make_office, make_service, make_slot
from bench import dashboard, dblimit, fixtures, http_load, page_bytes, report, retention
from bench.booking_sql import (
    PGBENCH_DIR,
    capture,
    pgbench_statements,
    shapes_differ,
    statement_shape,
)

# Other processes (pgbench, gunicorn) must see the rows: they are committed, and flushed after
# each test; serialized_rollback brings back the national pacts the migrations seeded.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _shapes(script: str) -> list[str]:
    return [statement_shape(s) for s in pgbench_statements(PGBENCH_DIR / f"{script}.sql")]


def _skip_unless(vendor: str) -> None:
    if connection.vendor != vendor:
        pytest.skip(f"runs on {vendor}")


def test_pgbench_scripts_send_what_a_booking_sends():
    _skip_unless("postgresql")
    sent = capture()
    assert sent.unlogged == ["SELECT 1"]  # the health check of persistent connections
    assert not shapes_differ(sent.shapes, _shapes("request")), shapes_differ(
        sent.shapes, _shapes("request")
    )
    assert not shapes_differ(sent.transaction_shapes, _shapes("transaction")), shapes_differ(
        sent.transaction_shapes, _shapes("transaction")
    )
    assert _shapes("number") == ["INSERT queueing_ticketsequence ON CONFLICT RETURNING"]
    assert _shapes("number")[0] in sent.transaction_shapes
    # request.sql is transaction.sql with the checks in front: the two cannot drift apart.
    request = pgbench_statements(PGBENCH_DIR / "request.sql")
    transaction = pgbench_statements(PGBENCH_DIR / "transaction.sql")
    assert request[-len(transaction) :] == transaction


@pytest.mark.parametrize("script", dblimit.SCRIPTS)
def test_pgbench_scripts_run_without_a_failed_transaction(script):
    _skip_unless("postgresql")
    if not shutil.which("pgbench"):
        pytest.skip("pgbench is not installed (Debian: apt-get install -y postgresql)")
    layout = fixtures.load(offices=2, services=3)
    before = Ticket.objects.count()
    for name in ("sql-spread", "sql-hot"):
        result = dblimit.run_pgbench(
            script=script,
            group=layout["groups"][name],
            seconds=1,
            clients=4,
            dsn=dblimit.pgbench_dsn(connection.settings_dict),
        )
        assert result["ok"], result.get("output")
        assert result["failed"] == 0 and result["transactions"] > 0
    if script != "number":
        # Every booking transaction left its ticket and its signature.
        made = Ticket.objects.count() - before
        assert made > 0
        assert PactSignature.objects.filter(ticket__isnull=False).count() == made


def test_sqlite_port_sends_what_a_booking_sends():
    _skip_unless("sqlite")
    layout = fixtures.load(offices=2, services=3)
    sent = capture()
    group = layout["groups"]["sql-spread"]
    path = str(connection.settings_dict["NAME"])
    request = [
        statement_shape(s)
        for s in dblimit.sqlite_statements(path=path, script="request", group=group)
    ]
    assert not shapes_differ(sent.shapes, request), shapes_differ(sent.shapes, request)
    number = dblimit.sqlite_statements(path=path, script="number", group=group)
    assert [statement_shape(s) for s in number] == _shapes("number")


def test_sqlite_loop_runs_every_script_without_an_error():
    _skip_unless("sqlite")
    layout = fixtures.load(offices=2, services=3)
    path = str(connection.settings_dict["NAME"])
    for script in dblimit.SCRIPTS:
        result = dblimit.run_sqlite(
            path=path, script=script, group=layout["groups"]["sql-hot"], seconds=0.3
        )
        assert result["ok"], result["errors"]


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return dblimit.pgbench_dsn(settings).replace("postgresql://", "postgres://", 1)


def test_http_path_books_with_only_201s_and_leaves_the_rows():
    _skip_unless("postgresql")
    if not shutil.which("wrk"):
        pytest.skip("wrk is not installed (apt-get install -y wrk)")
    layout = fixtures.load(offices=2, services=3)
    result = http_load.measure(
        fixtures=layout,
        database_url=_database_url(),
        seconds=2,
        clients=[8],
        layouts=["spread"],
        profiles=[(1, 4)],
        sweep_seconds=0,
        warm_up_seconds=1,
    )
    (run,) = result["runs"]
    assert run["ok"], run
    assert run["non_201"] == {} and run["socket_errors"] == {}
    spread = layout["groups"]["http-spread"]
    booked = Ticket.objects.filter(
        slot_id__gte=spread["slot0"], slot_id__lt=spread["slot0"] + spread["slots"]
    )
    # Every 201 is a row; a request in flight when wrk stopped may have booked unanswered.
    assert run["bookings"] > 0
    assert run["bookings"] <= run["rows_created"] <= run["bookings"] + 8
    assert booked.count() >= run["rows_created"]
    assert PactSignature.objects.filter(ticket__in=booked).count() == booked.count()
    assert result["ledgers"]["ok"], result["ledgers"]


def test_page_bytes_walks_the_whole_journey():
    office = make_office(code="mpp-uji")
    make_slot(make_service(office, prefix="A"), capacity=10)
    env = http_load.server_env(_database_url())
    with http_load.Server(workers=1, threads=2, port=http_load.free_port(), env=env) as server:
        server.wait_ready("/")
        result = page_bytes.measure(base=server.base, office="mpp-uji")
    names = ["office list", "service list", "date choice", "slot choice", "identity form"]
    names += ["pact", "booking page"]
    for visit in ("first", "repeat", "revalidate"):
        pages = result[visit]["pages"]
        assert [p["page"] for p in pages] == names
        assert all(p["html_bytes"] > 0 for p in pages)
    first, repeat = result["first"]["pages"], result["repeat"]["pages"]
    assert first[0]["asset_bytes"] > 0  # the stylesheet, on the first page only
    assert repeat[0]["asset_bytes"] == 0 and repeat[0]["from_cache"] >= 1
    assert result["first"]["total_bytes"] > result["repeat"]["total_bytes"]
    # Each walk ends on its booking's page: three bookings were made.
    assert Ticket.objects.filter(office=office).count() == 3


def test_report_puts_the_ratio_and_targets_in_the_table(tmp_path):
    db_run = {"clients": 8, "seconds": 10, "failed": 0, "ok": True, "latency_avg_ms": 4.0}
    (tmp_path / "dblimit.json").write_text(
        json.dumps(
            {
                "cores": 2,
                "runs": [
                    db_run | {"script": "transaction", "layout": "spread", "tps": 400.0},
                    db_run | {"script": "request", "layout": "spread", "tps": 200.0},
                ],
            }
        )
    )
    http_run = {
        "layout": "spread",
        "clients": 64,
        "bookings_per_s": 100.0,
        "latency_ms": {"p50": 40.0, "p99": 150.0},
        "non_201": {"409": 2},
        "socket_errors": {},
        "cpu_per_s": {"wrk": 0.1, "gunicorn": 1.5, "postgresql": 0.4},
    }
    (tmp_path / "http.json").write_text(
        json.dumps(
            {
                "cores": 2,
                "server": "gunicorn",
                "profile": {"workers": 2, "threads": 8, "reason": "given"},
                "runs": [http_run],
                "ledgers": {"ok": True, "entries": 10},
                "certificates_pending": 10,
            }
        )
    )
    (tmp_path / "rush.json").write_text("{}")
    table = report.build(tmp_path)
    assert "0.25 of transaction; 0.50 of request" in table
    assert "| target: HTTP ≥ 0.5 × DB limit, spread, 64 conns | 0.25 (not met) |" in table
    assert "| target: p99 ≤ 100 ms, spread, 64 conns | 150 ms (not met) |" in table
    assert "errors 409: 2" in table
    assert "rush.json" in table


def test_retention_bench_erases_everything_and_the_ledger_still_verifies(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    result = retention.run(60, batch_size=25)
    assert result["erased"]["tickets"] == result["erased"]["certificates"] == 60
    assert (result["unerased_left"], result["files_left"]) == (0, 0)
    assert result["ledger_ok"] and result["ledger_entries"] == 60
    assert result["second_run_changed"] == 0


def test_dashboard_bench_seeds_a_year_shape_and_times_every_page(tmp_path):
    from antrean.dashboards.models import OfficeMonth
    from antrean.stats.models import OfficeDay, ServiceDay

    seeded = dashboard.seed(offices=6, days=40, services=2)
    assert OfficeDay.objects.count() == seeded["office_days"] == 6 * 40
    assert ServiceDay.objects.count() == seeded["service_days"] == 6 * 40 * 2
    # The worker's monthly roll-up is part of the seed: 40 days span two or three months.
    assert OfficeMonth.objects.count() == seeded["office_months"] >= 12
    result = dashboard.measure(seeded=seeded, requests=2)
    assert set(result["runs"]) == {
        "national page",
        "national page, 30 days",
        "national page, 90 days",
        "national comparison CSV",
        "region API",
        "office page",
    }
    assert all(run["p95_ms"] > 0 and run["bytes"] > 0 for run in result["runs"].values())
    assert isinstance(result["goal_met"], bool)
    (tmp_path / "dashboard.json").write_text(json.dumps(result, default=str))
    table = report.build(tmp_path)
    assert "target: national dashboard p95 ≤ 300 ms, every period" in table
