"""Helpers for the staff API tests: accounts that log in with a password, tokens, the
citizen pact fields, and a snapshot of everything a counter move writes. Counters, officers,
walk-ins and bookings come from antrean.testing.factories."""

import datetime as dt
import itertools

from django.contrib.auth import get_user_model

from antrean.api.auth import api_token_issue
from antrean.catalog.models import Service
from antrean.integrity.models import Audience, PactSignature
from antrean.integrity.services import pact_in_force
from antrean.queueing.models import AuditFlag, CallState, Ticket, TicketEvent
from antrean.tenancy.models import Agency, Membership, Office
from antrean.testing.factories import local_time, make_booking, make_slot, make_walk_in

PASSWORD = "Kata-Sandi-Petugas-2026"

_seq = itertools.count(1)


def make_user(username: str | None = None, *, password: str | None = PASSWORD, **fields):
    """A staff account (is_staff unless told otherwise) with a password, hashed for real."""
    fields.setdefault("is_staff", True)
    return get_user_model().objects.create_user(
        username=username or f"staf-{next(_seq)}", password=password, **fields
    )


def make_staff(
    agency: Agency | None = None,
    *,
    office: Office | None = None,
    role: str = Membership.Role.OFFICER,
    **user_fields,
):
    """An account that logs in with PASSWORD, with one membership (officer of `agency`
    unless told otherwise)."""
    user = make_user(**user_fields)
    Membership.objects.create(user=user, role=role, office=office or agency.office, agency=agency)
    return user


def bearer(user) -> dict:
    """Request headers carrying a fresh staff token of `user`."""
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user).secret}"}


def citizen_pact(office: Office) -> dict:
    rendering = pact_in_force(office=office, audience=Audience.CITIZEN)
    return {"pact_version": rendering.pact.version, "pact_sha256": rendering.sha256}


def walk_in(service: Service, **fields) -> Ticket:
    """A ticket waiting now (the office must be open now: see office_at_noon)."""
    return make_walk_in(service, **fields).ticket


def booked_today(service: Service, *, start: dt.time, end: dt.time, nik: str) -> Ticket:
    """A booking for a slot today, made at the office's 07:00 (before the slot starts)."""
    today = service.office.local_today()
    slot = make_slot(service, date=today, start=start, end=end)
    return make_booking(slot, now=local_time(service.office, today, 7), nik=nik).ticket


def snapshot() -> dict:
    """Everything a counter move writes: a refused request must leave all of it as it was."""
    return {
        "tickets": sorted(
            Ticket.objects.values_list(
                "pk", "status", "service_id", "counter_id", "officer_id", "called_at", "started_at"
            )
        ),
        "events": TicketEvent.objects.count(),
        "flags": AuditFlag.objects.count(),
        "call_state": sorted(CallState.objects.values_list("office_id", "priority_streak")),
        "signatures": PactSignature.objects.count(),
    }
