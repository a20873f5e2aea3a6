"""The survey pages without JavaScript: the citizen's link, the invitations on the status
and booking pages, the exit kiosk, and English with the language cookie."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client

from antrean.display.kiosk import kiosk_register
from antrean.feedback.models import SurveyInvitation, SurveyResponse
from antrean.feedback.services import survey_invitation_ensure, survey_token
from antrean.feedback.tests.served import booking, make_desk, serve, walk_in

pytestmark = pytest.mark.django_db


def form(**overrides) -> dict:
    values = {f"u{n}": "4" for n in range(1, 10)}
    values.update(sex="L", age_band="21-30", education="sma", occupation="wirausaha")
    values["suggestion"] = "Petugas ramah."
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


@pytest.fixture
def served():
    desk = make_desk()
    ticket = serve(desk, walk_in(desk).ticket)
    return desk, ticket, f"/survei/{survey_token(ticket)}/"


def test_form_shows_nine_questions_in_order_with_four_labelled_answers(client, served):
    _, _, url = served
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert re.findall(r'name="(u\d)" value="1"', body) == [f"u{n}" for n in range(1, 10)]
    assert body.count('type="radio"') == 9 * 4 + 2 + 6 + 7 + 7
    for label in ("Sangat sesuai", "Tidak mudah", "Gratis", "Dikelola dengan baik"):
        assert label in body
    assert "<script" not in body.split("</header>")[1]  # the form needs no JavaScript
    assert 'style="' not in body


def test_post_records_and_thanks(client, served):
    _, _, url = served
    page = client.post(url, form())
    assert page.status_code == 200 and "Terima kasih atas penilaian Anda" in page.content.decode()
    assert SurveyResponse.objects.get().answers() == {f"u{n}": 4 for n in range(1, 10)}
    assert SurveyResponse.objects.get().channel == "web"
    again = client.get(url)
    assert again.status_code == 409 and "sudah diisi" in again.content.decode()


def test_missing_answers_are_shown_in_indonesian_and_nothing_is_recorded(client, served):
    _, ticket, url = served
    page = client.post(url, form(u3=None, u8="9", sex=None))
    body = page.content.decode()
    assert page.status_code == 422
    assert "Jawaban belum terkirim" in body and 'href="#u3"' in body and 'href="#u8"' in body
    assert 'href="#sex"' in body and 'href="#u1"' not in body
    assert 'name="u1" value="4" checked' in body  # what was chosen stays chosen
    assert "Petugas ramah." in body
    assert SurveyResponse.objects.count() == 0
    assert SurveyInvitation.objects.get(ticket=ticket).answered is False


def test_not_open_expired_and_unknown_pages(client):
    desk = make_desk()
    ticket = walk_in(desk).ticket
    _, token = survey_invitation_ensure(ticket=ticket)
    early = client.post(f"/survei/{token}/", form())
    assert early.status_code == 409 and "setelah layanan Anda selesai" in early.content.decode()
    serve(desk, ticket)
    SurveyInvitation.objects.filter(ticket=ticket).update(
        expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    late = client.get(f"/survei/{token}/")
    assert late.status_code == 410 and "tidak berlaku" in late.content.decode()
    unknown = client.get("/survei/" + "A" * 24 + "/")
    assert unknown.status_code == 404 and "tidak dikenal" in unknown.content.decode()
    assert SurveyResponse.objects.count() == 0


def test_english_with_the_language_cookie(client, served):
    _, _, url = served
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(url)
    body = page.content.decode()
    assert page["Content-Language"] == "en"
    assert "Requirements" in body and "Persyaratan</span>" not in body


def test_status_and_booking_pages_invite_once_done(client):
    desk = make_desk()
    result = booking(desk)
    client.get(f"/antrean/{result.ticket.code}/?t={result.token}")  # becomes the owner
    link = f"/survei/{survey_token(result.ticket)}/"
    assert link not in client.get(f"/antrean/{result.ticket.code}/status/").content.decode()
    assert link not in client.get(f"/antrean/{result.ticket.code}/").content.decode()
    serve(desk, result.ticket)
    for path in (f"/antrean/{result.ticket.code}/status/", f"/antrean/{result.ticket.code}/"):
        body = client.get(path).content.decode()
        assert "Isi survei kepuasan" in body and link in body


# --- the exit kiosk ------------------------------------------------------------------------


def enrol(client, office):
    _, token = kiosk_register(office=office, name="Pintu keluar")
    assert client.get(f"/kiosk/{office.code}/?device={token}").status_code == 302


def test_kiosk_survey_by_booking_code_then_back_to_start(client):
    desk = make_desk()
    ticket = serve(desk, walk_in(desk).ticket)
    enrol(client, desk.office)
    start = f"/kiosk/{desk.office.code}/survei/"
    assert client.get(start).status_code == 200
    typed = f"{ticket.code[:4].lower()}-{ticket.code[4:].lower()}"
    moved = client.post(start, {"code": typed})
    assert moved.status_code == 302 and moved["Location"].endswith("/survei/isi/")
    page = client.get(moved["Location"])
    assert page.status_code == 200 and page.content.decode().count('type="radio"') == 58
    done = client.post(moved["Location"], form())
    assert done.status_code == 200
    assert f'url=/kiosk/{desk.office.code}/survei/"' in done.content.decode()  # next citizen
    assert SurveyResponse.objects.get().channel == "kiosk"
    # The next citizen cannot reopen the previous one's survey.
    assert client.get(moved["Location"]).status_code == 302


def test_kiosk_accepts_the_scanned_ticket_qr(client, settings):
    settings.SITE_URL = "https://antrean.example.go.id"
    desk = make_desk()
    ticket = serve(desk, walk_in(desk).ticket)
    enrol(client, desk.office)
    scanned = f"https://antrean.example.go.id/survei/{survey_token(ticket)}/"
    moved = client.post(f"/kiosk/{desk.office.code}/survei/", {"code": scanned})
    assert moved.status_code == 302


def test_kiosk_refuses_other_offices_unserved_and_unknown_codes(client):
    desk, elsewhere = make_desk(), make_desk()
    enrol(client, desk.office)
    start = f"/kiosk/{desk.office.code}/survei/"
    foreign = serve(elsewhere, walk_in(elsewhere).ticket)
    waiting = walk_in(desk).ticket
    for code, status in ((foreign.code, 404), ("ZZZZZZZZ", 404), (waiting.code, 409)):
        page = client.post(start, {"code": code})
        assert page.status_code == status
    foreign_link = f"/survei/{survey_token(foreign)}/"
    assert client.post(start, {"code": foreign_link}).status_code == 404
    assert SurveyResponse.objects.count() == 0


def test_kiosk_survey_needs_the_device(client):
    desk = make_desk()
    assert client.get(f"/kiosk/{desk.office.code}/survei/").status_code == 403


@pytest.fixture
def one_window(monkeypatch):
    """A counting window far longer than the test: it never crosses a window's boundary."""
    from antrean.feedback import services

    monkeypatch.setattr(services, "KIOSK_WRONG_WINDOW", 10**8)
    return services


