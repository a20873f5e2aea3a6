"""The kiosk: registered devices, the walk-in with the pact, printing or taking the ticket on
screen (nothing is issued before), and checking an online booking in."""

import datetime as dt
import hashlib
import io
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone

from antrean.core.personal_data import decrypt
from antrean.display import kiosk_views, printing
from antrean.display.kiosk import (
    kiosk_authenticate,
    kiosk_register,
    kiosk_token_rotate,
)
from antrean.display.models import Kiosk
from antrean.display.tests.fake_printer import FakePrinter, closed_port
from antrean.integrity.models import Certificate, PactSignature
from antrean.integrity.services import pact_in_force
from antrean.queueing.models import Ticket, TicketSequence
from antrean.queueing.services import CHECKIN_ATTEMPTS
from antrean.queueing.states import Status
from antrean.tenancy.models import Membership, OpeningHours
from antrean.testing.factories import (
    make_agency,
    make_booking,
    make_nik,
    make_office,
    make_service,
    make_slot,
)
from antrean.testing.signin import sign_in

pytestmark = pytest.mark.django_db

NAME = "Ni Luh Putu Sari"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Printer-down flags, check-in attempts and issue nonces are keyed by kiosk id, which
    # SQLite reuses after a rollback.
    cache.clear()
    yield
    cache.clear()


def open_all_day(office):
    """Walk-ins are refused outside opening hours: tests run at any hour of the day."""
    OpeningHours.objects.filter(office=office).delete()
    OpeningHours.objects.bulk_create(
        [
            OpeningHours(
                office=office, weekday=d, opens=dt.time(0), closes=dt.time(23, 59, 59, 999999)
            )
            for d in range(7)
        ]
    )
    return office


@pytest.fixture
def office():
    return open_all_day(make_office(code="mpp-uji", name="Mal Pelayanan Publik Uji"))


@pytest.fixture
def service(office):
    agency = make_agency(office, short_name="Disdukcapil", name="Dinas Kependudukan Uji")
    return make_service(
        agency=agency,
        name="Perekaman KTP-el",
        prefix="A",
        fee=0,
        requirements="Kartu Keluarga asli\nSurat pengantar desa",
        walkin_daily_quota=50,
    )


@pytest.fixture
def printer():
    fake = FakePrinter()
    yield fake
    fake.close()


def enrol(client, office, **fields):
    """Register a kiosk and open its setup address in `client`, as staff would."""
    kiosk, token = kiosk_register(office=office, name=fields.pop("name", "Lobi 1"), **fields)
    response = client.get(f"/kiosk/{office.code}/?device={token}")
    assert response.status_code == 302
    return kiosk, token


def walk_to_preview(client, office, service, *, priority=""):
    base = f"/kiosk/{office.code}"
    pact = client.get(f"{base}/layanan/{service.pk}/pakta/")
    assert pact.status_code == 200
    rendering = pact_in_force(office=office)
    response = client.post(
        f"{base}/layanan/{service.pk}/pakta/",
        {"pact_version": rendering.pact.version, "pact_sha256": rendering.sha256},
    )
    assert response.status_code == 302, response.content
    assert response["Location"] == f"{base}/layanan/{service.pk}/nama/"
    response = client.post(response["Location"], {"name": NAME, "priority": priority})
    assert response.status_code == 302, response.content
    assert response["Location"] == f"{base}/pratinjau/"
    return response["Location"]


def issued_token(client) -> str:
    sealed = client.session[kiosk_views.ISSUED_KEY]["sealed"]
    return json.loads(decrypt(sealed, purpose=kiosk_views.SEAL_PURPOSE))["token"]


def nothing_issued(service) -> bool:
    return (
        not Ticket.objects.exists()
        and not PactSignature.objects.filter(ticket__isnull=False).exists()
        and not Certificate.objects.exists()
        and not TicketSequence.objects.filter(service=service, last__gt=0).exists()
    )


# --- devices ---------------------------------------------------------------------------------


def test_registering_returns_the_token_once_and_stores_only_its_hash(office):
    kiosk, token = kiosk_register(office=office, name="Lobi 1", printer_host="192.0.2.40")
    kiosk.refresh_from_db()
    assert len(token) >= 40
    assert kiosk.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {
        str(v) for v in Kiosk.objects.filter(pk=kiosk.pk).values().first().values()
    }
    assert kiosk_authenticate(token) == kiosk
    assert kiosk_authenticate(token + "x") is None
    assert kiosk_authenticate("") is None


