"""The counter console, driven through Django's test client on the real database: the pact
gate, every button, out-of-order calls, check-in, walk-in and the live queue panel."""

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse

from antrean.catalog.models import Counter, Service
from antrean.integrity.models import Audience, Channel, PactSignature
from antrean.integrity.services import pact_in_force
from antrean.queueing.models import AuditFlag, Ticket, TicketEvent
from antrean.queueing.states import Status
from antrean.tenancy.models import Agency, Office, OpeningHours
from antrean.testing.factories import (
    make_agency,
    make_booking,
    make_counter,
    make_nik,
    make_office,
    make_officer,
    make_service,
    make_slot,
    make_walk_in,
)

pytestmark = pytest.mark.django_db

NIK = make_nik(4321)  # ends in 4321
PHONE = "081234567890"
NAME = "Ni Luh Putu Ayu Lestari"


# --- helpers shared with test_views.py -----------------------------------------------------


@dataclass
class Desk:
    office: Office
    agency: Agency
    service: Service
    other: Service
    counter: Counter
    officer: object


def make_open_office(code: str) -> Office:
    """An office open all day, every day: the console works at whatever hour tests run."""
    office = make_office(code=code, name=f"Mal Pelayanan Publik {code}", open_every_day=False)
    OpeningHours.objects.bulk_create(
        [
            OpeningHours(office=office, weekday=d, opens=dt.time(0), closes=dt.time(23, 59, 59))
            for d in range(7)
        ]
    )
    return office


def make_desk(code: str = "mpp-uji", office: Office | None = None) -> Desk:
    """An officer of an agency with one counter serving two services (A and B)."""
    office = office or make_open_office(code)
    agency = make_agency(office, code=f"capil-{code}", short_name="Disdukcapil")
    service = make_service(agency=agency, name="Perekaman KTP-el", prefix="A", duration_minutes=10)
    other = make_service(agency=agency, name="Penerbitan Kartu Keluarga", prefix="B")
    counter = make_counter(agency=agency, services=[service, other], number=3)
    officer = make_officer(agency, username=f"petugas-{code}")
    officer.first_name, officer.last_name = "Made", "Wirawan"
    officer.save(update_fields=["first_name", "last_name"])
    return Desk(office, agency, service, other, counter, officer)


def url(name: str, desk: Desk, *args) -> str:
    return reverse(f"queueing:{name}", args=[desk.counter.pk, *args])


def sign(client, desk: Desk, **overrides):
    rendering = pact_in_force(office=desk.office, audience=Audience.OFFICER, agency=desk.agency)
    data = {
        "pact_version": rendering.pact.version,
        "pact_sha256": rendering.sha256,
        "pact_agreed": "1",
        **overrides,
    }
    return client.post(url("pact", desk), data)


def walk_in_data(desk: Desk, **overrides) -> dict:
    rendering = pact_in_force(office=desk.office, audience=Audience.CITIZEN)
    data = {
        "walkin-service": desk.service.pk,
        "walkin-name": NAME,
        "walkin-priority": "",
        "walkin-pact_agreed": "1",
        "walkin-pact_version": rendering.pact.version,
        "walkin-pact_sha256": rendering.sha256,
    }
    data.update(overrides)
    return data


def booking_now(desk: Desk, *, nik: str = NIK):
    """A booking whose slot is running now (booked the day before), so check-in is open."""
    local = desk.office.local_now()
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    start = max(local - dt.timedelta(minutes=5), midnight).replace(second=0, microsecond=0)
    end = min(start + dt.timedelta(hours=1), local.replace(hour=23, minute=59, second=0))
    slot = make_slot(desk.service, date=local.date(), start=start.time(), end=end.time())
    return make_booking(slot, nik=nik, whatsapp=PHONE, name=NAME).ticket


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def desk():
    return make_desk()


@pytest.fixture
def officer_client(client, desk):
    client.force_login(desk.officer)
    return client


