"""Bookings per second through HTTP, in the production profile, with wrk as the load generator.

Usage: .venv/bin/python -m bench.http_load [--seconds 10] [--clients 8,64,256]
                                          [--layouts spread,hot] [--profile 2x4 | --sweep 2x4,2x8]

Starts gunicorn (`-c python:antrean.gunicorn_conf antrean.wsgi:application -k gthread`, DEBUG
off, LOG_LEVEL=WARNING, no access log, persistent database connections, TASKS_BACKEND=database,
WHATSAPP_GATEWAY=console) on the database of DATABASE_URL, which bench.fixtures has loaded. The
worker (`manage.py worker`) is not running: certificates and WhatsApp messages queue up as
rows, as they would while a worker is busy. Then, for each layout (`http-spread`: 100 slots;
`http-hot`: one slot) and each number of concurrent connections, wrk runs bench/wrk/booking.lua
for `--seconds`: every request books for a new citizen (fresh NIK and phone, its own client
address behind ANTREAN_PROXY_COUNT=1), with the pact version and hash read from the pact API.

Measured per run: bookings/s (201 answers per second), p50/p99/max latency, answers by status
and socket errors, and CPU seconds per wall second of wrk, gunicorn (master and workers) and
the PostgreSQL backends serving it. The rows are counted afterwards (every 201 is a ticket)
and the http offices' ledgers are verified at the end.

`--sweep` first runs 64 connections on the spread layout for each workers×threads profile and
keeps the one with the most bookings per second. Results go to <out>/http.json.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import (
    ROOT,
    django_setup,
    free_port,
    out_dir,
    process_cpu_seconds,
    tree_cpu_seconds,
    write_json,
)

LUA = ROOT / "bench" / "wrk" / "booking.lua"
LAYOUTS = {"spread": "http-spread", "hot": "http-hot"}
CITIZENS_PER_RUN = 1_000_000  # see bench/wrk/booking.lua


def server_env(database_url: str) -> dict:
    """The production profile, on the bench database."""
    env = os.environ.copy()
    for name in ("REDIS_URL", "DB_POOL"):
        env.pop(name, None)
    env.update(
        {
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "CONN_MAX_AGE": "600",
            "TASKS_BACKEND": "database",
            "WHATSAPP_GATEWAY": "console",
            # Behind a proxy: the client address is the last X-Forwarded-For hop.
            "ANTREAN_PROXY_COUNT": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    if os.environ.get("BENCH_REDIS_URL"):
        env["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    return env


class Server:
    """gunicorn gthread on 127.0.0.1:port, stopped on exit."""

    def __init__(self, *, workers: int, threads: int, port: int, env: dict):
        self.workers, self.threads, self.port = workers, threads, port
        self.base = f"http://127.0.0.1:{port}"
        command = [
            sys.executable, "-m", "gunicorn", "-c", "python:antrean.gunicorn_conf",
            "antrean.wsgi:application", "--worker-class", "gthread",
            "--workers", str(workers), "--threads", str(threads),
            "--bind", f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning",
            "--graceful-timeout", "5",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)

    def wait_ready(self, path: str, timeout: float = 30) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                if httpx.get(self.base + path, timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer in time")

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed (apt-get install -y wrk)")
    return found


def write_targets(*, base: str, group: dict, path: Path) -> Path:
    """`slot_id pact_version pact_sha256` per slot, the pact as the API gives it."""
    import httpx

    pacts = {}
    for code in group["offices"]:
        answer = httpx.get(f"{base}/api/v1/offices/{code}/pact?audience=citizen", timeout=10)
        answer.raise_for_status()
        pacts[code] = answer.json()
    lines = []
    for i in range(group["slots"]):
        pact = pacts[group["offices"][i // group["per_office"]]]
        lines.append(f"{group['slot0'] + i} {pact['version']} {pact['sha256']}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def db_backend_pids(database: str) -> list[int]:
    """PostgreSQL backends connected to the bench database, other than this process's own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        return [row[0] for row in cursor.fetchall()]


