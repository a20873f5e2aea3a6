"""Keeping the daily roll-ups (`ServiceDay`, `OfficeDay`) from the source tables.

`office_day_rollup` recomputes one office's local day from scratch: tickets, their call
events, citizen and officer pacts, survey responses, audit flags and gratification report
steps, a handful of queries whatever the day's size. It replaces what was there (a late change,
such as a ticket finished after the last run, is simply counted at the next run) and deletes
the rows of services that no longer have any activity that day, so running it twice gives the
same rows. The worker runs it for every active office's today and yesterday every ten
minutes (a day is final once the run after its midnight is done); `manage.py stats_rollup`
backfills any range.

Roll-ups hold counts and sums only. They are computed from what the retention job keeps
(antrean.privacy empties names, NIKs and numbers but keeps codes, times, statuses and the
pacts), so a day recomputed after erasure gives the same figures.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Min, Q, Sum
from django.utils import timezone

from antrean.catalog.models import Service
from antrean.feedback.models import INVITATION_DAYS, SurveyResponse
from antrean.feedback.questionnaire import ELEMENTS
from antrean.integrity.models import Audience, Channel, PactSignature
from antrean.queueing.models import AuditFlag, Ticket, TicketEvent
from antrean.queueing.states import Move, Status
from antrean.reports.models import Outcome, ReportStatus, ReportStep
from antrean.stats.models import (
    SURVEY_SUM_FIELDS,
    WAIT_BUCKET_FIELDS,
    OfficeDay,
    ServiceDay,
    wait_bucket,
)
from antrean.tenancy.models import Office

ONLINE_CHANNELS = (Channel.WEB, Channel.API, Channel.WHATSAPP)
WALKIN_CHANNELS = (Channel.KIOSK, Channel.COUNTER)
NO_SHOW_STATUSES = (Status.NO_SHOW, Status.EXPIRED)
REFERRED_OUTCOMES = (
    Outcome.REFERRED_LAPOR,
    Outcome.REFERRED_SABER_PUNGLI,
    Outcome.REFERRED_KPK,
)

# The additive counts a service-day holds, summed into its office-day.
COUNT_FIELDS = (
    "tickets_online",
    "tickets_walkin",
    "served",
    "no_shows",
    "cancelled",
    "wait_count",
    "wait_sum_s",
    "service_count",
    "service_sum_s",
    "pacts_citizen",
    "calls",
    "calls_pledged",
    "survey_responses",
    "audit_flags",
    *WAIT_BUCKET_FIELDS,
    *SURVEY_SUM_FIELDS,
)
OFFICE_ONLY_FIELDS = (
    "officers_pledged",
    "reports_received",
    "reports_closed_substantiated",
    "reports_closed_not_substantiated",
    "reports_closed_referred",
)


def exact_percentile(values: list[int], q: float) -> int | None:
    """The nearest-rank q-quantile (0 < q ≤ 1) of `values`: the smallest value such that at
    least q of the values are at most it. Always a value that occurred ("90% waited at most
    this long" is then literally true); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(round(q * len(ordered), 9)))
    return ordered[rank - 1]


def day_bounds(office: Office, date: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The office's local day as [start, end) aware instants."""
    start = dt.datetime.combine(date, dt.time(), tzinfo=office.zone)
    end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), tzinfo=office.zone)
    return start, end


@dataclass
class _Figures:
    """One row being built (a service's or the whole office's)."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_FIELDS, 0))
    waits: list[int] = field(default_factory=list)
    services: list[int] = field(default_factory=list)

    def add_wait(self, seconds: int) -> None:
        self.waits.append(seconds)
        self.counts["wait_count"] += 1
        self.counts["wait_sum_s"] += seconds
        self.counts[WAIT_BUCKET_FIELDS[wait_bucket(seconds)]] += 1

    def add_service(self, seconds: int) -> None:
        self.services.append(seconds)
        self.counts["service_count"] += 1
        self.counts["service_sum_s"] += seconds

    @property
    def active(self) -> bool:
        return any(self.counts.values())

    def values(self) -> dict:
        return {
            **self.counts,
            "wait_p50_s": exact_percentile(self.waits, 0.5),
            "wait_p90_s": exact_percentile(self.waits, 0.9),
            "service_p50_s": exact_percentile(self.services, 0.5),
        }


@dataclass(frozen=True)
class Call:
    ticket_id: int
    service_id: int
    at: dt.datetime
    officer_id: int | None
    arrived_at: dt.datetime | None


def calls_of_day(*, office: Office, date: dt.date) -> list[Call]:
    """Every call (not recall) of the office's tickets of `date`, in the order made."""
    rows = (
        TicketEvent.objects.filter(ticket__office=office, ticket__date=date, move=Move.CALL)
        .order_by("at", "pk")
        .values_list("ticket_id", "service_id", "at", "officer_id", "ticket__arrived_at")
    )
    return [Call(*row) for row in rows]


