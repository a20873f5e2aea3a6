"""The WebSocket consumers, through the real ASGI application (origin check, sessions, URL
routing) with Channels' test communicator and the in-memory channel layer."""

import contextlib
import json
import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from antrean.asgi import application
from antrean.display.models import Board
from antrean.display.tests.communicator import WebsocketCommunicator
from antrean.display.tests.hall import make_hall
from antrean.queueing.models import Ticket
from antrean.queueing.services import ticket_call_next, ticket_recall
from antrean.queueing.states import Status
from antrean.testing.factories import check_in, local_time, make_booking, make_slot
from antrean.testing.signin import sign_in

# serialized_rollback: the flush after each test must leave the pacts seeded by migrations.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ORIGIN = (b"origin", b"http://testserver")


class Rollback(Exception):
    pass


@pytest.fixture(autouse=True)
def _empty_layer():
    layer = get_channel_layer()
    async_to_sync(layer.flush)()
    yield
    async_to_sync(layer.flush)()


def board_socket(code: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/display/{code}/", headers=[ORIGIN])


def status_socket(code: str, session_key: str | None) -> WebsocketCommunicator:
    headers = [ORIGIN]
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    return WebsocketCommunicator(application, f"/ws/status/{code}/", headers=headers)


def owner_session(walk_in) -> str:
    """Open the status page with the ticket's private link, as its owner does; the session
    that now owns the ticket."""
    client = Client()
    response = client.get(f"/antrean/{walk_in.ticket.code}/status/?t={walk_in.token}")
    assert response.status_code == 302
    return client.cookies["sessionid"].value


def run(body):
    return async_to_sync(body)()


# --- the TV board ---------------------------------------------------------------------------


def test_board_sends_a_snapshot_on_connect():
    hall = make_hall(tickets=2)
    ticket_call_next(counter=hall.counters[0], officer=hall.officer)

    async def body():
        socket = board_socket(hall.office.code)
        connected, _ = await socket.connect()
        assert connected
        message = await socket.receive_json_from(timeout=2)
        await socket.disconnect()
        return message

    message = run(body)
    assert message["type"] == "snapshot"
    board = message["board"]
    assert board["office"] == {
        "code": hall.office.code,
        "name": hall.office.name,
        "timezone": "Asia/Makassar",
        "zone": "WITA",
    }
    assert board["counters"] == [
        {
            "number": 1,
            "name": "Loket 1",
            "agency": "Disdukcapil",
            "ticket": "A-001",
            "status": "called",
            "pledged": True,  # the officer signed the officer pact today
        }
    ]
    assert [(c["number"], c["counter"], c["move"]) for c in board["calls"]] == [
        ("A-001", 1, "call")
    ]
    assert board["running_text"]


def test_board_receives_a_call_within_a_second_of_the_commit_and_nothing_for_a_rollback():
    hall = make_hall(tickets=2)
    counter, officer = hall.counters[0], hall.officer

    def call_and_roll_back():
        with contextlib.suppress(Rollback), transaction.atomic():
            ticket_call_next(counter=counter, officer=officer)
            raise Rollback

    async def body():
        socket = board_socket(hall.office.code)
        assert (await socket.connect())[0]
        assert (await socket.receive_json_from(timeout=2))["type"] == "snapshot"

        await database_sync_to_async(call_and_roll_back)()
        nothing = await socket.receive_nothing(timeout=0.5)

        started = time.monotonic()
        await database_sync_to_async(ticket_call_next)(counter=counter, officer=officer)
        message = await socket.receive_json_from(timeout=1)
        elapsed = time.monotonic() - started
        await socket.disconnect()
        return nothing, message, elapsed

    nothing, message, elapsed = run(body)
    assert nothing, "a rolled-back call reached the board"
    assert elapsed < 1
    assert message["type"] == "event"
    event = message["event"]
    assert event["move"] == "call"
    assert event["announce"] is True
    assert event["number"] == "A-001"
    assert event["counter"] == 1
    assert event["status"] == "called"
    assert event["speech"] == "Nomor antrean A satu, silakan ke loket satu"
    assert Ticket.objects.get(number="A-001", office=hall.office).status == Status.CALLED


def test_a_recall_is_sent_and_announced_again():
    hall = make_hall(tickets=1)
    counter, officer = hall.counters[0], hall.officer
    ticket = ticket_call_next(counter=counter, officer=officer)

    async def body():
        socket = board_socket(hall.office.code)
        assert (await socket.connect())[0]
        await socket.receive_json_from(timeout=2)
        await database_sync_to_async(ticket_recall)(
            ticket_id=ticket.pk, counter=counter, officer=officer
        )
        message = await socket.receive_json_from(timeout=1)
        await socket.disconnect()
        return message

    event = run(body)["event"]
    assert (event["move"], event["announce"], event["number"]) == ("recall", True, "A-001")
    assert event["speech"] == "Nomor antrean A satu, silakan ke loket satu"


def test_board_resyncs_on_request():
    hall = make_hall(tickets=1)

    async def body():
        socket = board_socket(hall.office.code)
        assert (await socket.connect())[0]
        first = await socket.receive_json_from(timeout=2)
        await database_sync_to_async(ticket_call_next)(
            counter=hall.counters[0], officer=hall.officer
        )
        await socket.receive_json_from(timeout=1)  # the event
        await socket.send_json_to({"type": "resync"})
        again = await socket.receive_json_from(timeout=2)
        await socket.disconnect()
        return first, again

    first, again = run(body)
    assert first["board"]["counters"][0]["ticket"] is None
    assert again["type"] == "snapshot"
    assert again["board"]["counters"][0]["ticket"] == "A-001"


def test_an_unknown_or_closed_office_is_refused():
    hall = make_hall(tickets=0)
    hall.office.is_active = False
    hall.office.save(update_fields=["is_active"])

    async def body():
        results = []
        for code in ["tidak-ada", hall.office.code]:
            socket = board_socket(code)
            results.append(await socket.connect())
        return results

    assert run(body) == [(False, 4404), (False, 4404)]


def test_editing_the_running_text_in_the_admin_resyncs_open_boards():
    hall = make_hall(tickets=0)
    board = Board.objects.create(office=hall.office, running_text="Teks lama")
    get_user_model().objects.create_superuser("kepala", password="x-admin-pass-1")
    client = Client()
    sign_in(client, get_user_model().objects.get(username="kepala"))

    def edit():
        response = client.post(
            f"/admin/display/board/{board.pk}/change/",
            {"running_text": "Layanan KTP-el gratis. Laporkan pungutan liar ke 1708."},
        )
        assert response.status_code == 302, response.content[:500]

    async def body():
        socket = board_socket(hall.office.code)
        assert (await socket.connect())[0]
        first = await socket.receive_json_from(timeout=2)
        await sync_to_async(edit)()
        again = await socket.receive_json_from(timeout=1)
        await socket.disconnect()
        return first, again

    first, again = run(body)
    assert first["board"]["running_text"] == "Teks lama"
    assert again["type"] == "snapshot"
    assert again["board"]["running_text"] == (
        "Layanan KTP-el gratis. Laporkan pungutan liar ke 1708."
    )


def test_no_personal_data_reaches_the_board():
    """Names, NIKs and phone numbers of walk-ins and of bookers never reach a public screen."""
    hall = make_hall(counters=2, tickets=1)
    office = hall.office
    today = office.local_today()
    slot = make_slot(hall.service, date=today, start=local_time(office, today, 9).time())
    booked = make_booking(
        slot,
        name="Ni Made Ayu Lestari",
        nik="5103014101900007",
        whatsapp="081234567890",
    )
    check_in(code=booked.ticket.code, nik_last4="0007", now=local_time(office, today, 9, 5))

    async def body():
        socket = board_socket(office.code)
        assert (await socket.connect())[0]
        messages = [await socket.receive_json_from(timeout=2)]
        for counter in hall.counters:  # a counter calls one citizen at a time
            await database_sync_to_async(ticket_call_next)(counter=counter, officer=hall.officer)
            messages.append(await socket.receive_json_from(timeout=1))
        await socket.send_json_to({"type": "resync"})
        messages.append(await socket.receive_json_from(timeout=2))
        await socket.disconnect()
        return messages

    messages = run(body)
    called = {m["event"]["number"] for m in messages if m["type"] == "event"}
    assert len(called) == 2  # both the booker and the walk-in were called and sent
    text = json.dumps(messages, ensure_ascii=False).lower()
    for secret in [
        "ni made ayu lestari",
        "i wayan sudarma",
        "5103014101900007",
        "0007",
        "081234567890",
        "6281234567890",
        "34567890",
        booked.ticket.code.lower(),
        hall.walk_ins[0].ticket.code.lower(),
    ]:
        assert secret not in text, secret


# --- the citizen's live status ------------------------------------------------------------


def test_status_refuses_anyone_but_the_owner():
    hall = make_hall(tickets=2)
    mine, other = hall.walk_ins
    session = owner_session(other)  # owns another ticket, not this one

    async def body():
        results = []
        for key in [None, session]:
            socket = status_socket(mine.ticket.code, key)
            results.append(await socket.connect())
        return results

    assert run(body) == [(False, 4403), (False, 4403)]


def test_status_pushes_near_and_then_called_with_the_counter():
    # Six counters, one call each (a counter calls one citizen at a time); the office's
    # turn_near_ahead is 3.
    hall = make_hall(counters=6, tickets=6)
    mine = hall.walk_ins[5]
    session = owner_session(mine)

    async def body():
        socket = status_socket(mine.ticket.code, session)
        assert (await socket.connect())[0]
        seen = [(await socket.receive_json_from(timeout=2))["status"]]
        for counter in hall.counters:
            await database_sync_to_async(ticket_call_next)(counter=counter, officer=hall.officer)
            seen.append((await socket.receive_json_from(timeout=1))["status"])
        await socket.disconnect()
        return seen

    seen = run(body)
    assert [s["ahead"] for s in seen] == [5, 4, 3, 2, 1, 0, 0]
    assert [s["near"] for s in seen] == [False, False, False, True, True, True, False]
    assert [s["called"] for s in seen] == [False] * 6 + [True]
    last = seen[-1]
    assert (last["number"], last["status"], last["counter"]) == ("A-006", "called", 6)
    assert last["now_serving"][0] == "A-006"
    assert "office_id" not in last
    assert seen[3]["now_serving"][:3] == ["A-003", "A-002", "A-001"]
