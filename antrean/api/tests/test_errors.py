"""Every refusal of the public API: its code, status and message, and that nothing changed."""

import datetime as dt
import json

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from antrean.api.tests.conftest import BOOKINGS, booking_payload, db_state, office_at_noon
from antrean.core.errors import ErrorCode
from antrean.integrity.models import Audience, PactText
from antrean.integrity.services import pact_next_version, pact_publish
from antrean.queueing.models import Ticket
from antrean.tenancy.models import Closure
from antrean.testing.factories import make_nik, make_phone, make_service, make_slot, tomorrow

pytestmark = pytest.mark.django_db


def assert_error(response, code: ErrorCode, *, field: str | None = None) -> dict:
    assert response.status_code == code.status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == str(code)
    assert body["message"]
    if field is not None:
        assert body["field"] == field
    return body


@pytest.fixture
def slot():
    return make_slot(capacity=5)


# --- identity and pact ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"nik": "5103014101900000"}, ErrorCode.INVALID_NIK, "nik"),  # serial 0000
        ({"nik": "1234"}, ErrorCode.INVALID_NIK, "nik"),
        ({"whatsapp": "0361 123456"}, ErrorCode.INVALID_PHONE, "whatsapp"),  # a landline
        ({"whatsapp": "08"}, ErrorCode.INVALID_PHONE, "whatsapp"),
        ({"name": "A"}, ErrorCode.INVALID_NAME, "name"),
        ({"name": "x" * 101}, ErrorCode.INVALID_NAME, "name"),
        ({"pact_agreed": False}, ErrorCode.PACT_REQUIRED, "pact_agreed"),
        ({"pact_sha256": "0" * 64}, ErrorCode.PACT_OUTDATED, "pact_agreed"),
        ({"pact_version": 99}, ErrorCode.PACT_OUTDATED, "pact_agreed"),
    ],
)
def test_booking_refused_for_bad_input(book, slot, overrides, code, field):
    before = db_state()

    body = assert_error(book(booking_payload(slot, **overrides)), code, field=field)

    assert body["message"] == code.message
    assert db_state() == before


def test_booking_refused_when_a_new_pact_version_was_published(book, slot):
    payload = booking_payload(slot)  # agreed to version 1
    new = PactText.objects.create(
        office=None,
        audience=Audience.CITIZEN,
        version=pact_next_version(office=None, audience=Audience.CITIZEN),
        language="id",
        title="Pakta Integritas Pengguna Layanan",
        body="Saya tidak akan memberikan gratifikasi kepada petugas {kantor}.",
    )
    pact_publish(pact=new)
    before = db_state()

    assert_error(book(payload), ErrorCode.PACT_OUTDATED, field="pact_agreed")

    assert db_state() == before


# --- the slot's day and time --------------------------------------------------------------------


def test_booking_refused_on_a_closed_day(book, slot):
    Closure.objects.create(office=slot.service.office, date=slot.date, reason="Cuti bersama")
    before = db_state()

    assert_error(book(booking_payload(slot)), ErrorCode.OFFICE_CLOSED, field="slot_id")

    assert db_state() == before


def test_booking_refused_for_a_slot_that_has_started(book):
    office = office_at_noon()
    slot = make_slot(make_service(office), date=office.local_today(), start=dt.time(8))
    before = db_state()

    assert_error(book(booking_payload(slot)), ErrorCode.SLOT_PAST, field="slot_id")

    assert db_state() == before


def test_booking_refused_after_the_daily_cutoff(book):
    office = office_at_noon(daily_cutoff=dt.time(12))
    slot = make_slot(
        make_service(office), date=office.local_today(), start=dt.time(14), end=dt.time(15)
    )
    before = db_state()

    assert_error(book(booking_payload(slot)), ErrorCode.CUTOFF_PASSED, field="slot_id")

    assert db_state() == before


def test_booking_before_the_cutoff_is_accepted(book):
    # The counterpart of the test above: the same slot with a later cutoff books.
    office = office_at_noon(daily_cutoff=dt.time(13))
    slot = make_slot(
        make_service(office), date=office.local_today(), start=dt.time(14), end=dt.time(15)
    )

    assert book(booking_payload(slot)).status_code == 201


# --- quotas -------------------------------------------------------------------------------------


def test_booking_refused_when_the_slot_is_full(book):
    slot = make_slot(capacity=1)
    assert book(booking_payload(slot)).status_code == 201
    before = db_state()

    assert_error(book(booking_payload(slot)), ErrorCode.SLOT_FULL, field="slot_id")

    assert db_state() == before


