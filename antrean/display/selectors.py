"""What a screen shows right now: the state it starts from, and resyncs to after a drop."""

import datetime as dt

from django.utils import timezone

from antrean.catalog.models import Counter
from antrean.display.models import Board
from antrean.queueing.models import Ticket, TicketEvent
from antrean.queueing.states import Status
from antrean.tenancy.models import Office

LAST_CALLS = 8


def board_snapshot(*, office: Office, now: dt.datetime | None = None) -> dict:
    """Counters with the number each serves, the last calls, the clock and the running text.
    Numbers and counters only: nothing personal ever reaches a public screen."""
    now = now or timezone.now()
    today = office.local_today(now)
    current = {
        t.counter_id: t
        for t in Ticket.objects.filter(
            office=office,
            date=today,
            status__in=[Status.CALLED, Status.SERVING, Status.ON_HOLD],
            counter__isnull=False,
        )
        .select_related("service")
        .order_by("called_at")
    }
    pledged = officers_pledged_today(office=office, now=now)
    counters = [
        {
            "number": c.number,
            "name": str(c),
            "agency": c.agency.short_name,
            "ticket": current[c.pk].number if c.pk in current else None,
            "status": current[c.pk].status if c.pk in current else None,
            "pledged": c.pk in current and current[c.pk].officer_id in pledged,
        }
        for c in Counter.objects.filter(office=office, is_active=True)
        .select_related("agency")
        .order_by("number")
    ]
    midnight = office.local_now(now).replace(hour=0, minute=0, second=0, microsecond=0)
    calls = [
        {
            "number": e.ticket.number,
            "counter": e.counter.number if e.counter_id else None,
            "service": e.service.name,
            "at": e.at.isoformat(),
            "move": e.move,
        }
        for e in TicketEvent.objects.filter(
            ticket__office=office, move__in=["call", "recall"], at__gte=midnight
        )
        .select_related("ticket", "counter", "service")
        .order_by("-at", "-pk")[:LAST_CALLS]
    ]
    board = Board.objects.filter(office=office).first()
    return {
        "office": {"code": office.code, "name": office.name, "timezone": office.timezone,
                   "zone": office.zone_label},
        "now": now.isoformat(),
        "counters": counters,
        "calls": calls,
        "running_text": board.running_text if board else Board._meta.get_field(
            "running_text").default,
    }  # fmt: skip


def officers_pledged_today(*, office: Office, now: dt.datetime | None = None) -> set[int]:
    """Ids of the officers who signed the officer pact today at this office."""
    from antrean.integrity.models import Audience, PactSignature

    local = office.local_now(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return set(
        PactSignature.objects.filter(
            office=office, audience=Audience.OFFICER, signed_at__gte=midnight
        ).values_list("officer_id", flat=True)
    )


def office_by_code(code: str) -> Office | None:
    return Office.objects.filter(code=code, is_active=True).first()
