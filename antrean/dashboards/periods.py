"""The period a dashboard shows: a from/to pair of local days, or a preset relative to today.

At most MAX_DAYS days (a year, a leap year's included): the roll-ups answer a year of the
whole nation fast, and a longer view is a report, not a dashboard. Pure: no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from antrean.core.errors import DomainError, ErrorCode

MAX_DAYS = 366
DEFAULT_PRESET = "30-hari"

# Query-string key → label. The order is the order of the buttons on the page.
PRESETS = {
    "7-hari": gettext_lazy("7 hari terakhir"),
    "30-hari": gettext_lazy("30 hari terakhir"),
    "bulan-ini": gettext_lazy("Bulan ini"),
    "bulan-lalu": gettext_lazy("Bulan lalu"),
    "90-hari": gettext_lazy("90 hari terakhir"),
    "tahun-ini": gettext_lazy("Tahun ini"),
    "12-bulan": gettext_lazy("12 bulan terakhir"),
}


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    preset: str = ""  # "" for a from/to pair

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range(self.days)]

    def months(self) -> list[dt.date]:
        """The first day of every month the period touches."""
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = next_month(month)
        return months


def next_month(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_end(first: dt.date) -> dt.date:
    return next_month(first) - dt.timedelta(days=1)


def previous_month(today: dt.date) -> dt.date:
    """The first day of the month before `today`'s."""
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def preset_period(key: str, today: dt.date) -> Period:
    """The preset `key` ending today (the last month: the whole of it)."""
    if key == "7-hari":
        start, end = today - dt.timedelta(days=6), today
    elif key == "30-hari":
        start, end = today - dt.timedelta(days=29), today
    elif key == "90-hari":
        start, end = today - dt.timedelta(days=89), today
    elif key == "bulan-ini":
        start, end = today.replace(day=1), today
    elif key == "bulan-lalu":
        start = previous_month(today)
        end = month_end(start)
    elif key == "tahun-ini":
        start, end = today.replace(month=1, day=1), today
    elif key == "12-bulan":
        following = next_month(today.replace(day=1))
        start, end = following.replace(year=following.year - 1), today
    else:
        raise KeyError(key)
    return Period(start, end, key)


def period_check(start: dt.date, end: dt.date) -> Period:
    """A from/to period, or `invalid_period`: it ends before it starts, or is longer than
    MAX_DAYS days."""
    if end < start:
        raise invalid_period("to")
    if (end - start).days + 1 > MAX_DAYS:
        raise invalid_period("from")
    return Period(start, end)


def invalid_period(field: str) -> DomainError:
    return DomainError(
        ErrorCode.INVALID_PERIOD,
        field=field,
        message=_(
            "Periode tidak sah: isi tanggal awal dan akhir; tanggal awal harus sebelum atau "
            "sama dengan tanggal akhir, dan periode paling panjang %(days)d hari."
        )
        % {"days": MAX_DAYS},
    )


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def period_from_query(query: Mapping[str, str], *, today: dt.date) -> tuple[Period, str]:
    """The period a page asks for (`rentang`=<preset>, or `dari` and `sampai`), and an error
    to show when the request was not usable (then the default preset)."""
    preset = query.get("rentang") or ""
    if preset in PRESETS:
        return preset_period(preset, today), ""
    start, end = _date(query.get("dari")), _date(query.get("sampai"))
    error = ""
    if start is not None and end is not None:
        try:
            return period_check(start, end), ""
        except DomainError as refused:
            error = refused.message
    elif preset or query.get("dari") or query.get("sampai"):
        error = _("Isi tanggal awal dan akhir dengan format yang benar.")
    return preset_period(DEFAULT_PRESET, today), error