def test_first_visit_keeps_the_token_in_a_strict_cookie_and_cleans_the_address(client, office):
    kiosk, token = kiosk_register(office=office, name="Lobi 1")
    response = client.get(f"/kiosk/{office.code}/?device={token}")
    assert response.status_code == 302
    assert response["Location"] == f"/kiosk/{office.code}/"  # the token leaves the URL
    cookie = response.cookies[kiosk_views.DEVICE_COOKIE]
    assert cookie.value == token
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/kiosk/"
    assert int(cookie["max-age"]) >= 365 * 24 * 3600

    home = client.get(f"/kiosk/{office.code}/")
    assert home.status_code == 200
    assert "Ambil nomor antrean" in home.content.decode()
    assert "Saya sudah pesan daring" in home.content.decode()
    kiosk.refresh_from_db()
    assert kiosk.last_seen_at is not None


@pytest.mark.parametrize(
    "path",
    ["", "ambil/", "layanan/1/pakta/", "layanan/1/nama/", "pratinjau/", "check-in/",
     "tiket/ABCD2345/", "tiket/ABCD2345/cetak.pdf"],
)  # fmt: skip
def test_every_kiosk_page_needs_a_registered_device(client, office, path):
    response = client.get(f"/kiosk/{office.code}/{path}")
    assert response.status_code == 403
    assert "Perangkat belum terdaftar" in response.content.decode()


def test_an_unknown_token_is_refused_and_not_kept(client, office):
    kiosk_register(office=office, name="Lobi 1")
    response = client.get(f"/kiosk/{office.code}/?device=tebakan-acak")
    assert response.status_code == 403
    assert "Perangkat belum terdaftar" in response.content.decode()
    assert kiosk_views.DEVICE_COOKIE not in response.cookies


def test_a_kiosk_works_only_for_its_own_office(client, office, service):
    other = open_all_day(make_office(code="mpp-lain"))
    _, token = kiosk_register(office=other, name="Lobi lain")
    assert client.get(f"/kiosk/{office.code}/?device={token}").status_code == 403
    # Enrolled at its own office, the cookie still opens nothing at this one.
    assert client.get(f"/kiosk/{other.code}/?device={token}").status_code == 302
    assert client.get(f"/kiosk/{other.code}/").status_code == 200
    assert client.get(f"/kiosk/{office.code}/").status_code == 403
    assert client.get(f"/kiosk/{office.code}/layanan/{service.pk}/pakta/").status_code == 403


def test_revoking_a_kiosk_stops_it_at_the_next_request(client, office, service):
    kiosk, _ = enrol(client, office)
    assert client.get(f"/kiosk/{office.code}/ambil/").status_code in (200, 302)
    Kiosk.objects.filter(pk=kiosk.pk).update(is_active=False)
    response = client.get(f"/kiosk/{office.code}/ambil/")
    assert response.status_code == 403
    assert client.get(f"/kiosk/{office.code}/").status_code == 403


def test_a_new_token_retires_the_old_one(client, office):
    kiosk, old = enrol(client, office)
    new = kiosk_token_rotate(kiosk=kiosk)
    assert client.get(f"/kiosk/{office.code}/").status_code == 403
    assert kiosk_authenticate(old) is None
    assert kiosk_authenticate(new) == kiosk


def test_kiosk_register_command_prints_the_setup_address_once(office, settings):
    settings.SITE_URL = "https://antrean.example.go.id"
    out = io.StringIO()
    call_command(
        "kiosk_register",
        "--office", office.code, "--name", "Lobi 2", "--printer", "192.0.2.41:9101",
        "--paper", "58", stdout=out,
    )  # fmt: skip
    url = re.search(
        r"https://antrean\.example\.go\.id/kiosk/mpp-uji/\?device=(\S+)", out.getvalue()
    )
    assert url, out.getvalue()
    kiosk = kiosk_authenticate(url.group(1))
    assert (kiosk.name, kiosk.printer_host, kiosk.printer_port, kiosk.paper) == (
        "Lobi 2", "192.0.2.41", 9101, 58,
    )  # fmt: skip
    with pytest.raises(CommandError):
        call_command("kiosk_register", "--office", "tidak-ada", "--name", "X", stdout=out)


# --- walk-in ---------------------------------------------------------------------------------


