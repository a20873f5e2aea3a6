"""The queue over the API, as a counter and a kiosk use it: every endpoint's happy path and
every refusal it can give."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.conf import settings

from antrean.api.tests.conftest import office_at_noon
from antrean.api.tests.staff_setup import bearer, booked_today, citizen_pact, snapshot, walk_in
from antrean.booking.services import booking_cancel
from antrean.integrity.models import Audience, PactSignature
from antrean.integrity.services import pact_in_force
from antrean.queueing.models import AuditFlag, Ticket, TicketEvent
from antrean.tenancy.models import Membership, OpeningHours
from antrean.testing.factories import (
    make_agency,
    make_counter,
    make_nik,
    make_office,
    make_officer,
    make_service,
    sign_officer_pact,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    """An office open now, one agency with two services, one counter and a signed officer."""
    office = office_at_noon(code="mpp-uji", name="MPP Uji")
    agency = make_agency(office, code="dukcapil", name="Dukcapil")
    ktp = make_service(agency=agency, code="ktp", name="KTP-el", prefix="A")
    kk = make_service(agency=agency, code="kk", name="Kartu Keluarga", prefix="B")
    counter = make_counter(agency=agency, services=[ktp, kk], number=1)
    officer = make_officer(agency)
    sign_officer_pact(officer, office)
    return SimpleNamespace(
        office=office,
        agency=agency,
        ktp=ktp,
        kk=kk,
        counter=counter,
        officer=officer,
        headers=bearer(officer),
    )


@pytest.fixture
def post(client, desk):
    """POST JSON as the desk's officer."""

    def _post(path: str, body: dict | None = None, headers: dict | None = None):
        return client.post(
            path, body or {}, content_type="application/json", **(headers or desk.headers)
        )

    return _post


