"""booking_create, booking_get and booking_cancel: every rule; a refusal changes nothing."""

import dataclasses
import datetime as dt
import hashlib
import re

import pytest
from django.utils import timezone

from antrean.booking.models import PhoneDayCount
from antrean.booking.services import booking_cancel, booking_create, booking_get, token_hash
from antrean.catalog.models import Slot
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.hotcache import hot_caches_clear
from antrean.core.personal_data import lookup_hash
from antrean.integrity.models import Audience, Channel, PactSignature, PactText
from antrean.integrity.services import ClientInfo, pact_in_force, pact_publish
from antrean.queueing.models import CODE_ALPHABET, Ticket, TicketSequence
from antrean.queueing.states import Status
from antrean.tenancy.models import Closure, OpeningHours
from antrean.testing.factories import (
    booking_request,
    make_nik,
    make_office,
    make_phone,
    make_service,
    make_slot,
    tomorrow,
)

pytestmark = pytest.mark.django_db

CLIENT = ClientInfo(channel=Channel.API, ip="203.0.113.7", user_agent="Mozilla/5.0 (Android 14)")
PHONE = "081234567890"
PHONE_E164 = "+6281234567890"


def snapshot():
    """Everything a booking may change."""
    return {
        "tickets": sorted(Ticket.objects.values_list("pk", "status")),
        "signatures": sorted(PactSignature.objects.values_list("pk", flat=True)),
        "slots": sorted(Slot.objects.values_list("pk", "booked")),
        "sequences": sorted(TicketSequence.objects.values_list("service_id", "date", "last")),
        "phone_days": sorted(PhoneDayCount.objects.values_list("phone_hash", "date", "active")),
    }


def refused(code, request, *, field=None, now=None):
    """Assert that booking_create refuses with `code` and leaves every row as it was."""
    before = snapshot()
    with pytest.raises(DomainError) as caught:
        booking_create(request=request, client=CLIENT, now=now)
    assert caught.value.code == code
    if field is not None:
        assert caught.value.field == field
    assert snapshot() == before
    return caught.value


def book(slot, **overrides):
    return booking_create(request=booking_request(slot, **overrides), client=CLIENT)


@pytest.fixture
def slot():
    """A slot of capacity 5 tomorrow, with one booking already in it (so numbers, places and
    phone counts exist and any stray change to them shows)."""
    service = make_service(prefix="A")
    slot = make_slot(service, capacity=5)
    book(slot)
    return slot


# --- success -----------------------------------------------------------------------------


def test_success_gives_a_booked_numbered_ticket_with_its_signature():
    service = make_service(prefix="A")
    slot = make_slot(service, capacity=5)
    now = timezone.now()
    rendering = pact_in_force(office=service.office, audience=Audience.CITIZEN)
    request = booking_request(
        slot, name="  Ni  Made Ayu ", nik="5103 0141 0190 0001", whatsapp="+62 812-3456-7890"
    )
    result = booking_create(request=request, client=CLIENT, now=now)

    ticket = Ticket.objects.get(pk=result.ticket.pk)
    assert ticket.status == Status.BOOKED
    assert ticket.number == "A-001" and ticket.seq == 1
    assert (ticket.office, ticket.service, ticket.numbered_service) == (
        service.office,
        service,
        service,
    )
    assert (ticket.slot, ticket.date) == (slot, slot.date)
    assert ticket.channel == Channel.API
    assert len(ticket.code) == 8 and set(ticket.code) <= set(CODE_ALPHABET)
    # Personal data normalised, with its keyed hashes.
    assert (ticket.name, ticket.nik, ticket.phone) == (
        "Ni Made Ayu",
        "5103014101900001",
        PHONE_E164,
    )
    assert ticket.nik_hash == lookup_hash("5103014101900001", purpose="nik")
    assert ticket.phone_hash == lookup_hash(PHONE_E164, purpose="phone")
    # Only the token's hash is kept.
    assert ticket.token_hash == token_hash(result.token) != result.token
    assert len(result.token) >= 32

    signature = PactSignature.objects.get(ticket=ticket)
    assert signature.office == service.office
    assert signature.audience == Audience.CITIZEN
    assert signature.rendering_id == rendering.pk
    assert (signature.pact_version, signature.pact_sha256) == (1, rendering.sha256)
    assert signature.pact_sha256 == hashlib.sha256(signature.rendering.text.encode()).hexdigest()
    assert signature.channel == Channel.API
    assert signature.client_ip == "203.0.113.7"
    assert signature.user_agent == "Mozilla/5.0 (Android 14)"
    assert signature.signed_at == now
    assert signature.signed_at.utcoffset() == dt.timedelta(0)

    slot.refresh_from_db()
    assert (slot.booked, slot.remaining) == (1, 4)
    assert TicketSequence.objects.get(service=service, date=slot.date).last == 1
    assert PhoneDayCount.objects.get(phone_hash=ticket.phone_hash, date=slot.date).active == 1