def first_call_waits(calls: Iterable[Call]) -> dict[int, tuple[int, int]]:
    """ticket id → (service id of its first call, seconds from arrival to that call). A
    transferred ticket waits again in its new queue, but its waiting time is the first one:
    from arrival to the first time anyone called it."""
    waits: dict[int, tuple[int, int]] = {}
    for call in calls:
        if call.ticket_id in waits or call.arrived_at is None:
            continue
        seconds = max(0, int((call.at - call.arrived_at).total_seconds()))
        waits[call.ticket_id] = (call.service_id, seconds)
    return waits


def _officer_pledges(
    *, office: Office, start: dt.datetime, end: dt.datetime
) -> dict[int, dt.datetime]:
    """officer id → when they first signed the officer pact in [start, end)."""
    first: dict[int, dt.datetime] = {}
    rows = (
        PactSignature.objects.filter(
            office=office,
            audience=Audience.OFFICER,
            officer__isnull=False,
            signed_at__gte=start,
            signed_at__lt=end,
        )
        .order_by("signed_at")
        .values_list("officer_id", "signed_at")
    )
    for officer_id, signed_at in rows:
        first.setdefault(officer_id, signed_at)
    return first


@dataclass(frozen=True)
class RollupResult:
    office_id: int
    date: dt.date
    services: int  # service-day rows kept
    deleted: int  # stale rows removed
    office_day: bool  # whether the office-day row exists


