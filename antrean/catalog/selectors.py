"""Reads about services and their availability, for the citizen's pages and the API."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Sum
from django.utils import timezone

from antrean.catalog.models import Service, Slot
from antrean.catalog.releases import releases_apply
from antrean.catalog.services import booking_dates, slots_ensure
from antrean.tenancy.models import Office
from antrean.tenancy.selectors import office_day_status, office_days_status


def services_for_office(*, office: Office):
    """Active services of active agencies, in display order, with their agency."""
    return (
        Service.objects.filter(office=office, is_active=True, agency__is_active=True)
        .select_related("agency")
        .order_by("agency__position", "agency__short_name", "position", "name")
    )


def service_get(*, service_id: int) -> Service | None:
    return (
        Service.objects.filter(
            pk=service_id, is_active=True, agency__is_active=True, office__is_active=True
        )
        .select_related("agency", "office")
        .first()
    )


@dataclass(frozen=True)
class DayAvailability:
    date: dt.date
    open: bool
    reason: str
    capacity: int
    remaining: int
    bookable: bool  # open, within the cutoff, and with places left in a future slot


def slot_is_bookable(slot: Slot, *, office: Office, now: dt.datetime) -> bool:
    if slot.starts_at <= now:
        return False
    local_now = office.local_now(now)
    after_cutoff = bool(office.daily_cutoff) and local_now.time() >= office.daily_cutoff
    return not (slot.date == local_now.date() and after_cutoff)


def service_days(*, service: Service, now: dt.datetime | None = None) -> list[DayAvailability]:
    """Every date of the booking horizon, with whether it is open and how many places remain."""
    now = now or timezone.now()
    office = service.office
    dates = booking_dates(office=office, now=now)
    slots_ensure(service=service, dates=dates)
    statuses = office_days_status(office=office, dates=dates)
    slots_by_date: dict[dt.date, list[Slot]] = {}
    for slot in Slot.objects.filter(service=service, date__in=dates):
        slots_by_date.setdefault(slot.date, []).append(slot)
    releases_apply(
        [slot for day in slots_by_date.values() for slot in day], service=service, now=now
    )
    days = []
    for date in dates:
        status = statuses[date]
        slots = slots_by_date.get(date, []) if status.open else []
        future = [s for s in slots if slot_is_bookable(s, office=office, now=now)]
        remaining = sum(s.remaining for s in future)
        days.append(
            DayAvailability(
                date=date,
                open=status.open,
                reason=status.reason,
                capacity=sum(s.capacity for s in slots),
                remaining=remaining,
                bookable=status.open and remaining > 0,
            )
        )
    return days


@dataclass(frozen=True)
class DaySlots:
    date: dt.date
    open: bool
    reason: str
    slots: list[Slot]


def service_day_slots(
    *, service: Service, date: dt.date, now: dt.datetime | None = None
) -> DaySlots:
    """The slots of one day; `open` is False with a reason on closed days."""
    now = now or timezone.now()
    office = service.office
    status = office_day_status(office=office, date=date)
    if not status.open:
        return DaySlots(date=date, open=False, reason=status.reason, slots=[])
    if date in booking_dates(office=office, now=now):
        slots_ensure(service=service, dates=[date])
    slots = list(Slot.objects.filter(service=service, date=date).order_by("start"))
    releases_apply(slots, service=service, now=now)
    return DaySlots(date=date, open=True, reason="", slots=slots)


def slots_booked_total(*, service: Service, date: dt.date) -> int:
    return Slot.objects.filter(service=service, date=date).aggregate(n=Sum("booked"))["n"] or 0
