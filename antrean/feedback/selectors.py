"""Reads of the survey: the IKM of an office, agency, service, counter or officer over a period
of the office's local days, and the SKM report built from them.

Every figure is summed by the database in one query per table (Count and Sum per answer
column, grouped by calendar month), never by looping over responses.

Anonymity (docs/ikm.md): figures are computed over whole calendar months only (a requested
period is widened to the first day of its first month and the last day of its last month),
and an aggregate shows them only when every month of the period holds 0 or at least
`ANONYMITY_MIN` responses in its scope; otherwise only the count is given. Two publishable
answers for one scope then differ by whole months of 0 or ≥ 5 responses, so subtracting them
never isolates fewer than five citizens.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from antrean.catalog.models import Counter, Service
from antrean.core.errors import DomainError, ErrorCode
from antrean.feedback.ikm import IkmResult, ikm_from_totals, minimum_sample
from antrean.feedback.models import ANONYMITY_MIN, SurveyResponse
from antrean.feedback.questionnaire import ELEMENTS, AgeBand, Education, Occupation, Sex
from antrean.queueing.models import Ticket
from antrean.queueing.states import Status
from antrean.tenancy import permissions
from antrean.tenancy.models import Agency, Office

# Longest period one request may cover once widened to whole months: twelve calendar months
# (at most a leap year). Checked on the widened period, so 15 Jan – 14 Jan of the next year
# (thirteen months once widened) is refused.
MAX_PERIOD_DAYS = 366


@dataclass(frozen=True)
class Aggregate:
    """The figures of one group. `result` is None when the group holds fewer than
    `ANONYMITY_MIN` responses (or none): then only `responses` may be shown."""

    responses: int
    result: IkmResult | None
    population: int | None = None  # tickets served in the same scope and period
    minimum_sample: int | None = None
    # A calendar month of the period holds 1 to ANONYMITY_MIN - 1 responses in this scope:
    # figures are withheld even when the total reaches the floor.
    thin_month: bool = False

    @property
    def shown(self) -> bool:
        return self.result is not None

    @property
    def sample_reached(self) -> bool | None:
        if self.minimum_sample is None:
            return None
        return self.responses >= self.minimum_sample


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def whole_months(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """[start, end] widened to whole calendar months: the first day of `start`'s month and the
    last day of `end`'s month. Refused (`invalid_period`) when it ends before it starts or,
    once widened, is longer than MAX_PERIOD_DAYS (more than twelve months)."""
    if start > end:
        raise DomainError(ErrorCode.INVALID_PERIOD, field="to")
    first, last = start.replace(day=1), _month_end(end)
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise DomainError(ErrorCode.INVALID_PERIOD, field="from")
    return first, last


def period_check(start: dt.date, end: dt.date) -> None:
    """Refuse a period that whole_months refuses."""
    whole_months(start, end)


def _sums() -> dict:
    return {
        "responses": Count("pk"),
        **{element.code: Sum(element.key) for element in ELEMENTS},
    }


def _combine(month_rows) -> tuple[int, dict, bool]:
    """Add up the (at most twelve) month rows of one scope: responses, the totals per element,
    and whether a month holds a number of responses that could single out fewer than
    ANONYMITY_MIN citizens."""
    responses, totals, thin = 0, dict.fromkeys((e.code for e in ELEMENTS), 0), False
    for row in month_rows:
        count = row["responses"] or 0
        responses += count
        thin = thin or 0 < count < ANONYMITY_MIN
        for element in ELEMENTS:
            totals[element.code] += row[element.code] or 0
    return responses, totals, thin


def _aggregate_of(month_rows, population: int) -> Aggregate:
    responses, totals, thin = _combine(month_rows)
    shown = responses >= ANONYMITY_MIN and not thin
    return Aggregate(
        responses=responses,
        result=ikm_from_totals(totals, responses) if shown else None,
        population=population,
        minimum_sample=minimum_sample(population),
        thin_month=thin,
    )


def responses_in(
    *,
    office: Office,
    start: dt.date,
    end: dt.date,
    agency: Agency | None = None,
    service: Service | None = None,
) -> QuerySet[SurveyResponse]:
    responses = SurveyResponse.objects.filter(office=office, served_on__range=(start, end))
    if agency is not None:
        responses = responses.filter(agency=agency)
    if service is not None:
        responses = responses.filter(service=service)
    return responses


def served_in(
    *,
    office: Office,
    start: dt.date,
    end: dt.date,
    agency: Agency | None = None,
    service: Service | None = None,
) -> QuerySet[Ticket]:
    """The population: tickets served to the end (`done`) on the period's local days."""
    tickets = Ticket.objects.filter(office=office, status=Status.DONE, date__range=(start, end))
    if agency is not None:
        tickets = tickets.filter(service__agency=agency)
    if service is not None:
        tickets = tickets.filter(service=service)
    return tickets