@pytest.fixture
def signed(officer_client, desk):
    assert sign(officer_client, desk).status_code == 302
    return officer_client


# --- the pact gate -------------------------------------------------------------------------


def test_console_before_signing_shows_the_officer_pact(officer_client, desk):
    response = officer_client.get(url("console", desk))
    assert response.status_code == 302
    assert response["Location"] == url("pact", desk)
    page = officer_client.get(url("pact", desk)).content.decode()
    assert "Pakta Integritas Petugas" in page
    # The text in force for the officer's agency, in full, with names filled in.
    rendering = pact_in_force(office=desk.office, audience=Audience.OFFICER, agency=desk.agency)
    assert desk.agency.name in rendering.text
    for line in rendering.text.splitlines()[-2:]:
        assert line.split(". ", 1)[-1][:40] in page
    assert 'name="pact_agreed"' in page
    assert rendering.sha256 in page


def test_call_next_before_signing_leads_to_the_pact_and_changes_nothing(officer_client, desk):
    ticket = make_walk_in(desk.service).ticket
    response = officer_client.post(url("call_next", desk), follow=True)
    assert response.redirect_chain[-1][0] == url("pact", desk)
    assert "Tandatangani Pakta Integritas Petugas hari ini" in " ".join(messages_of(response))
    assert 'name="pact_agreed"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING
    assert not TicketEvent.objects.filter(ticket=ticket, move="call").exists()


def test_signing_needs_the_tick(officer_client, desk):
    response = sign(officer_client, desk, pact_agreed="")
    assert response.status_code == 422
    assert 'data-error="pact_required"' in response.content.decode()
    assert not PactSignature.objects.filter(officer=desk.officer).exists()


def test_signing_an_outdated_text_is_refused(officer_client, desk):
    response = sign(officer_client, desk, pact_sha256="0" * 64)
    assert response.status_code == 422
    assert 'data-error="pact_outdated"' in response.content.decode()
    assert not PactSignature.objects.filter(officer=desk.officer).exists()


def test_after_signing_the_console_opens_and_calls(officer_client, desk):
    ticket = make_walk_in(desk.service).ticket
    response = sign(officer_client, desk)
    assert response["Location"] == url("console", desk)
    signature = PactSignature.objects.get(officer=desk.officer)
    assert (signature.audience, signature.channel) == (Audience.OFFICER, Channel.COUNTER)
    assert signature.ledger_seq is not None  # in the same ledger as citizens' pacts

    page = officer_client.get(url("console", desk)).content.decode()
    local = signature.signed_at.astimezone(desk.office.zone)
    assert f"Sudah menandatangani pakta hari ini pukul {local:%H.%M}" in page

    officer_client.post(url("call_next", desk))
    ticket.refresh_from_db()
    assert ticket.status == Status.CALLED
    # Signing again the same day keeps the first signature.
    sign(officer_client, desk)
    assert PactSignature.objects.filter(officer=desk.officer).count() == 1


def test_pact_page_after_signing_says_so_without_a_form(signed, desk):
    page = signed.get(url("pact", desk)).content.decode()
    assert "Sudah menandatangani pakta hari ini pukul" in page
    assert 'name="pact_agreed"' not in page


# --- the current ticket and its buttons ----------------------------------------------------


def _post_move(client, desk, ticket, slug, **data):
    response = client.post(url("move", desk, ticket.pk, slug), data)
    assert response.status_code == 302
    assert response["Location"] == url("console", desk)
    ticket.refresh_from_db()
    return ticket


def _last_event(ticket):
    return TicketEvent.objects.filter(ticket=ticket).order_by("at", "pk").last()


def _assert_event(ticket, move, desk):
    event = _last_event(ticket)
    assert (event.move, event.to_status, event.officer_id, event.counter_id) == (
        move,
        ticket.status,
        desk.officer.pk,
        desk.counter.pk,
    )


