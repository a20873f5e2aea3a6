"""The draw through the API: the slots say the mode and the window, entries, one's own entry,
and the public record that verifies."""

import pytest
from django.test import Client

from antrean.catalog.models import Slot
from antrean.draws.models import Draw
from antrean.draws.services import draw_close, draw_verify, entry_hash_of
from antrean.draws.tests.test_draws import DAY, during, opened, service  # noqa: F401
from antrean.integrity.models import Audience
from antrean.integrity.services import pact_in_force
from antrean.testing.factories import make_nik, make_phone

pytestmark = pytest.mark.django_db


def payload(service, **overrides):  # noqa: F811
    rendering = pact_in_force(office=service.office, audience=Audience.CITIZEN)
    return {
        "service_id": service.pk,
        "date": DAY.isoformat(),
        "name": "Ni Made Ayu Lestari",
        "nik": make_nik(),
        "whatsapp": make_phone(),
        "pact_version": rendering.pact.version,
        "pact_sha256": rendering.sha256,
        "pact_agreed": True,
        "whatsapp_consent": True,
    } | overrides


def test_enter_read_and_verify_through_the_api(service, opened, monkeypatch):  # noqa: F811
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: during(opened))
    client = Client()
    slots = client.get(f"/api/v1/services/{service.pk}/slots", {"date": DAY.isoformat()}).json()
    assert slots["mode"] == "draw" and slots["draw"]["id"] == opened.pk
    assert slots["draw"]["status"] == "open"
    assert not any(slot["bookable"] for slot in slots["slots"])
    # Booking a slot of a day that is drawn: refused, with the reason.
    slot_id = slots["slots"][0]["id"]
    booking = payload(service, slot_id=slot_id)
    del booking["service_id"], booking["date"]
    refused = client.post("/api/v1/bookings", booking, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["error"] == "booking_by_draw"

    entries = []
    for _ in range(6):
        answer = client.post(
            "/api/v1/draw-entries", payload(service), content_type="application/json"
        )
        assert answer.status_code == 202, answer.content
        entries.append(answer.json())
    first = entries[0]
    assert first["status"] == "entered" and first["draw_id"] == opened.pk
    assert first["entry_hash"] == entry_hash_of(opened.pk, first["entry_code"])
    same_nik = payload(service, nik=payload(service)["nik"])
    client.post("/api/v1/draw-entries", same_nik, content_type="application/json")
    again = client.post("/api/v1/draw-entries", same_nik, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"] == "duplicate_entry"

    record = client.get(f"/api/v1/draws/{opened.pk}").json()
    assert record["seed"] is None and len(record["entries"]) == 7

    # (Reading the slots made the rest of the day's slots, as for any service.)
    places = sum(Slot.objects.filter(service=service, date=DAY).values_list("capacity", flat=True))
    draw_close(draw=opened, now=opened.closes_at)
    monkeypatch.setattr(timezone, "now", lambda: opened.closes_at)
    record = client.get(f"/api/v1/draws/{opened.pk}").json()
    assert record["seed"] and record["places"] == places
    assert len(record["winners"]) == min(places, 7)
    # Anyone can check it from the public record alone.
    assert draw_verify(record) == []
    statuses = set()
    for entry in entries:
        mine = client.get(
            f"/api/v1/draw-entries/{entry['entry_code']}",
            HTTP_X_BOOKING_TOKEN=entry["token"],
        ).json()
        statuses.add(mine["status"])
        if mine["status"] == "won":
            assert mine["booking"]["number"].startswith("P-")
            assert mine["entry_hash"] in record["winners"]
        elif mine["status"] == "waitlisted":
            assert mine["waitlist_position"] >= 1
    assert statuses <= {"won", "waitlisted"} and "won" in statuses
    wrong = client.get(
        f"/api/v1/draw-entries/{entries[0]['entry_code']}", HTTP_X_BOOKING_TOKEN="salah"
    )
    assert wrong.status_code == 403
    slots = client.get(f"/api/v1/services/{service.pk}/slots", {"date": DAY.isoformat()}).json()
    assert slots["draw"]["status"] == "drawn"


def test_an_unknown_draw_is_not_found():
    assert Client().get("/api/v1/draws/999999").status_code == 404
    assert Draw.objects.count() == 0