def test_kiosk_stops_looking_codes_up_after_ten_wrong_ones(client, one_window):
    from antrean.feedback.services import KIOSK_WRONG_CODES

    desk = make_desk()
    served_ticket = serve(desk, walk_in(desk).ticket)
    enrol(client, desk.office)
    start = f"/kiosk/{desk.office.code}/survei/"
    for n in range(KIOSK_WRONG_CODES):
        assert client.post(start, {"code": f"ZZZZ{n:04d}"}).status_code == 404
    # A right code does not count: it still works after ten wrong ones.
    assert client.post(start, {"code": served_ticket.code}).status_code == 302
    locked = client.post(start, {"code": "ZZZZ9999"})
    assert locked.status_code == 429 and locked["Retry-After"] == str(10**8)
    assert "Terlalu banyak kode yang salah di anjungan ini" in locked.content.decode()
    # From now on the kiosk looks nothing up, not even a right code, and records nothing.
    again = client.post(start, {"code": served_ticket.code})
    assert again.status_code == 429
    assert "kiosk_survey" not in client.session
    assert client.get(f"/kiosk/{desk.office.code}/survei/isi/").status_code == 302
    assert SurveyResponse.objects.count() == 0
    # The limit is the device's: another kiosk of the office still serves the next citizen.
    other = Client()
    enrol(other, desk.office)
    assert other.post(start, {"code": served_ticket.code}).status_code == 302


def test_kiosk_counts_unserved_codes_as_wrong(client, one_window):
    from antrean.feedback.services import KIOSK_WRONG_CODES

    desk = make_desk()
    waiting = walk_in(desk).ticket
    enrol(client, desk.office)
    start = f"/kiosk/{desk.office.code}/survei/"
    for _ in range(KIOSK_WRONG_CODES):
        assert client.post(start, {"code": waiting.code}).status_code == 409
    assert client.post(start, {"code": waiting.code}).status_code == 429