def test_the_choice_shows_agencies_then_services_with_fee_and_requirements(client, office, service):
    paid = make_service(
        agency=make_agency(office, short_name="Imigrasi"), name="Paspor", prefix="P", fee=950000
    )
    enrol(client, office)
    agencies = client.get(f"/kiosk/{office.code}/ambil/").content.decode()
    assert "Disdukcapil" in agencies and "Imigrasi" in agencies
    page = client.get(f"/kiosk/{office.code}/ambil/{service.agency_id}/").content.decode()
    assert "Perekaman KTP-el" in page
    assert "GRATIS" in page
    assert "Kartu Keluarga asli" in page and "Surat pengantar desa" in page
    page = client.get(f"/kiosk/{office.code}/ambil/{paid.agency_id}/").content.decode()
    assert "Paspor" in page and "Rp 950.000" in page


def test_the_pact_is_shown_in_full_with_its_version_and_hash(client, office, service):
    enrol(client, office)
    page = client.get(f"/kiosk/{office.code}/layanan/{service.pk}/pakta/").content.decode()
    rendering = pact_in_force(office=office)
    for line in rendering.text.splitlines():
        line = re.sub(r"^\d+\.\s+", "", line.strip())
        if line:
            assert line.replace('"', "&quot;").replace("'", "&#x27;") in page
    assert f'name="pact_sha256" value="{rendering.sha256}"' in page
    assert f'name="pact_version" value="{rendering.pact.version}"' in page
    assert "Saya setuju" in page


def test_the_name_step_needs_the_pact_first(client, office, service):
    enrol(client, office)
    response = client.get(f"/kiosk/{office.code}/layanan/{service.pk}/nama/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/layanan/{service.pk}/pakta/")
    response = client.post(f"/kiosk/{office.code}/layanan/{service.pk}/nama/", {"name": NAME})
    assert response.status_code == 302
    assert nothing_issued(service)


def test_an_outdated_pact_is_refused(client, office, service):
    enrol(client, office)
    response = client.post(
        f"/kiosk/{office.code}/layanan/{service.pk}/pakta/",
        {"pact_version": 1, "pact_sha256": "0" * 64},
    )
    assert response.status_code == 422
    assert "Pakta Integritas telah diperbarui" in response.content.decode()
    assert kiosk_views.PACT_KEY not in client.session


def test_the_preview_creates_nothing_until_the_citizen_chooses(client, office, service):
    enrol(client, office)
    preview = walk_to_preview(client, office, service, priority="lansia")
    page = client.get(preview).content.decode()
    assert NAME in page
    assert "Lansia" in page
    assert "GRATIS — jangan memberi imbalan apa pun" in page
    assert "Ambil di layar" in page
    assert "Cetak tiket" not in page  # this kiosk has no printer
    assert nothing_issued(service)
    # The name waits sealed in the kiosk's session, never in clear.
    assert NAME not in json.dumps(dict(client.session.items()))

    # Going home (or the inactivity reset) drops it; nothing was ever issued.
    client.get(f"/kiosk/{office.code}/")
    assert kiosk_views.PREVIEW_KEY not in client.session
    response = client.post(preview, {"action": "screen"})
    assert response.status_code == 302
    assert response["Location"] == f"/kiosk/{office.code}/"
    assert nothing_issued(service)


def test_taking_the_ticket_on_screen_issues_it_with_the_pact_signed(client, office, service):
    enrol(client, office)
    preview = walk_to_preview(client, office, service, priority="lansia")
    response = client.post(preview, {"action": "screen"}, HTTP_USER_AGENT="Kiosk/1.0")
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/kiosk/{office.code}/tiket/{ticket.code}/"
    assert (ticket.status, ticket.channel, ticket.priority, ticket.number) == (
        Status.WAITING, "kiosk", "lansia", "A-001",
    )  # fmt: skip
    assert ticket.name == NAME
    signature = PactSignature.objects.get(ticket=ticket)
    rendering = pact_in_force(office=office)
    assert (signature.channel, signature.pact_version, signature.pact_sha256) == (
        "kiosk", rendering.pact.version, rendering.sha256,
    )  # fmt: skip
    assert signature.user_agent == "Kiosk/1.0"
    assert signature.ledger_seq is not None and len(signature.entry_hash) == 64
    assert Certificate.objects.filter(signature=signature).exists()

    # The token behind the QR is the ticket's own, and it is kept sealed.
    token = issued_token(client)
    assert hashlib.sha256(token.encode()).hexdigest() == ticket.token_hash
    assert token not in json.dumps(dict(client.session.items()))

    page = client.get(response["Location"]).content.decode()
    assert "A-001" in page and "Perekaman KTP-el" in page
    assert "GRATIS — jangan memberi imbalan apa pun" in page
    assert ticket.code[:4] + "-" + ticket.code[4:] in page
    assert "<svg" in page  # the QR to the live status page
    assert "Cetak tiket" in page  # no printer: the browser prints the PDF
    assert NAME not in page

    # Submitting the same preview again issues nothing more.
    again = client.post(preview, {"action": "screen"})
    assert again.status_code == 302
    assert Ticket.objects.count() == 1