def test_every_button_makes_its_move(signed, desk):
    ticket = make_walk_in(desk.service).ticket

    assert signed.post(url("call_next", desk)).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.counter_id, ticket.officer_id) == (
        Status.CALLED,
        desk.counter.pk,
        desk.officer.pk,
    )
    _assert_event(ticket, "call", desk)

    steps = [
        ("panggil-ulang", Status.CALLED, "recall"),
        ("mulai", Status.SERVING, "start"),
        ("tunda", Status.ON_HOLD, "hold"),
        ("lanjutkan", Status.SERVING, "resume"),
    ]
    for slug, status, move in steps:
        ticket = _post_move(signed, desk, ticket, slug)
        assert ticket.status == status, slug
        _assert_event(ticket, move, desk)

    ticket = _post_move(signed, desk, ticket, "alihkan", service_id=desk.other.pk)
    assert (ticket.status, ticket.service_id, ticket.number) == (
        Status.WAITING,
        desk.other.pk,
        "A-001",  # same number in the new queue
    )
    _assert_event(ticket, "transfer", desk)

    signed.post(url("call_next", desk))
    ticket.refresh_from_db()
    assert ticket.status == Status.CALLED
    ticket = _post_move(signed, desk, ticket, "mulai")
    ticket = _post_move(signed, desk, ticket, "selesai")
    assert ticket.status == Status.DONE
    assert ticket.finished_at is not None
    _assert_event(ticket, "finish", desk)


def test_no_show_and_cancel_buttons(signed, desk):
    first = make_walk_in(desk.service, name="Pertama Satu").ticket
    second = make_walk_in(desk.service, name="Kedua Dua").ticket
    signed.post(url("call_next", desk))
    first = _post_move(signed, desk, first, "tidak-hadir")
    assert first.status == Status.NO_SHOW
    _assert_event(first, "no_show", desk)

    signed.post(url("call_next", desk))
    for slug in ("mulai", "tunda", "batalkan"):
        second = _post_move(signed, desk, second, slug)
    assert second.status == Status.CANCELLED
    assert second.cancelled_at is not None
    _assert_event(second, "cancel", desk)


