"""A ticket's live status, as its owner sees it on the status page."""

from django.db.models import Q

from antrean.queueing.models import Ticket
from antrean.queueing.selectors import ticket_position
from antrean.queueing.states import Status

OWNED_KEY = "booking_owned"  # set by the booking pages (booking.views._own)


def owned_ticket_id(session, code: str) -> int | None:
    if session is None:
        return None
    owned = session.get(OWNED_KEY) or []
    if code not in owned:
        return None
    return Ticket.objects.filter(code=code).values_list("pk", flat=True).first()


def ticket_status(*, ticket_id: int) -> dict:
    """Position, people ahead, estimated wait, and the counter when called."""
    ticket = Ticket.objects.select_related("office", "service", "counter").get(pk=ticket_id)
    position = ticket_position(ticket=ticket)
    near_at = getattr(ticket.office, "turn_near_ahead", 3)
    now_serving = list(
        Ticket.objects.filter(
            Q(status=Status.CALLED) | Q(status=Status.SERVING),
            service=ticket.service_id,
            date=ticket.date,
        )
        .order_by("-called_at")
        .values_list("number", flat=True)[:3]
    )
    return {
        "office_id": ticket.office_id,
        "number": ticket.number,
        "status": ticket.status,
        "status_label": str(ticket.get_status_display()),
        "ahead": position["ahead"],
        "minutes": position["minutes"],
        "near": ticket.status == Status.WAITING and position["ahead"] < near_at,
        "called": ticket.status == Status.CALLED,
        "counter": ticket.counter.number if ticket.counter_id else None,
        "counter_name": str(ticket.counter) if ticket.counter_id else None,
        "officer_pledged": _officer_pledged(ticket),
        "now_serving": now_serving,
    }


def status_public(status: dict) -> dict:
    """What the owner's page is sent: the status without internal ids."""
    return {k: v for k, v in status.items() if k != "office_id"}


def _officer_pledged(ticket: Ticket) -> bool:
    """Whether the officer who called this ticket signed the officer pact today."""
    if not ticket.officer_id:
        return False
    from antrean.queueing.services import officer_pact_signed_today

    return officer_pact_signed_today(user=ticket.officer, office=ticket.office) is not None
