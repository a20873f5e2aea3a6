"""Random sequences of everything that can happen to a queue, checked after every step.

Hypothesis drives bookings, check-ins, walk-ins, calls and every move at three counters, on
tickets the move suits three times in four and on any ticket otherwise (then mostly refused),
with a clock that only moves forward and the expiry task now and then. A model written here,
independently of the engine, predicts each outcome: the ticket called next, or the error code
of a refusal. After every step the invariants are checked on the database: a counter calls or
serves one ticket at a time and a ticket is at one counter, numbers are unique and gapless,
and each ticket's events are a valid path through the state table ending at its status.

Each example runs in a savepoint rolled back at its end, so examples start from nothing.
"""

import datetime as dt
import itertools
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from antrean.booking.services import booking_cancel
from antrean.catalog.models import Slot
from antrean.core.errors import DomainError, ErrorCode
from antrean.queueing import services
from antrean.queueing.models import AuditFlag, Priority, Ticket, TicketEvent, TicketSequence
from antrean.queueing.selectors import counter_current_ticket
from antrean.queueing.services import CHECKIN_ATTEMPTS
from antrean.queueing.states import TRANSITIONS, Move, Status
from antrean.testing.factories import (
    check_in,
    local_time,
    make_agency,
    make_booking,
    make_counter,
    make_nik,
    make_office,
    make_officer,
    make_phone,
    make_service,
    make_slot,
    make_walk_in,
    sign_officer_pact,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 3, 4)
NINE = dt.datetime(2030, 3, 4, 9)  # naive: only its wall-clock times are used
QUEUE = (Status.WAITING, Status.CALLED, Status.SERVING, Status.ON_HOLD)
AT_COUNTER = (Status.CALLED, Status.SERVING, Status.ON_HOLD)
BUSY = (Status.CALLED, Status.SERVING)
# Each ticket's history starts with one of these creation events.
CREATION = {"book": Status.BOOKED, "issue": Status.WAITING}
COUNTER_ACTIONS = {
    Move.RECALL: services.ticket_recall,
    Move.START: services.ticket_start,
    Move.FINISH: services.ticket_finish,
    Move.NO_SHOW: services.ticket_no_show,
    Move.HOLD: services.ticket_hold,
    Move.RESUME: services.ticket_resume,
    Move.CANCEL: services.ticket_cancel_at_counter,
    Move.TRANSFER: services.ticket_transfer,
}
COUNTER_MOVES = list(COUNTER_ACTIONS)
# Regular tickets as often as all priority groups together.
PRIORITY = st.sampled_from(["", "", "", "", *Priority.values])
# A ticket to act on: (aimed at one the move suits, index).
TARGET = st.tuples(st.sampled_from([True, True, True, False]), st.integers(0, 100))
# Each action of the machine and the strategies of its arguments.
ACTIONS = {
    "tick": {
        "minutes": st.sampled_from([0, 1, 2, 5, 10, 20, 45]),
        "seconds": st.integers(0, 59),
        "task": st.booleans(),
    },
    # Mostly the next slot, whose check-in window is open or opens soon.
    "book": {"name": st.sampled_from(["A", "B"]), "choice": st.sampled_from([0, 0, 0, 1, 3])},
    "check_in": {"who": TARGET, "right_nik": st.sampled_from([True, True, True, False])},
    "walk_in": {"name": st.sampled_from(["A", "B"]), "priority": PRIORITY},
    "cancel_by_citizen": {"who": TARGET},
    "call_next": {
        "c": st.integers(0, 2),
        "officer": st.integers(0, 2),
        "aimed": st.sampled_from([True, True, True, False]),
    },
    "call_specific": {
        "who": TARGET,
        "c": st.integers(0, 2),
        "reason": st.sampled_from(["", "abc", *["Warga lansia tidak kuat berdiri"] * 4]),
    },
    "at_counter": {
        "move": st.sampled_from(COUNTER_MOVES),
        "who": TARGET,
        "c": st.integers(0, 2),
        "to": st.sampled_from(["A", "B", "C"]),
    },
}
NEEDS_TICKETS = {"check_in", "cancel_by_citizen", "call_specific", "at_counter"}
# How often each action is drawn (the first is what Hypothesis shrinks towards).
WEIGHTED = [
    *["tick"] * 3,
    *["book"] * 2,
    *["check_in"] * 2,
    *["walk_in"] * 3,
    "cancel_by_citizen",
    *["call_next"] * 3,
    "call_specific",
    *["at_counter"] * 6,
]


