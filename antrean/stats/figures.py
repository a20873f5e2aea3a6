"""The read side of the roll-ups: totals over any set of `ServiceDay` or `OfficeDay` rows.

`figures_of(rows)` adds up a queryset in one SQL query; `figures_by(rows, key)` does the same
per office, agency, service, date or month in one GROUP BY query. Nothing loops over rows in
Python: a national year (500 offices × 365 days of OfficeDay) is one aggregate.

Percentiles of waiting time over several rows come from the summed histogram
(`percentile_from_histogram`); a single row keeps its exact values. Service time has no
histogram: over several rows only its mean is given.

The IKM follows antrean.feedback's anonymity rules (docs/ikm.md): figures from
`ANONYMITY_MIN` responses only, and none when any calendar month in the rows holds 1 to
`ANONYMITY_MIN - 1` responses (one more small GROUP BY query finds those months). It is
computed over the rows given, so a caller showing an IKM for a period passes whole months
(`antrean.feedback.selectors.whole_months`), as the staff IKM page does; per day
(`figures_by(…, "date")`) there is never an IKM.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, DateField, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from antrean.feedback.ikm import Grade, IkmResult, ikm_from_totals
from antrean.feedback.models import ANONYMITY_MIN
from antrean.feedback.questionnaire import ELEMENTS
from antrean.stats.models import (
    SURVEY_SUM_FIELDS,
    WAIT_BUCKET_FIELDS,
    OfficeDay,
    percentile_from_histogram,
)

# Additive counts both row kinds hold.
SUM_FIELDS = (
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
)
# Only an office-day holds these (officer pledges and reports belong to the office).
OFFICE_SUM_FIELDS = (
    "officers_pledged",
    "reports_received",
    "reports_closed_substantiated",
    "reports_closed_not_substantiated",
    "reports_closed_referred",
)
# What `figures_by` groups by: a name, or any other field path of the rows (e.g.
# "office__region").
KEYS = {
    "office": "office_id",
    "agency": "agency_id",
    "service": "service_id",
    "date": "date",
    "month": "month",
}


class MonthOf(TruncMonth):
    """The first day of a date's month. On PostgreSQL without the implicit cast of a date to
    `timestamp with time zone` that TruncMonth leaves to the server (a time-zone conversion
    per row: most of the time of a national year's query)."""

    output_field = DateField()

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"DATE_TRUNC('month', ({sql})::timestamp)::date", params


class Total(Sum):
    """SUM of an integer column, handed over as the driver gives it. Django's Sum wraps every
    cell in an `int()` converter: a national page reads some 50,000 cells, and the converters
    were a tenth of its time. Both drivers give an int already (SQLite's SUM of integers, and
    PostgreSQL's of int4, a bigint), except PostgreSQL's SUM of a bigint column, a numeric:
    cast back to bigint in SQL (no total here nears 2⁶³)."""

    @property
    def convert_value(self):
        return self._convert_value_noop

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = self.as_sql(compiler, connection, **extra_context)
        return f"({sql})::bigint", params


def _share(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


@dataclass(frozen=True)
class Figures:
    """Totals over a set of roll-up rows. Counts are sums; shares are exact fractions (None
    when there is nothing to divide by); times are seconds."""

    rows: int = 0
    tickets_online: int = 0
    tickets_walkin: int = 0
    served: int = 0
    no_shows: int = 0
    cancelled: int = 0
    wait_count: int = 0
    wait_sum_s: int = 0
    wait_p50_s: int | None = None
    wait_p90_s: int | None = None
    service_count: int = 0
    service_sum_s: int = 0
    service_p50_s: int | None = None  # exact, for a single row only
    pacts_citizen: int = 0
    calls: int = 0
    calls_pledged: int = 0
    survey_responses: int = 0
    audit_flags: int = 0
    wait_histogram: tuple[int, ...] = ()
    survey_totals: tuple[int, ...] = ()  # sums of the answers to u1…u9
    # Responses exist but no IKM may be shown: below ANONYMITY_MIN, a month with 1–4
    # responses, or not over whole months (per day).
    ikm_withheld: bool = False
    thin_month: bool = False
    ikm_result: IkmResult | None = None
    # Office-days only (None when summed from service-days). officers_pledged adds up days:
    # an officer who pledged on 20 days counts 20 (officer-days).
    officers_pledged: int | None = None
    reports_received: int | None = None
    reports_closed_substantiated: int | None = None
    reports_closed_not_substantiated: int | None = None
    reports_closed_referred: int | None = None

    @property
    def tickets(self) -> int:
        return self.tickets_online + self.tickets_walkin

    @property
    def online_share(self) -> Fraction | None:
        return _share(self.tickets_online, self.tickets)

    @property
    def no_show_rate(self) -> Fraction | None:
        """No-shows (called and absent, or booked and never checked in) over all tickets."""
        return _share(self.no_shows, self.tickets)

    @property
    def wait_mean_s(self) -> int | None:
        return round(self.wait_sum_s / self.wait_count) if self.wait_count else None

    @property
    def service_mean_s(self) -> int | None:
        return round(self.service_sum_s / self.service_count) if self.service_count else None

    @property
    def pledged_call_share(self) -> Fraction | None:
        """Calls made by an officer who had signed that day's officer pact, over all calls."""
        return _share(self.calls_pledged, self.calls)

    @property
    def ikm(self) -> Decimal | None:
        return self.ikm_result.ikm if self.ikm_result else None

    @property
    def grade(self) -> Grade | None:
        return self.ikm_result.grade if self.ikm_result else None

    @property
    def reports_closed(self) -> int | None:
        if self.reports_received is None:
            return None
        return (
            self.reports_closed_substantiated
            + self.reports_closed_not_substantiated
            + self.reports_closed_referred
        )


def _is_office_rows(queryset: QuerySet) -> bool:
    # Office-days, or rows summed from them (antrean.dashboards.models.OfficeMonth).
    return issubclass(queryset.model, OfficeDay) or all(
        hasattr(queryset.model, name) for name in OFFICE_SUM_FIELDS
    )


# Every column a Figures adds up.
ALL_SUMS = frozenset((*SUM_FIELDS, *WAIT_BUCKET_FIELDS, *SURVEY_SUM_FIELDS, *OFFICE_SUM_FIELDS))
# All but the answers' sums, which only an IKM reads.
SUMS_WITHOUT_SURVEY = ALL_SUMS - set(SURVEY_SUM_FIELDS)


def _aggregates(
    queryset: QuerySet, months: list[dt.date], sums: Collection[str] | None = None
) -> dict:
    names = [*SUM_FIELDS, *WAIT_BUCKET_FIELDS, *SURVEY_SUM_FIELDS]
    if _is_office_rows(queryset):
        names += OFFICE_SUM_FIELDS
    if sums is not None:
        names = [name for name in names if name in sums]
    return {
        # First: they read the column survey_responses, which the sums below then shadow.
        **_month_sums(months),
        "rows": Count("pk"),
        **{name: Total(name) for name in names},
        # The exact values of a group of one row (its only value), unless only some sums
        # are read.
        **(
            {
                "one_p50": Max("wait_p50_s"),
                "one_p90": Max("wait_p90_s"),
                "one_service_p50": Max("service_p50_s"),
            }
            if sums is None
            else {}
        ),
    }


# Up to this many calendar months, the month rule is read from per-month sums in the same
# query (one more column each); a longer span takes a second GROUP BY query.
MONTH_COLUMNS_MAX = 25


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _months_of(queryset: QuerySet) -> list[dt.date] | None:
    """The first days of the calendar months the rows span (one index-only query), or None
    when they span more than MONTH_COLUMNS_MAX months."""
    span = queryset.order_by().aggregate(first=Min("date"), last=Max("date"))
    if span["first"] is None:
        return []
    months, month = [], span["first"].replace(day=1)
    while month <= span["last"]:
        months.append(month)
        if len(months) > MONTH_COLUMNS_MAX:
            return None
        month = _next_month(month)
    return months


def _month_sums(months: list[dt.date]) -> dict:
    return {
        f"stats_m{index}": Total(
            "survey_responses", filter=Q(date__gte=month, date__lt=_next_month(month))
        )
        for index, month in enumerate(months)
    }


def _is_thin(values: dict, months: list[dt.date]) -> bool:
    return any(0 < (values[f"stats_m{i}"] or 0) < ANONYMITY_MIN for i in range(len(months)))


# The elements' codes in the order of SURVEY_SUM_FIELDS (u1_sum … u9_sum).
_SURVEY_CODES = tuple(element.code for element in sorted(ELEMENTS, key=lambda e: e.number))


def _figures(values: dict, *, office_rows: bool, ikm_allowed: bool, thin: bool) -> Figures:
    """A Figures from one aggregate row (a dict of sums, None where nothing was summed).
    Made some 1,500 times for a national page: kept to plain loops over the dict."""
    get = values.get
    rows = values["rows"] or 0
    # () when the caller did not read them (`sums`): not zeros, which would read as answers.
    histogram = (
        tuple(get(name) or 0 for name in WAIT_BUCKET_FIELDS)
        if WAIT_BUCKET_FIELDS[0] in values
        else ()
    )
    if rows == 1:
        p50, p90, service_p50 = get("one_p50"), get("one_p90"), get("one_service_p50")
    else:
        p50 = percentile_from_histogram(histogram, 0.5)
        p90 = percentile_from_histogram(histogram, 0.9)
        service_p50 = None
    responses = get("survey_responses") or 0
    totals = (
        tuple(get(name) or 0 for name in SURVEY_SUM_FIELDS)
        if SURVEY_SUM_FIELDS[0] in values
        else ()
    )
    shown = ikm_allowed and not thin and responses >= ANONYMITY_MIN
    result = (
        ikm_from_totals(dict(zip(_SURVEY_CODES, totals, strict=True)), responses) if shown else None
    )
    if office_rows:
        office_values = {name: get(name) or 0 for name in OFFICE_SUM_FIELDS}
    else:
        office_values = dict.fromkeys(OFFICE_SUM_FIELDS)
    return Figures(
        rows=rows,
        **{name: get(name) or 0 for name in SUM_FIELDS},
        wait_p50_s=p50,
        wait_p90_s=p90,
        service_p50_s=service_p50,
        wait_histogram=histogram,
        survey_totals=totals,
        ikm_withheld=responses > 0 and result is None,
        thin_month=thin,
        ikm_result=result,
        **office_values,
    )


def _thin_groups(queryset: QuerySet, group: list[str]) -> set:
    """The groups (tuples of `group` values; () for no grouping) in which some calendar month
    holds 1 to ANONYMITY_MIN - 1 survey responses. Only such months come back (HAVING)."""
    months = (
        queryset.order_by()
        .filter(survey_responses__gt=0)
        .annotate(stats_month=MonthOf("date"))
        .values(*group, "stats_month")
        .annotate(n=Sum("survey_responses"))
        .filter(n__gt=0, n__lt=ANONYMITY_MIN)
    )
    return {tuple(row[name] for name in group) for row in months}


def figures_of(queryset: QuerySet, *, ikm: bool = True) -> Figures:
    """The totals of a queryset of ServiceDay or OfficeDay rows: one aggregate query (and,
    for the IKM's month rule, one index-only query for the months the rows span; `ikm=False`
    skips both the rule and the IKM)."""
    months = _months_of(queryset) if ikm else []
    values = queryset.order_by().aggregate(**_aggregates(queryset, months or []))
    if months is None:
        thin = bool(values.get("survey_responses")) and bool(_thin_groups(queryset, []))
    else:
        thin = _is_thin(values, months)
    return _figures(values, office_rows=_is_office_rows(queryset), ikm_allowed=ikm, thin=thin)


def _grouped(queryset: QuerySet, key: str, aggregates: dict) -> list[dict]:
    """One aggregate row per `key` (see KEYS), in ascending order of the key."""
    field = KEYS.get(key, key)
    rows = queryset.order_by()
    if key == "month":
        rows = rows.annotate(month=MonthOf("date"))
    return list(rows.values(field).annotate(**aggregates).order_by(field))


def figures_by(
    queryset: QuerySet, key: str, *, ikm: bool = True, sums: Collection[str] | None = None
) -> dict:
    """Totals per `key` in one GROUP BY query: "office", "agency", "service" (ids), "date"
    (dates), "month" (the first day of each month), or any field path of the rows such as
    "office__region". Keys come in ascending order. Per date there is never an IKM (not a
    whole month); every other group gets one under the month rule, read in the same query
    (see `figures_of`; `ikm=False` skips it).

    `sums` names the columns to add up when a caller reads only some (a trend of counts over
    every day of the nation): the others stay 0 and, without the histogram, percentiles None.
    Summing costs the database per column and row; None (every column) is the default."""
    field = KEYS.get(key, key)
    ikm = ikm and key != "date"
    if ikm and sums is not None and not set(SURVEY_SUM_FIELDS) <= set(sums):
        raise ValueError("An IKM needs the survey sums.")
    # Grouped by month, each group is its own only month: its total decides.
    months = _months_of(queryset) if ikm and key != "month" else []
    grouped = _grouped(queryset, key, _aggregates(queryset, months or [], sums))
    thin_groups = _thin_groups(queryset, [field]) if months is None else set()
    office_rows = _is_office_rows(queryset)

    def thin(row) -> bool:
        if key == "month":
            return 0 < (row["survey_responses"] or 0) < ANONYMITY_MIN
        if months is None:
            return (row[field],) in thin_groups
        return _is_thin(row, months)

    return {
        _key(row[field]): _figures(row, office_rows=office_rows, ikm_allowed=ikm, thin=thin(row))
        for row in grouped
    }


def figures_by_union(
    querysets: list[QuerySet], key: str, *, sums: Collection[str] | None = None
) -> dict:
    """`figures_by(…, ikm=False)` over the rows of several querysets together, without
    reading any row twice: month rows for the whole months inside a period of days and
    office-days for its edges, say. One GROUP BY query each; the sums are added per key
    before the Figures are made (percentiles from the summed histogram). `rows` counts the
    rows read (a month row is one). The querysets are all office rows or all not."""
    if not querysets:
        return {}
    field = KEYS.get(key, key)
    merged: dict = {}
    for queryset in querysets:
        for row in _grouped(queryset, key, _aggregates(queryset, [], sums)):
            group = _key(row.pop(field))
            into = merged.get(group)
            if into is None:
                merged[group] = row
                continue
            for name, value in row.items():
                if name.startswith("one_"):
                    into[name] = None  # several rows: percentiles come from the histogram
                elif value is not None:
                    into[name] = (into.get(name) or 0) + value
    office_rows = _is_office_rows(querysets[0])
    return {
        group: _figures(row, office_rows=office_rows, ikm_allowed=False, thin=False)
        for group, row in sorted(merged.items())
    }


def _key(value):
    # TruncMonth gives a datetime on some backends for some fields; a month is a date.
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def figures_sum(parts, *, office_rows: bool) -> Figures:
    """The totals of several Figures already read (say, per office) without reading the rows
    again: what `figures_of(rows, ikm=False)` gives for the union of their rows. Sums,
    histograms and survey totals add up; percentiles come again from the summed histogram. No
    IKM: the month rule needs each month's responses, which the parts no longer hold."""
    parts = [part for part in parts if part.rows]
    values: dict = {"rows": sum(part.rows for part in parts)}
    for name in SUM_FIELDS:
        values[name] = sum(getattr(part, name) for part in parts)
    # A histogram or the answers' sums add up only if every part read them.
    if all(part.wait_histogram for part in parts):
        for index, name in enumerate(WAIT_BUCKET_FIELDS):
            values[name] = sum(part.wait_histogram[index] for part in parts)
    if all(part.survey_totals for part in parts):
        for index, name in enumerate(SURVEY_SUM_FIELDS):
            values[name] = sum(part.survey_totals[index] for part in parts)
    if office_rows:
        for name in OFFICE_SUM_FIELDS:
            values[name] = sum(getattr(part, name) or 0 for part in parts)
    # A single row keeps its exact values (as in `_figures`).
    only = parts[0] if len(parts) == 1 else None
    values["one_p50"] = only.wait_p50_s if only else None
    values["one_p90"] = only.wait_p90_s if only else None
    values["one_service_p50"] = only.service_p50_s if only else None
    return _figures(values, office_rows=office_rows, ikm_allowed=False, thin=False)
