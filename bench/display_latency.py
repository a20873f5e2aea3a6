"""Call-to-display latency: how long after an officer's call the hall's TV boards have it.

Usage: .venv/bin/python bench/display_latency.py [--clients 1,200] [--calls 30]
                                                [--json var/bench/display.json]

Starts the real server (uvicorn with antrean.asgi:application and the project's uvicorn
configuration, antrean.core.serving: HTTP and WebSockets in one process, in-memory channel
layer, as `manage.py serve` runs it) on a free port, against a
fresh SQLite database in a temporary folder. Then, for each number of boards, it connects
that many WebSocket clients to /ws/display/<office>/ and calls tickets through the staff API
(POST /api/v1/counters/{id}/call-next), one at a time, each on its own counter, and times
every board's message:

- `after_response`: from the moment the API's answer arrived to the moment a board got the
  call. The broadcast leaves when the call's transaction commits, before the answer is sent,
  so this can be 0 or negative: the board knew before the officer's screen did.
- `from_request`: from the moment the officer's request was sent; what a person at the
  counter would measure with a stopwatch.

The clients run in this process, one asyncio loop; their own reading time is included.
Bounded: everything stops after --deadline seconds (55 by default).
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "antrean.settings")
VAR_DIR = tempfile.mkdtemp(prefix="antrean-bench-display-")
os.environ["ANTREAN_VAR_DIR"] = VAR_DIR
# One process, one SQLite file, the in-memory channel layer: the embedded default.
for name in ("DATABASE_URL", "REDIS_URL"):
    os.environ.pop(name, None)

import logging  # noqa: E402

import django  # noqa: E402

django.setup()
logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request

import httpx  # noqa: E402
from django.core.management import call_command  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

OFFICE = "mpp-bench"
USERNAME = "bench-admin"
PASSWORD = "x-bench-pass-1"  # noqa: S105 (a throwaway account in a temporary database)


def seed(*, tickets: int, counters: int) -> list[int]:
    """An office with `counters` counters of one service and `tickets` walk-ins waiting;
    an office admin (who may work every counter) who signed today's pact. Returns the
    counters' ids."""
    from django.contrib.auth import get_user_model

    from antrean.tenancy.models import Membership
    from antrean.testing.factories import (
        local_time,
        make_agency,
        make_counter,
        make_office,
        make_service,
        make_walk_in,
        sign_officer_pact,
    )

    call_command("migrate", interactive=False, verbosity=0)
    office = make_office(code=OFFICE, name="MPP Uji Beban")
    agency = make_agency(office, short_name="Disdukcapil")
    service = make_service(agency=agency, prefix="A", walkin_daily_quota=tickets + 10)
    ids = [
        make_counter(agency=agency, services=[service], number=n + 1).pk for n in range(counters)
    ]
    user = get_user_model().objects.create_user(USERNAME, password=PASSWORD, is_staff=True)
    Membership.objects.create(user=user, role=Membership.Role.OFFICE_ADMIN, office=office)
    sign_officer_pact(user, office)
    ten = local_time(office, office.local_today(), 10)  # open, whatever the clock says
    for _ in range(tickets):
        make_walk_in(service, now=ten)
    return ids


def free_port() -> int:
    if os.environ.get("BENCH_PORT"):  # a port range agreed on a shared machine
        return int(os.environ["BENCH_PORT"])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "antrean.core.serving",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=os.environ.copy())


def wait_ready(base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/display/{OFFICE}/state.json", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not start in time")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> dict:
    return {
        "p50": round(statistics.median(values), 2),
        "p99": round(percentile(values, 0.99), 2),
        "max": round(max(values), 2),
    }


class Board:
    """One connected display: the time each called number reached it."""

    def __init__(self, socket):
        self.socket = socket
        self.seen: dict[str, float] = {}
        self.task = asyncio.create_task(self.read())

    async def read(self):
        async for raw in self.socket:
            at = time.perf_counter()
            message = json.loads(raw)
            if message.get("type") == "event" and message["event"]["move"] == "call":
                self.seen[message["event"]["number"]] = at


async def scenario(*, base, headers, boards: int, counters: list[int], calls: int) -> dict:
    origin = base
    url = base.replace("http://", "ws://") + f"/ws/display/{OFFICE}/"

    async def open_board():
        sock = await connect(url, origin=origin, open_timeout=10, max_size=2**20)
        await sock.recv()  # the snapshot
        return Board(sock)

    opened = await asyncio.gather(*(open_board() for _ in range(boards)))
    after_response, from_request, missed = [], [], 0
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as http:
        # The first call of a run warms up (connections, first queries) and is not counted.
        for i, counter in enumerate(counters[: calls + 1]):
            sent = time.perf_counter()
            response = await http.post(f"/api/v1/counters/{counter}/call-next")
            answered = time.perf_counter()
            response.raise_for_status()
            number = response.json()["ticket"]["number"]
            wait_until = answered + 5
            while time.perf_counter() < wait_until and not all(number in b.seen for b in opened):
                await asyncio.sleep(0.005)
            if i == 0:
                continue
            for board in opened:
                at = board.seen.get(number)
                if at is None:
                    missed += 1
                    continue
                after_response.append((at - answered) * 1000)
                from_request.append((at - sent) * 1000)
            await asyncio.sleep(0.05)
    for board in opened:
        board.task.cancel()
        await board.socket.close()
    return {
        "boards": boards,
        "calls": calls,
        "messages": len(after_response),
        "missed": missed,
        "after_response_ms": summary(after_response),
        "from_request_ms": summary(from_request),
    }


async def measure(*, base, sizes, calls, counters) -> list[dict]:
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        response = await http.post(
            "/api/v1/auth/token", json={"username": USERNAME, "password": PASSWORD}
        )
        response.raise_for_status()
        headers = {"Authorization": f"Bearer {response.json()['token']}"}
    results = []
    for i, boards in enumerate(sizes):
        mine = counters[i * (calls + 1) : (i + 1) * (calls + 1)]
        results.append(
            await scenario(base=base, headers=headers, boards=boards, counters=mine, calls=calls)
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,200", help="boards per run, e.g. 1,200")
    parser.add_argument("--calls", type=int, default=30, help="calls per run")
    parser.add_argument("--deadline", type=float, default=55.0, help="seconds, in all")
    parser.add_argument("--json", default=str(ROOT / "var" / "bench" / "display.json"))
    args = parser.parse_args()
    sizes = [int(n) for n in args.clients.split(",") if n.strip()]
    started = time.monotonic()
    per_run = args.calls + 1  # and one to warm up
    counters = seed(tickets=per_run * len(sizes), counters=per_run * len(sizes))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port)
    try:
        wait_ready(base, started + 20)
        remaining = args.deadline - (time.monotonic() - started)
        results = asyncio.run(
            asyncio.wait_for(
                measure(base=base, sizes=sizes, calls=args.calls, counters=counters),
                timeout=max(remaining, 1),
            )
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    for run in results:
        a, r = run["after_response_ms"], run["from_request_ms"]
        print(
            f"display latency, {run['boards']} board(s), {run['calls']} calls: "
            f"after the API answer p50 {a['p50']:.1f} ms, p99 {a['p99']:.1f} ms; "
            f"from the request p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms; "
            f"missed {run['missed']}"
        )
    report = {
        "benchmark": "display_latency",
        "server": "uvicorn antrean.asgi:application, in-memory channel layer, SQLite",
        "cpus": os.cpu_count(),
        "seconds": round(time.monotonic() - started, 1),
        "runs": results,
    }
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
