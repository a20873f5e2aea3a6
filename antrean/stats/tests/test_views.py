"""The public transparency pages: figures shown, small numbers withheld, nothing personal,
no sign-in, a 404 for an office that is not public, and the link from the booking pages."""

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.utils import timezone

from antrean.api.tests.conftest import office_at_noon
from antrean.feedback.periods import period_dates
from antrean.queueing.services import ticket_call_next, ticket_finish, ticket_start
from antrean.stats.models import SURVEY_SUM_FIELDS, OfficeDay
from antrean.stats.rollup import office_day_rollup
from antrean.stats.selectors import closed_quarter
from antrean.testing.factories import (
    make_agency,
    make_booking,
    make_counter,
    make_nik,
    make_office,
    make_officer,
    make_phone,
    make_service,
    make_slot,
    make_walk_in,
    sign_officer_pact,
)

pytestmark = pytest.mark.django_db

NAMES = ["Ni Luh Putu Sekar", "I Gede Arya Wibawa", "Made Surya Dharma", "Komang Ayu", "Ketut"]


def serve_walk_ins(*, office, service, counter, officer, count: int, now):
    """`count` walk-ins arriving 10 minutes apart from three hours ago, each called 20
    minutes after arriving (waits of 20 minutes) and served for 5."""
    start = now - dt.timedelta(hours=3)
    tickets = []
    for i in range(count):
        arrived = start + dt.timedelta(minutes=30 * i)
        tickets.append(make_walk_in(service, now=arrived, name=NAMES[i % len(NAMES)]).ticket)
        called = arrived + dt.timedelta(minutes=20)
        ticket = ticket_call_next(counter=counter, officer=officer, now=called)
        ticket_start(ticket_id=ticket.pk, counter=counter, officer=officer, now=called)
        ticket_finish(
            ticket_id=ticket.pk,
            counter=counter,
            officer=officer,
            now=called + dt.timedelta(minutes=5),
        )
    return tickets


def make_place(*, served: int, code: str = "mpp-uji") -> SimpleNamespace:
    """An office at about noon local time with `served` citizens served this morning and a
    booking still to come, rolled up."""
    now = timezone.now()
    office = office_at_noon(code=code, name="Mal Pelayanan Publik Uji")
    agency = make_agency(office)
    service = make_service(agency=agency, name="Perekaman KTP-el", prefix="A")
    counter = make_counter(agency=agency, services=[service])
    officer = make_officer(agency)
    sign_officer_pact(officer, office, now=now - dt.timedelta(hours=4))
    tickets = serve_walk_ins(
        office=office, service=service, counter=counter, officer=officer, count=served, now=now
    )
    nik, phone = make_nik(7777), make_phone(55501234)
    slot = make_slot(service, date=office.local_today(now), start=dt.time(15), end=dt.time(16))
    booked = make_booking(
        slot, nik=nik, whatsapp=phone, name="Ni Made Rahasia", now=now - dt.timedelta(hours=1)
    ).ticket
    office_day_rollup(office=office, date=office.local_today(now), now=now)
    return SimpleNamespace(
        office=office, service=service, tickets=[*tickets, booked], nik=nik, phone=phone, now=now
    )


def quarter_answers(office, *, months: tuple[int, int, int]):
    """Office-day roll-ups in the office's last closed quarter with these many survey answers
    (each answering 4 to everything) in its three months."""
    period = closed_quarter(office.local_today())
    for offset, responses in enumerate(months):
        if responses:
            day = (period.start + dt.timedelta(days=31 * offset)).replace(day=10)
            OfficeDay.objects.create(
                office=office,
                date=day,
                served=responses,
                survey_responses=responses,
                **dict.fromkeys(SURVEY_SUM_FIELDS, 4 * responses),
            )
    return period