def db_cpu_seconds(pids: list[int]) -> dict[int, float]:
    # Readable only when PostgreSQL runs on this machine; 0 otherwise.
    return {pid: process_cpu_seconds(pid) for pid in pids}


def group_counts(group: dict) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM queueing_ticket WHERE slot_id >= %s AND slot_id < %s",
            [group["slot0"], group["slot0"] + group["slots"]],
        )
        (tickets,) = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM catalog_slot WHERE id >= %s AND id < %s AND booked >= capacity",
            [group["slot0"], group["slot0"] + group["slots"]],
        )
        (filled,) = cursor.fetchone()
    return {"tickets": tickets, "slots_filled": filled}


def settled_counts(group: dict, *, timeout: float = 30) -> dict:
    """Counts once the server has finished what wrk left in flight (two equal reads)."""
    deadline = time.monotonic() + timeout
    counts = group_counts(group)
    while time.monotonic() < deadline:
        time.sleep(0.3)
        again = group_counts(group)
        if again == counts:
            break
        counts = again
    return counts


def reset_slots(group: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE catalog_slot SET booked = 0 WHERE id >= %s AND id < %s",
            [group["slot0"], group["slot0"] + group["slots"]],
        )


def parse_wrk(output: str) -> dict:
    match = re.search(r"^BENCH_RESULT (\{.*\})$", output, re.M)
    if not match:
        raise RuntimeError(f"wrk printed no result:\n{output[-2000:]}")
    return json.loads(match.group(1))


def run_wrk(
    *, server: Server, targets: Path, clients: int, seconds: float, first_citizen: int
) -> dict:
    """One wrk run; returns its result with wrk's own CPU time (from its rusage)."""
    command = [
        wrk_binary(), "--threads", str(min(2, clients)), "--connections", str(clients),
        "--duration", f"{max(1, round(seconds))}s", "--timeout", "30s", "--script", str(LUA),
        server.base, "--", str(targets), str(first_citizen),
    ]  # fmt: skip
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{output[-2000:]}")
    result = parse_wrk(output)
    result["wrk_cpu_seconds"] = usage.ru_utime + usage.ru_stime
    result["wall_seconds"] = wall
    return result


def measure_run(
    *,
    server: Server,
    group: dict,
    targets: Path,
    clients: int,
    seconds: float,
    first_citizen: int,
    database: str,
) -> dict:
    reset_slots(group)
    before = group_counts(group)
    server_before = server.cpu_seconds()
    db_before = db_cpu_seconds(db_backend_pids(database))
    raw = run_wrk(
        server=server,
        targets=targets,
        clients=clients,
        seconds=seconds,
        first_citizen=first_citizen,
    )
    server_cpu = server.cpu_seconds() - server_before
    # Backends opened during the run count from zero; one closed during it is not counted.
    db_after = db_cpu_seconds(db_backend_pids(database))
    db_cpu = sum(cpu - db_before.get(pid, 0.0) for pid, cpu in db_after.items())
    after = settled_counts(group)
    duration = raw["duration_us"] / 1e6
    statuses = {int(k): v for k, v in raw["statuses"].items()}
    created = statuses.get(201, 0)
    socket_errors = {k: v for k, v in raw["errors"].items() if k != "status" and v}
    latency = {k: round(v / 1000, 2) for k, v in raw["latency_us"].items()}
    result = {
        "clients": clients,
        "seconds": round(duration, 2),
        "requests": raw["requests"],
        "bookings": created,
        "bookings_per_s": round(created / duration, 1),
        "latency_ms": latency,
        "non_201": {str(k): v for k, v in sorted(statuses.items()) if k != 201},
        "socket_errors": socket_errors,
        "rows_created": after["tickets"] - before["tickets"],
        "slots_filled": after["slots_filled"],
        "cpu_per_s": {
            "wrk": round(raw["wrk_cpu_seconds"] / raw["wall_seconds"], 3),
            "gunicorn": round(server_cpu / duration, 3),
            "postgresql": round(db_cpu / duration, 3),
        },
    }
    if created:
        result["cpu_ms_per_booking"] = {
            name: round(seconds_per_s / result["bookings_per_s"] * 1000, 2)
            for name, seconds_per_s in result["cpu_per_s"].items()
        }
    # Every 201 is a ticket. Requests still in flight when wrk stopped were answered to no one
    # but booked all the same: at most one per connection.
    result["in_flight_at_end"] = result["rows_created"] - created
    result["ok"] = (
        not result["non_201"]
        and not socket_errors
        and created > 0
        and 0 <= result["in_flight_at_end"] <= clients
        and result["slots_filled"] == 0
    )
    return result


