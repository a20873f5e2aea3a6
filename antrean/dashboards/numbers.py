"""Numbers and dates as the reader's language writes them: `1.234,5` and `5 Des 2026` in
Indonesian, `1,234.5` and `5 Dec 2026` in English. Used by the pages, the charts and the PDF
(the CSV and XLSX files keep plain numbers and ISO dates, which spreadsheets read)."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.utils import formats, translation
from django.utils.translation import pgettext

DASH = "–"  # no figure (no data, or hidden to keep answers anonymous)


def decimal(value: int | float | Decimal | Fraction) -> Decimal:
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return value if isinstance(value, Decimal) else Decimal(str(value))


@functools.lru_cache(maxsize=8)
def _separators(language: str) -> dict[int, str]:
    """Python's `1,234.5` → the language's (`1.234,5` in Indonesian), as a translate table."""
    with translation.override(language):
        thousands = formats.get_format("THOUSAND_SEPARATOR")
        point = formats.get_format("DECIMAL_SEPARATOR")
    return str.maketrans({",": thousands, ".": point})


def number(value: int | float | Decimal | Fraction | None, places: int = 0) -> str:
    """Rounded half up (as the IKM is), grouped: `1.234,5`. (Django's number_format says the
    same, ten times slower: a national table formats thousands of cells.)"""
    if value is None:
        return DASH
    separators = _separators(translation.get_language() or "id")
    if type(value) is int and not places:  # most cells are counts: exact without Decimal
        return f"{value:,}".translate(separators)
    exact = decimal(value)
    rounded = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{rounded:,.{places}f}".translate(separators)


def percent(share: float | Decimal | Fraction | None, places: int = 1) -> str:
    """A share (0–1) as a percentage: `12,5%`."""
    if share is None:
        return DASH
    return f"{number(decimal(share) * 100, places)}%"


def minutes(seconds: int | float | None, places: int = 1) -> str:
    """Seconds as minutes: `4,5 mnt`."""
    if seconds is None:
        return DASH
    unit = pgettext("menit", "mnt")  # outside the f-string: xgettext does not look inside
    return f"{number(decimal(seconds) / 60, places)} {unit}"


def minutes_value(seconds: int | float | None) -> float | None:
    """Seconds as minutes, for a chart or a spreadsheet cell (one decimal)."""
    return None if seconds is None else round(seconds / 60, 1)


@functools.lru_cache(maxsize=4096)
def _date_format(date: dt.date, pattern: str, language: str) -> str:
    # A 90-day trend prints each date in four tables and on chart axes: Django's date_format
    # takes some 20 µs a call, a cached one nearly nothing.
    with translation.override(language):
        return formats.date_format(date, pattern)


def _date(date: dt.date, pattern: str) -> str:
    return _date_format(date, pattern, translation.get_language() or "id")


def day(date: dt.date | None) -> str:
    """`5 Des 2026`."""
    return DASH if date is None else _date(date, "j M Y")


def short_day(date: dt.date) -> str:
    """`5 Des` (a chart's axis)."""
    return _date(date, "j M")


def month(date: dt.date | None) -> str:
    """`Des 2026`."""
    return DASH if date is None else _date(date, "M Y")


def long_month(date: dt.date) -> str:
    """`Desember 2026`."""
    return _date(date, "F Y")
