"""The ticket's life (DESIGN.md "Ticket life"): the only moves that exist.

Pure data and functions, no database: every action that changes a ticket's status asks
`can_move` first and is refused with `invalid_transition` otherwise.
"""

from enum import StrEnum


class Status(StrEnum):
    BOOKED = "booked"
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    ON_HOLD = "on_hold"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Move(StrEnum):
    CHECK_IN = "check_in"
    CALL = "call"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no_show"
    TRANSFER = "transfer"
    HOLD = "hold"
    RESUME = "resume"
    CANCEL = "cancel"
    EXPIRE = "expire"


# (from, move) → to
TRANSITIONS: dict[tuple[Status, Move], Status] = {
    (Status.BOOKED, Move.CHECK_IN): Status.WAITING,
    (Status.BOOKED, Move.CANCEL): Status.CANCELLED,
    (Status.BOOKED, Move.EXPIRE): Status.EXPIRED,
    (Status.WAITING, Move.CALL): Status.CALLED,
    (Status.WAITING, Move.CANCEL): Status.CANCELLED,
    (Status.CALLED, Move.RECALL): Status.CALLED,
    (Status.CALLED, Move.START): Status.SERVING,
    (Status.CALLED, Move.NO_SHOW): Status.NO_SHOW,
    (Status.SERVING, Move.FINISH): Status.DONE,
    (Status.SERVING, Move.TRANSFER): Status.WAITING,
    # Hold: the citizen steps aside (a missing document) and is served again on resume.
    (Status.SERVING, Move.HOLD): Status.ON_HOLD,
    (Status.ON_HOLD, Move.RESUME): Status.SERVING,
    (Status.ON_HOLD, Move.CANCEL): Status.CANCELLED,
}

# Statuses in which a ticket holds its place: it counts against quotas and duplicates.
ACTIVE = frozenset({Status.BOOKED, Status.WAITING, Status.CALLED, Status.SERVING, Status.ON_HOLD})


def can_move(status: str, move: str) -> bool:
    return (Status(status), Move(move)) in TRANSITIONS


def target(status: str, move: str) -> Status:
    """The status after `move`; KeyError when the move does not exist from `status`."""
    return TRANSITIONS[(Status(status), Move(move))]
