"""Places released in parts at set times (issue 14): a first-come service may open a day's
places a part at a time on the day the date enters the booking horizon (for example a quarter
at 07:00, 10:00, 13:00 and 16:00, the office's local time), so that one opening minute is not
the whole day: a bot that wins the 07:00 race wins a quarter, and a citizen who can only look
at lunchtime still finds places (docs/releases.md).

A slot's released capacity is ceil(capacity × parts released / parts); after the opening day
everything is released. Booking takes a place only under the released capacity, by the same
conditional statement that keeps the capacity (antrean.booking.services.places_take).
"""

from __future__ import annotations

import datetime as dt
import math

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def parse_release_times(text: str) -> list[dt.time]:
    """ "07:00, 10:00,13.00" → sorted distinct times; ValueError on anything else."""
    times = set()
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip().replace(".", ":")
        if not part:
            continue
        hours, _, minutes = part.partition(":")
        times.add(dt.time(int(hours), int(minutes or 0)))
    return sorted(times)


def validate_release_times(text: str) -> None:
    try:
        times = parse_release_times(text)
    except ValueError as exc:
        raise ValidationError(
            _("Tulis jam dengan format JJ:MM dipisah koma, misalnya 07:00, 10:00, 13:00.")
        ) from exc
    if len(times) > 24:
        raise ValidationError(_("Paling banyak 24 bagian sehari."))


def opening_day(*, office, date: dt.date) -> dt.date:
    """The local day on which `date` enters the office's booking horizon."""
    return date - dt.timedelta(days=office.booking_horizon_days)


def released(slot, *, service, now: dt.datetime) -> tuple[int, dt.datetime | None]:
    """(places of `slot` released at `now`, when the next part is released or None)."""
    times = parse_release_times(service.release_times)
    if not times:
        return slot.capacity, None
    office = service.office
    first_day = opening_day(office=office, date=slot.date)
    local = office.local_now(now)
    zone = office.zone
    if local.date() > first_day:
        return slot.capacity, None
    if local.date() < first_day:
        return 0, dt.datetime.combine(first_day, times[0], tzinfo=zone).astimezone(dt.UTC)
    parts = sum(1 for at in times if at <= local.time().replace(tzinfo=None))
    share = math.ceil(slot.capacity * parts / len(times))
    upcoming = None
    if parts < len(times):
        upcoming = dt.datetime.combine(first_day, times[parts], tzinfo=zone).astimezone(dt.UTC)
    return share, upcoming


def releases_apply(slots, *, service, now: dt.datetime) -> None:
    """Give each slot its `released` capacity and `next_release` (for pages and the API)."""
    if not service.release_times:
        return
    for slot in slots:
        slot.released, slot.next_release = released(slot, service=service, now=now)