def test_booking_refused_for_a_second_active_booking_of_one_nik(book):
    service = make_service()
    morning = make_slot(service, start=dt.time(9), end=dt.time(10))
    afternoon = make_slot(service, date=morning.date, start=dt.time(13), end=dt.time(14))
    nik = make_nik()
    assert book(booking_payload(morning, nik=nik)).status_code == 201
    before = db_state()

    response = book(booking_payload(afternoon, nik=nik, whatsapp=make_phone()))

    assert_error(response, ErrorCode.DUPLICATE_BOOKING, field="nik")
    assert db_state() == before


def test_booking_refused_for_a_fourth_booking_of_one_whatsapp_number(book):
    office = make_slot().service.office
    date = tomorrow(office)
    slots = [make_slot(make_service(office), date=date) for _ in range(4)]
    phone = make_phone()
    for slot in slots[:3]:
        assert book(booking_payload(slot, whatsapp=phone)).status_code == 201
    before = db_state()

    response = book(booking_payload(slots[3], whatsapp=phone))

    assert_error(response, ErrorCode.TOO_MANY_BOOKINGS, field="whatsapp")
    assert db_state() == before


# --- what does not exist ------------------------------------------------------------------------


def test_booking_refused_for_an_unknown_slot(book, slot):
    payload = booking_payload(slot, slot_id=slot.pk + 1000)
    before = db_state()

    assert_error(book(payload), ErrorCode.NOT_FOUND, field="slot_id")

    assert db_state() == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/offices/tidak-ada/services",
        "/api/v1/offices/tidak-ada/pact",
        "/api/v1/services/999999/slots?date=2030-01-01",
        "/api/v1/services/0/slots?date=2030-01-01",
        "/api/v1/services/99999999999999999999999/slots?date=2030-01-01",
        "/api/v1/services/abc/slots?date=2030-01-01",
        "/api/v1/bookings/ZZZZZZZZ",
        "/api/v1/nothing-here",
        "/api/v2/offices",
        "/api/",
        "/api/v1/offices/",
    ],
)
def test_unknown_things_are_404_json(client, path):
    assert_error(client.get(path), ErrorCode.NOT_FOUND)


def test_inactive_office_is_not_found(client):
    office = make_service().office
    office.is_active = False
    office.save(update_fields=["is_active"])

    assert_error(client.get(f"/api/v1/offices/{office.code}/services"), ErrorCode.NOT_FOUND)


def test_unknown_booking_is_404_whatever_the_token(client):
    for headers in ({}, {"HTTP_X_BOOKING_TOKEN": "anything"}):
        assert_error(client.get(f"{BOOKINGS}/ZZZZZZZZ", **headers), ErrorCode.NOT_FOUND)
        before = db_state()
        response = client.post(f"{BOOKINGS}/ZZZZZZZZ/cancel", **headers)
        assert_error(response, ErrorCode.NOT_FOUND)
        assert db_state() == before


# --- the booking's token ------------------------------------------------------------------------


@pytest.fixture
def booking(book, slot):
    response = book(booking_payload(slot))
    assert response.status_code == 201
    return response.json()


@pytest.mark.parametrize("headers", [{}, {"HTTP_X_BOOKING_TOKEN": "salah"}])
def test_reading_a_booking_needs_its_token(client, booking, headers):
    response = client.get(f"{BOOKINGS}/{booking['code']}", **headers)

    body = assert_error(response, ErrorCode.BAD_TOKEN)
    assert booking["number"] not in response.content.decode()
    assert "field" not in body


def test_another_bookings_token_does_not_open_this_one(client, book, booking):
    other = book(booking_payload(make_slot())).json()

    response = client.get(f"{BOOKINGS}/{booking['code']}", HTTP_X_BOOKING_TOKEN=other["token"])

    assert_error(response, ErrorCode.BAD_TOKEN)


@pytest.mark.parametrize("headers", [{}, {"HTTP_X_BOOKING_TOKEN": "salah"}])
def test_cancelling_a_booking_needs_its_token(client, booking, headers):
    before = db_state()

    response = client.post(f"{BOOKINGS}/{booking['code']}/cancel", **headers)

    assert_error(response, ErrorCode.BAD_TOKEN)
    assert db_state() == before
    assert Ticket.objects.get(code=booking["code"]).status == "booked"


@pytest.mark.parametrize("status", ["called", "serving", "done", "no_show", "expired"])
def test_a_ticket_past_booking_cannot_be_cancelled(client, booking, status):
    Ticket.objects.filter(code=booking["code"]).update(status=status)
    before = db_state()

    response = client.post(
        f"{BOOKINGS}/{booking['code']}/cancel", HTTP_X_BOOKING_TOKEN=booking["token"]
    )

    assert_error(response, ErrorCode.INVALID_TRANSITION)
    assert db_state() == before