def test_the_on_screen_ticket_carries_the_survey_qr_as_the_printed_one(client, office, service):
    from antrean.feedback.models import SurveyInvitation
    from antrean.feedback.services import survey_token, survey_url

    enrol(client, office)
    response = client.post(walk_to_preview(client, office, service), {"action": "screen"})
    ticket = Ticket.objects.get()
    page = client.get(response["Location"]).content.decode()
    survey = printing.status_qr_svg(survey_url(survey_token(ticket)), "Kode QR survei kepuasan")
    assert survey in page  # the very QR of the ticket's survey link
    assert "Survei kepuasan setelah dilayani" in page
    assert page.count("<svg") == 2  # and the status QR above it
    # Showing the link made the invitation; it opens only when the ticket is done.
    assert SurveyInvitation.objects.get(ticket=ticket).expires_at is None


def test_the_on_screen_ticket_is_gone_after_returning_home(client, office, service):
    enrol(client, office)
    response = client.post(walk_to_preview(client, office, service), {"action": "screen"})
    ticket_url = response["Location"]
    code = Ticket.objects.get().code
    assert client.get(ticket_url).status_code == 200
    client.get(f"/kiosk/{office.code}/")  # the next citizen
    assert client.get(ticket_url)["Location"] == f"/kiosk/{office.code}/"
    assert client.get(f"/kiosk/{office.code}/tiket/{code}/cetak.pdf").status_code == 404


def test_the_browser_print_pdf_is_the_ticket_just_issued_on_80_mm(client, office, service):
    enrol(client, office)
    client.post(walk_to_preview(client, office, service), {"action": "screen"})
    ticket = Ticket.objects.get()
    response = client.get(f"/kiosk/{office.code}/tiket/{ticket.code}/cetak.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Frame-Options"] == "SAMEORIGIN"  # printed from a hidden frame
    assert "frame-ancestors 'self';" in response["Content-Security-Policy"] + ";"
    from pypdf import PdfReader

    page = PdfReader(io.BytesIO(response.content)).pages[0]
    assert float(page.mediabox.width) == pytest.approx(226.77, abs=0.01)
    assert "A-001" in page.extract_text()


def test_printing_issues_the_ticket_and_sends_the_escpos_job(client, office, service, printer):
    enrol(client, office, printer_host=printer.host, printer_port=printer.port)
    preview = walk_to_preview(client, office, service)
    assert "Cetak tiket" in client.get(preview).content.decode()
    response = client.post(preview, {"action": "print"})
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/kiosk/{office.code}/tiket/{ticket.code}/"
    job = printer.wait_for_job()
    assert job.startswith(b"\x1b@")  # ESC @: initialise
    assert b"A-001" in job
    assert b"GRATIS - jangan memberi imbalan apa pun" in job
    assert b"Perekaman KTP-el" in job
    assert b"\x1dV\x00" in job  # GS V 0: full cut
    assert NAME.encode() not in job
    assert PactSignature.objects.get(ticket=ticket).channel == "kiosk"
    page = client.get(response["Location"]).content.decode()
    assert "Tiket Anda sudah dicetak" in page
    assert "cetak.pdf" not in page  # printed already, no browser printing offered


def test_a_printer_that_is_down_issues_nothing_and_keeps_the_number(client, office, service):
    enrol(client, office, printer_host="127.0.0.1", printer_port=closed_port())
    preview = walk_to_preview(client, office, service)
    response = client.post(preview, {"action": "print"})
    assert response.status_code == 302
    assert response["Location"] == preview
    assert nothing_issued(service)

    page = client.get(preview).content.decode()
    assert "Tiket tidak dapat dicetak" in page
    assert "minta bantuan petugas" in page
    assert "Cetak tiket" not in page  # the failed printer is not offered again for a while
    # The same citizen takes it on screen: the number was never used, so it is A-001.
    response = client.post(preview, {"action": "screen"})
    ticket = Ticket.objects.get()
    assert ticket.number == "A-001"
    assert response["Location"] == f"/kiosk/{office.code}/tiket/{ticket.code}/"


