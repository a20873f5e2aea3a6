"""Writes about offices."""

import datetime as dt

import holidays

from antrean.tenancy.models import Closure, Office

_CUTI_BERSAMA_MARK = "cuti bersama"


def national_closures(years: list[int]) -> list[tuple[dt.date, str, str]]:
    """Indonesia's national holidays and cuti bersama in `years`: (date, name, closure kind),
    by date.

    Islamic dates far ahead are estimates in the `holidays` package; regional days (Nyepi,
    Galungan…) are not in it and are added by the office admin.
    """
    calendar = holidays.country_holidays(
        "ID", years=years, categories=("public", "government"), language="id"
    )
    return [
        (
            date,
            name[:200],
            Closure.Kind.CUTI_BERSAMA
            if _CUTI_BERSAMA_MARK in name.lower()
            else Closure.Kind.NATIONAL,
        )
        for date, name in sorted(calendar.items())
    ]


def closures_seed_national(*, office: Office, years: list[int]) -> int:
    """Add Indonesia's national holidays and cuti bersama for `years` to the office's closure
    calendar. Existing dates (an admin's own entries included) are left as they are."""
    calendar = national_closures(years)
    # bulk_create(ignore_conflicts=True) returns every row it was given, inserted or not:
    # leave out the dates already there so the count is what was added.
    existing = set(
        Closure.objects.filter(office=office, date__in=[d for d, _n, _k in calendar]).values_list(
            "date", flat=True
        )
    )
    rows = [
        Closure(office=office, date=date, reason=name, kind=kind)
        for date, name, kind in calendar
        if date not in existing
    ]
    created = Closure.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)