def _error(response, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"] == code
    assert body["message"]
    if field:
        assert body["field"] == field


def _move(post, desk, ticket: Ticket, move: str, **body):
    return post(f"/api/v1/tickets/{ticket.pk}/{move}", {"counter_id": desk.counter.pk, **body})


def _call_next(post, desk):
    return post(f"/api/v1/counters/{desk.counter.pk}/call-next")


# --- Counters (public) ---------------------------------------------------------------------


def test_counters_of_an_office_with_the_number_each_serves(client, post, desk):
    closed = make_counter(agency=desk.agency, services=[desk.ktp], number=2)
    closed.is_active = False
    closed.save()
    url = "/api/v1/offices/mpp-uji/counters"

    before = client.get(url)

    assert before.status_code == 200
    assert before.json() == [
        {
            "id": desk.counter.pk,
            "number": 1,
            "name": "Loket 1",
            "agency": {"code": "dukcapil", "name": "Dukcapil"},
            "services": [
                {"id": desk.ktp.pk, "code": "ktp", "name": "KTP-el", "prefix": "A"},
                {"id": desk.kk.pk, "code": "kk", "name": "Kartu Keluarga", "prefix": "B"},
            ],
            "current": None,
        }
    ]

    ticket = walk_in(desk.ktp, name="Ni Made Ayu Lestari")
    assert _call_next(post, desk).status_code == 200
    after = client.get(url)

    assert after.json()[0]["current"] == {"number": ticket.number, "status": "called"}
    assert "Ni Made" not in after.content.decode()
    assert "N* M***" not in after.content.decode()


@pytest.mark.parametrize("code", ["tidak-ada", "x" * 50])
def test_counters_of_an_unknown_office_is_404(client, code):
    _error(client.get(f"/api/v1/offices/{code}/counters"), 404, "not_found")


# --- Wait estimate (public) ----------------------------------------------------------------


def test_service_wait_estimate(client, desk):
    walk_in(desk.ktp)
    walk_in(desk.ktp)

    response = client.get(f"/api/v1/services/{desk.ktp.pk}/wait")

    assert response.status_code == 200
    assert response.json() == {
        "service_id": desk.ktp.pk,
        "waiting": 2,
        "open_counters": 1,
        "minutes_per_ticket": 15.0,
        "minutes": 30,
    }


def test_service_wait_of_an_unknown_or_inactive_service_is_404(client, desk):
    desk.kk.is_active = False
    desk.kk.save()
    for service_id in [desk.kk.pk, 999999, 2**63]:
        _error(client.get(f"/api/v1/services/{service_id}/wait"), 404, "not_found")


# --- Check-in (staff or kiosk) ------------------------------------------------------------

CHECKIN = "/api/v1/checkin"


def _slot_from_now(desk, *, minutes: int, length: int = 60) -> tuple[dt.time, dt.time]:
    """A slot today starting `minutes` from now (whole minutes, office time)."""
    start = desk.office.local_now().replace(second=0, microsecond=0) + dt.timedelta(minutes=minutes)
    return start.time(), (start + dt.timedelta(minutes=length)).time()


def test_checkin_puts_the_booking_in_the_queue_ahead_of_later_walk_ins(post, desk):
    earlier_walk_in = walk_in(desk.ktp)
    start, end = _slot_from_now(desk, minutes=0)
    nik = make_nik(4321)
    booking = booked_today(desk.ktp, start=start, end=end, nik=nik)

    response = post(CHECKIN, {"code": booking.code, "nik_last4": "4321"})

    assert response.status_code == 200
    assert response.json() == {
        "id": booking.pk,
        "code": booking.code,
        "number": booking.number,
        "service": {"id": desk.ktp.pk, "code": "ktp", "name": "KTP-el"},
        "status": "waiting",
        # On time: the booker keeps the slot's place, before the walk-in who came earlier.
        "position": {"ahead": 0, "minutes": 0},
    }
    booking.refresh_from_db()
    assert booking.status == "waiting"
    assert booking.arrived_at is not None
    assert TicketEvent.objects.filter(ticket=booking, move="check_in").count() == 1
    assert earlier_walk_in.status == "waiting"


def test_checkin_twice_returns_the_ticket_unchanged(post, desk):
    start, end = _slot_from_now(desk, minutes=0)
    booking = booked_today(desk.ktp, start=start, end=end, nik=make_nik(4321))
    body = {"code": booking.code, "nik_last4": "4321"}

    first = post(CHECKIN, body)
    second = post(CHECKIN, body)

    assert first.status_code == second.status_code == 200
    assert second.json()["id"] == booking.pk
    assert TicketEvent.objects.filter(ticket=booking, move="check_in").count() == 1


def test_checkin_refused_for_a_wrong_nik_ending_or_code(post, desk):
    start, end = _slot_from_now(desk, minutes=0)
    booking = booked_today(desk.ktp, start=start, end=end, nik=make_nik(4321))
    before = snapshot()

    wrong_nik = post(CHECKIN, {"code": booking.code, "nik_last4": "1234"})
    wrong_code = post(CHECKIN, {"code": "ZZZZZZZZ", "nik_last4": "4321"})

    _error(wrong_nik, 422, "checkin_refused")
    assert wrong_nik.json() == wrong_code.json()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("minutes", "code"),
    [(120, "checkin_too_early"), (-200, "checkin_too_late")],
)
def test_checkin_outside_the_window(post, desk, minutes, code):
    start, end = _slot_from_now(desk, minutes=minutes)
    booking = booked_today(desk.ktp, start=start, end=end, nik=make_nik(4321))
    before = snapshot()

    response = post(CHECKIN, {"code": booking.code, "nik_last4": "4321"})

    _error(response, 422, code)
    assert snapshot() == before


def test_checkin_of_a_cancelled_booking_is_invalid_transition(post, desk):
    start, end = _slot_from_now(desk, minutes=0)
    booking = booked_today(desk.ktp, start=start, end=end, nik=make_nik(4321))
    booking_cancel(ticket=booking)

    response = post(CHECKIN, {"code": booking.code, "nik_last4": "4321"})

    _error(response, 409, "invalid_transition")


def test_checkin_needs_both_fields(post):
    _error(
        post(CHECKIN, {"code": "ABC"}),
        422,
        "invalid_request",
        "nik_last4",
    )


def test_checkin_without_a_token_is_401_and_changes_nothing(client, desk):
    """Security issue, defect 1: the check-in API needed no authentication."""
    start, end = _slot_from_now(desk, minutes=0)
    booking = booked_today(desk.ktp, start=start, end=end, nik=make_nik(4321))
    before = snapshot()
    for headers in [{}, {"HTTP_AUTHORIZATION": "Bearer not-a-token"}]:
        response = client.post(
            CHECKIN,
            {"code": booking.code, "nik_last4": "4321"},
            content_type="application/json",
            **headers,
        )
        _error(response, 401, "bad_credentials")
    assert snapshot() == before