# --- malformed requests -------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ['{"slot_id": 1,', "slot_id=1&name=Ayu", "\xff\xfe", "{'a': 1}"])
def test_malformed_json_is_400(client, slot, raw):
    before = db_state()

    response = client.post(BOOKINGS, raw, content_type="application/json")

    assert_error(response, ErrorCode.MALFORMED_JSON)
    assert db_state() == before


@pytest.mark.parametrize("missing", ["slot_id", "name", "nik", "whatsapp", "pact_agreed"])
def test_missing_field_is_422_naming_it(book, slot, missing):
    payload = booking_payload(slot)
    del payload[missing]
    before = db_state()

    body = assert_error(book(payload), ErrorCode.INVALID_REQUEST, field=missing)

    assert body["message"] == f"Kolom {missing} wajib diisi."
    assert db_state() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"slot_id": "satu"}, "slot_id"),
        ({"slot_id": 0}, "slot_id"),
        ({"slot_id": 10**30}, "slot_id"),
        ({"nik": 5103014101900001}, "nik"),
        ({"name": ["Ayu"]}, "name"),
        ({"pact_agreed": "ya"}, "pact_agreed"),
        ({"pact_version": None}, "pact_version"),
        ({"whatsapp_consent": "mungkin"}, "whatsapp_consent"),
    ],
)
def test_wrong_type_is_422_naming_the_field(book, slot, overrides, field):
    before = db_state()

    assert_error(book(booking_payload(slot, **overrides)), ErrorCode.INVALID_REQUEST, field=field)

    assert db_state() == before


@pytest.mark.parametrize("raw", ["", "[]", "null", '"pesan"', "42"])
def test_body_that_is_not_an_object_is_422(client, raw):
    before = db_state()

    response = client.post(BOOKINGS, raw, content_type="application/json")

    assert_error(response, ErrorCode.INVALID_REQUEST)
    assert db_state() == before


@pytest.mark.parametrize("date", [None, "", "besok", "2030-02-30", "30-01-2030"])
def test_slots_need_a_valid_date(client, date):
    service = make_service()
    query = {} if date is None else {"date": date}

    response = client.get(f"/api/v1/services/{service.pk}/slots", query)

    assert_error(response, ErrorCode.INVALID_REQUEST, field="date")


def test_oversized_body_is_413(client, slot):
    payload = booking_payload(slot, name="A" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))
    before = db_state()

    response = client.post(BOOKINGS, json.dumps(payload), content_type="application/json")

    assert_error(response, ErrorCode.REQUEST_TOO_LARGE)
    assert db_state() == before


def test_oversized_body_is_413_on_any_api_path(client, booking):
    before = db_state()
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = client.post(
        f"{BOOKINGS}/{booking['code']}/cancel",
        big,
        content_type="application/json",
        HTTP_X_BOOKING_TOKEN=booking["token"],
    )

    assert_error(response, ErrorCode.REQUEST_TOO_LARGE)
    assert db_state() == before


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("put", BOOKINGS, "POST"),
        ("get", BOOKINGS, "POST"),
        ("delete", f"{BOOKINGS}/ABCDEFGH", "GET"),
        ("get", f"{BOOKINGS}/ABCDEFGH/cancel", "POST"),
        ("post", "/api/v1/offices", "GET"),
    ],
)
def test_wrong_method_is_405_json(client, method, path, allowed):
    before = db_state()

    response = getattr(client, method)(path)

    assert_error(response, ErrorCode.METHOD_NOT_ALLOWED)
    assert response["Allow"] == allowed
    assert db_state() == before


def test_messages_follow_the_request_language(book, slot):
    indonesian = book(booking_payload(slot, nik="1"))
    english = book(booking_payload(slot, nik="1"), HTTP_ACCEPT_LANGUAGE="en")

    assert assert_error(indonesian, ErrorCode.INVALID_NIK)["message"].startswith("NIK tidak sah")
    with translation.override("en"):
        expected = ErrorCode.INVALID_NIK.message
    assert assert_error(english, ErrorCode.INVALID_NIK)["message"] == expected


def test_api_needs_no_csrf_token_and_stays_json():
    # Other clients have no cookie to pair a CSRF token with.
    client = Client(enforce_csrf_checks=True)
    slot = make_slot()

    created = client.post(BOOKINGS, booking_payload(slot), content_type="application/json")
    unknown = client.post("/api/v1/unknown", {}, content_type="application/json")

    assert created.status_code == 201
    assert_error(unknown, ErrorCode.NOT_FOUND)
