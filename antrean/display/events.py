"""Real-time events: what the hall's TV, the kiosks and the citizens' status pages are told.

Published after the transaction that caused them commits (a rolled-back call is never
announced), to the office's channel group. Payloads carry numbers and counters, never names,
NIKs or phone numbers: a TV in a public hall shows them.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from antrean.display.speech import announcement_text

logger = logging.getLogger("antrean.display")

ANNOUNCED_MOVES = {"call", "recall"}
QUEUE_MOVES = {
    "check_in", "issue", "call", "recall", "start", "finish", "no_show", "transfer", "hold",
    "resume", "cancel", "expire",
}  # fmt: skip


def office_group(office_id: int) -> str:
    return f"office.{office_id}"


def _send(group: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # a lost broadcast must never break the move that caused it
        logger.exception("Broadcast to %s failed", group)


def _pledged(ticket) -> bool:
    """Whether the officer now serving this ticket signed the officer pact today."""
    if not ticket.officer_id:
        return False
    from antrean.queueing.services import officer_pact_signed_today

    return officer_pact_signed_today(user=ticket.officer, office=ticket.office) is not None


def ticket_moved(ticket, move: str) -> None:
    """Tell the office's screens about a move, once the transaction commits."""
    if move not in QUEUE_MOVES:
        return
    counter = getattr(ticket, "counter", None) if ticket.counter_id else None
    payload = {
        "type": "queue.event",
        "event": {
            "move": move,
            "announce": move in ANNOUNCED_MOVES,
            "number": ticket.number,
            "service_id": ticket.service_id,
            "service": ticket.service.name,
            "status": ticket.status,
            "counter": counter.number if counter else None,
            "counter_name": str(counter) if counter else None,
            "pledged": _pledged(ticket),
            "ticket_id": ticket.pk,
            "at": timezone.now().isoformat(),
            # The words the TV speaks, so every screen says the same thing.
            "speech": announcement_text(
                number=ticket.number, counter=counter.number if counter else None
            ),
        },
    }
    group = office_group(ticket.office_id)
    transaction.on_commit(lambda: _send(group, payload))


def board_changed(office_id: int) -> None:
    """Something on the board other than a call changed (the running text): resync."""
    transaction.on_commit(lambda: _send(office_group(office_id), {"type": "board.resync"}))