def text_of(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_office_page_shows_todays_queue_this_month_and_the_ikm(client):
    place = make_place(served=5)
    quarter_answers(place.office, months=(6, 0, 5))

    response = client.get(f"/transparansi/{place.office.code}/")

    assert response.status_code == 200
    text = text_of(response)
    assert "Mal Pelayanan Publik Uji" in text
    assert "Selesai dilayani 5" in text
    assert "Menunggu 0" in text
    assert "Median waktu tunggu 20 menit" in text  # five waits of 20 minutes: shown
    assert "Petugas berpakta hari ini 1" in text
    assert "Pakta integritas warga ditandatangani 6" in text  # five walk-ins and a booking
    assert "Panggilan oleh petugas yang berpakta hari itu 100%" in text
    assert "100,00" in text and "Sangat baik" in text  # IKM 100.00, A
    assert "dari 11 jawaban survei" in text
    assert "Perekaman KTP-el" in text
    assert response["Content-Security-Policy"]


def test_small_numbers_are_withheld(client):
    place = make_place(served=4)
    quarter_answers(place.office, months=(6, 3, 0))  # a month of 3 answers

    text = text_of(client.get(f"/transparansi/{place.office.code}/"))

    assert "Selesai dilayani 4" in text  # counts are counts
    assert "Median waktu tunggu —" in text  # four waits: not shown
    assert "20 menit" not in text
    assert "ada bulan dengan 1–4 jawaban" in text
    assert "Sangat baik" not in text


def test_the_page_holds_no_personal_data(client):
    place = make_place(served=5)
    body = client.get(f"/transparansi/{place.office.code}/").content.decode()
    index = client.get("/transparansi/").content.decode()

    for page in (body, index):
        for ticket in place.tickets:
            assert ticket.code not in page
        for name in [*NAMES, "Ni Made Rahasia"]:
            assert name not in page
        assert place.nik not in page and place.nik[-4:] not in page
        assert place.phone[-8:] not in page


def test_the_index_lists_every_active_office_with_its_figures(client):
    place = make_place(served=5)
    quarter_answers(place.office, months=(5, 0, 0))
    quiet = make_office(code="mpp-sepi", name="Mal Pelayanan Publik Sepi")
    make_office(code="mpp-tutup", name="Mal Pelayanan Publik Tutup", is_active=False)

    response = client.get("/transparansi/")

    assert response.status_code == 200
    text = text_of(response)
    assert "2 kantor layanan" in text
    assert "Mal Pelayanan Publik Tutup" not in text
    assert f'href="/transparansi/{quiet.code}/"' in response.content.decode()
    uji = text[text.index("Mal Pelayanan Publik Uji") :]
    assert "Kabupaten Badung" in uji
    assert "Menunggu sekarang 0 Dilayani bulan ini 5 IKM 100,00 A" in uji
    sepi = text[text.index("Mal Pelayanan Publik Sepi") :]
    assert "Dilayani bulan ini 0 IKM belum cukup jawaban" in sepi


def test_an_office_that_is_not_public_is_not_found(client):
    make_office(code="mpp-tutup", is_active=False)

    assert client.get("/transparansi/mpp-tutup/").status_code == 404
    assert client.get("/transparansi/tidak-ada/").status_code == 404
    assert client.post("/transparansi/").status_code == 405


def test_the_pages_are_read_in_english_too(client):
    place = make_place(served=5)
    client.cookies["django_language"] = "en"

    response = client.get(f"/transparansi/{place.office.code}/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert 'lang="en"' in response.content.decode()


def test_the_booking_pages_link_to_the_offices_transparency_page(client):
    office = make_office(code="mpp-tautan")
    make_service(office)

    page = client.get("/kantor/mpp-tautan/").content.decode()
    home = client.get("/").content.decode()

    assert 'href="/transparansi/mpp-tautan/"' in page
    assert 'href="/transparansi/"' in home


def test_the_closed_quarter_is_the_last_whose_answers_can_no_longer_come():
    assert closed_quarter(dt.date(2026, 10, 7)).start == dt.date(2026, 4, 1)  # Q3 still open
    assert closed_quarter(dt.date(2026, 10, 8)).start == dt.date(2026, 7, 1)
    assert closed_quarter(dt.date(2026, 1, 20)).end == period_dates("tw4", 2025)[1]
    assert str(closed_quarter(dt.date(2026, 12, 5)).label) == "Triwulan III 2026"


@pytest.mark.parametrize("offices", [1, 6])
def test_the_index_costs_the_same_few_queries_for_any_number_of_offices(
    client, offices, django_assert_max_num_queries
):
    for n in range(offices):
        office = make_office(code=f"mpp-{n}")
        OfficeDay.objects.create(office=office, date=office.local_today(), served=n)
    with django_assert_max_num_queries(6):
        assert client.get("/transparansi/").status_code == 200