def ikm_aggregate(
    *,
    office: Office,
    start: dt.date,
    end: dt.date,
    agency: Agency | None = None,
    service: Service | None = None,
) -> Aggregate:
    """The IKM of the office (or one agency or service of it) over the whole months of
    [start, end] (see `whole_months`), with the population served in those months and its
    minimum sample. Two queries: the answers summed per month, and the population."""
    start, end = whole_months(start, end)
    scope = {"office": office, "start": start, "end": end, "agency": agency, "service": service}
    month_rows = (
        responses_in(**scope)
        .annotate(month=TruncMonth("served_on"))
        .values("month")
        .annotate(**_sums())
        .order_by("month")
    )
    population = served_in(**scope).count()
    return _aggregate_of(month_rows, population)


def ikm_by(
    group: str,
    *,
    office: Office,
    start: dt.date,
    end: dt.date,
    agency: Agency | None = None,
    service: Service | None = None,
) -> dict[int | None, Aggregate]:
    """Aggregates per `group` ("service", "counter" or "officer") over the whole months of
    [start, end]: one query for the answers (grouped by the database per group and month, each
    group under the same month rule as `ikm_aggregate`) and one for the served population."""
    if group not in ("service", "counter", "officer"):
        raise ValueError(group)
    start, end = whole_months(start, end)
    scope = {"office": office, "start": start, "end": end, "agency": agency, "service": service}
    rows = (
        responses_in(**scope)
        .annotate(month=TruncMonth("served_on"))
        .values(group, "month")
        .annotate(**_sums())
        .order_by(group, "month")
    )
    served = dict(served_in(**scope).values(group).annotate(n=Count("pk")).values_list(group, "n"))
    months: dict[int | None, list[dict]] = {}
    for row in rows:
        months.setdefault(row[group], []).append(row)
    return {key: _aggregate_of(rows_of, served.get(key, 0)) for key, rows_of in months.items()}


def profile_counts(responses: QuerySet[SurveyResponse]) -> dict[str, list[tuple[str, int]]]:
    """Respondents per sex, age band, education and occupation (every choice listed, zeros
    included, in the questionnaire's order)."""
    out = {}
    for name, choices in (
        ("sex", Sex),
        ("age_band", AgeBand),
        ("education", Education),
        ("occupation", Occupation),
    ):
        counts = dict(responses.values(name).annotate(n=Count("pk")).values_list(name, "n"))
        out[name] = [(str(label), counts.get(value, 0)) for value, label in choices.choices]
    return out


def suggestions_of(responses: QuerySet[SurveyResponse]) -> list[str]:
    """The suggestions' text, decrypted, with nothing that leads to a response: no date, no
    service, no answers; ordered by the response's random id (not by time)."""
    texts = responses.exclude(suggestion="").order_by("pk").values_list("suggestion", flat=True)
    return [text.strip() for text in texts if text and text.strip()]


# --- The staff report ---------------------------------------------------------------------------


@dataclass
class GroupRow:
    label: str
    aggregate: Aggregate


@dataclass
class SatisfactionReport:
    office: Office
    start: dt.date
    end: dt.date
    agency: Agency | None
    service: Service | None
    total: Aggregate
    profile: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    by_service: list[GroupRow] = field(default_factory=list)
    by_counter: list[GroupRow] | None = None  # None: not for this reader
    by_officer: list[GroupRow] | None = None
    suggestions: list[str] = field(default_factory=list)

    @property
    def unit_name(self) -> str:
        if self.service is not None:
            return f"{self.service.name} — {self.service.agency.name}"
        if self.agency is not None:
            return self.agency.name
        return self.office.name