def test_checkin_with_a_kiosk_token_of_the_office(client, desk):
    from antrean.display.kiosk import kiosk_register

    start, end = _slot_from_now(desk, minutes=0)
    booking = booked_today(desk.ktp, start=start, end=end, nik=make_nik(4321))
    _kiosk, token = kiosk_register(office=desk.office, name="Lobi")
    _other, elsewhere = kiosk_register(office=make_office(code="mpp-lain"), name="Lobi")
    body = {"code": booking.code, "nik_last4": "4321"}

    refused = client.post(
        CHECKIN, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {elsewhere}"
    )
    _error(refused, 422, "checkin_refused")
    booking.refresh_from_db()
    assert booking.status == "booked"

    response = client.post(
        CHECKIN, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200, response.content
    event = TicketEvent.objects.get(ticket=booking, move="check_in")
    assert event.officer_id is None


def test_checkin_by_staff_of_another_office_or_agency_is_forbidden(client, desk):
    start, end = _slot_from_now(desk, minutes=0)
    booking = booked_today(desk.ktp, start=start, end=end, nik=make_nik(4321))
    other_office = make_office(code="mpp-lain")
    outsiders = [
        make_officer(make_agency(other_office)),
        make_officer(make_agency(other_office), role="office_admin"),
        make_officer(make_agency(desk.office, code="imigrasi")),
    ]
    before = snapshot()
    for outsider in outsiders:
        response = client.post(
            CHECKIN,
            {"code": booking.code, "nik_last4": "4321"},
            content_type="application/json",
            **bearer(outsider),
        )
        _error(response, 403, "forbidden")
    assert snapshot() == before


def test_checkin_brute_force_is_stopped_after_five_wrong_endings(post, desk):
    """The probe sent 300 wrong endings and then the right one, and got it checked in."""
    start, end = _slot_from_now(desk, minutes=0)
    booking = booked_today(desk.ktp, start=start, end=end, nik=make_nik(4321))
    answers = [
        post(CHECKIN, {"code": booking.code, "nik_last4": f"{n:04d}"}).status_code
        for n in range(20)
    ]
    assert answers == [422] * 5 + [429] * 15
    _error(post(CHECKIN, {"code": booking.code, "nik_last4": "4321"}), 429, "too_many_attempts")
    booking.refresh_from_db()
    assert booking.status == "booked"


# --- Officer pact --------------------------------------------------------------------------

PACT = "/api/v1/officer/pact"


def _officer_rendering(desk):
    return pact_in_force(office=desk.office, audience=Audience.OFFICER, agency=desk.agency)


def test_officer_pact_before_signing(client, desk):
    newcomer = make_officer(desk.agency)

    response = client.get(PACT, **bearer(newcomer))

    assert response.status_code == 200
    rendering = _officer_rendering(desk)
    assert response.json() == {
        "version": rendering.pact.version,
        "scope": "national",
        "clauses_version": None,
        "sha256": rendering.sha256,
        "language": "id",
        "title": rendering.pact.title,
        "text": rendering.text,
        "signed_today": False,
        "signed_at": None,
        "ledger_seq": None,
    }


def test_signing_the_officer_pact_once_a_day(client, desk):
    newcomer = make_officer(desk.agency)
    headers = bearer(newcomer)
    rendering = _officer_rendering(desk)
    body = {
        "pact_version": rendering.pact.version,
        "pact_sha256": rendering.sha256,
        "pact_agreed": True,
    }

    first = client.post(PACT, body, content_type="application/json", **headers)
    again = client.post(PACT, body, content_type="application/json", **headers)

    assert first.status_code == again.status_code == 200
    assert first.json()["signed_today"] is True
    assert isinstance(first.json()["ledger_seq"], int)
    assert again.json()["ledger_seq"] == first.json()["ledger_seq"]
    signature = PactSignature.objects.get(officer=newcomer)
    assert signature.audience == Audience.OFFICER
    assert signature.channel == "counter"
    assert signature.ledger_seq == first.json()["ledger_seq"]
    assert client.get(PACT, **headers).json()["signed_today"] is True


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"pact_agreed": False}, "pact_required"),
        ({"pact_sha256": "0" * 64}, "pact_outdated"),
        ({"pact_version": 999}, "pact_outdated"),
    ],
)
def test_officer_pact_refusals(client, desk, change, code):
    newcomer = make_officer(desk.agency)
    rendering = _officer_rendering(desk)
    body = {
        "pact_version": rendering.pact.version,
        "pact_sha256": rendering.sha256,
        "pact_agreed": True,
        **change,
    }

    response = client.post(PACT, body, content_type="application/json", **bearer(newcomer))

    _error(response, 422, code, "pact_agreed")
    assert not PactSignature.objects.filter(officer=newcomer).exists()


