"""The public API's happy paths: what a client reads and books, exactly as the contract says."""

import datetime as dt
import hashlib

import pytest
from django.conf import settings

from antrean.api.tests.conftest import BOOKINGS, booking_payload, office_at_noon
from antrean.booking.services import token_hash
from antrean.catalog.models import Slot
from antrean.integrity.models import PactSignature
from antrean.queueing.models import Ticket
from antrean.tenancy.models import Closure
from antrean.testing.factories import (
    make_agency,
    make_nik,
    make_office,
    make_phone,
    make_service,
    make_slot,
    tomorrow,
)

pytestmark = pytest.mark.django_db


def test_offices_lists_active_offices(client):
    office = make_office(code="mpp-uji", name="Mal Pelayanan Publik Uji")
    make_office(code="mpp-tutup", is_active=False)

    response = client.get("/api/v1/offices")

    assert response.status_code == 200
    offices = {item["code"]: item for item in response.json()}
    assert "mpp-tutup" not in offices
    assert offices[office.code] == {
        "code": "mpp-uji",
        "name": "Mal Pelayanan Publik Uji",
        "timezone": "Asia/Makassar",
        "zone": "WITA",
        "region_code": "51.03",
    }


def test_office_services_list_their_standard(client):
    office = make_office()
    agency = make_agency(office, code="imigrasi", name="Kantor Imigrasi", short_name="Imigrasi")
    service = make_service(
        agency=agency,
        code="paspor",
        name="Paspor baru",
        prefix="P",
        fee=350000,
        fee_note="PP 28/2019",
        duration_minutes=20,
        requirements="KTP-el asli\n\n  Kartu Keluarga  \n",
    )
    make_service(agency=agency, prefix="X", is_active=False)

    response = client.get(f"/api/v1/offices/{office.code}/services")

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": service.pk,
            "code": "paspor",
            "name": "Paspor baru",
            "agency": {"code": "imigrasi", "name": "Kantor Imigrasi", "short_name": "Imigrasi"},
            "prefix": "P",
            "fee": 350000,
            "fee_note": "PP 28/2019",
            "duration_minutes": 20,
            "requirements": ["KTP-el asli", "Kartu Keluarga"],
        }
    ]


def test_slots_of_an_open_day_in_local_time(client):
    service = make_service(slot_capacity=4)
    date = tomorrow(service.office)
    full = make_slot(service, date=date, start=dt.time(9), end=dt.time(10), capacity=1)
    Slot.objects.filter(pk=full.pk).update(booked=1)

    response = client.get(f"/api/v1/services/{service.pk}/slots", {"date": date.isoformat()})

    assert response.status_code == 200
    body = response.json()
    assert (body["date"], body["open"], body["reason"]) == (date.isoformat(), True, "")
    # The office opens 08:00-16:00 and the service cuts it in 60-minute slots.
    assert [(s["start"], s["end"]) for s in body["slots"]] == [
        (f"{h:02d}:00", f"{h + 1:02d}:00") for h in range(8, 16)
    ]
    by_start = {s["start"]: s for s in body["slots"]}
    assert by_start["09:00"] == {
        "id": full.pk,
        "start": "09:00",
        "end": "10:00",
        "capacity": 1,
        "remaining": 0,
        "next_release_at": None,
        "bookable": False,
    }
    assert by_start["10:00"]["capacity"] == by_start["10:00"]["remaining"] == 4
    assert by_start["10:00"]["bookable"] is True


def test_slots_of_today_are_bookable_only_ahead_and_before_the_cutoff(client):
    office = office_at_noon()
    service = make_service(office)
    today = office.local_today()
    url = f"/api/v1/services/{service.pk}/slots"

    slots = {s["start"]: s for s in client.get(url, {"date": today.isoformat()}).json()["slots"]}
    assert slots["08:00"]["bookable"] is False  # already started
    assert slots["14:00"]["bookable"] is True

    office.daily_cutoff = dt.time(12)
    office.save(update_fields=["daily_cutoff"])
    slots = {s["start"]: s for s in client.get(url, {"date": today.isoformat()}).json()["slots"]}
    assert slots["14:00"]["bookable"] is False


def test_slots_of_a_closed_day_say_why(client):
    service = make_service()
    date = tomorrow(service.office)
    Closure.objects.create(office=service.office, date=date, reason="Hari Raya Nyepi")

    response = client.get(f"/api/v1/services/{service.pk}/slots", {"date": date.isoformat()})

    assert response.status_code == 200
    assert response.json() == {
        "date": date.isoformat(),
        "open": False,
        "reason": "Hari Raya Nyepi",
        "mode": "first_come",
        "draw": None,
        "slots": [],
    }