def test_a_move_the_status_does_not_allow_is_refused(signed, desk):
    ticket = make_walk_in(desk.service).ticket
    signed.post(url("call_next", desk))
    response = signed.post(url("move", desk, ticket.pk, "selesai"), follow=True)
    assert "Tindakan ini tidak dapat dilakukan pada status antrean saat ini." in messages_of(
        response
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.CALLED
    assert _last_event(ticket).move == "call"


def test_unknown_move_is_not_found(signed, desk):
    ticket = make_walk_in(desk.service).ticket
    assert signed.post(url("move", desk, ticket.pk, "hapus")).status_code == 404


def test_call_next_on_an_empty_queue_says_so(signed, desk):
    response = signed.post(url("call_next", desk), follow=True)
    assert "Tidak ada antrean yang menunggu untuk loket ini." in messages_of(response)


def test_console_shows_the_current_ticket_and_only_its_moves(signed, desk):
    ticket = make_walk_in(desk.service, priority="lansia").ticket
    signed.post(url("call_next", desk))
    page = signed.get(url("console", desk)).content.decode()
    ticket.refresh_from_db()
    assert ticket.number in page
    assert desk.service.name in page
    assert ticket.masked_name in page
    assert "Lansia" in page
    signed_at = ticket.pact_signature.signed_at.astimezone(desk.office.zone)
    assert f"ditandatangani pukul {signed_at:%H.%M}" in page
    assert re.search(r"Menunggu</dt><dd>0 menit", page)
    for key, label in [("r", "Panggil ulang"), ("s", "Mulai layani"), ("x", "Tidak hadir")]:
        assert f'data-shortcut="{key}"' in page
        assert label in page
    for key in ("n", "f", "h", "t"):
        assert f'data-shortcut="{key}"' not in page

    _post_move(signed, desk, ticket, "mulai")
    page = signed.get(url("console", desk)).content.decode()
    for key in ("f", "h", "t"):
        assert f'data-shortcut="{key}"' in page
    assert 'data-shortcut="s"' not in page
    assert "data-since=" in page  # the serving clock


def test_a_booking_the_registry_could_not_verify_is_flagged_for_a_ktp_check(signed, desk):
    """Issue 14: when Dukcapil was down at booking and the office took the booking anyway,
    the officer sees it in the queue and at the call, and checks the KTP-el."""
    unverified = booking_now(desk)
    Ticket.objects.filter(pk=unverified.pk).update(nik_check="unverified")
    verified = make_booking(
        unverified.slot, nik=make_nik(1234), whatsapp=PHONE, name="Budi Santoso"
    ).ticket
    Ticket.objects.filter(pk=verified.pk).update(nik_check="verified")
    for ticket in (unverified, verified):
        signed.post(
            url("check_in", desk),
            {"checkin-code": ticket.code, "checkin-nik_last4": ticket.nik[-4:]},
        )
    queue = signed.get(url("queue", desk)).content.decode()
    assert queue.count("periksa KTP-el") == 1
    assert queue.index("periksa KTP-el") < queue.index(verified.number)

    signed.post(url("call_next", desk))
    page = signed.get(url("console", desk)).content.decode()
    assert unverified.number in page and "Periksa KTP-el" in page
    assert "cocokkan NIK dan nama dengan KTP-el" in page
    _post_move(signed, desk, Ticket.objects.get(pk=unverified.pk), "mulai")
    _post_move(signed, desk, Ticket.objects.get(pk=unverified.pk), "selesai")
    signed.post(url("call_next", desk))
    page = signed.get(url("console", desk)).content.decode()
    assert verified.number in page and "Periksa KTP-el" not in page
    assert "cocok dengan Dukcapil" in page


# --- out-of-order calls --------------------------------------------------------------------


def test_calling_out_of_order_needs_a_reason_and_is_flagged(signed, desk):
    first = make_walk_in(desk.service, name="Pertama Satu").ticket
    later = make_walk_in(desk.service, name="Kedua Dua").ticket

    response = signed.post(url("move", desk, later.pk, "panggil"), {"reason": " "}, follow=True)
    assert "Tuliskan alasan memanggil antrean ini di luar urutan" in " ".join(messages_of(response))
    later.refresh_from_db()
    assert later.status == Status.WAITING
    assert not AuditFlag.objects.exists()

    reason = "Warga lansia pingsan, didahulukan"
    later = _post_move(signed, desk, later, "panggil", reason=reason)
    assert later.status == Status.CALLED
    assert _last_event(later).note == reason
    flag = AuditFlag.objects.get(kind=AuditFlag.Kind.OUT_OF_ORDER)
    assert (flag.ticket_id, flag.officer_id, flag.counter_id) == (
        later.pk,
        desk.officer.pk,
        desk.counter.pk,
    )
    assert reason in flag.detail and first.number in flag.detail


def test_the_waiting_list_offers_out_of_order_calls_except_for_the_next(signed, desk):
    tickets = [make_walk_in(desk.service, name=f"Warga Nomor {n}").ticket for n in "ABC"]
    page = signed.get(url("queue", desk)).content.decode()
    assert url("move", desk, tickets[0].pk, "panggil") not in page
    for ticket in tickets[1:]:
        assert url("move", desk, ticket.pk, "panggil") in page
    assert page.index(tickets[0].number) < page.index(tickets[1].number)


# --- check-in and walk-in ------------------------------------------------------------------


def test_check_in_form_puts_a_booking_in_the_queue(signed, desk):
    ticket = booking_now(desk)
    response = signed.post(
        url("check_in", desk),
        {
            "checkin-code": f"{ticket.code[:4]}-{ticket.code[4:].lower()}",
            "checkin-nik_last4": "4321",
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING
    event = _last_event(ticket)
    assert (event.move, event.officer_id, event.counter_id) == (
        "check_in",
        desk.officer.pk,
        desk.counter.pk,
    )
    page = signed.get(response["Location"]).content.decode()
    assert f"Check-in berhasil: {ticket.number}" in page


@pytest.mark.parametrize("where", ["other-agency", "other-office"])
def test_check_in_of_another_agencys_or_offices_booking_is_forbidden(client, desk, where):
    """Security issue, defect 4: an officer checked in a booking of another office (and of
    another agency) at the console, and the event recorded the wrong counter."""
    if where == "other-agency":
        agency = make_agency(desk.office, code="imigrasi", short_name="Imigrasi")
        service = make_service(agency=agency, name="Paspor", prefix="P")
        make_counter(agency=agency, services=[service], number=9)
        theirs = Desk(desk.office, agency, service, service, desk.counter, desk.officer)
    else:
        theirs = make_desk("mpp-lain")
    ticket = booking_now(theirs)
    client.force_login(desk.officer)
    assert sign(client, desk).status_code == 302
    events = TicketEvent.objects.count()
    response = client.post(
        url("check_in", desk), {"checkin-code": ticket.code, "checkin-nik_last4": "4321"}
    )
    assert response.status_code == 403
    assert "tidak dapat melakukan check-in" in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.arrived_at) == (Status.BOOKED, None)
    assert TicketEvent.objects.count() == events


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"checkin-code": "", "checkin-nik_last4": "4321"}, "Isi kode pemesanan."),
        ({"checkin-nik_last4": "43a1"}, "Isi tepat 4 angka."),
        (
            {"checkin-nik_last4": "9999"},
            "Kode pemesanan atau 4 angka terakhir NIK tidak cocok dengan antrean mana pun.",
        ),
    ],
    ids=["no-code", "not-digits", "wrong-nik"],
)
def test_check_in_errors_show_on_the_form(signed, desk, data, message):
    ticket = booking_now(desk)
    response = signed.post(url("check_in", desk), {"checkin-code": ticket.code, **data})
    assert response.status_code == 422
    assert message in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.BOOKED