def test_numbers_follow_each_other_per_service_and_date():
    office = make_office()
    a, b = make_service(office, prefix="A"), make_service(office, prefix="B")
    slot_a, slot_b = make_slot(a), make_slot(b)
    later = make_slot(a, date=tomorrow(office) + dt.timedelta(days=1))
    numbers = [
        book(slot_a).ticket.number,
        book(slot_a).ticket.number,
        book(slot_b).ticket.number,
        book(later).ticket.number,
        book(slot_a).ticket.number,
    ]
    assert numbers == ["A-001", "A-002", "B-001", "A-001", "A-003"]


def test_token_opens_the_booking_and_nothing_else_does(slot):
    result = book(slot)
    code = result.ticket.code
    assert booking_get(code=code, token=result.token) == result.ticket
    # A code typed from paper: lower case, with a dash.
    assert booking_get(code=f"{code[:4].lower()}-{code[4:]}", token=result.token) == result.ticket
    for token in ["wrong", "", None, result.token[:-1], token_hash(result.token)]:
        with pytest.raises(DomainError) as caught:
            booking_get(code=code, token=token)
        assert caught.value.code == ErrorCode.BAD_TOKEN
    # Another booking's token does not open this one.
    other = book(slot)
    with pytest.raises(DomainError) as caught:
        booking_get(code=code, token=other.token)
    assert caught.value.code == ErrorCode.BAD_TOKEN
    with pytest.raises(DomainError) as caught:
        booking_get(code="ZZZZZZZZ", token=result.token)
    assert caught.value.code == ErrorCode.NOT_FOUND


def test_whatsapp_consent_is_recorded(slot):
    assert book(slot, whatsapp_consent=True).ticket.whatsapp_consent is True
    assert book(slot).ticket.whatsapp_consent is False


# --- input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "code", "field"),
    [
        ({"name": "A"}, ErrorCode.INVALID_NAME, "name"),
        ({"name": "12345"}, ErrorCode.INVALID_NAME, "name"),
        ({"name": "Made\x00"}, ErrorCode.INVALID_NAME, "name"),
        ({"nik": "5103013102900001"}, ErrorCode.INVALID_NIK, "nik"),
        ({"nik": "1234"}, ErrorCode.INVALID_NIK, "nik"),
        ({"whatsapp": "0361 234567"}, ErrorCode.INVALID_PHONE, "whatsapp"),
        ({"whatsapp": "+1 650 253 0000"}, ErrorCode.INVALID_PHONE, "whatsapp"),
        ({"whatsapp": "bukan nomor"}, ErrorCode.INVALID_PHONE, "whatsapp"),
    ],
)
def test_invalid_identity(slot, override, code, field):
    refused(code, booking_request(slot, **override), field=field)


# --- the pact ----------------------------------------------------------------------------


def test_pact_required(slot):
    refused(ErrorCode.PACT_REQUIRED, booking_request(slot, pact_agreed=False), field="pact_agreed")


def test_pact_outdated_wrong_version(slot):
    refused(ErrorCode.PACT_OUTDATED, booking_request(slot, pact_version=2), field="pact_agreed")
    refused(ErrorCode.PACT_OUTDATED, booking_request(slot, pact_version=None))