def test_officer_pact_office_must_be_named_for_an_account_of_two_offices(client, desk):
    other = office_at_noon(code="mpp-lain")
    officer = make_officer(desk.agency)
    Membership.objects.create(user=officer, role=Membership.Role.OFFICE_ADMIN, office=other)
    headers = bearer(officer)

    _error(client.get(PACT, **headers), 422, "invalid_request", "office")
    named = client.get(PACT, {"office": "mpp-lain"}, **headers)
    assert named.status_code == 200
    assert named.json()["signed_today"] is False
    _error(client.get(PACT, {"office": "tidak-ada"}, **headers), 404, "not_found")


# --- Walk-in -------------------------------------------------------------------------------

WALK_IN = "/api/v1/offices/mpp-uji/tickets"


def _walk_in_body(desk, **overrides) -> dict:
    return {
        "service_id": desk.ktp.pk,
        "name": "I Wayan Sudarma",
        **citizen_pact(desk.office),
        "pact_agreed": True,
        **overrides,
    }


def test_walk_in_is_issued_waiting(post, desk):
    response = post(WALK_IN, _walk_in_body(desk, priority="lansia"))

    assert response.status_code == 201
    body = response.json()
    ticket = Ticket.objects.get(pk=body["id"])
    assert body == {
        "id": ticket.pk,
        "code": ticket.code,
        "number": "A-001",
        "service": {"id": desk.ktp.pk, "code": "ktp", "name": "KTP-el"},
        "status": "waiting",
        "token": body["token"],
        "status_url": f"{settings.SITE_URL}/antrean/{ticket.code}/?t={body['token']}",
    }
    assert ticket.channel == "counter"
    assert ticket.priority == "lansia"
    assert ticket.name == "I Wayan Sudarma"
    assert ticket.pact_signature.channel == "counter"
    issued = TicketEvent.objects.get(ticket=ticket)
    assert (issued.move, issued.officer_id) == ("issue", desk.officer.pk)


@pytest.mark.parametrize(
    ("overrides", "status", "code", "field"),
    [
        ({"pact_agreed": False}, 422, "pact_required", "pact_agreed"),
        ({"pact_sha256": "0" * 64}, 422, "pact_outdated", "pact_agreed"),
        ({"priority": "vip"}, 422, "invalid_request", "priority"),
        ({"name": "A"}, 422, "invalid_name", "name"),
        ({"service_id": 999999}, 404, "not_found", "service_id"),
        ({"service_id": "1"}, 422, "invalid_request", "service_id"),
    ],
)
def test_walk_in_refusals(post, desk, overrides, status, code, field):
    before = snapshot()
    _error(post(WALK_IN, _walk_in_body(desk, **overrides)), status, code, field)
    assert snapshot() == before


def test_walk_in_for_a_service_of_another_office_is_404(post, desk):
    elsewhere = make_service(office_at_noon(code="mpp-lain"))
    before = snapshot()
    _error(
        post(WALK_IN, _walk_in_body(desk, service_id=elsewhere.pk)), 404, "not_found", "service_id"
    )
    assert snapshot() == before


def test_walk_in_quota_used_up(post, desk):
    desk.ktp.walkin_daily_quota = 1
    desk.ktp.save()
    assert post(WALK_IN, _walk_in_body(desk)).status_code == 201
    before = snapshot()

    _error(post(WALK_IN, _walk_in_body(desk)), 409, "walkin_full", "service_id")
    assert snapshot() == before


def test_walk_in_while_the_office_is_closed(client):
    office = make_office(code="mpp-tutup", open_every_day=False)
    # Open only an hour that has already passed or not come yet, every day.
    hour = (office.local_now().hour + 3) % 24
    OpeningHours.objects.bulk_create(
        [
            OpeningHours(office=office, weekday=d, opens=dt.time(hour), closes=dt.time(hour, 30))
            for d in range(7)
        ]
    )
    agency = make_agency(office)
    service = make_service(agency=agency)
    officer = make_officer(agency)
    body = {"service_id": service.pk, "name": "I Wayan", **citizen_pact(office)}

    response = client.post(
        "/api/v1/offices/mpp-tutup/tickets",
        {**body, "pact_agreed": True},
        content_type="application/json",
        **bearer(officer),
    )

    _error(response, 422, "office_closed")
    assert not Ticket.objects.exists()


