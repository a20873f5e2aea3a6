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


def assert_error(
    response, code: ErrorCode, *, field: str | None = None, status: int | None = None
) -> dict:
    assert response.status_code == (status or code.status), response.content
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
    pact_publish(pact=new, by=None)
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


# --- what the schema accepts, exactly -----------------------------------------------------------


@pytest.mark.parametrize(
    "date", ["0", "1", "20300101", "2030-W01-1", "2030-01-01T00:00", "0000-01-01"]
)
def test_slots_take_a_date_as_yyyy_mm_dd_only(client, date):
    """`?date=0` was read as 1970-01-01 (a Unix time): the schema says `format: date`."""
    service = make_service()

    response = client.get(f"/api/v1/services/{service.pk}/slots", {"date": date})

    assert_error(response, ErrorCode.INVALID_REQUEST, field="date")


def test_ids_written_as_integral_numbers_are_integers(book, slot):
    """JSON Schema counts 345.0 as the integer 345; so does the API, for every id."""
    payload = booking_payload(slot, slot_id=float(slot.pk))
    payload["pact_version"] = float(payload["pact_version"])

    response = book(payload)

    assert response.status_code == 201, response.content


@pytest.mark.parametrize("value", [1.5, True, "1", 1e300, -1.0, 0.0])
def test_ids_that_are_not_positive_integers_stay_refused(book, slot, value):
    before = db_state()

    assert_error(
        book(booking_payload(slot, slot_id=value)), ErrorCode.INVALID_REQUEST, field="slot_id"
    )

    assert db_state() == before


def test_the_ledger_entry_documents_its_422(client):
    response = client.get("/api/v1/offices/tidak-ada/ledger/abc")
    document = client.get("/api/openapi.json").json()

    assert_error(response, ErrorCode.INVALID_REQUEST, field="seq")
    assert "422" in document["paths"]["/api/v1/offices/{code}/ledger/{seq}"]["get"]["responses"]


# --- hostile input on every operation -----------------------------------------------------------
# Driven by the OpenAPI document, so an operation added later is covered too.


def _document(client) -> dict:
    return client.get("/api/openapi.json").json()


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _operations(document: dict):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _json_body_operations(client):
    document = _document(client)
    for path, method, operation in _operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            yield path, method, operation, _resolve(document, content["application/json"]["schema"])


def _sample(schema: dict):
    """A value the schema accepts (types only: the domain's rules are not the point here)."""
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        return _sample(schema["anyOf"][0])
    if schema.get("format") == "date":
        return "2030-01-01"
    return {"integer": 1, "boolean": True, "string": "abcde", "object": {}}[schema["type"]]


def _concrete(path: str, office_code: str) -> str:
    return (
        path.replace("{code}", office_code)
        .replace("{service_id}", "1")
        .replace("{counter_id}", "1")
        .replace("{ticket_id}", "1")
    )


@pytest.fixture
def staff_headers():
    from antrean.api.tests.staff_setup import bearer, make_staff
    from antrean.testing.factories import make_agency

    office = make_service().office
    user = make_staff(make_agency(office))
    return office, bearer(user)


def test_a_nul_in_any_json_text_field_is_422_naming_it(client, staff_headers):
    """PostgreSQL cannot store or compare text holding U+0000: every string an operation
    reads says so in the schema (pattern), and a NUL is refused before any query."""
    office, headers = staff_headers
    checked = 0
    for path, method, operation, schema in _json_body_operations(client):
        properties = schema["properties"]
        valid = {name: _sample(field) for name, field in properties.items()}
        for name, field in properties.items():
            if _sample(field) not in ("abcde", "2030-01-01"):
                continue
            assert "pattern" in str(field), f"{operation['operationId']}.{name} allows NUL"
            body = {**valid, name: "ab\x00cd"}
            response = client.generic(
                method.upper(),
                _concrete(path, office.code),
                json.dumps(body),
                content_type="application/json",
                **headers,
            )
            assert_error(response, ErrorCode.INVALID_REQUEST, field=name)
            checked += 1
    assert checked >= 13  # every text field of 7 operations when this was written


CONTENT_TYPES = [
    ("multipart/form-data", b'{"username": "a", "password": "b"}'),
    ("multipart/form-data; boundary=", b"--\r\n"),
    ("multipart/form-data; boundary=zz", b"not multipart at all"),
    (
        "multipart/form-data; boundary=zz",
        b'--zz\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\x00\r\n--zz--\r\n',
    ),
    ("multipart/form-data; boundary=zz", b"--zz\r\nContent-Disposition: form-data\r\n\r\n"),
    ("application/x-www-form-urlencoded", b"username=a%00&password=b"),
    ("application/x-www-form-urlencoded", b"%%%=&&=="),
    ("text/plain", b"\xff\xfe\x00"),
    ("application/json; charset=utf-16", b"\xff\xfe{\x00}\x00"),
    ("application/xml", b"<a/>"),
    ("", b"{}"),
]


@pytest.mark.parametrize(("content_type", "body"), CONTENT_TYPES)
def test_any_content_type_on_any_post_is_a_documented_4xx(
    client, staff_headers, content_type, body
):
    """`POST /auth/token` and `/certificates/verify` with `multipart/form-data` and no
    multipart body were 500s (Django's MultiPartParserError fell into the catch-all)."""
    office, headers = staff_headers
    before = db_state()
    document = _document(client)
    for path, method, operation in _operations(document):
        if method != "post":
            continue
        response = client.generic(
            "POST", _concrete(path, office.code), body, content_type=content_type, **headers
        )
        where = f"{operation['operationId']} with {content_type!r}"
        assert 400 <= response.status_code < 500, (where, response.content)
        assert response["Content-Type"] == "application/json", where
        assert set(response.json()) >= {"error", "message"}, where
        assert str(response.status_code) in operation["responses"], (where, response.status_code)
    assert db_state() == before


def test_a_login_sent_as_multipart_without_a_boundary_is_400(client):
    """The probe's case: axes reads request.POST to record the failure, and the multipart
    parser raised."""
    response = client.generic(
        "POST",
        "/api/v1/auth/token",
        b'{"username": "petugas", "password": "salah"}',
        content_type="multipart/form-data",
    )

    assert_error(response, ErrorCode.INVALID_REQUEST, status=400)


def test_a_certificate_upload_that_is_not_multipart_is_400(client):
    response = client.generic(
        "POST", "/api/v1/certificates/verify", b"%PDF-1.7", content_type="multipart/form-data"
    )

    assert_error(response, ErrorCode.INVALID_REQUEST, status=400)