def test_a_kiosk_without_printer_cannot_be_made_to_print(client, office, service):
    enrol(client, office)
    response = client.post(walk_to_preview(client, office, service), {"action": "print"})
    assert response["Location"] == f"/kiosk/{office.code}/"
    assert nothing_issued(service)


def test_a_bad_name_is_shown_beside_the_field(client, office, service):
    enrol(client, office)
    rendering = pact_in_force(office=office)
    client.post(
        f"/kiosk/{office.code}/layanan/{service.pk}/pakta/",
        {"pact_version": rendering.pact.version, "pact_sha256": rendering.sha256},
    )
    response = client.post(
        f"/kiosk/{office.code}/layanan/{service.pk}/nama/", {"name": "", "priority": ""}
    )
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.content.decode()
    assert kiosk_views.PREVIEW_KEY not in client.session


def test_no_walk_in_outside_opening_hours(client, service):
    office = service.office
    OpeningHours.objects.filter(office=office).delete()  # closed every day
    enrol(client, office)
    rendering = pact_in_force(office=office)
    client.post(
        f"/kiosk/{office.code}/layanan/{service.pk}/pakta/",
        {"pact_version": rendering.pact.version, "pact_sha256": rendering.sha256},
    )
    response = client.post(f"/kiosk/{office.code}/layanan/{service.pk}/nama/", {"name": NAME})
    assert response.status_code == 422
    assert "Kantor tutup" in response.content.decode()
    assert nothing_issued(service)


def test_no_walk_in_when_the_quota_is_used_up(client, office, service):
    service.walkin_daily_quota = 0
    service.save(update_fields=["walkin_daily_quota"])
    enrol(client, office)
    rendering = pact_in_force(office=office)
    client.post(
        f"/kiosk/{office.code}/layanan/{service.pk}/pakta/",
        {"pact_version": rendering.pact.version, "pact_sha256": rendering.sha256},
    )
    response = client.post(f"/kiosk/{office.code}/layanan/{service.pk}/nama/", {"name": NAME})
    assert response.status_code == 409
    assert "Kuota antrean langsung" in response.content.decode()


# --- check-in --------------------------------------------------------------------------------


def slot_now(service):
    """A slot of today that started a few minutes ago: its check-in window is open."""
    office = service.office
    local = office.local_now()
    start = max(local - dt.timedelta(minutes=5), local.replace(hour=0, minute=0, second=0))
    end = min(start + dt.timedelta(minutes=60), local.replace(hour=23, minute=59, second=59))
    return make_slot(
        service, date=local.date(), start=start.time().replace(microsecond=0),
        end=end.time().replace(microsecond=0),
    )  # fmt: skip