def test_pact_outdated_wrong_hash(slot):
    request = booking_request(slot)
    wrong = "0" * 64
    refused(ErrorCode.PACT_OUTDATED, dataclasses.replace(request, pact_sha256=wrong))
    refused(ErrorCode.PACT_OUTDATED, dataclasses.replace(request, pact_sha256=None))
    # The hash of another office's text (its name differs) is not this office's text.
    other = pact_in_force(office=make_office(), audience=Audience.CITIZEN)
    refused(ErrorCode.PACT_OUTDATED, dataclasses.replace(request, pact_sha256=other.sha256))


def test_pact_outdated_when_a_new_version_is_published_meanwhile(slot):
    request = booking_request(slot)  # agreed to version 1
    new = PactText.objects.create(
        office=slot.service.office,
        audience=Audience.CITIZEN,
        version=1,
        title="Pakta",
        body="Teks baru untuk {kantor}.",
    )
    # A draft changes nothing yet.
    assert book(slot, nik=make_nik()).ticket.pact_signature.pact_version == 1
    pact_publish(pact=new, by=None)
    refused(ErrorCode.PACT_OUTDATED, dataclasses.replace(request, nik=make_nik()))


def test_no_pact_published_means_no_booking(slot):
    request = booking_request(slot)
    PactText.objects.filter(office__isnull=True).update(published_at=None)
    hot_caches_clear()  # an update() sends no signal: as if the cache's few seconds had passed
    refused(ErrorCode.PACT_OUTDATED, request)


# --- the slot ----------------------------------------------------------------------------


def test_unknown_slot(slot):
    request = booking_request(slot, slot_id=Slot.objects.order_by("-pk").first().pk + 1000)
    refused(ErrorCode.NOT_FOUND, request, field="slot_id")


@pytest.mark.parametrize("what", ["service", "agency", "office"])
def test_slot_of_something_inactive(slot, what):
    request = booking_request(slot)
    thing = {
        "service": slot.service,
        "agency": slot.service.agency,
        "office": slot.service.office,
    }[what]
    thing.is_active = False
    thing.save()
    refused(ErrorCode.NOT_FOUND, request, field="slot_id")


def test_office_closed_on_a_closure(slot):
    Closure.objects.create(office=slot.service.office, date=slot.date, reason="Hari Suci Nyepi")
    refused(ErrorCode.OFFICE_CLOSED, booking_request(slot), field="slot_id")


def test_office_closed_on_a_weekday_without_hours(slot):
    OpeningHours.objects.filter(office=slot.service.office, weekday=slot.date.weekday()).delete()
    refused(ErrorCode.OFFICE_CLOSED, booking_request(slot), field="slot_id")


def test_slot_past(slot):
    request = booking_request(slot)
    refused(ErrorCode.SLOT_PAST, request, field="slot_id", now=slot.starts_at)
    refused(ErrorCode.SLOT_PAST, request, now=slot.ends_at + dt.timedelta(hours=1))
    # A second before it starts is still in time.
    booking_create(request=request, client=CLIENT, now=slot.starts_at - dt.timedelta(seconds=1))


def test_cutoff_passed_for_today_only():
    office = make_office(daily_cutoff=dt.time(9))
    service = make_service(office)
    today = dt.date(2030, 1, 7)
    afternoon = make_slot(service, date=today, start=dt.time(15), end=dt.time(16))
    next_day = make_slot(service, date=today + dt.timedelta(days=1))
    at_nine = dt.datetime.combine(today, dt.time(9), tzinfo=office.zone)

    refused(ErrorCode.CUTOFF_PASSED, booking_request(afternoon), field="slot_id", now=at_nine)
    later = at_nine + dt.timedelta(hours=3)
    refused(ErrorCode.CUTOFF_PASSED, booking_request(afternoon), now=later)
    # Before the cutoff today, and any time for tomorrow, booking goes ahead.
    before = at_nine - dt.timedelta(minutes=1)
    booking_create(request=booking_request(afternoon), client=CLIENT, now=before)
    booking_create(request=booking_request(next_day), client=CLIENT, now=later)


