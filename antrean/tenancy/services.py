"""Writes about offices."""

import holidays

from antrean.tenancy.models import Closure, Office

_CUTI_BERSAMA_MARK = "cuti bersama"


def closures_seed_national(*, office: Office, years: list[int]) -> int:
    """Add Indonesia's national holidays and cuti bersama for `years` to the office's closure
    calendar. Existing dates (an admin's own entries included) are left as they are.

    Islamic dates far ahead are estimates in the `holidays` package; regional days (Nyepi,
    Galungan…) are not in it and are added by the office admin.
    """
    calendar = holidays.country_holidays(
        "ID", years=years, categories=("public", "government"), language="id"
    )
    # bulk_create(ignore_conflicts=True) returns every row it was given, inserted or not:
    # leave out the dates already there so the count is what was added.
    existing = set(
        Closure.objects.filter(office=office, date__in=list(calendar)).values_list(
            "date", flat=True
        )
    )
    rows = []
    for date, name in sorted(calendar.items()):
        if date in existing:
            continue
        kind = (
            Closure.Kind.CUTI_BERSAMA
            if _CUTI_BERSAMA_MARK in name.lower()
            else Closure.Kind.NATIONAL
        )
        rows.append(Closure(office=office, date=date, reason=name[:200], kind=kind))
    created = Closure.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)
