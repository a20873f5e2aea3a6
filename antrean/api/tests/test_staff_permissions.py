"""Who may do what at a counter, over the API. An officer works only at their own office's
counters of their own agency, only on those counters' tickets, and only after signing
today's officer pact. Every refusal must leave everything exactly as it was."""

import datetime as dt
from types import SimpleNamespace

import pytest

from antrean.api.tests.conftest import office_at_noon
from antrean.api.tests.staff_setup import bearer, citizen_pact, make_user, snapshot, walk_in
from antrean.integrity.models import PactSignature
from antrean.queueing.models import Ticket
from antrean.queueing.services import ticket_call_specific
from antrean.tenancy.models import Membership
from antrean.testing.factories import (
    make_agency,
    make_counter,
    make_officer,
    make_service,
    sign_officer_pact,
)

pytestmark = pytest.mark.django_db

MOVES = ["recall", "start", "finish", "no-show", "hold", "resume", "cancel", "transfer"]


@pytest.fixture
def world():
    """Office X with agencies A and B, office Y with agency C; one counter, one signed officer
    and tickets in every state that matters for each."""
    x = office_at_noon(code="mpp-x")
    y = office_at_noon(code="mpp-y")
    a, b, c = make_agency(x, code="a"), make_agency(x, code="b"), make_agency(y, code="c")
    sa, sa2 = make_service(agency=a), make_service(agency=a)
    sb, sc = make_service(agency=b), make_service(agency=c)
    ca = make_counter(agency=a, services=[sa, sa2])
    cb, cc = make_counter(agency=b, services=[sb]), make_counter(agency=c, services=[sc])
    oa, ob, oc = make_officer(a), make_officer(b), make_officer(c)
    for officer, office in [(oa, x), (ob, x), (oc, y)]:
        sign_officer_pact(officer, office)
    w = SimpleNamespace(x=x, y=y, a=a, b=b, c=c, sa=sa, sa2=sa2, sb=sb, sc=sc)
    w.ca, w.cb, w.cc, w.oa, w.ob, w.oc = ca, cb, cc, oa, ob, oc
    # Waiting tickets, and one called (then started) at each counter by its own officer.
    w.waiting_a, w.waiting_b, w.waiting_c = walk_in(sa), walk_in(sb), walk_in(sc)
    w.called_b = _called_at(cb, ob, walk_in(sb))
    w.called_c = _called_at(cc, oc, walk_in(sc))
    return w


def _called_at(counter, officer, ticket) -> Ticket:
    return ticket_call_specific(
        ticket_id=ticket.pk, counter=counter, officer=officer, reason="persiapan uji izin"
    )


def _refused(response, code: str = "forbidden") -> None:
    assert response.status_code == 403, response.content
    assert response.json()["error"] == code
    assert response.json()["message"]


def _post(client, user, path: str, body: dict | None = None):
    return client.post(path, body or {}, content_type="application/json", **bearer(user))


def _move_body(w, counter, move: str) -> dict:
    body = {"counter_id": counter.pk}
    if move == "transfer":
        body["service_id"] = w.sa2.pk
    return body


# --- Counters of another agency or office --------------------------------------------------


@pytest.mark.parametrize("counter", ["cb", "cc"])
def test_officer_cannot_call_next_at_another_agencys_or_offices_counter(client, world, counter):
    target = getattr(world, counter)
    before = snapshot()

    _refused(_post(client, world.oa, f"/api/v1/counters/{target.pk}/call-next"))

    assert snapshot() == before


@pytest.mark.parametrize(("counter", "ticket"), [("cb", "waiting_b"), ("cc", "waiting_c")])
def test_officer_cannot_call_out_of_order_at_another_counter(client, world, counter, ticket):
    before = snapshot()

    response = _post(
        client,
        world.oa,
        f"/api/v1/counters/{getattr(world, counter).pk}/call",
        {"ticket_id": getattr(world, ticket).pk, "reason": "alasan yang cukup panjang"},
    )

    _refused(response)
    assert snapshot() == before


