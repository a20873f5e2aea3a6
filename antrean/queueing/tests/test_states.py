"""The ticket's life: exactly the moves of DESIGN.md "Ticket life", nothing else."""

import itertools

import pytest

from antrean.queueing.states import ACTIVE, TRANSITIONS, Move, Status, can_move, target

# Written out from DESIGN.md and issue 5 (hold/resume), independently of the table under test.
EXPECTED = {
    ("booked", "check_in"): "waiting",
    ("booked", "cancel"): "cancelled",
    ("booked", "expire"): "expired",
    ("waiting", "call"): "called",
    ("waiting", "cancel"): "cancelled",
    ("called", "recall"): "called",
    ("called", "start"): "serving",
    ("called", "no_show"): "no_show",
    ("serving", "finish"): "done",
    ("serving", "transfer"): "waiting",
    ("serving", "hold"): "on_hold",
    ("on_hold", "resume"): "serving",
    ("on_hold", "cancel"): "cancelled",
}

ALL_PAIRS = list(itertools.product(Status, Move))


def test_the_status_and_move_names_are_stable():
    assert {s.value for s in Status} == {
        "booked",
        "waiting",
        "called",
        "serving",
        "on_hold",
        "done",
        "no_show",
        "cancelled",
        "expired",
    }
    assert {m.value for m in Move} == {
        "check_in",
        "call",
        "recall",
        "start",
        "finish",
        "no_show",
        "transfer",
        "hold",
        "resume",
        "cancel",
        "expire",
    }


@pytest.mark.parametrize(("status", "move"), ALL_PAIRS, ids=lambda v: str(v))
def test_every_pair(status, move):
    expected = EXPECTED.get((status.value, move.value))
    # Plain strings, as read from the database, work as well as the enums.
    assert can_move(status.value, move.value) is (expected is not None)
    assert can_move(status, move) is (expected is not None)
    if expected is None:
        with pytest.raises(KeyError):
            target(status, move)
    else:
        assert target(status.value, move.value) == expected


def test_the_table_has_nothing_more():
    assert {(s.value, m.value): t.value for (s, m), t in TRANSITIONS.items()} == EXPECTED


@pytest.mark.parametrize("status", ["done", "no_show", "cancelled", "expired"])
def test_terminal_statuses_have_no_way_out(status):
    assert not any(can_move(status, move) for move in Move)


def test_walk_in_path_and_transfer_keep_going():
    status = Status.WAITING
    for move in [Move.CALL, Move.RECALL, Move.START, Move.TRANSFER, Move.CALL, Move.START]:
        status = target(status, move)
    assert target(status, Move.FINISH) == Status.DONE


def test_active_statuses_hold_a_place():
    assert {s.value for s in ACTIVE} == {"booked", "waiting", "called", "serving", "on_hold"}


def test_unknown_names_are_refused():
    with pytest.raises(ValueError):
        can_move("lost", "cancel")
    with pytest.raises(ValueError):
        can_move("booked", "teleport")
