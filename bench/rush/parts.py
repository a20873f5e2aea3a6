"""The three simulations: the quota rush, the crash rush and the scalpers.

Each part makes its own office (no daily cutoff, open every day, its signing key made up
front as an office admin would), books through the real HTTP API of the running stack, lets
the worker drain, and then checks the rows. Every part returns its figures and its checks;
`__main__` prints and writes them.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import secrets
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from antrean.integrity.models import Certificate
from antrean.integrity.signing import signing_key_active
from antrean.notifications.models import Kind, Message, MessageEvent
from antrean.notifications.models import Status as MessageStatus
from antrean.queueing.models import Ticket
from antrean.queueing.states import ACTIVE
from antrean.testing.factories import make_office, make_service, make_slot
from bench.rush import checks as C
from bench.rush import load
from bench.rush.identities import (
    Identity,
    address_block,
    address_for,
    citizen,
    malformed_nik,
    name_for,
    nik_for,
    phone_for,
)
from bench.rush.stack import Event, Stack

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def prefix_for(index: int) -> str:
    """A, B, … Z, AA, AB, …: the service's number prefix (1–2 capitals, unique per office)."""
    if index < 26:
        return LETTERS[index]
    index -= 26
    return LETTERS[index // 26 % 26] + LETTERS[index % 26]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass
class Run:
    """What the parts of one run share: the stack, the random generator, fresh identities."""

    stack: Stack
    seed: int = 7
    out: Callable[[str], None] = print
    drain_timeout: float = 180.0

    def __post_init__(self):
        self.rng = random.Random(self.seed)
        self.block = address_block(random.Random(secrets.randbits(64)))
        self.next_index = 0
        # An open day a few days ahead: no same-day cutoff, no reminder due (the factories'
        # offices are open every day, in WITA).
        self.base_date = dt.datetime.now(ZoneInfo("Asia/Makassar")).date() + dt.timedelta(days=3)

    def take(self, count: int) -> range:
        """Indexes of `count` identities no other part of this run uses."""
        taken = range(self.next_index, self.next_index + count)
        self.next_index += count
        return taken

    def citizens(self, count: int) -> list[Identity]:
        return [citizen(i, block=self.block, rng=self.rng) for i in self.take(count)]

    def office(self, label: str, **fields):
        office = make_office(
            code=f"{label}-{secrets.token_hex(3)}", name=f"MPP uji {label}", **fields
        )
        signing_key_active(office=office)  # made now, not by whichever worker renders first
        return office

    def date(self, offset: int) -> dt.date:
        return self.base_date + dt.timedelta(days=offset)

    def say(self, text: str = "") -> None:
        self.out(text)


def rules_in_force() -> dict[str, str]:
    """The booking limits the server runs with (same environment as this process)."""
    from django.conf import settings

    names = {
        "bookings per phone per day": "ANTREAN_MAX_BOOKINGS_PER_PHONE_PER_DAY",
        "bookings per NIK per day": "ANTREAN_MAX_BOOKINGS_PER_NIK_PER_DAY",
        "booking attempts per address": "ANTREAN_BOOKINGS_PER_ADDRESS",
        "per-address window (s)": "ANTREAN_BOOKINGS_PER_ADDRESS_WINDOW",
        "proxies trusted": "ANTREAN_PROXY_COUNT",
    }
    return {label: str(getattr(settings, n)) for label, n in names.items() if hasattr(settings, n)}


def _tickets(slots):
    return Ticket.objects.filter(slot__in=[s.pk for s in slots])


def wait_drained(run: Run, tickets, *, limit: float) -> tuple[bool, float]:
    """Wait until every certificate of `tickets` is rendered and none of their messages is
    still pending or being sent. Returns (settled, seconds)."""
    started = time.monotonic()
    while True:
        pending_certificates = Certificate.objects.filter(
            signature__ticket__in=tickets.values("pk"), rendered_at=None
        ).exists()
        unsent = Message.objects.filter(
            ticket__in=tickets.values("pk"),
            status__in=[MessageStatus.PENDING, MessageStatus.SENDING],
        ).exists()
        waited = time.monotonic() - started
        if not pending_certificates and not unsent:
            return True, waited
        if waited > limit:
            return False, waited
        time.sleep(0.25)


def ledger_check(checks: C.Checks, office) -> None:
    """`manage.py verify_ledger --office …`, run in this process (same database, no second
    interpreter to start): exit status 0 when the chain is intact."""
    out = io.StringIO()
    try:
        call_command("verify_ledger", office=office.code, stdout=out)
        status = 0
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    lines = out.getvalue().strip().splitlines()
    checks.add(
        "manage.py verify_ledger exits 0",
        status == 0,
        f"exit {status}: {lines[-1] if lines else ''}",
    )


def _messages(tickets):
    return Message.objects.filter(ticket__in=tickets.values("pk"), kind=Kind.BOOKING_CONFIRMED)


# --- 1. the rush ---------------------------------------------------------------------------


@dataclass
class RoundReport:
    round: int
    clients: int
    capacity: int
    outcomes: Counter
    numbers: list[str]
    connect_seconds: float
    rush_seconds: float
    p50: float
    p99: float
    client_cpu_seconds: float
    drained: bool
    drain_seconds: float
    checks: C.Checks

    def as_dict(self) -> dict:
        return {
            "round": self.round,
            "clients": self.clients,
            "capacity": self.capacity,
            "outcomes": dict(self.outcomes),
            "numbers": [self.numbers[0], self.numbers[-1]] if self.numbers else [],
            "connect_seconds": round(self.connect_seconds, 3),
            "rush_seconds": round(self.rush_seconds, 3),
            "p50_seconds": round(self.p50, 3),
            "p99_seconds": round(self.p99, 3),
            "client_cpu_seconds": round(self.client_cpu_seconds, 3),
            "drained": self.drained,
            "drain_seconds": round(self.drain_seconds, 2),
            "ok": self.checks.ok,
            "checks": [c.as_dict() for c in self.checks],
        }


def rush_round(
    run: Run, *, office, date, index: int, clients: int, capacity: int, proof: bool = False
) -> RoundReport:
    """`proof`: the office asks for proof of the WhatsApp number, so every booking is first a
    hold (202) that its citizen proves at once (a signed webhook message), and a citizen told
    `slot_held` tries again shortly: still exactly C places, never more held than their
    share."""
    service = make_service(office, prefix=prefix_for(index), name=f"Layanan rebutan {index + 1}")
    slot = make_slot(service, date=date, start=dt.time(9), end=dt.time(10), capacity=capacity)
    jobs = [(identity, slot.pk) for identity in run.citizens(clients)]
    extra = {}
    if proof:
        prove, *_ = _prover(run, ScalperPlan(provable_share=0), [], everyone=True)
        extra = {"after_hold": prove, "held_retry_seconds": 60.0}
    outcomes, timing = load.rush(run.stack.base_url, office.code, jobs, consent=True, **extra)
    if proof:
        from antrean.booking.holds import holds_expire_due
        from antrean.booking.models import BookingHold, HoldStatus

        confirmed = set(
            BookingHold.objects.filter(slot=slot, status=HoldStatus.CONFIRMED).values_list(
                "code", flat=True
            )
        )
        left = BookingHold.objects.filter(slot=slot, status=HoldStatus.HELD).count()
        holds_expire_due(now=timezone.now() + dt.timedelta(days=1))
        for o in outcomes:  # a proven hold is a booking: counted as one below
            if o.status == 202 and o.code in confirmed:
                o.status, o.error = 201, ""
                o.code = Ticket.objects.get(hold__code=o.code).code

    tickets = _tickets([slot])
    drained, drain_seconds = wait_drained(run, tickets, limit=run.drain_timeout)
    record = run.stack.provider.record()
    run.stack.provider.deliver(run.stack.webhook_url)

    checks = C.Checks()
    results = Counter(o.result for o in outcomes)
    slot.refresh_from_db()
    created = results["created"]
    checks.add(
        f"exactly C={capacity} bookings",
        created == capacity and tickets.count() == capacity and slot.booked == capacity,
        f"{created} answered 201, {tickets.count()} tickets, slot.booked {slot.booked}",
    )
    full_409 = sum(1 for o in outcomes if o.error == "slot_full" and o.status == 409)
    others = {k: v for k, v in results.items() if k not in ("created", "slot_full")}
    checks.add(
        "the rest were refused slot_full (409)",
        full_409 == clients - capacity and not others,
        f"{full_409} slot_full/409" + (f", other answers {others}" if others else ""),
    )
    if proof:
        checks.add(
            "no hold was left waiting (every citizen proved at once)",
            left == 0,
            f"{left} waiting when the rush ended",
        )
        checks.add(
            "nothing held once the holds ended (slot.held back to 0)",
            slot.held == 0,
            f"slot.held {slot.held}",
        )
    C.acknowledged_exist(checks, outcomes, tickets)
    C.rows_whole(checks, tickets, office=office)
    C.counters_agree(checks, slots=[slot], date=date)
    C.messages_queued(checks, tickets)
    checks.add(
        "worker drained (certificates rendered, messages sent)",
        drained,
        f"in {drain_seconds:.1f} s",
    )
    C.certificates_signed(checks, tickets)
    ledger_check(checks, office)
    messages = _messages(tickets)
    C.provider_received(checks, record, messages, exactly_once=True)
    statuses = C.message_statuses(messages)
    checks.add(
        "every message delivered (provider's status webhook applied)",
        statuses.get(MessageStatus.DELIVERED, 0) == capacity,
        ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())) or "no messages",
    )

    numbers = sorted(tickets.values_list("number", flat=True))
    latencies = [o.seconds for o in outcomes]
    return RoundReport(
        round=index + 1,
        clients=clients,
        capacity=capacity,
        outcomes=results,
        numbers=numbers,
        connect_seconds=timing.connect_seconds,
        rush_seconds=timing.wall_seconds,
        p50=percentile(latencies, 0.5),
        p99=percentile(latencies, 0.99),
        client_cpu_seconds=timing.client_cpu_seconds,
        drained=drained,
        drain_seconds=drain_seconds,
        checks=checks,
    )


