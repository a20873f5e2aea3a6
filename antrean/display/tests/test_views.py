"""The board and status pages and their polling fallbacks (state.json, status.json)."""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from antrean.display.models import Board
from antrean.display.selectors import board_snapshot
from antrean.display.tests.hall import make_hall
from antrean.queueing.services import ticket_call_next
from antrean.tenancy.models import Membership
from antrean.testing.factories import check_in, local_time, make_booking, make_slot
from antrean.testing.signin import sign_in

pytestmark = pytest.mark.django_db

STATUS_KEYS = {
    "number", "status", "status_label", "ahead", "minutes", "near", "called", "counter",
    "counter_name", "now_serving", "officer_pledged",
}  # fmt: skip


def embedded(response, element_id: str):
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, element_id
    return json.loads(match.group(1))


def owner(walk_in) -> Client:
    client = Client()
    response = client.get(f"/antrean/{walk_in.ticket.code}/status/?t={walk_in.token}")
    assert response.status_code == 302
    return client


# --- the TV board -------------------------------------------------------------------------


def test_board_page_starts_from_the_snapshot(client):
    hall = make_hall(tickets=2)
    ticket_call_next(counter=hall.counters[0], officer=hall.officer)

    response = client.get(f"/display/{hall.office.code}/")

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    html = response.content.decode()
    assert hall.office.name in html
    assert '<span class="clock-zone">WITA</span>' in html
    assert f'data-ws="/ws/display/{hall.office.code}/"' in html
    assert f'data-poll="/display/{hall.office.code}/state.json"' in html
    assert 'data-poll-ms="2000"' in html
    assert "Klik untuk mengaktifkan suara" in html
    snapshot = embedded(response, "board-snapshot")
    assert snapshot["counters"][0]["ticket"] == "A-001"
    assert snapshot["calls"][0]["number"] == "A-001"
    strings = embedded(response, "board-strings")
    assert strings["counter"] == "Loket %(counter)s"
    assert strings["modes"]["polling"] == "Mode cadangan: diperbarui tiap 2 detik"


