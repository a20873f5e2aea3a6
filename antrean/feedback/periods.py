"""Reporting periods of the SKM: quarters (triwulan), semesters and years of local days."""

import datetime as dt

from django.utils.translation import gettext_lazy as _

PERIODS = {
    "tw1": (_("Triwulan I"), 1, 3),
    "tw2": (_("Triwulan II"), 4, 6),
    "tw3": (_("Triwulan III"), 7, 9),
    "tw4": (_("Triwulan IV"), 10, 12),
    "sm1": (_("Semester I"), 1, 6),
    "sm2": (_("Semester II"), 7, 12),
    "th": (_("Satu tahun"), 1, 12),
}


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def period_dates(key: str, year: int) -> tuple[dt.date, dt.date]:
    """First and last day of period `key` ("tw1"…"tw4", "sm1", "sm2", "th") of `year`."""
    _label, first, last = PERIODS[key]
    return dt.date(year, first, 1), _month_end(year, last)


def previous_quarter(today: dt.date) -> tuple[str, int]:
    """The last complete calendar quarter before `today`: ("tw4", 2024) on 2025-02-10."""
    quarter = (today.month - 1) // 3  # 0 = the first quarter is the current one
    if quarter == 0:
        return "tw4", today.year - 1
    return f"tw{quarter}", today.year