def test_walk_in_form_issues_a_ticket_with_the_pact_signed(signed, desk):
    response = signed.post(url("walk_in", desk), walk_in_data(desk, **{"walkin-priority": "anak"}))
    assert response.status_code == 302
    ticket = Ticket.objects.get(service=desk.service)
    assert (ticket.status, ticket.channel, ticket.priority, ticket.name) == (
        Status.WAITING,
        Channel.COUNTER,
        "anak",
        NAME,
    )
    signature = ticket.pact_signature
    assert signature.audience == Audience.CITIZEN
    event = _last_event(ticket)
    assert (event.move, event.officer_id) == ("issue", desk.officer.pk)
    page = signed.get(response["Location"]).content.decode()
    assert f"Antrean langsung {ticket.number} dibuat untuk {ticket.masked_name}" in page
    assert NAME not in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"walkin-pact_agreed": ""},
            "Anda harus menyetujui Pakta Integritas untuk mengambil nomor antrean.",
        ),
        ({"walkin-name": ""}, "Isi nama warga."),
        ({"walkin-name": "12345"}, "Nama harus 2 sampai 100 karakter."),
        (
            {"walkin-pact_sha256": "0" * 64},
            "Pakta Integritas telah diperbarui. Bacalah versi terbaru lalu setujui kembali.",
        ),
    ],
    ids=["no-tick", "no-name", "bad-name", "outdated-pact"],
)
def test_walk_in_errors_show_on_the_form(signed, desk, overrides, message):
    response = signed.post(url("walk_in", desk), walk_in_data(desk, **overrides))
    assert response.status_code == 422
    page = response.content.decode()
    assert 'class="error"' in page
    assert message in page
    assert not Ticket.objects.exists()