@dataclass
class Expected:
    """What the model knows of one ticket."""

    pk: int
    service: str  # "A", "B" or "C"
    numbered: str
    number: str
    status: str
    priority: str = ""
    last4: str = ""  # empty for a walk-in: it has no NIK
    slot: Slot | None = None
    arrived: dt.datetime | None = None
    queue_key: dt.datetime | None = None
    counter: int | None = None  # index into the machine's counters
    events: int = 1


@dataclass
class World:
    """The office as the model sees it: counters serve services; slots have places."""

    k: int
    counter_services: list[set[str]]
    walkin_quota: dict[str, int]
    booked: dict[int, int] = field(default_factory=dict)  # slot pk → places taken
    walkins: dict[str, int] = field(default_factory=dict)
    last_seq: dict[str, int] = field(default_factory=dict)
    streak: int = 0
    out_of_order: int = 0


class QueueMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.tickets: list[Expected] = []
        self.people = 0
        self.checkin_failures: dict = {}  # (ticket pk, local day) -> wrong endings

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # --- The world ---------------------------------------------------------------------

    @initialize(
        k=st.integers(1, 3),
        quota_a=st.integers(0, 4),
        early=st.lists(st.tuples(st.sampled_from("AB"), PRIORITY), max_size=8),
    )
    def build(self, k, quota_a, early):
        office = make_office(priority_streak_limit=k)
        agency = make_agency(office)
        self.services = {
            "A": make_service(agency=agency, prefix="A", walkin_daily_quota=quota_a),
            "B": make_service(agency=agency, prefix="B", walkin_daily_quota=10),
            "C": make_service(agency=agency, prefix="C"),  # no counter: a dead end
        }
        self.by_pk = {s.pk: name for name, s in self.services.items()}
        served = [{"A"}, {"A", "B"}, {"B"}]
        self.counters = [
            make_counter(agency=agency, services=[self.services[n] for n in sorted(group)])
            for group in served
        ]
        self.officers = [make_officer(agency) for _ in self.counters]
        for officer in self.officers:
            sign_officer_pact(officer, office, now=local_time(office, DAY, 8))
        self.slots = {
            name: [
                make_slot(
                    self.services[name],
                    date=DAY,
                    start=(NINE + dt.timedelta(minutes=30 * half)).time(),
                    end=(NINE + dt.timedelta(minutes=30 * half + 30)).time(),
                    capacity=3,
                )
                for half in range(13)  # 09:00–09:30 … 15:00–15:30
            ]
            for name in ("A", "B")
        }
        self.office = office
        self.now = local_time(office, DAY, 8, 40)
        self.world = World(
            k=k,
            counter_services=served,
            walkin_quota={"A": quota_a, "B": 10},
        )
        for name, priority in early:  # the first walk-ins, before the machine starts
            self.walk_in(name, priority)
            self.now += dt.timedelta(seconds=20)

    # --- Helpers -----------------------------------------------------------------------

    def pick(self, who, wanted) -> Expected:
        """Any ticket, or (when aimed) one for which the move makes sense, if there is one:
        random targets alone would almost never reach the deeper moves."""
        aimed, index = who
        pool = [t for t in self.tickets if wanted(t)] if aimed else []
        pool = pool or self.tickets
        return pool[index % len(pool)]

    def pick_at_counter(self, who, c: int, move: str) -> tuple[Expected, int]:
        """A ticket and a counter for `move`: when aimed, a ticket the move suits at some
        counter, and that counter."""
        ticket = self.pick(who, lambda t: any(self.can(t, move, x) for x in range(3)))
        if who[0] and not self.can(ticket, move, c):
            c = next((x for x in range(3) if self.can(ticket, move, x)), c)
        return ticket, c

    def can(self, ticket: Expected, move: str, c: int) -> bool:
        """Would `move` of `ticket` at counter `c` be accepted?"""
        return (Status(ticket.status), Move(move)) in TRANSITIONS and self.refusal_at_counter(
            ticket, c
        ) is None

    def next_number(self, name: str) -> tuple[int, str]:
        seq = self.world.last_seq.get(name, 0) + 1
        return seq, f"{name}-{seq:03d}"

    def order_key(self, ticket: Expected):
        regular_first = self.world.streak >= self.world.k
        regular = ticket.priority == ""
        group = (0 if regular else 1) if regular_first else (1 if regular else 0)
        return (group, ticket.queue_key, ticket.pk)

    def first_for(self, c: int) -> Expected | None:
        waiting = [
            t
            for t in self.tickets
            if t.status == Status.WAITING and t.service in self.world.counter_services[c]
        ]
        return min(waiting, key=self.order_key, default=None)

    def window_open(self, ticket: Expected) -> bool:
        opens = ticket.slot.starts_at - dt.timedelta(minutes=30)
        return opens <= self.now <= ticket.slot.ends_at + dt.timedelta(minutes=15)

    def busy(self, c: int) -> bool:
        return any(t.counter == c and t.status in BUSY for t in self.tickets)

    def refusal_at_counter(self, ticket: Expected, c: int) -> ErrorCode | None:
        """The engine's _authorize, as the model sees it."""
        if ticket.service not in self.world.counter_services[c]:
            return ErrorCode.FORBIDDEN
        if ticket.status in AT_COUNTER and ticket.counter != c:
            return ErrorCode.FORBIDDEN
        return None

    def expect(self, what: str, action, expected_error: ErrorCode | None):
        """Run `action`; it must fail with `expected_error`, or succeed when that is None."""
        try:
            result = action()
        except DomainError as exc:
            assert exc.code == expected_error, f"{what}: {exc.code}, model: {expected_error}"
            return None
        assert expected_error is None, f"{what}: succeeded, model: {expected_error}"
        return result

    def moved(self, ticket: Expected, move: str, **changes):
        ticket.status = TRANSITIONS[(Status(ticket.status), Move(move))]
        ticket.events += 1
        for name, value in changes.items():
            setattr(ticket, name, value)

    # --- Time --------------------------------------------------------------------------

    def tick(self, minutes, seconds, task):
        self.now += dt.timedelta(minutes=minutes, seconds=seconds)
        if task:
            self.expire()

    # --- Citizens ----------------------------------------------------------------------

    def book(self, name, choice):
        upcoming = [s for s in self.slots[name] if s.starts_at > self.now]
        if not upcoming:
            return
        slot = upcoming[min(choice, len(upcoming) - 1)]
        self.people += 1
        full = self.world.booked.get(slot.pk, 0) >= slot.capacity
        result = self.expect(
            "book",
            lambda: make_booking(
                slot,
                now=self.now,
                nik=make_nik(1000 + self.people),
                whatsapp=make_phone(1000 + self.people),
            ),
            ErrorCode.SLOT_FULL if full else None,
        )
        if result is None:
            return
        seq, number = self.next_number(name)
        assert result.ticket.number == number
        self.world.last_seq[name] = seq
        self.world.booked[slot.pk] = self.world.booked.get(slot.pk, 0) + 1
        self.tickets.append(
            Expected(
                pk=result.ticket.pk,
                service=name,
                numbered=name,
                number=number,
                status=Status.BOOKED,
                last4=f"{1000 + self.people:04d}",
                slot=slot,
            )
        )

    def check_in(self, who, right_nik):
        ticket = self.pick(who, lambda t: t.status == Status.BOOKED and self.window_open(t))
        code = Ticket.objects.values_list("code", flat=True).get(pk=ticket.pk)
        last4 = ticket.last4 if right_nik else "0000"
        # The service's order (no oracle): a locked code, then the window of a booking, and
        # only then the digits; a wrong ending is counted for the office's day.
        day = self.office.local_today(self.now)
        failures = self.checkin_failures.get((ticket.pk, day), 0)
        booked = ticket.status == Status.BOOKED
        if failures >= CHECKIN_ATTEMPTS:
            error = ErrorCode.TOO_MANY_ATTEMPTS
        elif booked and self.now < ticket.slot.starts_at - dt.timedelta(minutes=30):
            error = ErrorCode.CHECKIN_TOO_EARLY
        elif booked and self.now > ticket.slot.ends_at + dt.timedelta(minutes=15):
            error = ErrorCode.CHECKIN_TOO_LATE
        elif not ticket.last4 or not right_nik:
            error = ErrorCode.CHECKIN_REFUSED
            self.checkin_failures[(ticket.pk, day)] = failures + 1
        elif ticket.status in QUEUE:
            error = None  # idempotent: nothing changes
        elif not booked:
            error = ErrorCode.INVALID_TRANSITION
        else:
            error = None
        done = self.expect(
            "check_in",
            lambda: check_in(code=code, nik_last4=last4, now=self.now),
            error,
        )
        if done is None or ticket.status != Status.BOOKED:
            return
        start = ticket.slot.starts_at
        on_time = self.now <= start + dt.timedelta(minutes=10)
        key = min(start, self.now) if on_time else self.now
        self.moved(ticket, Move.CHECK_IN, arrived=self.now, queue_key=key)

    def walk_in(self, name, priority):
        local = self.office.local_now(self.now).time()
        if not (dt.time(8) <= local < dt.time(16)):
            error = ErrorCode.OFFICE_CLOSED
        elif self.world.walkins.get(name, 0) >= self.world.walkin_quota[name]:
            error = ErrorCode.WALKIN_FULL
        else:
            error = None
        result = self.expect(
            "walk_in",
            lambda: make_walk_in(self.services[name], now=self.now, priority=priority),
            error,
        )
        if result is None:
            return
        seq, number = self.next_number(name)
        assert result.ticket.number == number
        self.world.last_seq[name] = seq
        self.world.walkins[name] = self.world.walkins.get(name, 0) + 1
        self.tickets.append(
            Expected(
                pk=result.ticket.pk,
                service=name,
                numbered=name,
                number=number,
                status=Status.WAITING,
                priority=priority,
                arrived=self.now,
                queue_key=self.now,
            )
        )

    def cancel_by_citizen(self, who):
        ticket = self.pick(who, lambda t: t.status == Status.BOOKED)
        if ticket.status == Status.CANCELLED:
            error = None  # cancelling twice changes nothing
        elif (Status(ticket.status), Move.CANCEL) in TRANSITIONS:
            error = None
        else:
            error = ErrorCode.INVALID_TRANSITION
        row = Ticket.objects.get(pk=ticket.pk)
        done = self.expect(
            "cancel_by_citizen", lambda: booking_cancel(ticket=row, now=self.now), error
        )
        if done is None or ticket.status == Status.CANCELLED:
            return
        self.moved(ticket, Move.CANCEL)
        if ticket.slot is not None and self.world.booked.get(ticket.slot.pk, 0) > 0:
            self.world.booked[ticket.slot.pk] -= 1

    def expire(self):
        """The scheduled task: bookings whose check-in window has closed expire."""
        due = [
            t
            for t in self.tickets
            if t.status == Status.BOOKED and t.slot.ends_at + dt.timedelta(minutes=15) < self.now
        ]
        assert services.tickets_expire(now=self.now) == len(due)
        for ticket in due:
            self.moved(ticket, Move.EXPIRE)

    # --- Counters ----------------------------------------------------------------------

    def call_next(self, c, officer, aimed):
        free = [x for x in range(3) if not self.busy(x) and self.first_for(x) is not None]
        if aimed and free and c not in free:
            c = free[c % len(free)]  # a counter that can call now
        first = self.first_for(c)
        if self.busy(c):
            error = ErrorCode.INVALID_TRANSITION
        elif first is None:
            error = ErrorCode.QUEUE_EMPTY
        else:
            error = None
        called = self.expect(
            "call_next",
            lambda: services.ticket_call_next(
                counter=self.counters[c], officer=self.officers[officer], now=self.now
            ),
            error,
        )
        if called is None:
            return
        # The order: the ticket the model put first at this moment, and no other.
        assert called.pk == first.pk, f"called {called.number}, the model's first: {first.number}"
        self.world.streak = self.world.streak + 1 if first.priority else 0
        self.moved(first, Move.CALL, counter=c)

    def call_specific(self, who, c, reason):
        ticket, c = self.pick_at_counter(who, c, Move.CALL)
        first = self.first_for(c)
        error = self.refusal_at_counter(ticket, c)
        if len(reason) < 5:
            error = ErrorCode.REASON_REQUIRED  # checked before anything else
        if error is None and (self.busy(c) or ticket.status != Status.WAITING):
            error = ErrorCode.INVALID_TRANSITION
        done = self.expect(
            "call_specific",
            lambda: services.ticket_call_specific(
                ticket_id=ticket.pk,
                counter=self.counters[c],
                officer=self.officers[c],
                reason=reason,
                now=self.now,
            ),
            error,
        )
        if done is None:
            return
        if first.pk != ticket.pk:
            self.world.out_of_order += 1
        self.moved(ticket, Move.CALL, counter=c)

    def at_counter(self, move, who, c, to):
        """One move of a ticket at a counter (recall, start, finish, no-show, hold, resume,
        cancel, transfer). Aimed: any move that the state table allows now, at the counter
        that may make it; else the drawn move, ticket and counter, most likely refused."""
        aimed, index = who
        options = {
            m: [(t, x) for t in self.tickets for x in range(3) if self.can(t, m, x)]
            for m in COUNTER_MOVES
        }
        # Aimed cancels only the held: cancelling any waiting ticket would empty the queues.
        options[Move.CANCEL] = [(t, x) for t, x in options[Move.CANCEL] if t.status in AT_COUNTER]
        possible = [m for m in COUNTER_MOVES if options[m]]
        if aimed and possible:
            # The move first, so that cancel (possible for every waiting ticket) does not
            # crowd out the others.
            move = possible[index % len(possible)]
            ticket, c = options[move][index // len(possible) % len(options[move])]
        else:
            ticket = self.tickets[index % len(self.tickets)]

        error = self.refusal_at_counter(ticket, c)
        if error is None and move == Move.TRANSFER and to == ticket.service:
            error = ErrorCode.INVALID_REQUEST
        if error is None and move == Move.RESUME and self.busy(c):
            error = ErrorCode.INVALID_TRANSITION  # the counter serves someone else now
        if error is None and (Status(ticket.status), Move(move)) not in TRANSITIONS:
            error = ErrorCode.INVALID_TRANSITION
        args = {
            "ticket_id": ticket.pk,
            "counter": self.counters[c],
            "officer": self.officers[c],
            "now": self.now,
        }
        if move == Move.TRANSFER:
            args["service_id"] = self.services[to].pk
        done = self.expect(move, lambda: COUNTER_ACTIONS[move](**args), error)
        if done is None:
            return
        if move in (Move.START, Move.RESUME):
            self.moved(ticket, move, counter=c)
        elif move == Move.TRANSFER:
            self.moved(ticket, move, service=to, counter=None, queue_key=ticket.arrived)
        else:
            self.moved(ticket, move)

    # --- The one rule ------------------------------------------------------------------

    @rule(action=st.sampled_from(WEIGHTED), data=st.data())
    def step(self, action, data):
        """One action, its arguments drawn here. (One rule with weights rather than a rule
        per action: Hypothesis's swarm testing would switch most actions off in each of so
        few examples, and queues would rarely get past their first call.)"""
        if action in NEEDS_TICKETS and not self.tickets:
            action = "walk_in"
        arguments = {
            name: data.draw(strategy, label=f"{action}.{name}")
            for name, strategy in ACTIONS[action].items()
        }
        getattr(self, action)(**arguments)

    # --- Invariants --------------------------------------------------------------------

    @invariant()
    def database_agrees_with_the_model(self):
        if not self.tickets:
            return
        rows = {
            row["pk"]: row
            for row in Ticket.objects.filter(office=self.office).values(
                "pk", "status", "service", "numbered_service", "number", "counter", "queue_key"
            )
        }
        assert set(rows) == {t.pk for t in self.tickets}
        counter_index = {counter.pk: i for i, counter in enumerate(self.counters)}
        for ticket in self.tickets:
            row = rows[ticket.pk]
            assert row["status"] == ticket.status, ticket
            assert self.by_pk[row["service"]] == ticket.service, ticket
            assert self.by_pk[row["numbered_service"]] == ticket.numbered, ticket
            assert row["number"] == ticket.number, ticket
            assert row["queue_key"] == ticket.queue_key, ticket
            if ticket.status in AT_COUNTER:
                assert counter_index.get(row["counter"]) == ticket.counter, ticket
        flagged = AuditFlag.objects.filter(
            office=self.office, kind=AuditFlag.Kind.OUT_OF_ORDER
        ).count()
        assert flagged == self.world.out_of_order

    @invariant()
    def a_counter_calls_or_serves_one_ticket_at_a_time(self):
        if not self.tickets:
            return
        at_counters = list(
            Ticket.objects.filter(office=self.office, status__in=AT_COUNTER).values_list(
                "pk", "counter", "status"
            )
        )
        assert all(counter is not None for _, counter, _ in at_counters)
        for counter in self.counters:
            busy = [pk for pk, at, status in at_counters if at == counter.pk and status in BUSY]
            assert len(busy) <= 1, (counter, busy)
        # What each console shows as its current ticket is never another counter's.
        current = [counter_current_ticket(counter=counter) for counter in self.counters]
        shown = [ticket.pk for ticket in current if ticket is not None]
        assert len(shown) == len(set(shown))
        for counter, ticket in zip(self.counters, current, strict=True):
            assert ticket is None or ticket.counter_id == counter.pk

    @invariant()
    def numbers_are_unique_and_gapless(self):
        if not self.tickets:
            return
        for name, service in self.services.items():
            rows = list(
                Ticket.objects.filter(numbered_service=service, date=DAY).values_list(
                    "seq", "number"
                )
            )
            seqs = sorted(seq for seq, _ in rows)
            assert seqs == list(range(1, len(seqs) + 1)), (name, seqs)
            assert sorted(number for _, number in rows) == [f"{name}-{s:03d}" for s in seqs]
            last = TicketSequence.objects.filter(service=service, date=DAY).values_list(
                "last", flat=True
            )
            assert list(last) == ([len(seqs)] if seqs else [])

    @invariant()
    def events_are_a_valid_path_ending_at_the_status(self):
        if not self.tickets:
            return
        events: dict[int, list] = {}
        for ticket_id, move, before, after, at in TicketEvent.objects.filter(
            ticket__office=self.office
        ).values_list("ticket", "move", "from_status", "to_status", "at"):
            events.setdefault(ticket_id, []).append((move, before, after, at))
        for ticket in self.tickets:
            path = events[ticket.pk]
            assert len(path) == ticket.events, (ticket, path)
            move, before, after, _ = path[0]
            assert (before, CREATION.get(move)) == ("", after), path
            for (_, _, previous, then), (move, before, after, at) in itertools.pairwise(path):
                assert before == previous, path
                assert TRANSITIONS.get((Status(before), Move(move))) == after, path
                assert at >= then, path
            assert path[-1][2] == ticket.status, path


def test_random_sequences_keep_the_queue_consistent():
    run_state_machine_as_test(
        QueueMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