def test_pact_is_the_exact_text_and_its_hash(client):
    office = make_office()

    response = client.get(f"/api/v1/offices/{office.code}/pact")

    assert response.status_code == 200
    pact = response.json()
    assert pact["version"] == 1
    assert pact["language"] == "id"
    assert pact["title"]
    assert office.name in pact["text"]
    assert pact["sha256"] == hashlib.sha256(pact["text"].encode()).hexdigest()


def test_booking_with_the_pact_fetched_from_the_api(client, book):
    slot = make_slot(capacity=3)
    office, service = slot.service.office, slot.service
    pact = client.get(f"/api/v1/offices/{office.code}/pact").json()
    nik, phone = make_nik(), make_phone()

    response = book(
        {
            "slot_id": slot.pk,
            "name": "Ni Made Ayu Lestari",
            "nik": nik,
            "whatsapp": phone,
            "pact_version": pact["version"],
            "pact_sha256": pact["sha256"],
            "pact_agreed": True,
        },
        HTTP_USER_AGENT="klien-uji/1.0",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get()
    token = body.pop("token")
    assert body == {
        "code": ticket.code,
        "number": f"{service.prefix}-001",
        "status": "booked",
        "office": {"code": office.code, "name": office.name},
        "service": {"id": service.pk, "code": service.code, "name": service.name},
        "date": slot.date.isoformat(),
        "start": "09:00",
        "end": "10:00",
        "zone": "WITA",
        "status_url": f"{settings.SITE_URL}/antrean/{ticket.code}/?t={token}",
    }
    assert ticket.channel == "api"
    assert ticket.whatsapp_consent is False
    signature = PactSignature.objects.get(ticket=ticket)
    assert (signature.pact_version, signature.pact_sha256) == (pact["version"], pact["sha256"])
    assert (signature.channel, signature.client_ip) == ("api", "127.0.0.1")
    assert signature.user_agent == "klien-uji/1.0"
    assert Slot.objects.get(pk=slot.pk).booked == 1
    # Personal data never comes back in plain.
    assert nik not in response.content.decode()
    assert phone[1:] not in response.content.decode()


def test_booking_token_is_stored_only_as_a_hash(book):
    slot = make_slot()

    token = book(booking_payload(slot)).json()["token"]

    ticket = Ticket.objects.get()
    assert len(token) >= 32
    assert ticket.token_hash != token
    assert ticket.token_hash == token_hash(token)
    assert not Ticket.objects.filter(token_hash=token).exists()


def test_booking_records_whatsapp_consent(book):
    slot = make_slot()

    assert book(booking_payload(slot, whatsapp_consent=True)).status_code == 201

    assert Ticket.objects.get().whatsapp_consent is True


def test_get_booking_with_its_token_shows_personal_data_masked(client, book):
    slot = make_slot()
    nik, phone = "5103014101900007", "081234567890"
    created = book(booking_payload(slot, nik=nik, whatsapp=phone, name="Made Wirawan")).json()

    response = client.get(f"{BOOKINGS}/{created['code']}", HTTP_X_BOOKING_TOKEN=created["token"])

    assert response.status_code == 200
    body = response.json()
    signature = PactSignature.objects.get()
    assert body == {
        "code": created["code"],
        "number": created["number"],
        "status": "booked",
        "office": created["office"],
        "service": created["service"],
        "date": created["date"],
        "start": "09:00",
        "end": "10:00",
        "zone": "WITA",
        "name_masked": "M*** W******",
        "nik_masked": "5103********0007",
        "whatsapp_masked": "+62812****7890",
        "pact": {
            "version": signature.pact_version,
            "sha256": signature.pact_sha256,
            "signed_at": body["pact"]["signed_at"],
        },
        "survey_url": None,  # until the ticket is done
    }
    signed_at = dt.datetime.fromisoformat(body["pact"]["signed_at"])
    assert abs(signed_at - signature.signed_at) < dt.timedelta(milliseconds=1)
    content = response.content.decode()
    assert nik not in content and "1234567890" not in content and "Wirawan" not in content
    assert created["token"] not in content


def test_booking_code_is_read_case_insensitively(client, book):
    created = book(booking_payload(make_slot())).json()

    response = client.get(
        f"{BOOKINGS}/{created['code'].lower()}", HTTP_X_BOOKING_TOKEN=created["token"]
    )

    assert response.status_code == 200
    assert response.json()["code"] == created["code"]


def test_cancel_frees_the_place_and_retires_the_number(client, book):
    slot = make_slot(capacity=1)
    slots_url = f"/api/v1/services/{slot.service_id}/slots?date={slot.date.isoformat()}"

    def remaining() -> int:
        return {s["id"]: s for s in client.get(slots_url).json()["slots"]}[slot.pk]["remaining"]

    first = book(booking_payload(slot)).json()
    assert remaining() == 0

    response = client.post(
        f"{BOOKINGS}/{first['code']}/cancel", HTTP_X_BOOKING_TOKEN=first["token"]
    )

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["number"] == first["number"]
    assert Ticket.objects.get(code=first["code"]).status == "cancelled"
    assert remaining() == 1
    second = book(booking_payload(slot))
    assert second.status_code == 201
    assert second.json()["number"] == f"{slot.service.prefix}-002"


def test_cancel_twice_is_the_same_answer(client, book):
    created = book(booking_payload(make_slot())).json()
    url = f"{BOOKINGS}/{created['code']}/cancel"
    client.post(url, HTTP_X_BOOKING_TOKEN=created["token"])
    booked_after_first = Slot.objects.get().booked

    response = client.post(url, HTTP_X_BOOKING_TOKEN=created["token"])

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert Slot.objects.get().booked == booked_after_first == 0


def test_the_same_person_may_book_again_after_cancelling(client, book):
    slot = make_slot()
    payload = booking_payload(slot)
    created = book(payload).json()
    client.post(f"{BOOKINGS}/{created['code']}/cancel", HTTP_X_BOOKING_TOKEN=created["token"])

    assert book(payload).status_code == 201


def test_openapi_document_and_docs_page(client):
    docs = client.get("/api/docs")
    schema = client.get("/api/openapi.json")

    assert docs.status_code == 200
    assert schema.status_code == 200
    document = schema.json()
    assert document["info"]["title"] == "Antrean API"
    assert set(document["paths"]) == {
        "/api/v1/offices",
        "/api/v1/offices/{code}/services",
        "/api/v1/offices/{code}/pact",
        "/api/v1/services/{service_id}/slots",
        "/api/v1/bookings",
        "/api/v1/bookings/{code}",
        "/api/v1/bookings/{code}/cancel",
        "/api/v1/holds/{code}",
        "/api/v1/holds/{code}/otp",
        "/api/v1/holds/{code}/confirm",
        "/api/v1/draw-entries",
        "/api/v1/draw-entries/{code}",
        "/api/v1/draws/{draw_id}",
        "/api/v1/bookings/{code}/certificate.pdf",
        "/api/v1/certificates/{verification_code}",
        "/api/v1/certificates/verify",
        "/api/v1/offices/{code}/ledger/head",
        "/api/v1/offices/{code}/ledger/{seq}",
        "/api/v1/auth/token",
        "/api/v1/offices/{code}/counters",
        "/api/v1/checkin",
        "/api/v1/services/{service_id}/wait",
        "/api/v1/officer/pact",
        "/api/v1/offices/{code}/tickets",
        "/api/v1/counters/{counter_id}/state",
        "/api/v1/counters/{counter_id}/call-next",
        "/api/v1/counters/{counter_id}/call",
        "/api/v1/tickets/{ticket_id}/recall",
        "/api/v1/tickets/{ticket_id}/start",
        "/api/v1/tickets/{ticket_id}/finish",
        "/api/v1/tickets/{ticket_id}/no-show",
        "/api/v1/tickets/{ticket_id}/hold",
        "/api/v1/tickets/{ticket_id}/resume",
        "/api/v1/tickets/{ticket_id}/cancel",
        "/api/v1/tickets/{ticket_id}/transfer",
        "/api/v1/bookings/{code}/my-data",
        "/api/v1/tickets/{ticket_id}",
        "/api/v1/surveys/{token}",
        "/api/v1/offices/{code}/ikm",
        "/api/v1/reports",
        "/api/v1/reports/{tracking_code}",
        "/api/v1/inspectorate/reports",
        "/api/v1/inspectorate/reports/{tracking_code}/move",
        "/api/v1/open/offices/{code}/daily",
        "/api/v1/open/catalog",
        "/api/v1/dashboard/offices/{code}/summary",
        "/api/v1/dashboard/regions/{region_code}/summary",
    }
    create = document["paths"]["/api/v1/bookings"]["post"]
    assert create["operationId"] == "createBooking"
    assert {"201", "409", "422"} <= set(create["responses"])
    required = set(document["components"]["schemas"]["BookingIn"]["required"])
    assert required == {
        "slot_id",
        "name",
        "nik",
        "whatsapp",
        "pact_version",
        "pact_sha256",
        "pact_agreed",
    }
