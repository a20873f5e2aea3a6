"""Dates and times as Indonesians write them, independent of the active locale.

Used where the output must be Indonesian whatever the reader's language (certificates, which
are official documents).
"""

import datetime as dt

from antrean.core.timezones import zone_label

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip


def long_date(date: dt.date) -> str:
    """`Senin, 30 November 2026`."""
    return f"{DAYS[date.weekday()]}, {date.day} {MONTHS[date.month - 1]} {date.year}"


def clock(time: dt.time) -> str:
    """`09.00`: Indonesian writes hours and minutes with a dot."""
    return f"{time.hour:02d}.{time.minute:02d}"


def local_moment(moment: dt.datetime, zone_name: str) -> str:
    """`Sabtu, 28 November 2026, 10.12 WITA`."""
    import zoneinfo

    local = moment.astimezone(zoneinfo.ZoneInfo(zone_name))
    return f"{long_date(local.date())}, {clock(local.time())} {zone_label(zone_name)}"