def test_slot_full():
    slot = make_slot(capacity=2)
    book(slot)
    book(slot)
    refused(ErrorCode.SLOT_FULL, booking_request(slot), field="slot_id")
    slot.refresh_from_db()
    assert slot.booked == 2
    assert Ticket.objects.filter(slot=slot).count() == 2


# --- one booking per NIK per service per date ---------------------------------------------


def test_duplicate_booking_same_nik_same_service_same_date(slot):
    nik = make_nik()
    book(slot, nik=nik)
    other_slot = make_slot(slot.service, start=dt.time(13), end=dt.time(14))
    # Typed differently, it is still the same NIK.
    spaced = f"{nik[:4]} {nik[4:8]} {nik[8:12]} {nik[12:]}"
    refused(ErrorCode.DUPLICATE_BOOKING, booking_request(other_slot, nik=spaced), field="nik")
    refused(ErrorCode.DUPLICATE_BOOKING, booking_request(slot, nik=nik))


def test_same_nik_for_another_service_or_another_date(slot):
    nik = make_nik()
    book(slot, nik=nik)
    other_service = make_service(slot.service.office, prefix="B")
    assert book(make_slot(other_service, date=slot.date), nik=nik).ticket.status == "booked"
    next_day = make_slot(slot.service, date=slot.date + dt.timedelta(days=1))
    assert book(next_day, nik=nik).ticket.status == "booked"


def test_same_nik_again_after_cancelling(slot):
    nik = make_nik()
    first = book(slot, nik=nik).ticket
    booking_cancel(ticket=first)
    again = book(slot, nik=nik).ticket
    assert again.status == Status.BOOKED
    assert again.number != first.number


@pytest.mark.parametrize("status", [Status.WAITING, Status.CALLED, Status.SERVING])
def test_a_ticket_in_the_queue_still_counts_as_a_booking(slot, status):
    nik = make_nik()
    ticket = book(slot, nik=nik).ticket
    Ticket.objects.filter(pk=ticket.pk).update(status=status)
    refused(ErrorCode.DUPLICATE_BOOKING, booking_request(slot, nik=nik))


@pytest.mark.parametrize("status", [Status.DONE, Status.NO_SHOW, Status.EXPIRED])
def test_a_finished_ticket_does_not_block_another(slot, status):
    nik = make_nik()
    ticket = book(slot, nik=nik).ticket
    Ticket.objects.filter(pk=ticket.pk).update(status=status)
    assert book(slot, nik=nik).ticket.status == Status.BOOKED


# --- at most N bookings per WhatsApp number per date ---------------------------------------


def test_too_many_bookings_for_one_phone():
    slot = make_slot(capacity=10)
    # The same number typed three ways is one number.
    for typed in [PHONE, PHONE_E164, "62 812-3456-7890"]:
        book(slot, whatsapp=typed)
    error = refused(ErrorCode.TOO_MANY_BOOKINGS, booking_request(slot, whatsapp=PHONE))
    assert error.field == "whatsapp"
    phone_hash = lookup_hash(PHONE_E164, purpose="phone")
    assert PhoneDayCount.objects.get(phone_hash=phone_hash, date=slot.date).active == 3
    # Another number, and another date, are counted apart.
    book(slot, whatsapp=make_phone())
    book(make_slot(slot.service, date=slot.date + dt.timedelta(days=1)), whatsapp=PHONE)


def test_the_limit_applies_across_services(slot):
    office = slot.service.office
    slots = [make_slot(make_service(office, prefix=p), date=slot.date) for p in "BCDE"]
    for s in slots[:3]:
        book(s, whatsapp=PHONE)
    refused(ErrorCode.TOO_MANY_BOOKINGS, booking_request(slots[3], whatsapp=PHONE))


def test_the_limit_comes_from_settings(settings):
    settings.ANTREAN_MAX_BOOKINGS_PER_PHONE_PER_DAY = 1
    slot = make_slot(capacity=10)
    book(slot, whatsapp=PHONE)
    refused(ErrorCode.TOO_MANY_BOOKINGS, booking_request(slot, whatsapp=PHONE))
    settings.ANTREAN_MAX_BOOKINGS_PER_PHONE_PER_DAY = 2
    book(slot, whatsapp=PHONE)