def test_walk_in_only_for_the_counters_services(signed, desk):
    elsewhere = make_service(desk.office, prefix="Z")
    response = signed.post(
        url("walk_in", desk), walk_in_data(desk, **{"walkin-service": elsewhere.pk})
    )
    assert response.status_code == 422
    assert not Ticket.objects.exists()


# --- the live queue panel ------------------------------------------------------------------


def _waiting_counts(html: str) -> dict[str, int]:
    rows = re.findall(r'data-service="(\d+)".*?data-waiting="(\d+)"', html, re.S)
    return {service: int(n) for service, n in rows}


def test_queue_fragment_returns_current_counts(signed, desk):
    make_walk_in(desk.service)
    make_walk_in(desk.service, name="Kedua Dua")
    make_walk_in(desk.other, name="Ketiga Tiga")
    response = signed.get(url("queue", desk))
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    counts = _waiting_counts(response.content.decode())
    assert counts == {str(desk.service.pk): 2, str(desk.other.pk): 1}
    assert 'data-waiting-total="3"' in response.content.decode()

    make_walk_in(desk.service, name="Keempat Empat")  # someone else takes a ticket
    counts = _waiting_counts(signed.get(url("queue", desk)).content.decode())
    assert counts[str(desk.service.pk)] == 3
    assert response.headers["Cache-Control"].startswith("max-age=0")


def test_console_includes_the_live_panel_and_its_script(signed, desk):
    page = signed.get(url("console", desk)).content.decode()
    assert f'data-url="{url("queue", desk)}"' in page
    assert "queueing/console.js" in page
    assert "http://" not in page and "https://" not in page  # no external requests


# --- personal data -------------------------------------------------------------------------


def test_no_full_nik_phone_or_name_anywhere_in_the_console(signed, desk):
    booked = booking_now(desk)
    signed.post(url("check_in", desk), {"checkin-code": booked.code, "checkin-nik_last4": "4321"})
    make_walk_in(desk.service, name=NAME)
    signed.post(url("call_next", desk))
    booked.refresh_from_db()
    assert booked.status == Status.CALLED  # the booker on time goes first

    pages = [
        signed.get(url("console", desk)),
        signed.get(url("queue", desk)),
        signed.post(url("check_in", desk), {"checkin-code": booked.code, "checkin-nik_last4": "1"}),
    ]
    for response in pages:
        html = response.content.decode()
        for secret in (NIK, PHONE, PHONE[1:], NAME):
            assert secret not in html, secret
    assert booked.masked_name in pages[0].content.decode()


# --- the survey card after a finish ----------------------------------------------------------


def test_after_finishing_the_console_shows_the_survey_qr_until_the_next_call(signed, desk):
    from antrean.feedback.services import survey_token

    first = make_walk_in(desk.service, name="Pertama Satu").ticket
    make_walk_in(desk.service, name="Kedua Dua")
    signed.post(url("call_next", desk))
    assert "Survei untuk warga ini" not in signed.get(url("console", desk)).content.decode()
    _post_move(signed, desk, first, "mulai")
    _post_move(signed, desk, first, "selesai")
    page = signed.get(url("console", desk)).content.decode()
    card = page.split("data-survey>", 1)[1].split("</section>", 1)[0]
    assert "Survei untuk warga ini" in card and first.number in card
    assert f"/survei/{survey_token(first)}/" in card
    assert "<svg" in card and "Kode QR survei kepuasan" in card
    assert reverse("feedback:tablet", kwargs={"counter_id": desk.counter.pk}) in card
    assert 'style="' not in page
    # The next citizen is called: the card leaves the console (the tablet keeps offering it).
    signed.post(url("call_next", desk))
    assert "Survei untuk warga ini" not in signed.get(url("console", desk)).content.decode()