def parse_profile(text: str) -> tuple[int, int]:
    workers, threads = text.lower().split("x")
    return int(workers), int(threads)


class Runner:
    """Runs on one server, each with its own range of citizen numbers."""

    def __init__(self, *, fixtures: dict, database_url: str, first_citizen: int, port: int):
        from django.db import connection

        self.fixtures, self.database_url, self.port = fixtures, database_url, port
        self.database = connection.settings_dict["NAME"]
        self.next_citizen = first_citizen
        self.targets_dir = out_dir() / "wrk"

    def run(self, server: Server, *, layout: str, clients: int, seconds: float) -> dict:
        group = self.fixtures["groups"][LAYOUTS[layout]]
        targets = write_targets(
            base=server.base, group=group, path=self.targets_dir / f"targets-{layout}.txt"
        )
        first = self.next_citizen
        self.next_citizen += CITIZENS_PER_RUN
        return {"layout": layout} | measure_run(
            server=server,
            group=group,
            targets=targets,
            clients=clients,
            seconds=seconds,
            first_citizen=first,
            database=self.database,
        )

    def server(self, workers: int, threads: int) -> Server:
        server = Server(
            workers=workers,
            threads=threads,
            port=self.port,
            env=server_env(self.database_url),
        )
        try:
            office = self.fixtures["groups"]["http-hot"]["offices"][0]
            server.wait_ready(f"/api/v1/offices/{office}/pact?audience=citizen")
        except BaseException:
            server.stop()
            raise
        return server

    def warm_up(self, server: Server, seconds: float) -> None:
        # Opens every thread's database connection and fills the per-process caches.
        self.run(server, layout="spread", clients=server.workers * server.threads, seconds=seconds)


def ledgers_ok(fixtures: dict) -> dict:
    from antrean.integrity.ledger import ledger_verify
    from antrean.tenancy.models import Office

    codes = [c for name in LAYOUTS.values() for c in fixtures["groups"][name]["offices"]]
    reports = [ledger_verify(office=o) for o in Office.objects.filter(code__in=codes)]
    return {
        "offices": len(reports),
        "entries": sum(r.entries for r in reports),
        "ok": all(r.ok for r in reports),
        "problems": [f"{r.office.code}: {r.problem}" for r in reports if not r.ok],
    }


def pending_certificates() -> int:
    from antrean.integrity.models import Certificate

    return Certificate.objects.filter(pdf="").count()