def test_cancelling_frees_a_booking_for_the_phone():
    slot = make_slot(capacity=10)
    tickets = [book(slot, whatsapp=PHONE).ticket for _ in range(3)]
    refused(ErrorCode.TOO_MANY_BOOKINGS, booking_request(slot, whatsapp=PHONE))
    booking_cancel(ticket=tickets[1])
    book(slot, whatsapp=PHONE)
    refused(ErrorCode.TOO_MANY_BOOKINGS, booking_request(slot, whatsapp=PHONE))


# --- cancelling ----------------------------------------------------------------------------


def test_cancel_frees_the_place_and_retires_the_number():
    slot = make_slot(make_service(prefix="A"), capacity=1)
    first = book(slot, whatsapp=PHONE).ticket
    assert first.number == "A-001"
    refused(ErrorCode.SLOT_FULL, booking_request(slot))
    now = timezone.now()
    cancelled = booking_cancel(ticket=first, now=now)
    assert cancelled.status == Status.CANCELLED
    first.refresh_from_db()
    assert (first.status, first.cancelled_at, first.number) == (Status.CANCELLED, now, "A-001")
    slot.refresh_from_db()
    assert (slot.booked, slot.remaining) == (0, 1)
    phone_hash = lookup_hash(PHONE_E164, purpose="phone")
    assert PhoneDayCount.objects.get(phone_hash=phone_hash, date=slot.date).active == 0
    # The place is back; the number is not.
    assert book(slot).ticket.number == "A-002"
    # The pact signature of the cancelled booking stays on record.
    assert PactSignature.objects.filter(ticket=first).exists()


def test_cancel_twice_changes_nothing_more():
    slot = make_slot(capacity=5)
    ticket = book(slot, whatsapp=PHONE).ticket
    book(slot, whatsapp=PHONE)  # a second booking in the same slot, same number
    booking_cancel(ticket=ticket)
    first_time = Ticket.objects.get(pk=ticket.pk).cancelled_at
    before = snapshot()
    again = booking_cancel(ticket=ticket, now=timezone.now() + dt.timedelta(hours=1))
    assert again.status == Status.CANCELLED
    assert snapshot() == before
    slot.refresh_from_db()
    assert slot.booked == 1
    assert Ticket.objects.get(pk=ticket.pk).cancelled_at == first_time


def test_cancel_with_a_stale_object_still_sees_the_current_status():
    slot = make_slot(capacity=5)
    ticket = book(slot).ticket
    book(slot)
    stale = Ticket.objects.get(pk=ticket.pk)
    booking_cancel(ticket=ticket)
    booking_cancel(ticket=stale)  # still says "booked" in memory
    slot.refresh_from_db()
    assert slot.booked == 1


def test_a_waiting_ticket_can_be_cancelled():
    slot = make_slot(capacity=5)
    ticket = book(slot).ticket
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.WAITING)
    assert booking_cancel(ticket=ticket).status == Status.CANCELLED
    slot.refresh_from_db()
    assert slot.booked == 0


@pytest.mark.parametrize(
    "status", [Status.CALLED, Status.SERVING, Status.DONE, Status.NO_SHOW, Status.EXPIRED]
)
def test_cancel_refused_once_past_waiting(status):
    slot = make_slot(capacity=5)
    ticket = book(slot).ticket
    Ticket.objects.filter(pk=ticket.pk).update(status=status)
    before = snapshot()
    with pytest.raises(DomainError) as caught:
        booking_cancel(ticket=ticket)
    assert caught.value.code == ErrorCode.INVALID_TRANSITION
    assert snapshot() == before


def test_number_format():
    slot = make_slot(make_service(prefix="KT"), capacity=20)
    numbers = [book(slot).ticket.number for _ in range(12)]
    assert numbers[0] == "KT-001" and numbers[-1] == "KT-012"
    assert all(re.fullmatch(r"KT-\d{3}", n) for n in numbers)