def run_rush(run: Run, *, clients: int, capacity: int, rounds: int, proof_rounds: int = 0) -> dict:
    """`rounds` rounds of first-come bookings, then `proof_rounds` with proof of the number
    on (each booking a hold, proven at once)."""
    run.say(
        f"== Rush: {clients} clients at once on one slot of capacity {capacity}, "
        f"{rounds} round(s)"
        + (f", then {proof_rounds} with proof of the WhatsApp number" if proof_rounds else "")
        + " =="
    )
    office = run.office("rush")
    proof_office = run.office("rush-proof", number_proof_api="on") if proof_rounds else None
    date = run.date(0)
    reports = []
    rounds += proof_rounds
    for index in range(rounds):
        proof = index >= rounds - proof_rounds
        report = rush_round(
            run,
            office=proof_office if proof else office,
            date=date,
            index=index,
            clients=clients,
            capacity=capacity,
            proof=proof,
        )
        reports.append(report)
        span = f"{report.numbers[0]}..{report.numbers[-1]}" if report.numbers else "none"
        other = sum(v for k, v in report.outcomes.items() if k not in ("created", "slot_full"))
        run.say(
            f"round {report.round:>2}/{rounds}{' (proof of number)' if proof else ''}: "
            f"{report.outcomes['created']} booked ({span}), "
            f"{report.outcomes['slot_full']} slot_full, {other} other; rush "
            f"{report.rush_seconds:.2f} s (p50 {report.p50:.2f} s, p99 {report.p99:.2f} s), "
            f"connect {report.connect_seconds:.1f} s, drained in {report.drain_seconds:.1f} s "
            f"-- {'PASS' if report.checks.ok else 'FAIL'}"
        )
        for check in report.checks.failed():
            run.say(check.line())
    passed = sum(r.checks.ok for r in reports)
    rush_times = [r.rush_seconds for r in reports]
    summary = {
        "rounds": rounds,
        "rounds_passed": passed,
        "clients": clients,
        "capacity": capacity,
        "bookings": sum(r.outcomes["created"] for r in reports),
        "slot_full": sum(r.outcomes["slot_full"] for r in reports),
        "rush_seconds_median": round(statistics.median(rush_times), 3) if rush_times else 0,
        "rush_seconds_max": round(max(rush_times), 3) if rush_times else 0,
        "p99_seconds_max": round(max((r.p99 for r in reports), default=0), 3),
    }
    run.say(
        f"summary: {passed}/{rounds} rounds PASS; {summary['bookings']} bookings "
        f"(= {rounds} x {capacity}), {summary['slot_full']} slot_full; rush median "
        f"{summary['rush_seconds_median']:.2f} s, max {summary['rush_seconds_max']:.2f} s; "
        f"worst p99 {summary['p99_seconds_max']:.2f} s"
    )
    checks = C.Checks()
    for r in reports:
        for check in r.checks:
            checks.append(C.Check(f"round {r.round}: {check.name}", check.ok, check.detail))
    return {
        "summary": summary,
        "rounds": [r.as_dict() for r in reports],
        "ok": checks.ok,
        "_checks": checks,
    }