def measure(
    *,
    fixtures: dict,
    database_url: str,
    seconds: float,
    clients: list[int],
    layouts: list[str],
    profiles: list[tuple[int, int]],
    sweep_seconds: float,
    first_citizen: int = 0,
    port: int | None = None,
    warm_up_seconds: float = 2,
) -> dict:
    runner = Runner(
        fixtures=fixtures,
        database_url=database_url,
        first_citizen=first_citizen,
        port=port or free_port(),
    )
    sweep = []
    if len(profiles) > 1:
        for workers, threads in profiles:
            with runner.server(workers, threads) as server:
                runner.warm_up(server, warm_up_seconds)
                result = runner.run(server, layout="spread", clients=64, seconds=sweep_seconds)
            sweep.append({"profile": f"{workers}x{threads}"} | result)
            print(f"sweep {workers}x{threads}: {_line(result)}", flush=True)
        best = max(sweep, key=lambda r: r["bookings_per_s"])
        workers, threads = parse_profile(best["profile"])
        reason = (
            f"most bookings/s at 64 connections on the spread layout "
            f"({best['bookings_per_s']}/s) among {', '.join(r['profile'] for r in sweep)}"
        )
    else:
        workers, threads = profiles[0]
        reason = "given"
    runs = []
    with runner.server(workers, threads) as server:
        runner.warm_up(server, warm_up_seconds)
        for layout in layouts:
            for n in clients:
                runs.append(runner.run(server, layout=layout, clients=n, seconds=seconds))
                print(_line(runs[-1]), flush=True)
    return {
        "benchmark": "http",
        "cores": os.cpu_count(),
        "server": (
            f"gunicorn -c python:antrean.gunicorn_conf antrean.wsgi:application -k gthread "
            f"-w {workers} --threads {threads}; "
            "DEBUG off, LOG_LEVEL=WARNING, no access log, CONN_MAX_AGE=600, "
            "TASKS_BACKEND=database, WHATSAPP_GATEWAY=console, ANTREAN_PROXY_COUNT=1; "
            "worker not running"
        ),
        "profile": {"workers": workers, "threads": threads, "reason": reason},
        "sweep": sweep,
        "load_generator": "wrk (2 threads) with bench/wrk/booking.lua, on the same machine",
        "runs": runs,
        "ledgers": ledgers_ok(fixtures),
        "certificates_pending": pending_certificates(),
    }


def _line(run: dict) -> str:
    latency, cpu = run["latency_ms"], run["cpu_per_s"]
    problems = "" if run["ok"] else f" non-201 {run['non_201']} socket {run['socket_errors']}"
    return (
        f"http {run['layout']:<6} {run['clients']:>3} conns: {run['bookings_per_s']:7.1f} "
        f"bookings/s, p50 {latency['p50']:.1f} ms, p99 {latency['p99']:.1f} ms; CPU/s wrk "
        f"{cpu['wrk']:.2f} gunicorn {cpu['gunicorn']:.2f} postgres {cpu['postgresql']:.2f}"
        f"{problems}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", default="8,64,256")
    parser.add_argument("--layouts", default="spread,hot")
    parser.add_argument("--profile", default=None, help="workers x threads, e.g. 2x8")
    parser.add_argument("--sweep", default="2x4,2x8,4x4", help="profiles to try first")
    parser.add_argument("--sweep-seconds", type=float, default=5)
    parser.add_argument("--first-citizen", type=int, default=0, help="on a reused database")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--fixtures", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    django_setup()
    import logging

    from django.db import connection

    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per pact request
    if connection.vendor != "postgresql":
        raise SystemExit("the HTTP bench runs on PostgreSQL (set DATABASE_URL)")
    fixtures = json.loads((args.fixtures or out_dir() / "fixtures.json").read_text())
    profiles = [parse_profile(p) for p in (args.profile or args.sweep).split(",") if p]
    result = measure(
        fixtures=fixtures,
        database_url=os.environ["DATABASE_URL"],
        seconds=args.seconds,
        clients=[int(n) for n in args.clients.split(",") if n],
        layouts=[name for name in args.layouts.split(",") if name],
        profiles=profiles,
        sweep_seconds=args.sweep_seconds,
        first_citizen=args.first_citizen,
        port=args.port,
    )
    path = write_json(args.json or out_dir() / "http.json", result)
    print(f"profile {result['profile']}; ledgers {result['ledgers']}; written to {path}")
    if not all(run["ok"] for run in result["runs"]) or not result["ledgers"]["ok"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
