"""NIK verification against the population registry (issue 14, part 2), through the real
client (antrean.core.nik_registry) and a local server that answers as the registry does."""

import logging

import pytest

from antrean.booking.services import booking_create
from antrean.booking.tests.test_services import CLIENT, refused
from antrean.core.errors import ErrorCode
from antrean.core.nik_registry import Verdict, breaker_reset, nik_verify
from antrean.queueing.models import Ticket
from antrean.testing.dukcapil_api import PEOPLE, FakeDukcapil
from antrean.testing.factories import booking_request, make_nik, make_service, make_slot

pytestmark = pytest.mark.django_db

NIK, NAME = next(iter(PEOPLE.items()))


@pytest.fixture
def registry(settings):
    breaker_reset()
    with FakeDukcapil() as api:
        for name, value in api.settings().items():
            setattr(settings, name, value)
        settings.ANTREAN_DUKCAPIL_TIMEOUT = 0.5
        settings.ANTREAN_DUKCAPIL_BREAKER_FAILURES = 3
        settings.ANTREAN_DUKCAPIL_BREAKER_SECONDS = 60
        yield api
    breaker_reset()


@pytest.fixture
def slot():
    return make_slot(make_service(prefix="A"), capacity=5)


# --- The client ------------------------------------------------------------------------------


def test_without_a_registry_nothing_is_asked(settings):
    settings.ANTREAN_NIK_VERIFIER = "none"
    assert nik_verify(nik=NIK, name=NAME).verdict == Verdict.SKIPPED


def test_the_registry_says_match_unknown_or_another_name(registry):
    assert nik_verify(nik=NIK, name=NAME).verdict == Verdict.MATCH
    # Spacing and case are the citizen's; the registry scores the name.
    assert nik_verify(nik=NIK, name=f"  {NAME.upper()} ").verdict == Verdict.MATCH
    other = nik_verify(nik=NIK, name="Budi Santoso")
    assert (other.verdict, other.reason) == (Verdict.NO_MATCH, "name_mismatch")
    unknown = nik_verify(nik=make_nik(), name=NAME)
    assert (unknown.verdict, unknown.reason) == (Verdict.NO_MATCH, "nik_unknown")
    assert registry.requests == 4


@pytest.mark.parametrize(
    ("trouble", "reason"),
    [("fail", "http_503"), ("stall", "timeout"), ("credentials", "refused")],
)
def test_a_registry_that_cannot_answer_is_unavailable_not_no(registry, settings, trouble, reason):
    if trouble == "fail":
        registry.fail_next(1, status=503)
    elif trouble == "stall":
        registry.stall_next(1)
    else:
        settings.ANTREAN_DUKCAPIL_PASSWORD = "salah"
    result = nik_verify(nik=NIK, name=NAME)
    assert (result.verdict, result.reason) == (Verdict.UNAVAILABLE, reason)


def test_after_failures_in_a_row_the_registry_is_left_alone_then_tried_again(registry, monkeypatch):
    import antrean.core.nik_registry as module

    registry.down = True
    for _ in range(3):
        assert nik_verify(nik=NIK, name=NAME).verdict == Verdict.UNAVAILABLE
    assert registry.requests == 3
    # Open: answered at once, nothing sent.
    for _ in range(5):
        assert nik_verify(nik=NIK, name=NAME).reason == "breaker_open"
    assert registry.requests == 3
    # A minute later one request is let through; it fails: open again.
    later = module.time.time() + 61
    monkeypatch.setattr(module.time, "time", lambda: later)
    assert nik_verify(nik=NIK, name=NAME).reason == "http_503"
    assert nik_verify(nik=NIK, name=NAME).reason == "breaker_open"
    assert registry.requests == 4
    # The registry is back; after the pause one success closes the breaker.
    registry.down = False
    later += 61
    assert nik_verify(nik=NIK, name=NAME).verdict == Verdict.MATCH
    assert nik_verify(nik=NIK, name=NAME).verdict == Verdict.MATCH
    assert registry.requests == 6


def test_nothing_of_the_person_is_logged(registry, caplog):
    registry.fail_next(1)
    with caplog.at_level(logging.DEBUG):
        nik_verify(nik=NIK, name=NAME)
        nik_verify(nik=make_nik(), name="Siapa Saja")
    assert caplog.records
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert NIK not in text and NAME not in text and NIK[-4:] not in text


# --- Booking -------------------------------------------------------------------------------


def test_a_matching_nik_books_and_is_marked_verified(registry, slot):
    result = booking_create(request=booking_request(slot, nik=NIK, name=NAME), client=CLIENT)
    assert Ticket.objects.get(pk=result.ticket.pk).nik_check == "verified"


def test_an_invented_nik_or_another_name_is_refused_and_changes_nothing(registry, slot):
    refused(
        ErrorCode.NIK_NOT_VERIFIED, booking_request(slot, nik=make_nik(), name=NAME), field="nik"
    )
    refused(
        ErrorCode.NIK_NOT_VERIFIED,
        booking_request(slot, nik=NIK, name="Orang Lain Sekali"),
        field="nik",
    )


def test_registry_down_the_office_takes_the_booking_marked_unverified(registry, slot):
    registry.down = True
    result = booking_create(request=booking_request(slot, nik=NIK, name=NAME), client=CLIENT)
    assert Ticket.objects.get(pk=result.ticket.pk).nik_check == "unverified"


def test_registry_down_an_office_that_refuses_refuses_and_changes_nothing(registry, slot):
    office = slot.service.office
    office.nik_registry_down = "refuse"
    office.save()
    registry.down = True
    error = refused(
        ErrorCode.NIK_REGISTRY_UNAVAILABLE, booking_request(slot, nik=NIK, name=NAME), field="nik"
    )
    assert ErrorCode.NIK_REGISTRY_UNAVAILABLE.status == 503
    assert "Dukcapil" in error.code.message


def test_without_a_registry_bookings_are_not_marked(settings, slot):
    settings.ANTREAN_NIK_VERIFIER = "none"
    result = booking_create(request=booking_request(slot), client=CLIENT)
    assert Ticket.objects.get(pk=result.ticket.pk).nik_check == ""


def test_the_api_answers_a_refused_nik_with_its_code_and_message(registry, slot, client):
    from antrean.testing.factories import booking_request as request_for

    body = request_for(slot, nik=make_nik(), name=NAME).__dict__
    response = client.post("/api/v1/bookings", body, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "nik_not_verified" and "KTP-el" in body["message"]
    assert body["field"] == "nik"
    assert not Ticket.objects.filter(slot=slot).exists()
