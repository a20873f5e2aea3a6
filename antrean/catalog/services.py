"""Writes about services and slots."""

import datetime as dt

from django.utils import timezone

from antrean.catalog.models import Service, Slot
from antrean.tenancy.models import Office, OpeningHours
from antrean.tenancy.selectors import office_days_status


def _periods(hours: OpeningHours, minutes: int) -> list[tuple[dt.time, dt.time]]:
    """Cut a day's opening hours into periods of `minutes`, skipping the break.

    A last period shorter than `minutes` is kept (a 08:00–15:00 day in 60-minute slots with a
    12:00–13:00 break gives 08, 09, 10, 11, 13, 14).
    """
    day = dt.date(2000, 1, 3)  # any date: only times matter here
    blocks = [(hours.opens, hours.closes)]
    if hours.break_start and hours.break_end:
        blocks = [(hours.opens, hours.break_start), (hours.break_end, hours.closes)]
    periods = []
    step = dt.timedelta(minutes=minutes)
    for block_start, block_end in blocks:
        cursor = dt.datetime.combine(day, block_start)
        stop = dt.datetime.combine(day, block_end)
        while cursor < stop:
            end = min(cursor + step, stop)
            if end - cursor >= dt.timedelta(minutes=5):
                periods.append((cursor.time(), end.time()))
            cursor = end
    return periods


def slots_ensure(*, service: Service, dates: list[dt.date]) -> int:
    """Create the missing slots of `service` on the open days among `dates`.

    Idempotent and safe to run concurrently: existing slots (with their bookings and any
    capacity an admin changed) are kept, the unique (service, date, start) drops duplicates.
    Returns how many slots were created.
    """
    office = service.office
    statuses = office_days_status(office=office, dates=dates)
    zone = office.zone
    rows = []
    for date, status in statuses.items():
        if not status.open:
            continue
        for start, end in _periods(status.hours, service.slot_minutes):
            rows.append(
                Slot(
                    service=service,
                    date=date,
                    start=start,
                    end=end,
                    starts_at=dt.datetime.combine(date, start, tzinfo=zone),
                    ends_at=dt.datetime.combine(date, end, tzinfo=zone),
                    capacity=service.slot_capacity,
                )
            )
    if not rows:
        return 0
    existing = set(
        Slot.objects.filter(service=service, date__in=dates).values_list("date", "start")
    )
    rows = [row for row in rows if (row.date, row.start) not in existing]
    Slot.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def booking_dates(*, office: Office, now: dt.datetime | None = None) -> list[dt.date]:
    """The local dates open for online booking: today and the office's horizon."""
    today = office.local_today(now or timezone.now())
    return [today + dt.timedelta(days=n) for n in range(office.booking_horizon_days + 1)]


def office_slots_ensure(*, office: Office, now: dt.datetime | None = None) -> int:
    """Make sure every active service of the office has its slots for the booking horizon."""
    dates = booking_dates(office=office, now=now)
    created = 0
    for service in Service.objects.filter(office=office, is_active=True).select_related("office"):
        created += slots_ensure(service=service, dates=dates)
    return created
