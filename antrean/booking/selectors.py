"""Reads for the citizen's booking pages, already scoped to what a citizen may see."""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.utils import timezone

from antrean.catalog.models import Service, Slot
from antrean.catalog.selectors import (
    DayAvailability,
    service_day_slots,
    service_days,
    service_get,
    services_for_office,
    slot_is_bookable,
)
from antrean.catalog.services import booking_dates
from antrean.queueing.models import Ticket
from antrean.tenancy.models import Agency, Office


def offices_active():
    return Office.objects.filter(is_active=True).select_related("region__parent").order_by("name")


def office_get(*, code: str) -> Office | None:
    return Office.objects.filter(code=code, is_active=True).select_related("region").first()


@dataclass(frozen=True)
class AgencyServices:
    agency: Agency
    services: list[Service]


def office_catalog(*, office: Office) -> list[AgencyServices]:
    """The office's agencies, each with its active services, in display order."""
    groups: list[AgencyServices] = []
    for service in services_for_office(office=office):
        if not groups or groups[-1].agency.pk != service.agency_id:
            groups.append(AgencyServices(agency=service.agency, services=[]))
        groups[-1].services.append(service)
    return groups


def office_service_get(*, office: Office, service_id: int) -> Service | None:
    service = service_get(service_id=service_id)
    if service is None or service.office_id != office.pk:
        return None
    return service


class DayState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # the office does not serve that day (holiday, weekend)
    FULL = "full"  # open, but every place is taken
    OVER = "over"  # today, and nothing bookable is left (slots started or cutoff passed)


@dataclass(frozen=True)
class DayChoice:
    day: DayAvailability
    state: DayState


def service_day_choices(*, service: Service, now: dt.datetime | None = None) -> list[DayChoice]:
    """The date picker: every date of the booking horizon with what a citizen can do there."""
    now = now or timezone.now()
    today = service.office.local_today(now)
    choices = []
    for day in service_days(service=service, now=now):
        if not day.open:
            state = DayState.CLOSED
        elif day.bookable:
            state = DayState.OPEN
        elif day.date == today:
            state = DayState.OVER
        else:
            state = DayState.FULL
        choices.append(DayChoice(day=day, state=state))
    return choices


class SlotState(StrEnum):
    OPEN = "open"
    FULL = "full"
    LATER = "later"  # its next part of places is released later (antrean.catalog.releases)
    PAST = "past"  # started already, or the same-day cutoff has passed


@dataclass(frozen=True)
class SlotChoice:
    slot: Slot
    state: SlotState


@dataclass(frozen=True)
class DayPage:
    date: dt.date
    in_horizon: bool
    open: bool
    reason: str
    choices: list[SlotChoice]


def slot_state(slot: Slot, *, office: Office, now: dt.datetime) -> SlotState:
    if not slot_is_bookable(slot, office=office, now=now):
        return SlotState.PAST
    if slot.remaining <= 0:
        if slot.next_release is not None and slot.booked < slot.capacity:
            return SlotState.LATER
        return SlotState.FULL
    return SlotState.OPEN


def service_day_page(*, service: Service, date: dt.date, now: dt.datetime | None = None) -> DayPage:
    """The slots of one date, each marked open, full or past."""
    now = now or timezone.now()
    office = service.office
    if date not in booking_dates(office=office, now=now):
        return DayPage(date=date, in_horizon=False, open=False, reason="", choices=[])
    day = service_day_slots(service=service, date=date, now=now)
    choices = [
        SlotChoice(slot=slot, state=slot_state(slot, office=office, now=now)) for slot in day.slots
    ]
    return DayPage(date=date, in_horizon=True, open=day.open, reason=day.reason, choices=choices)


def office_slot_get(*, office: Office, slot_id: int) -> Slot | None:
    """A slot of an active service of this office, with its service and agency."""
    return (
        Slot.objects.select_related("service__agency", "service__office")
        .filter(
            pk=slot_id,
            service__office=office,
            service__is_active=True,
            service__agency__is_active=True,
        )
        .first()
    )


def ticket_for_owner(*, code: str) -> Ticket | None:
    """A booking for its owner's page; the caller has checked the ownership."""
    return (
        Ticket.objects.select_related(
            "office", "service__agency", "slot", "pact_signature__certificate"
        )
        .filter(code=code)
        .first()
    )