# --- 2. the crash rush -----------------------------------------------------------------------


@dataclass
class KillPlan:
    kills: int = 6  # while clients are booking, at random moments
    targets: tuple[str, ...] = ("gunicorn", "worker")  # what those kills may hit
    drain_kills: int = 2  # the worker again, each time while a message is on its way
    gap: tuple[float, float] = (0.3, 1.5)  # seconds between kills
    downtime: tuple[float, float] = (0.1, 1.0)  # seconds a killed process stays down
    provider_delay: float = 0.3  # the provider answers this long after accepting (the
    # window an aimed kill lands in), until the aimed kills are done
    retry_seconds: float = 120.0  # how long a client keeps retrying
    # Tests only: make a dead worker's heartbeat 15 s old before its successor starts, the
    # state the clock would reach, so recovery at start releases its claims at once
    # (otherwise the next periodic recovery, up to 30 s later, does).
    age_heartbeats: bool = False
    # Tests only: aim at a send only once every certificate is rendered, so the kill cannot
    # lose a rendering task too (the 30 s sweep would then be what settles it).
    aim_after_rendering: bool = False


class Crasher:
    """Two threads of SIGKILLs while the clients book: one at random moments (gunicorn's
    process group or the worker), one aimed at the worker while a message is on its way to
    the provider. A lock per target keeps a kill, its downtime and its restart together, so
    the two never start a second worker or server."""

    def __init__(self, run: Run, plan: KillPlan, messages, rng: random.Random):
        self.run, self.plan, self.messages, self.rng = run, plan, messages, rng
        self.locks = {"gunicorn": threading.Lock(), "worker": threading.Lock()}
        self.released, self.done = threading.Event(), threading.Event()
        self.mid_send = 0
        self.threads = [
            threading.Thread(target=self._guarded, args=(self._at_random,), daemon=True),
            threading.Thread(target=self._guarded, args=(self._mid_sends,), daemon=True),
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        """Stop killing; whatever is down comes back up."""
        self.done.set()
        self.released.set()
        for thread in self.threads:
            thread.join()
        stack = self.run.stack
        if stack.server.poll() is not None:
            stack.start_server()
        if stack.worker.poll() is not None:
            self._restart_worker()

    def _guarded(self, work) -> None:
        try:
            self.released.wait()
            work()
        finally:
            connection.close()  # this thread's own database connection

    def _kill(self, target: str) -> None:
        stack, rng = self.run.stack, self.rng
        with self.locks[target]:
            if not stack.kill(target):
                return
            time.sleep(rng.uniform(*self.plan.downtime))
            if target == "gunicorn":
                took = stack.start_server()
                stack.events.append(
                    Event(time.monotonic(), f"gunicorn answering after {took:.1f} s")
                )
            else:
                self._restart_worker()

    def _restart_worker(self) -> None:
        if self.plan.age_heartbeats:
            from antrean.notifications.models import OutboxWorker
            from antrean.notifications.services import WORKER_GONE_AFTER

            # Only dead workers have rows now: a stopped one deletes its own.
            OutboxWorker.objects.update(
                last_seen=timezone.now() - WORKER_GONE_AFTER - dt.timedelta(seconds=1)
            )
        self.run.stack.start_worker()

    def _at_random(self) -> None:
        """`plan.kills` kills, the first early (places are still being taken), each target
        at least once, until the clients are done."""
        plan, rng = self.plan, self.rng
        targets = list(plan.targets[: plan.kills])
        targets += [rng.choice(plan.targets) for _ in range(plan.kills - len(targets))]
        rng.shuffle(targets)
        for number, target in enumerate(targets):
            gap = rng.uniform(0.05, 0.4) if number == 0 else rng.uniform(*plan.gap)
            if self.done.wait(gap):
                return
            self._kill(target)

    def _mid_sends(self) -> None:
        for _ in range(self.plan.drain_kills):
            if not self._kill_mid_send():
                break
            self.mid_send += 1
        self.run.stack.provider.set_delay(0.0)  # the window was for the aimed kills only

    def _kill_mid_send(self) -> bool:
        """Kill the worker while one of our messages is on its way: the provider has just
        accepted it and the worker waits for the answer. Seen from the provider's side, so
        it does not rely on the outbox's own marks. False if none goes out within a minute."""
        if self.plan.aim_after_rendering:
            unrendered = Certificate.objects.filter(
                signature__ticket__in=self.messages.values("ticket_id"), rendered_at=None
            )
            deadline = time.monotonic() + 60
            while (unrendered.exists() or not self.done.is_set()) and (time.monotonic() < deadline):
                time.sleep(0.05)
        callback = self.run.stack.provider.wait_accepted(timeout=60)
        if callback is None:
            self.run.stack.events.append(
                Event(time.monotonic(), "no message went out to kill the worker on")
            )
            return False
        self.run.stack.events.append(
            Event(time.monotonic(), f"message {callback} accepted by the provider, unanswered:")
        )
        self._kill("worker")
        return True


def run_crash(run: Run, *, clients: int, capacity: int, plan: KillPlan) -> dict:
    run.say(
        f"== Crash rush: {clients} clients, capacity {capacity}; {plan.kills} SIGKILLs of "
        f"{' or '.join(plan.targets)} at random while booking, {plan.drain_kills} of the "
        f"worker while a message is on its way =="
    )
    stack = run.stack
    office = run.office("crash")
    date = run.date(1)
    service = make_service(office, prefix="K", name="Layanan rebutan (crash)")
    slot = make_slot(service, date=date, start=dt.time(9), end=dt.time(10), capacity=capacity)
    tickets = _tickets([slot])
    messages = _messages(tickets)
    stack.provider.set_delay(plan.provider_delay)
    first_event = len(stack.events)
    accepted_before = len(stack.provider.record()["accepted"])
    crasher = Crasher(run, plan, messages, random.Random(run.rng.random()))
    release_time = [0.0]

    def on_release(at: float) -> None:
        release_time[0] = at
        crasher.released.set()

    crasher.start()
    jobs = [(identity, slot.pk) for identity in run.citizens(clients)]
    try:
        outcomes, timing = load.rush(
            stack.base_url,
            office.code,
            jobs,
            consent=True,
            retry_seconds=plan.retry_seconds,
            on_release=on_release,
        )
        crasher.done.set()  # no more random kills; the aimed ones go on while it sends
        for thread in crasher.threads[1:]:
            thread.join(timeout=90)
    finally:
        crasher.finish()
    mid_send = crasher.mid_send

    settled, settle_seconds = wait_drained(run, tickets, limit=run.drain_timeout)
    stack.provider.set_delay(0.0)
    record = stack.provider.record()
    before_webhooks = C.message_statuses(messages)
    ambiguous_ids = set(
        messages.filter(status=MessageStatus.AMBIGUOUS).values_list("pk", flat=True)
    )
    webhooks = stack.provider.deliver(stack.webhook_url)
    after_webhooks = C.message_statuses(messages)
    reconciled = MessageEvent.objects.filter(
        message_id__in=ambiguous_ids, event="reconciled"
    ).count()
    requeued = MessageEvent.objects.filter(message__in=messages, event="requeued").count()

    # --- what happened, then the checks
    timeline = [(e.at - release_time[0], e.what) for e in stack.events[first_event:]]
    kills = [t for t in timeline if t[1].startswith("SIGKILL")]
    for at, what in timeline:
        run.say(f"  t={at:+7.2f} s  {what}")
    results = Counter(o.result for o in outcomes)
    cut = sum(1 for o in outcomes if o.cut)
    refused = sum(o.refused for o in outcomes)
    run.say(
        f"clients: {dict(results)}; {cut} had a connection cut after sending, {refused} "
        f"connection attempts refused while the server was down; last answer "
        f"{timing.wall_seconds:.1f} s after the release"
    )

    checks = C.Checks()
    checks.add("processes were killed", len(kills) >= 1, f"{len(kills)} SIGKILLs")
    checks.add(
        "every client got an answer",
        results["no_answer"] == 0,
        f"{results['no_answer']} without an answer after {plan.retry_seconds:.0f} s",
    )
    server_errors = sum(o.server_errors for o in outcomes)
    checks.add("no server error (5xx) answered", server_errors == 0, f"{server_errors}")
    C.acknowledged_exist(checks, outcomes, tickets)
    attribution = C.attribute_tickets(checks, outcomes, tickets)
    run.say(
        f"tickets: {attribution.acknowledged} acknowledged with 201, {attribution.landed_told} "
        f"landed unacknowledged and told so by duplicate_booking on retry, "
        f"{attribution.landed_hidden} landed unacknowledged while the retry was answered "
        f"otherwise (slot_full): that citizen believes there is no booking"
    )
    slot.refresh_from_db()
    active = tickets.filter(status__in=ACTIVE).count()
    checks.add(
        f"quota holds and fills: C={capacity}",
        active == capacity == slot.booked,
        f"{active} active tickets, slot.booked {slot.booked}",
    )
    C.rows_whole(checks, tickets, office=office)
    C.counters_agree(checks, slots=[slot], date=date)
    C.one_active_per_nik_and_service(checks, date=date)
    C.messages_queued(checks, tickets)
    checks.add(
        "the system settled (certificates rendered, nothing pending or sending)",
        settled,
        f"{settle_seconds:.1f} s after the last kill",
    )
    C.certificates_signed(checks, tickets)
    ledger_check(checks, office)
    C.provider_received(checks, record, messages, exactly_once=False)
    C.unknown_to_outbox(checks, record, since=accepted_before)
    unsettled = {
        k: v for k, v in before_webhooks.items() if k not in C.SETTLED | {MessageStatus.AMBIGUOUS}
    }
    checks.add(
        "every message sent or counted ambiguous",
        not unsettled,
        f"before the status webhooks: {dict(sorted(before_webhooks.items()))}",
    )
    accepted_callbacks = {m["callback"] for m in record["accepted"]}
    never_heard = [pk for pk in ambiguous_ids if str(pk) not in accepted_callbacks]
    still = after_webhooks.get(MessageStatus.AMBIGUOUS, 0)
    checks.add(
        "status webhooks settle every ambiguous message the provider accepted",
        still == len(never_heard),
        f"{len(ambiguous_ids)} ambiguous, {reconciled} reconciled by webhook, "
        f"{still} still ambiguous (the provider never accepted them)",
    )
    return {
        "summary": {
            "clients": clients,
            "capacity": capacity,
            "kills": [{"t": round(t, 3), "what": w} for t, w in timeline],
            "outcomes": dict(results),
            "clients_cut": cut,
            "refused_connects": refused,
            "tickets_acknowledged": attribution.acknowledged,
            "tickets_landed_told_by_duplicate": attribution.landed_told,
            "tickets_landed_hidden": attribution.landed_hidden,
            "messages_before_webhooks": dict(before_webhooks),
            "messages_after_webhooks": dict(after_webhooks),
            "ambiguous": len(ambiguous_ids),
            "ambiguous_reconciled": reconciled,
            "ambiguous_never_accepted": still,
            "requeued_after_crash": requeued,
            "worker_kills_mid_send": mid_send,
            "webhooks": webhooks,
            "settle_seconds": round(settle_seconds, 1),
            "rush_seconds": round(timing.wall_seconds, 2),
        },
        "checks": [c.as_dict() for c in checks],
        "ok": checks.ok,
        "_checks": checks,
    }


# --- 3. scalpers ------------------------------------------------------------------------------


@dataclass
class ScalperPlan:
    accounts: int = 200
    attempts: int = 1000
    genuine: int = 300
    services: int = 5
    slots_per_service: int = 8
    capacity: int = 6
    reused_share: float = 0.5  # NIKs from a list shared between the accounts
    malformed_share: float = 0.2  # typos and made-up numbers that break the format
    # the rest: well-formed NIKs made up for the occasion
    concurrency: int = 50
    # A third run, spread, with NIK verification on (issue 14, part 2): the server asks a
    # local registry (antrean.testing.dukcapil_api) that holds the genuine citizens only.
    registry: bool = True
    # A fourth run, spread, with proof of the WhatsApp number on (issue 14, part 1): the farm
    # can prove only the numbers of the SIM cards it holds, this share of its accounts'.
    proof: bool = True
    provable_share: float = 0.25


def _scalper_attempts(run: Run, plan: ScalperPlan, slots: list[int], *, spread: bool):
    rng = run.rng
    accounts = list(run.take(plan.accounts))
    shared_niks = [nik_for(i) for i in run.take(max(plan.accounts // 4, 1))]
    one_address = address_for(run.block, run.take(1)[0])
    attempts = []
    for n in range(plan.attempts):
        account = accounts[n % len(accounts)]
        roll = rng.random()
        if roll < plan.reused_share:
            kind, nik = "reused", rng.choice(shared_niks)
        elif roll < plan.reused_share + plan.malformed_share:
            kind, nik = "malformed", malformed_nik(rng)
        else:
            kind, nik = "invented", nik_for(run.take(1)[0])
        address = address_for(run.block, run.take(1)[0]) if spread else one_address
        identity = Identity(
            name=name_for(rng), nik=nik, whatsapp=phone_for(account), address=address
        )
        attempts.append(
            load.Attempt(
                identity, group="scalper", kind=kind, slots=[rng.choice(slots)], consent=False
            )
        )
    for identity in run.citizens(plan.genuine):
        attempts.append(
            load.Attempt(
                identity, group="genuine", kind="own", slots=rng.sample(slots, 3), consent=True
            )
        )
    rng.shuffle(attempts)
    return attempts


def scalper_run(
    run: Run, plan: ScalperPlan, *, spread: bool, day: int, registry=None, proof: bool = False
) -> dict:
    label = "spread" if spread else "one-address"
    if proof:
        # Online bookings through the API hold their place until the number is proven.
        office = run.office("calo-proof", number_proof_api="on")
        label = "spread, number proven"
    else:
        office = run.office(f"calo-{label}" if registry is None else "calo-verified")
    if registry is not None:
        label = "spread, NIK verified"
    date = run.date(day)
    slots = []
    for s in range(plan.services):
        service = make_service(office, prefix=prefix_for(s), name=f"Layanan {s + 1}")
        for h in range(plan.slots_per_service):  # half-hour slots from 08:00 (at most 16)
            begin = dt.datetime.combine(date, dt.time(8)) + dt.timedelta(minutes=30 * h)
            start, end = begin.time(), (begin + dt.timedelta(minutes=30)).time()
            slots.append(
                make_slot(service, date=date, start=start, end=end, capacity=plan.capacity)
            )
    places = len(slots) * plan.capacity
    attempts = _scalper_attempts(run, plan, [s.pk for s in slots], spread=spread)
    if registry is not None:
        # The registry knows the real people (here: the genuine citizens, under their names);
        # the farm's NIKs, reused or invented, are nobody's.
        registry.people.update(
            {a.identity.nik: a.identity.name for a in attempts if a.group == "genuine"}
        )
    prover = _prover(run, plan, attempts) if proof else None
    outcomes, wall = load.stream(
        run.stack.base_url,
        office.code,
        attempts,
        concurrency=plan.concurrency,
        after_hold=prover[0] if prover else None,
    )
    proven = _proof_outcome(outcomes, *prover[1:]) if prover else None
    tickets = _tickets(slots)

    table: dict[str, Counter] = {}
    for o in outcomes:
        column = "genuine" if o.group == "genuine" else f"scalper:{o.kind}"
        table.setdefault(column, Counter())[o.result] += 1
    scalper = Counter()
    for column, counts in table.items():
        if column.startswith("scalper"):
            scalper.update(counts)
    genuine = table.get("genuine", Counter())

    checks = C.Checks()
    C.acknowledged_exist(checks, outcomes, tickets)
    C.rows_whole(checks, tickets, office=office)
    C.counters_agree(checks, slots=slots, date=date)
    C.one_active_per_nik_and_service(checks, date=date)
    C.limits_hold(checks, date=date)
    C.messages_queued(checks, tickets)
    ledger_check(checks, office)
    malformed = table.get("scalper:malformed", Counter())
    checks.add(
        "no malformed NIK booked anything",
        malformed["created"] == 0,
        f"{sum(malformed.values())} attempts, {malformed['created']} booked, "
        f"{malformed['invalid_nik']} refused invalid_nik",
    )
    checks.add(
        "genuine citizens were never rate-limited (each has its own address)",
        genuine["rate_limited"] == 0,
        f"{genuine['rate_limited']} rate_limited",
    )
    if registry is not None:
        wellformed = sum(
            table.get(f"scalper:{kind}", Counter())["created"] for kind in ("reused", "invented")
        )
        checks.add(
            "with NIK verification, no NIK the registry does not hold booked anything",
            wellformed == 0,
            f"{wellformed} booked; refused nik_not_verified: {scalper['nik_not_verified']}",
        )
        checks.add(
            "with NIK verification, no genuine citizen was refused as not verified",
            genuine["nik_not_verified"] == 0 and genuine["nik_registry_unavailable"] == 0,
            f"{genuine['nik_not_verified']} nik_not_verified, "
            f"{genuine['nik_registry_unavailable']} nik_registry_unavailable",
        )
    if proven is not None:
        _proof_checks(checks, proven, tickets)
    broken = sum(o.server_errors for o in outcomes) + sum(1 for o in outcomes if o.status is None)
    checks.add("every attempt answered, no 5xx", broken == 0, f"{broken}")
    if proven is not None:
        # Places are the confirmed holds' tickets, not the 202s.
        scalper["created"] = proven["scalper_places"]
        genuine = Counter(genuine)
        genuine["created"] = proven["genuine_places"]
    return {
        **({"proof": {k: v for k, v in proven.items() if not k.startswith("_")}} if proven else {}),
        "mode": label,
        "places": places,
        "wall_seconds": round(wall, 2),
        "scalper_bookings": scalper["created"],
        "genuine_bookings": genuine["created"],
        "genuine_refused": {k: v for k, v in genuine.items() if k != "created"},
        "by_column": {column: dict(counts) for column, counts in sorted(table.items())},
        "scalper_by_code": dict(scalper),
        "ok": checks.ok,
        "checks": [c.as_dict() for c in checks],
        "_checks": checks,
    }


def _prover(run: Run, plan: ScalperPlan, attempts, *, everyone: bool = False):
    """What each holder does right after its 202: prove the number, if it can, with the
    message WhatsApp would hand our webhook ("ANTREAN <code>" from that number, signed as
    Meta signs). Genuine citizens prove their own; the farm only the numbers of the SIM
    cards it holds (`provable_share` of its accounts' numbers)."""
    import hashlib
    import hmac
    import json

    farm = sorted({a.identity.whatsapp for a in attempts if a.group == "scalper"})
    provable = set(run.rng.sample(farm, round(len(farm) * plan.provable_share)))
    secret = run.stack.provider.settings_env()["WHATSAPP_APP_SECRET"].encode()
    sent = Counter()

    async def prove(client, outcome) -> None:
        if (
            not everyone
            and outcome.group != "genuine"
            and outcome.identity.whatsapp not in provable
        ):
            return
        message = {
            "from": "62" + outcome.identity.whatsapp.lstrip("0"),
            "id": f"wamid.rush.{secrets.token_hex(12)}",
            "timestamp": str(int(time.time())),
            "type": "text",
            "text": {"body": f"ANTREAN {outcome.code[:4]}-{outcome.code[4:]}"},
        }
        value = {"messages": [message]}
        change = {"id": "rush", "changes": [{"value": value, "field": "messages"}]}
        body = json.dumps({"object": "whatsapp_business_account", "entry": [change]}).encode()
        signature = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        answer = await client.post(
            "/webhooks/whatsapp",
            content=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
        )
        sent[answer.status_code] += 1

    return prove, farm, provable, sent


def _proof_outcome(outcomes, farm, provable, sent) -> dict:
    """Which holds became places, then every hold still waiting released, as its expiry
    would (the worker's sweep, run here at once instead of ten minutes later)."""
    from antrean.booking.holds import holds_expire_due
    from antrean.booking.models import BookingHold, HoldStatus

    held = {o.code: o for o in outcomes if o is not None and o.result == "held"}
    holds = list(
        BookingHold.objects.filter(code__in=held).values_list("code", "status", "ticket_id")
    )
    waiting = sum(1 for _code, status, _t in holds if status == HoldStatus.HELD)
    confirmed = [(held[code], ticket) for code, _status, ticket in holds if ticket]
    holds_expire_due(now=timezone.now() + dt.timedelta(days=1))
    scalper_numbers = {o.identity.whatsapp for o, _t in confirmed if o.group == "scalper"}
    genuine_numbers = {o.identity.whatsapp for o, _t in confirmed if o.group == "genuine"}
    scalper_places = sum(1 for o, _t in confirmed if o.group == "scalper")
    return {
        "farm_numbers": len(farm),
        "farm_numbers_provable": len(provable),
        "holds": len(held),
        "proofs_sent": sum(sent.values()),
        "proofs_refused": sum(n for status, n in sent.items() if status != 200),
        "unproven_holds_at_the_end_of_the_rush": waiting,
        "scalper_places": scalper_places,
        "genuine_places": len(confirmed) - scalper_places,
        "scalper_share_of_places": round(scalper_places / max(len(confirmed), 1), 3),
        "scalper_share_of_proven_numbers": round(
            len(scalper_numbers) / max(len(scalper_numbers | genuine_numbers), 1), 3
        ),
        "_provable": provable,
        "_confirmed": confirmed,
    }


def _proof_checks(checks: C.Checks, proven: dict, tickets) -> None:
    from antrean.booking.models import BookingHold, HoldStatus

    unprovable = [
        o.identity.whatsapp
        for o, _t in proven["_confirmed"]
        if o.group == "scalper" and o.identity.whatsapp not in proven["_provable"]
    ]
    checks.add(
        "with proof of number, the farm got places only for numbers it could prove",
        not unprovable,
        f"{proven['scalper_places']} farm places, {len(unprovable)} on unprovable numbers",
    )
    linked = set(tickets.filter(hold__isnull=False).values_list("pk", flat=True))
    checks.add(
        "every place is a confirmed hold's ticket (none without proof)",
        linked == set(tickets.values_list("pk", flat=True)),
        f"{len(linked)} of {tickets.count()} tickets came from a proven hold",
    )
    left = BookingHold.objects.filter(
        code__in=[o.code for o, _t in proven["_confirmed"]] or [""], status=HoldStatus.HELD
    ).count()
    expired_with_identity = (
        BookingHold.objects.filter(status=HoldStatus.EXPIRED).exclude(nik="").count()
    )
    checks.add(
        "every proof message was accepted by the webhook (200)",
        proven["proofs_refused"] == 0,
        f"{proven['proofs_sent']} sent, {proven['proofs_refused']} refused",
    )
    checks.add(
        "expired holds gave their places back and keep no identity",
        left == 0 and expired_with_identity == 0,
        f"{left} still held, {expired_with_identity} expired with an identity",
    )


def _print_table(run: Run, result: dict) -> None:
    columns = ["scalper:reused", "scalper:invented", "scalper:malformed", "genuine"]
    codes = sorted(
        {code for col in result["by_column"].values() for code in col},
        key=lambda code: (code != "created", code),
    )
    run.say(f"  {'answer':<22}" + "".join(f"{c.split(':')[-1]:>11}" for c in columns))
    for code in codes:
        row = "".join(f"{result['by_column'].get(c, {}).get(code, 0):>11}" for c in columns)
        run.say(f"  {code:<22}{row}")


def _scalper_run_verified(run: Run, plan: ScalperPlan, *, day: int) -> dict:
    """The spread run again, the server restarted with NIK verification against a local
    registry; restarted without it afterwards (the other parts measure without)."""
    from antrean.testing.dukcapil_api import FakeDukcapil

    with FakeDukcapil(people={}) as registry:
        run.stack.restart_server(env=registry.settings() | {"ANTREAN_DUKCAPIL_TIMEOUT": "5"})
        try:
            return scalper_run(run, plan, spread=True, day=day, registry=registry)
        finally:
            run.stack.restart_server(env={"ANTREAN_NIK_VERIFIER": "none"})


def run_scalpers(run: Run, plan: ScalperPlan) -> dict:
    run.say(
        f"== Scalpers: {plan.accounts} accounts try {plan.attempts} bookings, with "
        f"{plan.genuine} genuine citizens, on {plan.services} services x "
        f"{plan.slots_per_service} slots x {plan.capacity} places =="
    )
    results = []
    runs = [(2, False), (3, True)] + ([(4, True)] if plan.registry else [])
    runs += [(5, True)] if plan.proof else []
    for day, spread in runs:
        if day == 4:
            result = _scalper_run_verified(run, plan, day=day)
        else:
            result = scalper_run(run, plan, spread=spread, day=day, proof=day == 5)
        results.append(result)
        where = (
            "every attempt from a fresh address (X-Forwarded-For)"
            if spread
            else "all scalper attempts from one address"
        )
        if day == 4:
            where += "; NIKs checked against the population registry"
        if day == 5:
            where += "; WhatsApp numbers proven before a place is confirmed"
        run.say(
            f"{result['mode']} ({where}): scalpers got {result['scalper_bookings']} of "
            f"{result['places']} places, genuine citizens {result['genuine_bookings']} of "
            f"{plan.genuine} ({result['wall_seconds']:.1f} s)"
        )
        _print_table(run, result)
        if "proof" in result:
            p = result["proof"]
            run.say(
                f"  the farm could prove {p['farm_numbers_provable']} of its "
                f"{p['farm_numbers']} numbers: {p['scalper_places']} places "
                f"({p['scalper_share_of_places']:.0%} of the places given) for "
                f"{p['scalper_share_of_proven_numbers']:.0%} of the proven numbers; "
                f"{p['unproven_holds_at_the_end_of_the_rush']} places were held by numbers "
                "never proven when the rush ended (released at their expiry)"
            )
        for check in result["_checks"].failed():
            run.say(check.line())
    checks = C.Checks()
    for result in results:
        for check in result["_checks"]:
            checks.append(C.Check(f"{result['mode']}: {check.name}", check.ok, check.detail))
    return {"runs": results, "ok": checks.ok, "_checks": checks}


# --- 4. draws -----------------------------------------------------------------------------


@dataclass
class DrawPlan:
    """The scalper farm of ScalperPlan against a service whose places are drawn (issue 14,
    part 3): 20 days, each drawn among the entries made during its window."""

    draws: int = 20
    accounts: int = 200
    attempts: int = 1000
    genuine: int = 300
    slots: int = 2
    capacity: int = 6
    reused_share: float = 0.5
    malformed_share: float = 0.2
    concurrency: int = 50


def _normal_two_sided(z: float) -> float:
    import math

    return math.erfc(abs(z) / math.sqrt(2))


def run_draws(run: Run, plan: DrawPlan) -> dict:
    """Enter the farm and the citizens through the API, draw every day, and test what the
    draw promises: the farm's share of places equals its share of valid entries (within
    noise: a hypergeometric z-test summed over the draws), and arriving first gains nothing
    (the win rate of each draw's first-arriving half against its second half)."""
    import math

    from antrean.draws.models import Draw, DrawEntry, EntryStatus
    from antrean.draws.services import (
        draw_close,
        draw_ledger_steps,
        draw_open,
        draw_record,
        draw_verify,
    )

    run.say(
        f"== Draws: {plan.draws} days drawn; {plan.accounts} scalper accounts try "
        f"{plan.attempts} entries, {plan.genuine} citizens enter one each; "
        f"{plan.slots} slots x {plan.capacity} places a day =="
    )
    office = run.office("undian")
    service = make_service(office, prefix="U", name="Paspor (undian)", release_mode="draw")
    now = timezone.now()
    dates, draws, slots = [], [], []
    for d in range(plan.draws):
        date = run.date(10 + d)
        for h in range(plan.slots):
            start = dt.time(8 + h)
            slots.append(
                make_slot(
                    service, date=date, start=start, end=dt.time(9 + h), capacity=plan.capacity
                )
            )
        draw = draw_open(service=service, date=date, now=now)
        # The window is open now, for the run (its times are shown, not chained).
        Draw.objects.filter(pk=draw.pk).update(
            opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(hours=6)
        )
        dates.append(date)
        draws.append(draw)
    rng = run.rng
    accounts = list(run.take(plan.accounts))
    shared = [nik_for(i) for i in run.take(max(plan.accounts // 4, 1))]
    attempts = []
    for n in range(plan.attempts):
        roll = rng.random()
        if roll < plan.reused_share:
            kind, nik = "reused", rng.choice(shared)
        elif roll < plan.reused_share + plan.malformed_share:
            kind, nik = "malformed", malformed_nik(rng)
        else:
            kind, nik = "invented", nik_for(run.take(1)[0])
        identity = Identity(
            name=name_for(rng),
            nik=nik,
            whatsapp=phone_for(accounts[n % len(accounts)]),
            address=address_for(run.block, run.take(1)[0]),
        )
        date = rng.choice(dates).isoformat()
        attempts.append(load.EntryAttempt(identity, "scalper", kind, service.pk, date))
    for identity in run.citizens(plan.genuine):
        date = rng.choice(dates).isoformat()
        attempts.append(load.EntryAttempt(identity, "genuine", "own", service.pk, date))
    rng.shuffle(attempts)
    started = time.monotonic()
    outcomes = load.enter_stream(
        run.stack.base_url, office.code, attempts, concurrency=plan.concurrency
    )
    wall = time.monotonic() - started
    for draw in draws:
        draw_close(draw=draw, now=timezone.now())

    table: dict[str, Counter] = {}
    for o in outcomes:
        column = "genuine" if o.attempt.group == "genuine" else f"scalper:{o.attempt.kind}"
        table.setdefault(column, Counter())[o.result] += 1
    valid = [o for o in outcomes if o.result == "entered"]
    status_of = dict(DrawEntry.objects.filter(draw__in=draws).values_list("entry_hash", "status"))
    observed = expected = variance = 0.0
    farm_places = farm_entries = places_given = entries_total = 0
    first_half = [0, 0]  # [won, entries]
    second_half = [0, 0]
    verified = []
    for draw in draws:
        draw.refresh_from_db()
        mine = [o for o in valid if o.draw_id == draw.pk]
        n = len(mine)
        f = sum(1 for o in mine if o.attempt.group == "scalper")
        won = [o for o in mine if status_of.get(o.entry_hash) == EntryStatus.WON]
        w = len(won)
        fw = sum(1 for o in won if o.attempt.group == "scalper")
        farm_places += fw
        farm_entries += f
        places_given += w
        entries_total += n
        if n > 1 and w:
            share = f / n
            observed += fw
            expected += w * share
            variance += w * share * (1 - share) * (n - w) / (n - 1)
        for position, o in enumerate(sorted(mine, key=lambda o: o.arrival)):
            half = first_half if position < n / 2 else second_half
            half[1] += 1
            half[0] += status_of.get(o.entry_hash) == EntryStatus.WON
        verified.append(draw_verify(draw_record(draw), ledger=draw_ledger_steps(draw)))
    z_share = (observed - expected) / math.sqrt(variance) if variance else 0.0
    p1 = first_half[0] / max(first_half[1], 1)
    p2 = second_half[0] / max(second_half[1], 1)
    pooled = (first_half[0] + second_half[0]) / max(first_half[1] + second_half[1], 1)
    spread = math.sqrt(
        pooled * (1 - pooled) * (1 / max(first_half[1], 1) + 1 / max(second_half[1], 1))
    )
    z_arrival = (p1 - p2) / spread if spread else 0.0

    # And the verification is not a rubber stamp: a changed seed or a dropped entry fails it.
    first = draws[0]
    record, ledger = draw_record(first), draw_ledger_steps(first)
    tampered = [
        draw_verify(record | {"seed": "0" * 64}, ledger=ledger),
        draw_verify(record | {"entries": record["entries"][1:]}, ledger=ledger),
    ]
    checks = C.Checks()
    checks.add(
        "verification fails on a changed seed and on a dropped entry",
        all(tampered),
        f"{sum(bool(t) for t in tampered)} of 2 tampered records refused",
    )
    checks.add(
        f"every one of the {len(draws)} draws verifies (seed, order, winners, ledger)",
        all(not problems for problems in verified),
        "; ".join(p for problems in verified for p in problems[:1])[:300] or "all verify",
    )
    ledger_check(checks, office)
    C.counters_agree(checks, slots=slots, date=dates[0])
    malformed = table.get("scalper:malformed", Counter())
    checks.add(
        "no malformed NIK entered",
        malformed["entered"] == 0,
        f"{sum(malformed.values())} attempts, {malformed['entered']} entered",
    )
    checks.add(
        "the farm's share of places is its share of valid entries (|z| < 3)",
        abs(z_share) < 3,
        f"farm won {farm_places} of {places_given} places "
        f"({farm_places / max(places_given, 1):.1%}) with {farm_entries} of {entries_total} "
        f"valid entries ({farm_entries / max(entries_total, 1):.1%}); expected "
        f"{expected:.1f}, z = {z_share:+.2f} (p = {_normal_two_sided(z_share):.2f})",
    )
    checks.add(
        "arriving first gains nothing (|z| < 3)",
        abs(z_arrival) < 3,
        f"first-arriving half of each draw won {p1:.1%}, the second half {p2:.1%}; "
        f"z = {z_arrival:+.2f} (p = {_normal_two_sided(z_arrival):.2f})",
    )
    broken = sum(1 for o in outcomes if o.status is None or o.status >= 500)
    checks.add("every entry answered, no 5xx", broken == 0, f"{broken}")
    run.say(
        f"{len(valid)} valid entries of {len(outcomes)} in {wall:.1f} s; farm {farm_places} of "
        f"{places_given} places for {farm_entries} of {entries_total} valid entries"
    )
    columns = ["scalper:reused", "scalper:invented", "scalper:malformed", "genuine"]
    codes = sorted({code for col in table.values() for code in col})
    run.say(f"  {'answer':<22}" + "".join(f"{c.split(':')[-1]:>11}" for c in columns))
    for code in codes:
        row = "".join(f"{table.get(c, Counter()).get(code, 0):>11}" for c in columns)
        run.say(f"  {code:<22}{row}")
    for check in checks:
        run.say(check.line())
    return {
        "draws": len(draws),
        "places_given": places_given,
        "valid_entries": entries_total,
        "farm_places": farm_places,
        "farm_entries": farm_entries,
        "z_share": round(z_share, 3),
        "z_arrival": round(z_arrival, 3),
        "first_half_win_rate": round(p1, 4),
        "second_half_win_rate": round(p2, 4),
        "by_column": {column: dict(counts) for column, counts in sorted(table.items())},
        "wall_seconds": round(wall, 2),
        "ok": checks.ok,
        "checks": [c.as_dict() for c in checks],
        "_checks": checks,
    }