@pytest.mark.parametrize("ticket", ["waiting_b", "waiting_c"])
def test_officer_cannot_call_another_agencys_ticket_to_their_own_counter(client, world, ticket):
    before = snapshot()

    response = _post(
        client,
        world.oa,
        f"/api/v1/counters/{world.ca.pk}/call",
        {"ticket_id": getattr(world, ticket).pk, "reason": "alasan yang cukup panjang"},
    )

    _refused(response)
    assert snapshot() == before


@pytest.mark.parametrize("move", MOVES)
@pytest.mark.parametrize(
    ("ticket", "counter"),
    [
        ("called_b", "ca"),  # another agency's ticket, at the officer's own counter
        ("called_b", "cb"),  # ... at that agency's counter
        ("called_c", "ca"),  # another office's ticket, at the officer's own counter
        ("called_c", "cc"),  # ... at that office's counter
        ("waiting_b", "cb"),
        ("waiting_c", "ca"),
    ],
)
def test_officer_cannot_move_tickets_of_another_agency_or_office(
    client, world, move, ticket, counter
):
    target, at = getattr(world, ticket), getattr(world, counter)
    before = snapshot()

    response = _post(
        client, world.oa, f"/api/v1/tickets/{target.pk}/{move}", _move_body(world, at, move)
    )

    _refused(response)
    assert snapshot() == before


@pytest.mark.parametrize("move", ["recall", "start", "no-show", "cancel"])
def test_a_called_ticket_is_moved_only_from_the_counter_it_was_called_to(client, world, move):
    """Even by an officer of the same agency, from another counter serving that service."""
    other_counter = make_counter(agency=world.a, services=[world.sa])
    _called_at(other_counter, world.oa, world.waiting_a)
    before = snapshot()

    response = _post(
        client,
        world.oa,
        f"/api/v1/tickets/{world.waiting_a.pk}/{move}",
        _move_body(world, world.ca, move),
    )

    _refused(response)
    assert snapshot() == before


def test_officer_cannot_read_another_counters_state(client, world):
    for counter in [world.cb, world.cc]:
        response = client.get(f"/api/v1/counters/{counter.pk}/state", **bearer(world.oa))
        _refused(response)


def test_officer_cannot_issue_walk_ins_for_another_agency_or_office(client, world):
    before = snapshot()
    for office, service in [(world.x, world.sb), (world.y, world.sc)]:
        response = _post(
            client,
            world.oa,
            f"/api/v1/offices/{office.code}/tickets",
            {
                "service_id": service.pk,
                "name": "I Wayan",
                "pact_agreed": True,
                **citizen_pact(office),
            },
        )
        _refused(response)
    assert snapshot() == before


def test_officer_cannot_read_or_sign_the_pact_of_another_office(client, world):
    before = snapshot()
    _refused(client.get("/api/v1/officer/pact", {"office": "mpp-y"}, **bearer(world.oa)))
    _refused(
        _post(
            client,
            world.oa,
            "/api/v1/officer/pact",
            {"office": "mpp-y", "pact_version": 1, "pact_sha256": "0" * 64, "pact_agreed": True},
        )
    )
    assert snapshot() == before


# --- The officer pact of the day -----------------------------------------------------------


def test_without_todays_pact_nothing_moves(client, world):
    unsigned = make_officer(world.a)
    mine = walk_in(world.sa)
    before = snapshot()

    _refused(
        _post(client, unsigned, f"/api/v1/counters/{world.ca.pk}/call-next"),
        "officer_pact_required",
    )
    _refused(
        _post(
            client,
            unsigned,
            f"/api/v1/counters/{world.ca.pk}/call",
            {"ticket_id": mine.pk, "reason": "alasan yang cukup panjang"},
        ),
        "officer_pact_required",
    )
    for move in MOVES:
        _refused(
            _post(
                client,
                unsigned,
                f"/api/v1/tickets/{mine.pk}/{move}",
                _move_body(world, world.ca, move),
            ),
            "officer_pact_required",
        )
    assert snapshot() == before


