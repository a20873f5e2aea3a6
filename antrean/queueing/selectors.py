"""Reads about queues: what a counter sees, how long people wait, where a ticket stands."""

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from antrean.catalog.models import Counter, Service
from antrean.queueing.models import Ticket
from antrean.queueing.services import call_order
from antrean.queueing.states import Status

RECENT_SERVICES = 20  # how many recent services the average duration is taken over
OPEN_COUNTER_WINDOW = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class WaitEstimate:
    service_id: int
    waiting: int
    open_counters: int
    minutes_per_ticket: float
    minutes: int  # for the last person in the queue now


def _average_minutes(service: Service) -> float:
    rows = list(
        Ticket.objects.filter(
            service=service,
            status=Status.DONE,
            started_at__isnull=False,
            finished_at__isnull=False,
        )
        .order_by("-finished_at")
        .values_list("started_at", "finished_at")[:RECENT_SERVICES]
    )
    if not rows:
        return float(service.duration_minutes)
    return sum((end - start).total_seconds() for start, end in rows) / len(rows) / 60


def _open_counters(service: Service, now: dt.datetime) -> int:
    """Counters serving this service that called someone in the last half hour (at least 1)."""
    recent = Ticket.objects.filter(called_at__gte=now - OPEN_COUNTER_WINDOW).values("counter_id")
    return max(Counter.objects.filter(services=service, is_active=True, pk__in=recent).count(), 1)


def service_wait_estimate(*, service: Service, now: dt.datetime | None = None) -> WaitEstimate:
    """Estimated wait from recent service durations and the counters open now."""
    now = now or timezone.now()
    today = service.office.local_today(now)
    waiting = Ticket.objects.filter(service=service, date=today, status=Status.WAITING).count()
    per_ticket = _average_minutes(service)
    counters = _open_counters(service, now)
    return WaitEstimate(
        service_id=service.pk,
        waiting=waiting,
        open_counters=counters,
        minutes_per_ticket=round(per_ticket, 1),
        minutes=math.ceil(waiting * per_ticket / counters),
    )


def ticket_position(*, ticket: Ticket, now: dt.datetime | None = None) -> dict:
    """Where a waiting ticket stands in its service's queue: people ahead and an estimate."""
    now = now or timezone.now()
    if ticket.status != Status.WAITING:
        return {"ahead": 0, "minutes": 0}
    queue = list(
        call_order(
            Ticket.objects.filter(
                service=ticket.service_id, date=ticket.date, status=Status.WAITING
            ),
            regular_first=False,
        ).values_list("pk", flat=True)
    )
    ahead = queue.index(ticket.pk) if ticket.pk in queue else 0
    per_ticket = _average_minutes(ticket.service)
    counters = _open_counters(ticket.service, now)
    return {"ahead": ahead, "minutes": math.ceil(ahead * per_ticket / counters)}


def counter_queue_lengths(*, counter: Counter, now: dt.datetime | None = None) -> list[dict]:
    """Waiting tickets per service of the counter, for the console."""
    now = now or timezone.now()
    today = counter.office.local_today(now)
    rows = counter.services.filter(is_active=True).annotate(
        waiting=Count(
            "tickets",
            filter=Q(tickets__date=today, tickets__status=Status.WAITING),
        )
    )
    return [{"service": s, "waiting": s.waiting} for s in rows.order_by("prefix")]


def counter_current_ticket(*, counter: Counter) -> Ticket | None:
    return (
        Ticket.objects.filter(
            counter=counter, status__in=[Status.CALLED, Status.SERVING, Status.ON_HOLD]
        )
        .select_related("service", "pact_signature")
        .order_by("-called_at")
        .first()
    )


def counters_for_office(*, office_code: str):
    return (
        Counter.objects.filter(office__code=office_code, is_active=True)
        .select_related("agency", "office")
        .prefetch_related("services")
        .order_by("number")
    )


# --- Counter console and audit page (staff pages) ------------------------------------------


def counters_for_user(*, user):
    """The counters a staff member may operate (tenancy.permissions.can_operate_counter)."""
    from antrean.tenancy import permissions

    counters = (
        Counter.objects.filter(is_active=True, office__is_active=True)
        .select_related("agency", "office")
        .prefetch_related("services")
        .order_by("office__name", "number")
    )
    return permissions.counters_operable(user, counters)


def counter_get(*, counter_id: int) -> Counter | None:
    return (
        Counter.objects.filter(pk=counter_id, is_active=True, office__is_active=True)
        .select_related("agency", "office")
        .first()
    )


@dataclass(frozen=True)
class CounterTickets:
    current: Ticket | None  # called or being served here
    held: list[Ticket]  # set aside here, waiting to be resumed


def counter_tickets(*, counter: Counter) -> CounterTickets:
    rows = list(
        Ticket.objects.filter(
            counter=counter, status__in=[Status.CALLED, Status.SERVING, Status.ON_HOLD]
        )
        .select_related("service", "pact_signature")
        .order_by("-called_at", "-pk")
    )
    current = next((t for t in rows if t.status != Status.ON_HOLD), None)
    return CounterTickets(current=current, held=[t for t in rows if t.status == Status.ON_HOLD])


def counter_waiting_tickets(
    *, counter: Counter, now: dt.datetime | None = None, limit: int = 50
) -> list[Ticket]:
    """The waiting tickets of the counter's services in the order "call next" takes them."""
    from antrean.queueing.models import CallState

    now = now or timezone.now()
    office = counter.office
    streak = (
        CallState.objects.filter(office=office.pk).values_list("priority_streak", flat=True).first()
    ) or 0
    waiting = Ticket.objects.filter(
        office_id=office.pk,
        date=office.local_today(now),
        status=Status.WAITING,
        service__in=counter.services.filter(is_active=True),
    ).select_related("service", "slot")
    ordered = call_order(waiting, regular_first=streak >= office.priority_streak_limit)
    return list(ordered[:limit])


def audit_offices_for_user(*, user):
    """Offices whose audit flags the user may review (tenancy.permissions.can_review_audit)."""
    from antrean.tenancy import permissions

    return permissions.offices_administered(user).filter(is_active=True).order_by("name")


def audit_flags(
    *,
    office,
    kind: str | None = None,
    counter_id: int | None = None,
    officer_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    acknowledged: bool | None = None,
):
    """An office's flags, newest first; dates are the office's local days, both inclusive."""
    from antrean.queueing.models import AuditFlag

    flags = AuditFlag.objects.filter(office=office).select_related(
        "ticket__service", "counter", "officer", "acknowledged_by"
    )
    if kind:
        flags = flags.filter(kind=kind)
    if counter_id:
        flags = flags.filter(counter_id=counter_id)
    if officer_id:
        flags = flags.filter(officer_id=officer_id)
    if date_from:
        flags = flags.filter(at__gte=dt.datetime.combine(date_from, dt.time(), office.zone))
    if date_to:
        end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), office.zone)
        flags = flags.filter(at__lt=end)
    if acknowledged is not None:
        flags = flags.filter(acknowledged_at__isnull=not acknowledged)
    return flags.order_by("-at", "-pk")


def ticket_for_staff(*, user, ticket_id: int) -> Ticket:
    """One ticket as staff read it back: NOT_FOUND for none, FORBIDDEN outside the account's
    office or agency (tenancy.permissions.can_act_on_ticket)."""
    from antrean.core.errors import DomainError, ErrorCode
    from antrean.tenancy import permissions

    ticket = (
        Ticket.objects.select_related("office", "service__agency", "counter")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    permissions.require(permissions.can_act_on_ticket(user, ticket))
    return ticket