def test_board_of_an_unknown_or_closed_office_is_not_found(client):
    hall = make_hall(tickets=0)
    hall.office.is_active = False
    hall.office.save(update_fields=["is_active"])
    assert client.get("/display/tidak-ada/").status_code == 404
    assert client.get(f"/display/{hall.office.code}/").status_code == 404
    response = client.get(f"/display/{hall.office.code}/state.json")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_state_json_is_the_consumers_snapshot(client):
    hall = make_hall(tickets=2)
    ticket_call_next(counter=hall.counters[0], officer=hall.officer)
    Board.objects.create(office=hall.office, running_text="Selamat datang")

    response = client.get(f"/display/{hall.office.code}/state.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    data = response.json()
    expected = board_snapshot(office=hall.office)
    assert data.keys() == expected.keys()
    assert {k: v for k, v in data.items() if k != "now"} == {
        k: v for k, v in expected.items() if k != "now"
    }
    assert data["running_text"] == "Selamat datang"
    assert data["office"]["zone"] == "WITA"


def test_no_personal_data_on_the_board_page_or_in_state_json(client):
    hall = make_hall(counters=2, tickets=1)
    office = hall.office
    slot = make_slot(hall.service, date=office.local_today())
    booked = make_booking(
        slot, name="Ni Made Ayu Lestari", nik="5103014101900007", whatsapp="081234567890"
    )
    check_in(
        code=booked.ticket.code,
        nik_last4="0007",
        now=local_time(office, office.local_today(), 9, 5),
    )
    for counter in hall.counters:
        ticket_call_next(counter=counter, officer=hall.officer)

    page = client.get(f"/display/{office.code}/").content.decode().lower()
    state = client.get(f"/display/{office.code}/state.json").content.decode().lower()

    for number in [hall.walk_ins[0].ticket.number, booked.ticket.number]:  # both called
        assert number.lower() in page and number.lower() in state
    for text in (page, state):
        for secret in [
            "i wayan sudarma",
            "ni made ayu lestari",
            "5103014101900007",
            "081234567890",
            "34567890",
            hall.walk_ins[0].ticket.code.lower(),
            booked.ticket.code.lower(),
        ]:
            assert secret not in text, secret


# --- the citizen's live status --------------------------------------------------------------


def test_status_page_with_the_private_link_takes_ownership_and_drops_the_token():
    hall = make_hall(tickets=3)
    mine = hall.walk_ins[2]
    client = Client()

    response = client.get(f"/antrean/{mine.ticket.code}/status/?t={mine.token}")
    assert response.status_code == 302
    assert response["Location"] == f"/antrean/{mine.ticket.code}/status/"

    response = client.get(response["Location"])
    assert response.status_code == 200
    html = response.content.decode()
    assert "A-003" in html
    assert f'data-ws="/ws/status/{mine.ticket.code}/"' in html
    assert f'data-poll="/antrean/{mine.ticket.code}/status.json"' in html
    status = embedded(response, "status-initial")
    assert status.keys() == STATUS_KEYS
    assert (status["status"], status["ahead"], status["near"]) == ("waiting", 2, True)
    # The owner's own page may show their number, not their identity.
    assert "I Wayan Sudarma".lower() not in html.lower()


def test_status_page_refuses_without_ownership_or_with_a_wrong_token():
    hall = make_hall(tickets=2)
    mine, other = hall.walk_ins
    stranger = owner(other)  # owns another ticket

    assert stranger.get(f"/antrean/{mine.ticket.code}/status/").status_code == 403
    assert Client().get(f"/antrean/{mine.ticket.code}/status/").status_code == 403
    wrong = Client().get(f"/antrean/{mine.ticket.code}/status/?t={other.token}")
    assert wrong.status_code == 403
    assert Client().get("/antrean/TIDAKADA/status/?t=xyz").status_code == 403


def test_status_json_for_the_owner_only():
    hall = make_hall(counters=2, tickets=3)
    mine = hall.walk_ins[2]
    client = owner(mine)
    url = f"/antrean/{mine.ticket.code}/status.json"

    before = client.get(url)
    assert before.status_code == 200
    assert "no-cache" in before["Cache-Control"]
    assert before.json()["ahead"] == 2
    ticket_call_next(counter=hall.counters[0], officer=hall.officer)
    ticket_call_next(counter=hall.counters[1], officer=hall.officer)
    after = client.get(url).json()
    assert after.keys() == STATUS_KEYS
    assert (after["ahead"], after["near"], after["called"]) == (0, True, False)
    assert sorted(after["now_serving"]) == ["A-001", "A-002"]

    refused = owner(hall.walk_ins[0]).get(url)
    assert refused.status_code == 403
    assert refused.json()["error"] == "forbidden"
    assert Client().get(url).status_code == 403


def test_status_json_when_called_names_the_counter():
    hall = make_hall(tickets=1)
    mine = hall.walk_ins[0]
    client = owner(mine)
    ticket_call_next(counter=hall.counters[0], officer=hall.officer)

    status = client.get(f"/antrean/{mine.ticket.code}/status.json").json()

    assert (status["status"], status["called"], status["counter"]) == ("called", True, 1)
    page = client.get(f"/antrean/{mine.ticket.code}/status/").content.decode()
    assert "Silakan ke loket 1" in page


def test_booking_page_links_to_the_live_status_while_waiting_or_called_only():
    hall = make_hall(tickets=1)
    mine = hall.walk_ins[0]
    client = owner(mine)
    link = "Lihat posisi antrean langsung"

    assert link in client.get(f"/antrean/{mine.ticket.code}/").content.decode()
    ticket_call_next(counter=hall.counters[0], officer=hall.officer)
    assert link in client.get(f"/antrean/{mine.ticket.code}/").content.decode()

    slot = make_slot(hall.service)
    booked = make_booking(slot)
    booker = Client()
    booker.get(f"/antrean/{booked.ticket.code}/?t={booked.token}")
    page = booker.get(f"/antrean/{booked.ticket.code}/").content.decode()
    assert "Nomor antrean" in page and link not in page  # booked, not yet in the queue


# --- the board's admin ------------------------------------------------------------------------


def test_office_admins_edit_only_their_own_office_board():
    mine, theirs = make_hall(tickets=0), make_hall(tickets=0)
    own = Board.objects.create(office=mine.office, running_text="Teks kami")
    other = Board.objects.create(office=theirs.office, running_text="Teks mereka")
    user = get_user_model().objects.create_user("admin-kantor", password=None, is_staff=True)
    Membership.objects.create(user=user, role=Membership.Role.OFFICE_ADMIN, office=mine.office)
    client = Client()
    sign_in(client, user)

    listing = client.get("/admin/display/board/").content.decode()
    assert "Teks kami" in listing and "Teks mereka" not in listing
    assert client.get(f"/admin/display/board/{other.pk}/change/").status_code == 404
    response = client.post(
        f"/admin/display/board/{own.pk}/change/", {"running_text": "Teks baru kami"}
    )
    assert response.status_code == 302
    refused = client.post(
        f"/admin/display/board/{other.pk}/change/", {"running_text": "Diganti orang lain"}
    )
    assert refused.status_code == 404  # not found for this account
    own.refresh_from_db()
    other.refresh_from_db()
    assert own.running_text == "Teks baru kami"
    assert other.running_text == "Teks mereka"