def test_yesterdays_pact_is_not_todays(client, world):
    midnight = world.x.local_now().replace(hour=0, minute=0, second=0, microsecond=0)
    PactSignature.objects.filter(officer=world.oa).update(
        signed_at=midnight - dt.timedelta(minutes=1)
    )
    walk_in(world.sa)
    before = snapshot()

    _refused(
        _post(client, world.oa, f"/api/v1/counters/{world.ca.pk}/call-next"),
        "officer_pact_required",
    )
    assert snapshot() == before


# --- Roles that may operate ----------------------------------------------------------------


def test_office_admin_may_call_at_any_counter_of_their_office(client, world):
    admin = make_officer(world.b, role=Membership.Role.OFFICE_ADMIN)
    sign_officer_pact(admin, world.x)
    free_b = make_counter(agency=world.b, services=[world.sb])

    at_a = _post(client, admin, f"/api/v1/counters/{world.ca.pk}/call-next")
    at_b = _post(client, admin, f"/api/v1/counters/{free_b.pk}/call-next")
    at_c = _post(client, admin, f"/api/v1/counters/{world.cc.pk}/call-next")

    assert at_a.status_code == 200
    assert at_a.json()["ticket"]["id"] == world.waiting_a.pk
    assert at_b.status_code == 200
    assert at_b.json()["ticket"]["id"] == world.waiting_b.pk
    _refused(at_c)


def test_agency_admin_is_bound_to_their_agency(client, world):
    admin = make_officer(world.a, role=Membership.Role.AGENCY_ADMIN)
    sign_officer_pact(admin, world.x)

    assert _post(client, admin, f"/api/v1/counters/{world.ca.pk}/call-next").status_code == 200
    _refused(_post(client, admin, f"/api/v1/counters/{world.cb.pk}/call-next"))


def test_superuser_may_operate_anywhere_after_signing(client, world):
    root = make_user(is_superuser=True, password=None)
    sign_officer_pact(root, world.y)
    free_c = make_counter(agency=world.c, services=[world.sc])

    response = _post(client, root, f"/api/v1/counters/{free_c.pk}/call-next")

    assert response.status_code == 200
    assert response.json()["ticket"]["id"] == world.waiting_c.pk


def test_officers_own_counter_works(client, world):
    response = _post(client, world.oa, f"/api/v1/counters/{world.ca.pk}/call-next")
    assert response.status_code == 200
    assert response.json()["ticket"]["id"] == world.waiting_a.pk


# --- Anonymous -----------------------------------------------------------------------------


STAFF_ENDPOINTS = [
    ("get", "/api/v1/officer/pact"),
    ("post", "/api/v1/officer/pact"),
    ("post", "/api/v1/checkin"),
    ("post", "/api/v1/offices/mpp-x/tickets"),
    ("get", "/api/v1/counters/{ca}/state"),
    ("post", "/api/v1/counters/{ca}/call-next"),
    ("post", "/api/v1/counters/{ca}/call"),
    *[("post", "/api/v1/tickets/{ticket}/" + move) for move in MOVES],
]


@pytest.mark.parametrize(("method", "path"), STAFF_ENDPOINTS)
def test_anonymous_is_401_on_staff_endpoints(client, world, method, path):
    url = path.format(ca=world.ca.pk, ticket=world.waiting_a.pk)
    before = snapshot()

    if method == "get":
        response = client.get(url)
    else:
        response = client.post(
            url,
            {"counter_id": world.ca.pk, "ticket_id": world.waiting_a.pk, "reason": "x" * 10},
            content_type="application/json",
        )

    assert response.status_code == 401
    assert response.json()["error"] == "bad_credentials"
    assert snapshot() == before


def test_openapi_marks_staff_endpoints_with_bearer(client):
    document = client.get("/api/openapi.json").json()
    paths = document["paths"]
    for method, path in STAFF_ENDPOINTS:
        spec = (
            path.replace("{ca}", "{counter_id}")
            .replace("{ticket}", "{ticket_id}")
            .replace("mpp-x", "{code}")
        )
        assert paths[spec][method]["security"] == [{"BearerAuth": []}], spec
    for public in ["/api/v1/auth/token"]:
        assert "security" not in paths[public]["post"]