def test_check_in_with_code_and_the_last_four_nik_digits(client, office, service):
    nik = make_nik(4821)
    booked = make_booking(slot_now(service), nik=nik).ticket
    enrol(client, office)
    code = f"{booked.code[:4].lower()}-{booked.code[4:]}"  # as typed
    response = client.post(f"/kiosk/{office.code}/check-in/", {"code": code, "nik_last4": nik[-4:]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Check-in berhasil" in page
    assert booked.number in page
    assert "0 orang di depan Anda" in page
    booked.refresh_from_db()
    assert booked.status == Status.WAITING
    assert nik not in page and booked.name not in page


def test_check_in_from_a_scanned_status_address(client, office, service):
    nik = make_nik(4822)
    booked = make_booking(slot_now(service), nik=nik).ticket
    enrol(client, office)
    # A handheld scanner types whatever the QR holds; a status address works too.
    scanned = f"https://antrean.example.go.id/antrean/{booked.code}/status/"
    response = client.post(
        f"/kiosk/{office.code}/check-in/", {"code": scanned, "nik_last4": nik[-4:]}
    )
    assert response.status_code == 200
    booked.refresh_from_db()
    assert booked.status == Status.WAITING


def test_check_in_with_wrong_digits_is_refused(client, office, service):
    nik = make_nik(4823)
    booked = make_booking(slot_now(service), nik=nik).ticket
    enrol(client, office)
    response = client.post(
        f"/kiosk/{office.code}/check-in/", {"code": booked.code, "nik_last4": "0000"}
    )
    assert response.status_code == 422
    assert "tidak cocok" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == Status.BOOKED


def test_check_in_too_early_is_refused(client, office, service):
    nik = make_nik(4824)
    booked = make_booking(make_slot(service), nik=nik).ticket  # tomorrow
    enrol(client, office)
    response = client.post(
        f"/kiosk/{office.code}/check-in/", {"code": booked.code, "nik_last4": nik[-4:]}
    )
    assert response.status_code == 422
    assert "Check-in belum dibuka" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == Status.BOOKED


def test_a_booking_of_another_office_is_refused_like_a_wrong_code(client, office, service):
    other = open_all_day(make_office(code="mpp-lain"))
    nik = make_nik(4825)
    booked = make_booking(slot_now(make_service(other)), nik=nik).ticket
    enrol(client, office)
    response = client.post(
        f"/kiosk/{office.code}/check-in/", {"code": booked.code, "nik_last4": nik[-4:]}
    )
    assert response.status_code == 422
    assert "tidak cocok" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == Status.BOOKED


def test_guessing_the_digits_stops_after_a_few_tries(client, office, service):
    nik = make_nik(4826)
    booked = make_booking(slot_now(service), nik=nik).ticket
    enrol(client, office)
    wrong = [f"{n:04d}" for n in range(CHECKIN_ATTEMPTS)]
    assert nik[-4:] not in wrong
    for digits in wrong:
        client.post(f"/kiosk/{office.code}/check-in/", {"code": booked.code, "nik_last4": digits})
    response = client.post(
        f"/kiosk/{office.code}/check-in/", {"code": booked.code, "nik_last4": nik[-4:]}
    )
    assert response.status_code == 429
    assert "minta bantuan petugas" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == Status.BOOKED


# --- admin -----------------------------------------------------------------------------------


def test_admin_registers_a_kiosk_and_shows_its_address_once(client, office):
    admin = get_user_model().objects.create_superuser("admin", password="rahasia-panjang-1")
    sign_in(client, admin)
    response = client.post(
        "/admin/display/kiosk/add/",
        {"office": office.pk, "name": "Lobi 3", "printer_host": "", "printer_port": 9100,
         "paper": 80, "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 200, response.content
    match = re.search(r"/kiosk/mpp-uji/\?device=([\w-]+)", response.content.decode())
    assert match
    kiosk = kiosk_authenticate(match.group(1))
    assert kiosk is not None and kiosk.name == "Lobi 3"
    # The list never shows it again.
    listing = client.get("/admin/display/kiosk/").content.decode()
    assert match.group(1) not in listing

    # A new token retires the old one.
    response = client.post(
        "/admin/display/kiosk/",
        {"action": "new_token", "_selected_action": [kiosk.pk]},
    )
    new = re.search(r"/kiosk/mpp-uji/\?device=([\w-]+)", response.content.decode()).group(1)
    assert kiosk_authenticate(match.group(1)) is None
    assert kiosk_authenticate(new) == kiosk


def test_an_office_admin_sees_only_the_kiosks_of_their_office(client, office):
    other = make_office(code="mpp-lain")
    kiosk_register(office=office, name="Lobi sini")
    kiosk_register(office=other, name="Lobi sana")
    user = get_user_model().objects.create_user("admin-kantor", password=None, is_staff=True)
    Membership.objects.create(user=user, role=Membership.Role.OFFICE_ADMIN, office=office)
    sign_in(client, user)
    listing = client.get("/admin/display/kiosk/").content.decode()
    assert "Lobi sini" in listing
    assert "Lobi sana" not in listing


def test_last_seen_is_written_at_most_once_a_minute(client, office):
    kiosk, _ = enrol(client, office)
    kiosk.refresh_from_db()
    first = kiosk.last_seen_at
    client.get(f"/kiosk/{office.code}/check-in/")
    kiosk.refresh_from_db()
    assert kiosk.last_seen_at == first
    Kiosk.objects.filter(pk=kiosk.pk).update(last_seen_at=timezone.now() - dt.timedelta(minutes=2))
    client.get(f"/kiosk/{office.code}/check-in/")
    kiosk.refresh_from_db()
    assert kiosk.last_seen_at > first


def test_the_check_in_page_alone_may_use_the_camera(client, office):
    # It reads the booking's QR code with the camera where the browser can; no other page may.
    enrol(client, office)

    check_in = client.get(f"/kiosk/{office.code}/check-in/")
    home = client.get(f"/kiosk/{office.code}/")

    assert check_in.status_code == 200
    assert "camera=(self)" in check_in["Permissions-Policy"]
    assert "microphone=()" in check_in["Permissions-Policy"]
    assert "camera=()" in home["Permissions-Policy"]