def office_day_rollup(
    *, office: Office, date: dt.date, now: dt.datetime | None = None
) -> RollupResult:
    """Recompute every ServiceDay of `office` on its local `date`, and its OfficeDay.

    A day that has not begun yet at `now` (a date after the office's today) has no figures:
    tickets booked ahead are counted once their day comes. Idempotent; safe to run while the
    day goes on, and by two workers at once (the last write wins, and both computed the same
    source rows or a later state of them)."""
    now = now or timezone.now()
    if date > office.local_today(now):
        with transaction.atomic():
            deleted = _delete_stale(office=office, date=date, keep=())
            deleted += OfficeDay.objects.filter(office=office, date=date).delete()[0]
        return RollupResult(office.pk, date, 0, deleted, False)

    start, end = day_bounds(office, date)
    per_service: dict[int, _Figures] = defaultdict(_Figures)
    whole = _Figures()

    # Tickets of the day by their (current) service: channel and how each ended.
    tickets = (
        Ticket.objects.filter(office=office, date=date)
        .values("service_id")
        .annotate(
            tickets_online=Count("pk", filter=Q(channel__in=ONLINE_CHANNELS)),
            tickets_walkin=Count("pk", filter=Q(channel__in=WALKIN_CHANNELS)),
            served=Count("pk", filter=Q(status=Status.DONE)),
            no_shows=Count("pk", filter=Q(status__in=NO_SHOW_STATUSES)),
            cancelled=Count("pk", filter=Q(status=Status.CANCELLED)),
        )
        .order_by()
    )
    for row in tickets:
        figures = per_service[row["service_id"]]
        for name in ("tickets_online", "tickets_walkin", "served", "no_shows", "cancelled"):
            figures.counts[name] += row[name]

    # Service time: start of service to finish, of the tickets done.
    done = (
        Ticket.objects.filter(
            office=office,
            date=date,
            status=Status.DONE,
            started_at__isnull=False,
            finished_at__isnull=False,
        )
        .values_list("service_id", "started_at", "finished_at")
        .order_by()
    )
    for service_id, started_at, finished_at in done:
        seconds = max(0, int((finished_at - started_at).total_seconds()))
        per_service[service_id].add_service(seconds)
        whole.services.append(seconds)

    # Waiting (arrival to first call) and calls, with whether the caller had pledged that day.
    calls = calls_of_day(office=office, date=date)
    for service_id, seconds in first_call_waits(calls).values():
        per_service[service_id].add_wait(seconds)
        whole.waits.append(seconds)
    pledges = _officer_pledges(office=office, start=start, end=end)
    for call in calls:
        figures = per_service[call.service_id]
        figures.counts["calls"] += 1
        pledged_at = pledges.get(call.officer_id)
        if pledged_at is not None and pledged_at <= call.at:
            figures.counts["calls_pledged"] += 1

    # Citizens' pacts of the day's tickets (one per ticket: a ticket cannot exist without).
    pacts = (
        PactSignature.objects.filter(
            audience=Audience.CITIZEN, ticket__office=office, ticket__date=date
        )
        .values("ticket__service_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in pacts:
        per_service[row["ticket__service_id"]].counts["pacts_citizen"] += row["n"]

    # Survey answers of the day's services: counted and summed per element, never kept.
    survey = (
        SurveyResponse.objects.filter(office=office, served_on=date)
        .values("service_id")
        .annotate(n=Count("pk"), **{f"u{e.number}": Sum(e.key) for e in ELEMENTS})
        .order_by()
    )
    for row in survey:
        figures = per_service[row["service_id"]]
        figures.counts["survey_responses"] += row["n"]
        for element in ELEMENTS:
            figures.counts[f"u{element.number}_sum"] += row[f"u{element.number}"] or 0

    # Fair-call flags raised that day: by the flagged ticket's service when there is one.
    office_flags = 0
    flags = (
        AuditFlag.objects.filter(office=office, at__gte=start, at__lt=end)
        .values("ticket__service_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in flags:
        office_flags += row["n"]
        if row["ticket__service_id"] is not None:
            per_service[row["ticket__service_id"]].counts["audit_flags"] += row["n"]

    office_values = _office_only(office=office, start=start, end=end, officers=len(pledges))

    active = {sid: figures for sid, figures in per_service.items() if figures.active}
    agencies = dict(Service.objects.filter(pk__in=active).values_list("pk", "agency_id"))
    for figures in active.values():
        for name in COUNT_FIELDS:
            whole.counts[name] += figures.counts[name]
    whole.counts["audit_flags"] = office_flags
    office_active = whole.active or any(office_values.values())

    service_rows = [
        ServiceDay(
            office=office,
            agency_id=agencies[service_id],
            service_id=service_id,
            date=date,
            **figures.values(),
        )
        for service_id, figures in active.items()
    ]
    with transaction.atomic():
        deleted = _delete_stale(office=office, date=date, keep=list(active))
        if service_rows:
            ServiceDay.objects.bulk_create(
                service_rows,
                update_conflicts=True,
                unique_fields=["service", "date"],
                update_fields=_update_fields(ServiceDay),
            )
        if office_active:
            OfficeDay.objects.bulk_create(
                [OfficeDay(office=office, date=date, **whole.values(), **office_values)],
                update_conflicts=True,
                unique_fields=["office", "date"],
                update_fields=_update_fields(OfficeDay),
            )
        else:
            deleted += OfficeDay.objects.filter(office=office, date=date).delete()[0]
    return RollupResult(office.pk, date, len(service_rows), deleted, office_active)


def _office_only(*, office: Office, start: dt.datetime, end: dt.datetime, officers: int) -> dict:
    """What belongs to the office as a whole: officers who pledged, and the gratification
    reports received and closed that day (by the chained steps, not the reports' copies)."""
    steps = ReportStep.objects.filter(office=office, at__gte=start, at__lt=end).aggregate(
        received=Count("pk", filter=Q(kind=ReportStatus.RECEIVED)),
        substantiated=Count(
            "pk", filter=Q(kind=ReportStatus.CLOSED, outcome=Outcome.SUBSTANTIATED)
        ),
        not_substantiated=Count(
            "pk", filter=Q(kind=ReportStatus.CLOSED, outcome=Outcome.NOT_SUBSTANTIATED)
        ),
        referred=Count("pk", filter=Q(kind=ReportStatus.CLOSED, outcome__in=REFERRED_OUTCOMES)),
    )
    return {
        "officers_pledged": officers,
        "reports_received": steps["received"],
        "reports_closed_substantiated": steps["substantiated"],
        "reports_closed_not_substantiated": steps["not_substantiated"],
        "reports_closed_referred": steps["referred"],
    }


def _update_fields(model) -> list[str]:
    keys = {"id", "office", "date", "service"}
    return [f.name for f in model._meta.concrete_fields if f.name not in keys and not f.primary_key]


def _delete_stale(*, office: Office, date: dt.date, keep) -> int:
    stale = ServiceDay.objects.filter(office=office, date=date).exclude(service_id__in=keep)
    return stale.delete()[0]


# --- Ranges --------------------------------------------------------------------------------


def active_dates(*, office: Office, start: dt.date, end: dt.date) -> list[dt.date]:
    """The local days in [start, end] on which anything a roll-up counts happened, or that
    already have roll-up rows (which may need deleting): the days a backfill must visit."""
    first, _ = day_bounds(office, start)
    _, last = day_bounds(office, end)
    dates: set[dt.date] = set()
    dates.update(
        Ticket.objects.filter(office=office, date__range=(start, end))
        .values_list("date", flat=True)
        .distinct()
    )
    dates.update(
        SurveyResponse.objects.filter(office=office, served_on__range=(start, end))
        .values_list("served_on", flat=True)
        .distinct()
    )
    dates.update(
        ServiceDay.objects.filter(office=office, date__range=(start, end))
        .values_list("date", flat=True)
        .distinct()
    )
    dates.update(
        OfficeDay.objects.filter(office=office, date__range=(start, end)).values_list(
            "date", flat=True
        )
    )
    # Rows not dated by a local day: read their instants and turn them into the office's days.
    instants = [
        PactSignature.objects.filter(
            office=office, audience=Audience.OFFICER, signed_at__gte=first, signed_at__lt=last
        ).values_list("signed_at", flat=True),
        AuditFlag.objects.filter(office=office, at__gte=first, at__lt=last).values_list(
            "at", flat=True
        ),
        ReportStep.objects.filter(office=office, at__gte=first, at__lt=last).values_list(
            "at", flat=True
        ),
    ]
    zone = office.zone
    for rows in instants:
        dates.update(moment.astimezone(zone).date() for moment in rows.iterator())
    return sorted(d for d in dates if start <= d <= end)


def office_first_day(office: Office) -> dt.date | None:
    """The office's first local day with tickets, survey answers or roll-up rows."""
    days = [
        Ticket.objects.filter(office=office).aggregate(d=Min("date"))["d"],
        SurveyResponse.objects.filter(office=office).aggregate(d=Min("served_on"))["d"],
        OfficeDay.objects.filter(office=office).aggregate(d=Min("date"))["d"],
    ]
    days = [day for day in days if day is not None]
    return min(days) if days else None


def office_range_rollup(
    *, office: Office, start: dt.date, end: dt.date, now: dt.datetime | None = None
) -> list[RollupResult]:
    """Roll up every day of [start, end] that has activity or rows (see `active_dates`)."""
    now = now or timezone.now()
    return [
        office_day_rollup(office=office, date=day, now=now)
        for day in active_dates(office=office, start=start, end=end)
    ]


def office_history_rollup(*, office: Office, now: dt.datetime | None = None) -> list[RollupResult]:
    """Roll up every day of the office from its first to its today (a full backfill)."""
    now = now or timezone.now()
    start = office_first_day(office)
    if start is None:
        return []
    return office_range_rollup(office=office, start=start, end=office.local_today(now), now=now)


# Survey answers come up to INVITATION_DAYS after the service and are dated by the day of
# service: days this far back are checked for answers their roll-up has not counted yet.
LATE_ANSWER_DAYS = INVITATION_DAYS + 1


def days_with_uncounted_answers(*, start: dt.date, end: dt.date) -> set[tuple[int, dt.date]]:
    """(office id, date) in [start, end] whose survey responses differ from the count in its
    office-day roll-up: two grouped queries for every office at once."""
    answers = {
        (row["office_id"], row["served_on"]): row["n"]
        for row in SurveyResponse.objects.filter(served_on__range=(start, end))
        .values("office_id", "served_on")
        .annotate(n=Count("pk"))
        .order_by()
    }
    counted = {
        (office_id, date): n
        for office_id, date, n in OfficeDay.objects.filter(
            date__range=(start, end), survey_responses__gt=0
        ).values_list("office_id", "date", "survey_responses")
    }
    return {key for key in answers.keys() | counted.keys() if answers.get(key) != counted.get(key)}


def rollup_recent(*, now: dt.datetime | None = None) -> int:
    """The worker's job: today and yesterday of every active office (each office's own local
    days), and the earlier days that received survey answers since their last roll-up.
    Yesterday is run again after midnight so that what happened late is counted and the day
    is final; answers keep coming for INVITATION_DAYS. Returns the office-days rolled up."""
    now = now or timezone.now()
    done = 0
    offices = {office.pk: office for office in Office.objects.filter(is_active=True)}
    recent: set[tuple[int, dt.date]] = set()
    for office in offices.values():
        today = office.local_today(now)
        recent.update({(office.pk, today - dt.timedelta(days=1)), (office.pk, today)})
    if offices:
        earliest = min(day for _office, day in recent)
        late = days_with_uncounted_answers(
            start=earliest - dt.timedelta(days=LATE_ANSWER_DAYS), end=earliest
        )
        recent.update(key for key in late if key[0] in offices)
    for office_id, day in sorted(recent):
        office_day_rollup(office=offices[office_id], date=day, now=now)
        done += 1
    return done
