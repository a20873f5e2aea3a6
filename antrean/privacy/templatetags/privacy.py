"""Display helpers of the "Data saya" page."""

import datetime as dt

from django import template
from django.utils.formats import date_format

register = template.Library()


@register.filter
def wall_time(value: str | None) -> str:
    """An ISO 8601 moment of the export (already in the office's zone) as people read it:
    `2026-12-05T09:15:00+08:00` → `5 Desember 2026, 09.15`."""
    if not value:
        return "—"
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return date_format(moment.replace(tzinfo=None), "j F Y, H.i")


@register.filter
def wall_date(value: str | None) -> str:
    """`2027-12-06` → `6 Desember 2027`."""
    if not value:
        return "—"
    try:
        return date_format(dt.date.fromisoformat(value), "j F Y")
    except ValueError:
        return value