# --- Calling -------------------------------------------------------------------------------


def test_call_next_calls_the_first_waiting_ticket(post, desk):
    first, second = walk_in(desk.ktp), walk_in(desk.kk)

    response = _call_next(post, desk)

    assert response.status_code == 200
    ticket = response.json()["ticket"]
    assert ticket["id"] == first.pk
    assert ticket["number"] == first.number
    assert ticket["status"] == "called"
    assert ticket["service"] == {"id": desk.ktp.pk, "code": "ktp", "name": "KTP-el"}
    assert ticket["counter"] == {"id": desk.counter.pk, "number": 1, "name": "Loket 1"}
    assert ticket["name_masked"] == first.masked_name
    assert ticket["pact_signed"] is True
    assert ticket["channel"] == "kiosk"
    assert ticket["called_at"] is not None
    first.refresh_from_db()
    assert (first.status, first.counter_id, first.officer_id) == (
        "called",
        desk.counter.pk,
        desk.officer.pk,
    )
    second.refresh_from_db()
    assert second.status == "waiting"


def test_call_next_while_the_counter_is_busy_is_refused(post, desk):
    walk_in(desk.ktp)
    walk_in(desk.ktp)
    assert _call_next(post, desk).status_code == 200
    before = snapshot()

    _error(_call_next(post, desk), 409, "invalid_transition")
    assert snapshot() == before


def test_call_next_with_nobody_waiting_is_queue_empty(post, desk):
    before = snapshot()
    _error(_call_next(post, desk), 404, "queue_empty")
    assert snapshot() == before


def test_call_out_of_order_with_a_reason_is_flagged(post, desk):
    first, second = walk_in(desk.ktp), walk_in(desk.ktp)

    response = post(
        f"/api/v1/counters/{desk.counter.pk}/call",
        {"ticket_id": second.pk, "reason": "Dokumen sudah diperiksa di loket informasi"},
    )

    assert response.status_code == 200
    assert response.json()["ticket"]["id"] == second.pk
    assert response.json()["ticket"]["status"] == "called"
    flag = AuditFlag.objects.get()
    assert (flag.kind, flag.ticket_id, flag.officer_id) == (
        "out_of_order",
        second.pk,
        desk.officer.pk,
    )
    assert TicketEvent.objects.get(ticket=second, move="call").note.startswith("Dokumen")
    first.refresh_from_db()
    assert first.status == "waiting"


def test_call_out_of_order_without_a_reason_is_refused(post, desk):
    walk_in(desk.ktp)
    second = walk_in(desk.ktp)
    before = snapshot()

    response = post(
        f"/api/v1/counters/{desk.counter.pk}/call", {"ticket_id": second.pk, "reason": " ok "}
    )

    _error(response, 422, "reason_required", "reason")
    assert snapshot() == before


# --- Moves ---------------------------------------------------------------------------------


def test_a_ticket_through_its_whole_life(post, desk):
    ticket = walk_in(desk.ktp)
    assert _call_next(post, desk).status_code == 200

    statuses = []
    for move in ["recall", "start", "hold", "resume", "finish"]:
        response = _move(post, desk, ticket, move)
        assert response.status_code == 200, (move, response.content)
        statuses.append(response.json()["ticket"]["status"])

    assert statuses == ["called", "serving", "on_hold", "serving", "done"]
    ticket.refresh_from_db()
    assert ticket.status == "done"
    assert ticket.started_at is not None
    assert list(TicketEvent.objects.filter(ticket=ticket).values_list("move", flat=True)) == [
        "issue",
        "call",
        "recall",
        "start",
        "hold",
        "resume",
        "finish",
    ]


def test_no_show_after_a_call(post, desk):
    ticket = walk_in(desk.ktp)
    _call_next(post, desk)

    response = _move(post, desk, ticket, "no-show")

    assert response.status_code == 200
    assert response.json()["ticket"]["status"] == "no_show"
    ticket.refresh_from_db()
    assert ticket.status == "no_show"


def test_cancel_a_waiting_ticket_at_the_counter(post, desk):
    ticket = walk_in(desk.ktp)

    response = _move(post, desk, ticket, "cancel")

    assert response.status_code == 200
    assert response.json()["ticket"]["status"] == "cancelled"
    ticket.refresh_from_db()
    assert ticket.cancelled_at is not None


