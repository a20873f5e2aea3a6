"""The printed ticket: the 80 mm / 58 mm PDF print layouts and the ESC/POS job."""

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

from antrean.display import printing
from antrean.display.tests.fake_printer import FakePrinter, closed_port
from antrean.testing.factories import (
    make_agency,
    make_booking,
    make_office,
    make_service,
    make_slot,
)

pytestmark = pytest.mark.django_db

NIK = "5103014107900123"
PHONE = "081234567890"
NAME = "Ni Made Ayu Lestari"
TOKEN = "tOkEn-rahasia-0123456789abcdefghijklmnop"


@pytest.fixture
def ticket():
    """A booked ticket with a name, NIK and phone: none of them may reach the paper."""
    office = make_office(code="mpp-badung", name="Mal Pelayanan Publik Kabupaten Badung")
    agency = make_agency(
        office,
        short_name="Disdukcapil",
        name="Dinas Kependudukan dan Pencatatan Sipil Kabupaten Badung",
    )
    service = make_service(agency=agency, name="Perekaman dan Pencetakan KTP-el", fee=0)
    result = make_booking(make_slot(service), name=NAME, nik=NIK, whatsapp=PHONE)
    # A fixed arrival, to check the office's zone: 01:41 UTC is 09:41 WITA.
    result.ticket.arrived_at = dt.datetime(2026, 1, 12, 1, 41, tzinfo=dt.UTC)
    return result.ticket


def pdf_text_runs(pdf: bytes):
    """The page and every drawn string with its position, font and size."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append({"text": text.strip(), "x": tm[4], "y": tm[5], "font": font, "size": size})

    page.extract_text(visitor_text=visit)
    return page, runs


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize(("paper", "width"), [(80, 226.77), (58, 164.41)])
def test_the_pdf_is_as_wide_as_the_paper_and_holds_the_ticket(ticket, paper, width):
    pdf = printing.ticket_pdf(printing.ticket_content(ticket, TOKEN), paper=paper)
    page, runs = pdf_text_runs(pdf)
    assert float(page.mediabox.width) == pytest.approx(width, abs=0.01)
    assert float(page.mediabox.height) < 600  # fitted to the ticket, not a sheet

    text = normalised(page.extract_text())
    assert ticket.number in text
    assert "Perekaman dan Pencetakan KTP-el" in text or "Perekaman dan Pencetakan" in text
    assert "GRATIS — jangan memberi imbalan apa pun" in text
    assert "Mal Pelayanan Publik" in text
    assert "Senin, 12 Januari 2026 · 09:41 WITA" in text
    assert f"{ticket.code[:4]}-{ticket.code[4:]}" in text
    assert "Pakta Integritas" in text
    # The big number is big.
    number = next(r for r in runs if r["text"] == ticket.number)
    assert number["size"] >= 30


@pytest.mark.parametrize("paper", [80, 58])
def test_nothing_on_the_pdf_is_cut_off(ticket, paper):
    ticket.service.name = "Penerbitan Surat Keterangan Pindah dan Pindah Datang Antar Provinsi"
    ticket.office.name = "Mal Pelayanan Publik Kabupaten Badung Provinsi Bali (Gedung Utama)"
    pdf = printing.ticket_pdf(printing.ticket_content(ticket, TOKEN), paper=paper)
    page, runs = pdf_text_runs(pdf)
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert len(runs) >= 10
    for run in runs:
        font = run["font"]["/BaseFont"].lstrip("/")
        right = run["x"] + pdfmetrics.stringWidth(run["text"], font, run["size"])
        assert run["x"] >= 2, run
        assert right <= width - 2, run
        assert 2 <= run["y"] <= height - run["size"], run


def test_a_paid_service_shows_its_official_fee(ticket):
    ticket.service.fee = 950000
    pdf = printing.ticket_pdf(printing.ticket_content(ticket, TOKEN))
    text = normalised(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    assert "Biaya resmi Rp 950.000 — jangan memberi imbalan lain" in text
    assert "GRATIS" not in text


def test_the_time_is_the_office_s_own_with_its_zone_label(ticket):
    ticket.office.timezone = "Asia/Jakarta"
    content = printing.ticket_content(ticket, TOKEN)
    assert content.issued_at == "Senin, 12 Januari 2026 · 08:41 WIB"


def test_the_qr_leads_to_the_live_status_page_with_the_ticket_s_token(ticket, settings):
    settings.SITE_URL = "https://antrean.badungkab.go.id"
    content = printing.ticket_content(ticket, TOKEN)
    assert content.status_url == (
        f"https://antrean.badungkab.go.id/antrean/{ticket.code}/status/?t={TOKEN}"
    )
    assert content.status_url.encode() not in printing.ticket_escpos_bytes(content)  # an image


@pytest.mark.parametrize("paper", [80, 58])
def test_no_personal_data_on_the_ticket(ticket, paper):
    content = printing.ticket_content(ticket, TOKEN)
    pdf_text = PdfReader(io.BytesIO(printing.ticket_pdf(content, paper=paper))).pages[0]
    text = normalised(pdf_text.extract_text())
    job = printing.ticket_escpos_bytes(content, paper=paper)
    for secret in (NIK, NIK[-4:], PHONE, PHONE[-4:], NAME, "Ayu", ticket.masked_nik):
        assert secret not in text
        assert secret.encode() not in job


@pytest.mark.parametrize("paper", [80, 58])
def test_the_escpos_job(ticket, paper):
    job = printing.ticket_escpos_bytes(printing.ticket_content(ticket, TOKEN), paper=paper)
    assert job.startswith(b"\x1b@")  # ESC @: initialise the printer
    assert job.endswith(b"\x1dV\x00")  # GS V 0: full cut, last
    assert ticket.number.encode() in job
    assert b"GRATIS - jangan memberi imbalan apa pun" in job.replace(b"\n", b" ")
    assert b"09:41 WITA" in job
    assert b"\x1dv0" in job  # GS v 0: the QR as a raster image
    columns = printing.COLUMNS[paper]
    text_lines = re.findall(rb"\n([ -~]{8,})(?=\n)", job)
    assert text_lines
    assert all(len(line) <= columns for line in text_lines)


def test_printing_sends_the_job_to_the_network_printer(ticket):
    content = printing.ticket_content(ticket, TOKEN)
    printer = FakePrinter()
    try:
        printing.ticket_print(content, host=printer.host, port=printer.port, paper=58)
        assert printer.wait_for_job() == printing.ticket_escpos_bytes(content, paper=58)
    finally:
        printer.close()


def test_a_printer_that_is_down_raises(ticket):
    content = printing.ticket_content(ticket, TOKEN)
    with pytest.raises(printing.PrinterUnavailable):
        printing.ticket_print(content, host="127.0.0.1", port=closed_port(), timeout=1)