def _officer_label(user) -> str:
    return user.get_full_name() or user.get_username()


def satisfaction_report(
    *,
    user,
    office: Office,
    start: dt.date,
    end: dt.date,
    agency: Agency | None = None,
    service: Service | None = None,
) -> SatisfactionReport:
    """The SKM report of the office, or of one agency or service of it, for `user`.

    Refused (`forbidden`) unless `user` may see those figures; `not_found` for an agency or
    service of another office. The period is widened to whole months (`report.start` and
    `report.end` are the widened days). Profile and suggestions follow the same floor and
    month rule as the IKM of the unit.
    """
    if service is not None:
        if agency is not None and service.agency_id != agency.pk:
            raise DomainError(ErrorCode.NOT_FOUND, field="service")
        agency = service.agency
    if agency is not None and agency.office_id != office.pk:
        raise DomainError(ErrorCode.NOT_FOUND, field="agency")
    agency_id = agency.pk if agency is not None else None
    permissions.require(
        permissions.can_see_satisfaction(user, office_id=office.pk, agency_id=agency_id)
    )
    start, end = whole_months(start, end)
    scope = {"office": office, "start": start, "end": end, "agency": agency, "service": service}
    total = ikm_aggregate(**scope)
    report = SatisfactionReport(
        office=office, start=start, end=end, agency=agency, service=service, total=total
    )
    if not total.shown:
        return report
    responses = responses_in(**scope)
    report.profile = profile_counts(responses)
    report.suggestions = suggestions_of(responses)
    report.by_service = _labelled(ikm_by("service", **scope), Service.objects, str_of=_name)
    if permissions.can_see_satisfaction_by_person(user, office_id=office.pk, agency_id=agency_id):
        report.by_counter = _labelled(ikm_by("counter", **scope), Counter.objects, str_of=str)
        report.by_officer = _labelled(
            ikm_by("officer", **scope), get_user_model().objects, str_of=_officer_label
        )
    return report


def _name(obj) -> str:
    return obj.name


def _labelled(groups: dict[int | None, Aggregate], manager, *, str_of) -> list[GroupRow]:
    """Rows labelled by their object (one query); a group without one (a counter since
    deleted) is left out."""
    objects = manager.in_bulk([key for key in groups if key is not None])
    rows = [GroupRow(str_of(objects[key]), agg) for key, agg in groups.items() if key in objects]
    return sorted(rows, key=lambda row: row.label)


def offices_with_satisfaction(user) -> QuerySet[Office]:
    """Offices where `user` sees at least some survey figures."""
    scope = permissions.scope_of(user)
    if scope.everything:
        return Office.objects.order_by("name")
    agency_offices = Agency.objects.filter(pk__in=scope.agency_ids).values("office")
    return Office.objects.filter(Q(pk__in=scope.office_ids) | Q(pk__in=agency_offices)).order_by(
        "name"
    )


# --- the counter's feedback tablet -----------------------------------------------------------

# The tablet (and the console's card) offers the survey of the counter's last finished ticket
# this long after the finish; after that the citizen has left and the link on the ticket or
# in WhatsApp remains.
TABLET_SHOW = dt.timedelta(minutes=10)


def counter_survey_current(*, user, counter, now: dt.datetime):
    """The survey the counter's tablet offers now: the most recently finished ticket at
    `counter`, finished within `TABLET_SHOW` and not answered yet, else None.

    Only the most recent one: once it is answered (or skipped) the tablet waits, it never
    falls back to an earlier citizen's survey. FORBIDDEN outside the user's counters."""
    from antrean.feedback.models import SurveyInvitation
    from antrean.feedback.services import SurveyState, survey_refusal

    permissions.require(permissions.can_operate_counter(user, counter))
    ticket = (
        Ticket.objects.filter(
            counter=counter,
            status=Status.DONE,
            finished_at__gt=now - TABLET_SHOW,
            finished_at__lte=now,
        )
        .select_related("office", "service__agency")
        .order_by("-finished_at", "-pk")
        .first()
    )
    if ticket is None:
        return None
    invitation = SurveyInvitation.objects.filter(ticket=ticket).first()
    if invitation is None or survey_refusal(invitation, ticket, now=now) is not None:
        return None
    return SurveyState(invitation=invitation, ticket=ticket)
