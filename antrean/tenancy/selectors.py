"""Reads about offices: whether a day is open, and when."""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from antrean.core.hotcache import HotCache
from antrean.tenancy.models import Closure, Office, OpeningHours


@dataclass(frozen=True)
class DayStatus:
    open: bool
    reason: str  # why it is closed; empty when open
    hours: OpeningHours | None


_day_status = HotCache("office_day_status", watch=("tenancy.Closure", "tenancy.OpeningHours"))


def office_day_status(*, office: Office, date: dt.date) -> DayStatus:
    return _day_status.get((office.pk, date), lambda: _office_day_status(office, date))


def _office_day_status(office: Office, date: dt.date) -> DayStatus:
    closure = Closure.objects.filter(office=office, date=date).only("reason").first()
    if closure is not None:
        return DayStatus(open=False, reason=closure.reason, hours=None)
    hours = OpeningHours.objects.filter(office=office, weekday=date.weekday()).first()
    if hours is None:
        return DayStatus(open=False, reason=_("Tidak ada layanan pada hari ini."), hours=None)
    return DayStatus(open=True, reason="", hours=hours)


def office_days_status(*, office: Office, dates: list[dt.date]) -> dict[dt.date, DayStatus]:
    """The status of many days in two queries (the date picker shows two weeks at once)."""
    closures = dict(
        Closure.objects.filter(office=office, date__in=dates).values_list("date", "reason")
    )
    hours = {h.weekday: h for h in OpeningHours.objects.filter(office=office)}
    result = {}
    for date in dates:
        if date in closures:
            result[date] = DayStatus(open=False, reason=closures[date], hours=None)
        elif date.weekday() not in hours:
            result[date] = DayStatus(
                open=False, reason=_("Tidak ada layanan pada hari ini."), hours=None
            )
        else:
            result[date] = DayStatus(open=True, reason="", hours=hours[date.weekday()])
    return result
