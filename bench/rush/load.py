"""The clients: asyncio and httpx in this one process.

A rush client opens its own connection before the quota opens (it reads the pact, as a real
client must, to get its version and sha256), then waits on an event; the event releases all
of them at once and each sends its booking. Each client presents its own address in
X-Forwarded-For (the server runs with ANTREAN_PROXY_COUNT=1, as behind one proxy), so the
per-address rate limit sees a thousand people, not one.

In a crash rush a client whose connection fails retries with the same identity until it
gets an answer or the deadline passes. A failure before the connection was made ("refused")
cannot have booked anything; one after the request may have left ("cut") may have.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from bench.rush.identities import Identity

BOOKINGS = "/api/v1/bookings"
logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request


@dataclass
class Outcome:
    identity: Identity
    slot_id: int
    group: str = ""  # who the client is in a simulation (citizen, scalper …)
    kind: str = ""  # scalpers: which kind of NIK it used
    status: int | None = None  # HTTP status of the final answer; None: no answer
    error: str = ""  # the `error` code of the final answer ("" for 201)
    code: str = ""  # booking code when 201; the hold's code when 202 (proof of number)
    token: str = ""  # the hold's token when 202
    number: str = ""
    answers: list[str] = field(default_factory=list)  # every attempt: status/error or failure
    cut: int = 0
    refused: int = 0
    server_errors: int = 0
    seconds: float = 0.0  # from the release to the final answer

    @property
    def result(self) -> str:
        """`created`, the error code, or `no_answer`."""
        if self.status == 201:
            return "created"
        if self.status == 202:
            return "held"
        if self.status is None:
            return "no_answer"
        return self.error or f"http_{self.status}"


def _client(base_url: str, context: ssl.SSLContext, *, connections: int = 1) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        verify=context,  # one context for all: building one per client costs ~50 ms each
        trust_env=False,
        timeout=httpx.Timeout(180.0, connect=15.0),
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )


def payload(identity: Identity, *, slot_id: int, pact: dict, consent: bool) -> dict:
    return {
        "slot_id": slot_id,
        "name": identity.name,
        "nik": identity.nik,
        "whatsapp": identity.whatsapp,
        "pact_version": pact["version"],
        "pact_sha256": pact["sha256"],
        "pact_agreed": True,
        "whatsapp_consent": consent,
    }


def _record_answer(outcome: Outcome, answer: httpx.Response) -> bool:
    """Note an HTTP answer; True when it is final (not a server error to retry)."""
    try:
        body = answer.json()
    except ValueError:
        body = {}
    outcome.status = answer.status_code
    if answer.status_code == 201:
        outcome.error = ""
        outcome.code, outcome.number = body.get("code", ""), body.get("number", "")
        outcome.answers.append("201")
        return True
    if answer.status_code == 202:  # a hold: the office asks for proof of the number
        outcome.error = ""
        outcome.code, outcome.token = body.get("hold_code", ""), body.get("token", "")
        outcome.answers.append("202")
        return True
    outcome.error = str(body.get("error", ""))
    outcome.answers.append(f"{answer.status_code}:{outcome.error}")
    if answer.status_code >= 500:
        outcome.server_errors += 1
        return False
    return True


async def book(
    client: httpx.AsyncClient,
    outcome: Outcome,
    body: dict,
    *,
    retry_until: float | None,
    released: float,
) -> None:
    """Send one booking; with `retry_until`, retry after failures until an answer."""
    headers = {"X-Forwarded-For": outcome.identity.address}
    while True:
        try:
            answer = await client.post(BOOKINGS, json=body, headers=headers)
            if _record_answer(outcome, answer):
                break
        except (httpx.ConnectError, httpx.ConnectTimeout):
            outcome.refused += 1
            outcome.answers.append("refused")
        except httpx.TransportError as exc:
            outcome.cut += 1
            outcome.answers.append(f"cut:{type(exc).__name__}")
            outcome.status, outcome.error = None, ""
        if retry_until is None or time.monotonic() > retry_until:
            break
        await asyncio.sleep(random.uniform(0.1, 0.5))
    outcome.seconds = time.monotonic() - released


@dataclass
class RushTiming:
    connect_seconds: float  # opening every connection and reading the pact
    released_at: float  # time.monotonic() of the release
    wall_seconds: float  # release → last answer
    client_cpu_seconds: float  # this process, during the rush


async def _rush(
    base_url: str,
    office_code: str,
    jobs: list[tuple[Identity, int]],
    *,
    consent: bool,
    retry_seconds: float | None,
    on_release: Callable[[float], None] | None,
    after_hold: Callable[[httpx.AsyncClient, Outcome], Awaitable[None]] | None = None,
    held_retry_seconds: float = 0.0,
) -> tuple[list[Outcome], RushTiming]:
    context = ssl.create_default_context()
    clients = [_client(base_url, context) for _ in jobs]
    outcomes = [Outcome(identity=identity, slot_id=slot_id) for identity, slot_id in jobs]
    release = asyncio.Event()
    ready = 0
    all_ready = asyncio.Event()
    opening = asyncio.Semaphore(100)  # connect in waves: a SYN flood is not what is measured
    released_at = 0.0

    async def one(index: int) -> None:
        nonlocal ready
        client, outcome = clients[index], outcomes[index]
        async with opening:
            answer = await client.get(
                f"/api/v1/offices/{office_code}/pact",
                params={"audience": "citizen"},
                headers={"X-Forwarded-For": outcome.identity.address},
            )
            answer.raise_for_status()
            pact = answer.json()
        ready += 1
        if ready == len(clients):
            all_ready.set()
        await release.wait()
        body = payload(outcome.identity, slot_id=outcome.slot_id, pact=pact, consent=consent)
        while True:
            await book(
                client,
                outcome,
                body,
                retry_until=None if retry_seconds is None else released_at + retry_seconds,
                released=released_at,
            )
            if outcome.status == 202 and after_hold is not None:
                await after_hold(client, outcome)  # the holder proves the number at once
            # The free places are all held for unproven numbers: try again shortly, as the
            # page tells the citizen to.
            if outcome.error != "slot_held" or (
                time.monotonic() > released_at + held_retry_seconds
            ):
                break
            await asyncio.sleep(random.uniform(0.2, 0.5))

    started = time.monotonic()
    tasks = [asyncio.create_task(one(i)) for i in range(len(jobs))]
    try:
        waiting = asyncio.create_task(all_ready.wait())
        done, _ = await asyncio.wait(
            [waiting, *tasks], return_when=asyncio.FIRST_COMPLETED, timeout=300
        )
        if waiting not in done:
            for task in done:
                task.result()  # a client failed while connecting: raise it
            raise RuntimeError("the clients did not all connect within 300 s")
        connect_seconds = time.monotonic() - started
        cpu_before = time.process_time()
        released_at = time.monotonic()
        if on_release is not None:
            on_release(released_at)
        release.set()
        await asyncio.gather(*tasks)
        wall = max(o.seconds for o in outcomes) if outcomes else 0.0
        cpu = time.process_time() - cpu_before
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*(c.aclose() for c in clients), return_exceptions=True)
    return outcomes, RushTiming(connect_seconds, released_at, wall, cpu)


def rush(
    base_url: str,
    office_code: str,
    jobs: list[tuple[Identity, int]],
    *,
    consent: bool = True,
    retry_seconds: float | None = None,
    on_release: Callable[[float], None] | None = None,
    after_hold: Callable[[httpx.AsyncClient, Outcome], Awaitable[None]] | None = None,
    held_retry_seconds: float = 0.0,
) -> tuple[list[Outcome], RushTiming]:
    """Every (identity, slot id) job books once, all released together. With
    `retry_seconds`, a failed attempt is retried (same identity) until an answer or that many
    seconds after the release. `on_release(monotonic time)` is called at the release.
    `after_hold` runs after a 202 (a held place); `slot_held` is retried for
    `held_retry_seconds` after the release."""
    return asyncio.run(
        _rush(
            base_url,
            office_code,
            jobs,
            consent=consent,
            retry_seconds=retry_seconds,
            on_release=on_release,
            after_hold=after_hold,
            held_retry_seconds=held_retry_seconds,
        )
    )


@dataclass
class Attempt:
    """One booking a simulated actor wants to make (scalper simulation)."""

    identity: Identity
    group: str
    kind: str
    slots: list[int]  # tried in order: a person takes another time when one is full
    consent: bool


async def _stream(
    base_url: str,
    office_code: str,
    attempts: list[Attempt],
    *,
    concurrency: int,
    after_hold: Callable[[httpx.AsyncClient, Outcome], Awaitable[None]] | None = None,
) -> tuple[list[Outcome], float]:
    context = ssl.create_default_context()
    async with _client(base_url, context, connections=concurrency) as client:
        answer = await client.get(
            f"/api/v1/offices/{office_code}/pact", params={"audience": "citizen"}
        )
        answer.raise_for_status()
        pact = answer.json()
        queue: asyncio.Queue[int] = asyncio.Queue()
        for index in range(len(attempts)):
            queue.put_nowait(index)
        outcomes: list[Outcome | None] = [None] * len(attempts)
        started = time.monotonic()

        async def runner() -> None:
            while True:
                try:
                    index = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                attempt = attempts[index]
                for slot_id in attempt.slots:
                    outcome = Outcome(
                        identity=attempt.identity,
                        slot_id=slot_id,
                        group=attempt.group,
                        kind=attempt.kind,
                    )
                    body = payload(
                        attempt.identity, slot_id=slot_id, pact=pact, consent=attempt.consent
                    )
                    await book(client, outcome, body, retry_until=None, released=time.monotonic())
                    if outcome.status == 202 and after_hold is not None:
                        await after_hold(client, outcome)  # the holder proves the number
                    # Full, or its free places all held: a person takes another time.
                    if outcome.error not in ("slot_full", "slot_held"):
                        break
                outcomes[index] = outcome

        await asyncio.gather(*(runner() for _ in range(concurrency)))
        return outcomes, time.monotonic() - started


def stream(
    base_url: str,
    office_code: str,
    attempts: list[Attempt],
    *,
    concurrency: int = 50,
    after_hold: Callable[[httpx.AsyncClient, Outcome], Awaitable[None]] | None = None,
) -> tuple[list[Outcome], float]:
    """Make the attempts in their order, `concurrency` at a time; each attempt's final
    outcome (after trying its other slots on slot_full or slot_held) and the wall time.
    `after_hold` runs after each 202 (a place held until the number is proven)."""
    return asyncio.run(
        _stream(base_url, office_code, attempts, concurrency=concurrency, after_hold=after_hold)
    )


# --- Draw entries (the draw simulation) ---------------------------------------------------


@dataclass
class EntryAttempt:
    """One draw entry a simulated actor wants to make."""

    identity: Identity
    group: str
    kind: str
    service_id: int
    date: str  # YYYY-MM-DD


@dataclass
class EntryOutcome:
    attempt: EntryAttempt
    arrival: int  # the order in which the answers came back
    status: int | None = None
    error: str = ""
    code: str = ""
    entry_hash: str = ""
    draw_id: int | None = None

    @property
    def result(self) -> str:
        if self.status == 202:
            return "entered"
        if self.status is None:
            return "no_answer"
        return self.error or f"http_{self.status}"


async def _enter_stream(
    base_url: str, office_code: str, attempts: list[EntryAttempt], *, concurrency: int
) -> list[EntryOutcome]:
    context = ssl.create_default_context()
    async with _client(base_url, context, connections=concurrency) as client:
        answer = await client.get(
            f"/api/v1/offices/{office_code}/pact", params={"audience": "citizen"}
        )
        answer.raise_for_status()
        pact = answer.json()
        queue: asyncio.Queue[int] = asyncio.Queue()
        for index in range(len(attempts)):
            queue.put_nowait(index)
        outcomes: list[EntryOutcome | None] = [None] * len(attempts)
        arrived = 0

        async def runner() -> None:
            nonlocal arrived
            while True:
                try:
                    index = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                attempt = attempts[index]
                body = {
                    "service_id": attempt.service_id,
                    "date": attempt.date,
                    "name": attempt.identity.name,
                    "nik": attempt.identity.nik,
                    "whatsapp": attempt.identity.whatsapp,
                    "pact_version": pact["version"],
                    "pact_sha256": pact["sha256"],
                    "pact_agreed": True,
                    "whatsapp_consent": False,
                }
                outcome = EntryOutcome(attempt=attempt, arrival=-1)
                try:
                    answer = await client.post(
                        "/api/v1/draw-entries",
                        json=body,
                        headers={"X-Forwarded-For": attempt.identity.address},
                    )
                    data = answer.json()
                    outcome.status = answer.status_code
                    outcome.error = str(data.get("error", ""))
                    outcome.code = data.get("entry_code", "")
                    outcome.entry_hash = data.get("entry_hash", "")
                    outcome.draw_id = data.get("draw_id")
                except (httpx.TransportError, ValueError):
                    pass
                outcome.arrival = arrived
                arrived += 1
                outcomes[index] = outcome

        await asyncio.gather(*(runner() for _ in range(concurrency)))
        return outcomes


def enter_stream(
    base_url: str, office_code: str, attempts: list[EntryAttempt], *, concurrency: int = 50
) -> list[EntryOutcome]:
    """Make the draw entries in their order, `concurrency` at a time."""
    return asyncio.run(_enter_stream(base_url, office_code, attempts, concurrency=concurrency))
