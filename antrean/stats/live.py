"""Today, live: what an office's queue looks like right now, read from the live tables.

Roll-ups are minutes behind by design; "today live" is not. A handful of cheap queries on
today's tickets (indexed by office, date and status), today's calls and pledges, and the
counters. Counts only: nothing here names a person.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q

from antrean.catalog.models import Counter, Service
from antrean.integrity.models import Audience, PactSignature
from antrean.queueing.models import Ticket
from antrean.queueing.selectors import OPEN_COUNTER_WINDOW
from antrean.queueing.states import Status
from antrean.stats.rollup import calls_of_day, day_bounds, exact_percentile, first_call_waits
from antrean.tenancy.models import Office

# At a counter: called, being served, or stepped aside to be served again.
AT_COUNTER = (Status.CALLED, Status.SERVING, Status.ON_HOLD)


@dataclass(frozen=True)
class ServiceLive:
    service_id: int
    code: str
    name: str
    agency_id: int
    waiting: int
    serving: int  # at a counter: called, being served or on hold
    done: int
    wait_count: int  # tickets called today for the first time here
    wait_p50_s: int | None  # today's median from arrival to first call


@dataclass(frozen=True)
class OfficeLive:
    office_id: int
    date: dt.date  # the office's today
    at: dt.datetime
    waiting: int
    serving: int
    served: int
    wait_count: int
    wait_p50_s: int | None
    counters: int  # active counters
    counters_open: int  # of which calling or serving now, or called in the last half hour
    officers_pledged: int  # who signed today's officer pact
    services: tuple[ServiceLive, ...]


def office_live(
    *, office: Office, now: dt.datetime, agency_ids: Iterable[int] | None = None
) -> OfficeLive:
    """The office's today at `now`, whole or for `agency_ids` only (an agency admin's part,
    `permissions.dashboard_agency_ids`)."""
    today = office.local_today(now)
    agencies = None if agency_ids is None else set(agency_ids)

    def in_scope(queryset, path: str):
        return queryset if agencies is None else queryset.filter(**{f"{path}__in": agencies})

    tickets = in_scope(Ticket.objects.filter(office=office, date=today), "service__agency_id")
    counts = {
        row["service_id"]: row
        for row in tickets.values("service_id")
        .annotate(
            waiting=Count("pk", filter=Q(status=Status.WAITING)),
            serving=Count("pk", filter=Q(status__in=AT_COUNTER)),
            done=Count("pk", filter=Q(status=Status.DONE)),
        )
        .order_by()
    }
    services = in_scope(
        Service.objects.filter(office=office).filter(Q(is_active=True) | Q(pk__in=list(counts))),
        "agency_id",
    ).order_by("agency__position", "agency_id", "position", "prefix")

    # Waiting times by the service of the first call (a transferred ticket waited there).
    scope = None
    if agencies is not None:
        scope = set(
            Service.objects.filter(office=office, agency_id__in=agencies).values_list(
                "pk", flat=True
            )
        )
    waits: dict[int, list[int]] = defaultdict(list)
    all_waits: list[int] = []
    for service_id, seconds in first_call_waits(calls_of_day(office=office, date=today)).values():
        if scope is None or service_id in scope:
            waits[service_id].append(seconds)
            all_waits.append(seconds)

    rows = []
    for service in services:
        row = counts.get(service.pk, {})
        rows.append(
            ServiceLive(
                service_id=service.pk,
                code=service.code,
                name=service.name,
                agency_id=service.agency_id,
                waiting=row.get("waiting", 0),
                serving=row.get("serving", 0),
                done=row.get("done", 0),
                wait_count=len(waits.get(service.pk, [])),
                wait_p50_s=exact_percentile(waits.get(service.pk, []), 0.5),
            )
        )

    counters = in_scope(Counter.objects.filter(office=office, is_active=True), "agency_id")
    busy = Ticket.objects.filter(office=office, date=today).filter(
        Q(status__in=AT_COUNTER) | Q(called_at__gte=now - OPEN_COUNTER_WINDOW, called_at__lte=now)
    )
    start, _end = day_bounds(office, today)
    pledged = in_scope(
        PactSignature.objects.filter(
            office=office,
            audience=Audience.OFFICER,
            officer__isnull=False,
            signed_at__gte=start,
            signed_at__lte=now,
        ),
        "rendering__agency_id",
    )
    return OfficeLive(
        office_id=office.pk,
        date=today,
        at=now,
        waiting=sum(row.waiting for row in rows),
        serving=sum(row.serving for row in rows),
        served=sum(row.done for row in rows),
        wait_count=len(all_waits),
        wait_p50_s=exact_percentile(all_waits, 0.5),
        counters=counters.count(),
        counters_open=counters.filter(pk__in=busy.values("counter_id")).count(),
        officers_pledged=pledged.values("officer_id").distinct().count(),
        services=tuple(rows),
    )


def waiting_by_office(*, offices: Iterable[Office], now: dt.datetime) -> dict[int, int]:
    """Tickets waiting now, per office, each on its own today (one query for all offices)."""
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for office in offices:
        by_day[office.local_today(now)].append(office.pk)
    if not by_day:
        return {}
    condition = Q()
    for day, ids in by_day.items():
        condition |= Q(date=day, office_id__in=ids)
    rows = (
        Ticket.objects.filter(condition, status=Status.WAITING)
        .values("office_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["office_id"]: row["n"] for row in rows}