def test_transfer_to_another_service(post, desk):
    ticket = walk_in(desk.ktp)
    _call_next(post, desk)
    _move(post, desk, ticket, "start")

    response = _move(post, desk, ticket, "transfer", service_id=desk.kk.pk)

    assert response.status_code == 200
    moved = response.json()["ticket"]
    assert moved["status"] == "waiting"
    assert moved["service"]["id"] == desk.kk.pk
    assert moved["counter"] is None
    assert moved["number"] == ticket.number  # keeps its number
    ticket.refresh_from_db()
    assert (ticket.status, ticket.service_id, ticket.counter_id) == ("waiting", desk.kk.pk, None)


def test_transfer_to_the_same_service_is_refused(post, desk):
    ticket = walk_in(desk.ktp)
    _call_next(post, desk)
    _move(post, desk, ticket, "start")
    before = snapshot()

    response = _move(post, desk, ticket, "transfer", service_id=desk.ktp.pk)

    _error(response, 422, "invalid_request", "service_id")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("setup", "move"),
    [
        ([], "start"),
        ([], "recall"),
        ([], "no-show"),
        ([], "finish"),
        ([], "resume"),
        ([], "hold"),
        (["call"], "finish"),
        (["call"], "cancel"),
        (["call", "start"], "no-show"),
        (["call", "start", "finish"], "cancel"),
    ],
)
def test_wrong_moves_are_invalid_transition(post, desk, setup, move):
    ticket = walk_in(desk.ktp)
    for step in setup:
        response = _call_next(post, desk) if step == "call" else _move(post, desk, ticket, step)
        assert response.status_code == 200
    before = snapshot()

    _error(_move(post, desk, ticket, move), 409, "invalid_transition")
    assert snapshot() == before


def test_moves_on_unknown_tickets_and_counters_are_404(post, desk):
    ticket = walk_in(desk.ktp)
    before = snapshot()

    _error(post("/api/v1/tickets/999999/start", {"counter_id": desk.counter.pk}), 404, "not_found")
    _error(post("/api/v1/tickets/0/start", {"counter_id": desk.counter.pk}), 404, "not_found")
    _error(post(f"/api/v1/tickets/{2**63}/start", {"counter_id": 1}), 404, "not_found")
    _error(post(f"/api/v1/tickets/{ticket.pk}/cancel", {"counter_id": 999999}), 404, "not_found")
    _error(post("/api/v1/counters/999999/call-next"), 404, "not_found")
    _error(post("/api/v1/tickets/abc/start", {"counter_id": 1}), 404, "not_found")
    _error(post(f"/api/v1/tickets/{ticket.pk}/teleport", {"counter_id": 1}), 404, "not_found")
    assert snapshot() == before


def test_a_move_needs_the_counter(post, desk):
    ticket = walk_in(desk.ktp)
    _error(post(f"/api/v1/tickets/{ticket.pk}/cancel", {}), 422, "invalid_request", "counter_id")


# --- Console state -------------------------------------------------------------------------


def test_counter_state_for_the_console(client, post, desk):
    serving = walk_in(desk.ktp, priority="lansia")
    walk_in(desk.ktp)
    walk_in(desk.kk)
    _call_next(post, desk)
    _move(post, desk, serving, "start")

    response = client.get(f"/api/v1/counters/{desk.counter.pk}/state", **desk.headers)

    assert response.status_code == 200
    body = response.json()
    assert body["counter"] == {"id": desk.counter.pk, "number": 1, "name": "Loket 1"}
    assert body["current"]["id"] == serving.pk
    assert body["current"]["status"] == "serving"
    assert body["current"]["priority"] == "lansia"
    assert body["current"]["started_at"] is not None
    assert body["queues"] == [
        {
            "service": {"id": desk.ktp.pk, "code": "ktp", "name": "KTP-el"},
            "waiting": 1,
            "estimate_minutes": 15,
        },
        {
            "service": {"id": desk.kk.pk, "code": "kk", "name": "Kartu Keluarga"},
            "waiting": 1,
            "estimate_minutes": 15,
        },
    ]
    assert body["officer"]["pact_signed_today"] is True
    assert body["officer"]["signed_at"] is not None


def test_counter_state_before_the_officer_pact(client, desk):
    newcomer = make_officer(desk.agency)

    response = client.get(f"/api/v1/counters/{desk.counter.pk}/state", **bearer(newcomer))

    assert response.status_code == 200
    assert response.json()["current"] is None
    assert response.json()["officer"] == {"pact_signed_today": False, "signed_at": None}
