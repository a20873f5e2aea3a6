"""What the piagam says, read back from the signed PDF as any reader's software extracts it.

Bookings are made at fixed instants early in the office's morning, when the UTC date is still
the day before: the number, the dates and the clock must all be the office's local ones.
"""

import datetime as dt
import io

import pytest
import segno
from django.contrib.auth import get_user_model
from django.db import transaction
from pypdf import PdfReader
from pypdf.generic import ContentStream

from antrean.booking.services import booking_create
from antrean.catalog.models import Slot
from antrean.integrity.certificate_pdf import CertificateContent, render_certificate
from antrean.integrity.certificates import certificate_pdf_bytes, certificate_render
from antrean.integrity.models import Audience, Certificate, PactText
from antrean.integrity.services import (
    ClientInfo,
    pact_in_force,
    pact_next_version,
    pact_publish,
    pact_render,
    pact_signature_create,
)
from antrean.integrity.signing import signing_cache_clear
from antrean.testing.factories import (
    booking_request,
    make_agency,
    make_nik,
    make_office,
    make_phone,
    make_service,
    make_slot,
)

pytestmark = pytest.mark.django_db

SITE = "https://antrean.badungkab.go.id"
NIK = "5103010101900001"
MASKED_NIK = "5103********0001"
NAME = "Ni Luh Putu Sekar Wahyuni"
SLOT_DATE = dt.date(2030, 1, 7)  # a Monday


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANTREAN_KEY_DIR = tmp_path / "keys"
    settings.SITE_URL = SITE
    signing_cache_clear()
    yield
    signing_cache_clear()


def badung_service(*, fee=0, zone="Asia/Makassar", code="mpp-badung"):
    office = make_office(
        code=code, name="Mal Pelayanan Publik Kabupaten Badung", timezone_name=zone
    )
    agency = make_agency(office, name="Dinas Kependudukan dan Pencatatan Sipil")
    return make_service(agency=agency, name="Perekaman dan Pencetakan KTP-el", prefix="A", fee=fee)


def book(service, *, local_time=dt.time(7, 5), nik=NIK, name=NAME, n=1) -> Certificate:
    """Book the 09:00 slot of SLOT_DATE at `local_time` that morning, office time."""
    office = service.office
    slot = Slot.objects.filter(service=service, date=SLOT_DATE).first() or make_slot(
        service, date=SLOT_DATE, capacity=20
    )
    now = dt.datetime.combine(SLOT_DATE, local_time, tzinfo=office.zone)
    ticket = booking_create(
        request=booking_request(slot, nik=nik, name=name, whatsapp=make_phone(n)),
        client=ClientInfo(),
        now=now,
    ).ticket
    return Certificate.objects.get(signature__ticket=ticket)


def pdf_of(certificate: Certificate) -> bytes:
    return certificate_pdf_bytes(certificate_render(certificate_id=certificate.pk))


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def flat(text: str) -> str:
    """Whitespace collapsed: line breaks in the PDF depend on the layout, not the content."""
    return " ".join(text.split())


def test_citizen_certificate_prints_every_fact_in_the_office_zone():
    service = badung_service(fee=0)
    certificate = book(service)
    signature = certificate.signature
    pdf = pdf_of(certificate)
    text = text_of(pdf)
    words = flat(text)

    assert "mal pelayanan publik kabupaten badung" in words.casefold()
    assert "Dinas Kependudukan dan Pencatatan Sipil" in words
    assert "PIAGAM PAKTA INTEGRITAS" in words
    # Office code, the local date (07:05 WITA is 23:05 UTC the day before), chain position.
    assert certificate.number == "MPP-BADUNG-20300107-000001"
    assert certificate.number in words and "20300106" not in words
    assert NAME in words
    assert MASKED_NIK in words
    assert NIK not in words and NIK not in words.replace(" ", "")
    assert "A-001" in words
    assert "Perekaman dan Pencetakan KTP-el" in words
    assert "Gratis" in words and "Rp 350" not in words
    assert "Senin, 7 Januari 2030, 09.00–10.00 WITA" in words  # the slot
    assert "Senin, 7 Januari 2030, 07.05 WITA" in words  # when it was signed
    assert "WIB" not in words

    # The full text agreed to, its version and hash, and the chain entry.
    rendering = signature.rendering
    assert flat(rendering.text) in words
    assert rendering.pact.title in words
    assert "Versi pakta 1" in words
    assert signature.pact_sha256 == rendering.sha256 and rendering.sha256 in words
    assert signature.entry_hash and signature.entry_hash in words
    assert "#1" in words
    assert f"{SITE}/v/{certificate.verification_code}" in words
    assert "SP4N-LAPOR" in words

    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_paid_service_in_a_wib_office_shows_the_fee_and_wib():
    service = badung_service(fee=350_000, zone="Asia/Jakarta", code="mpp-jakarta")
    certificate = book(service, local_time=dt.time(6, 30))  # 23:30 UTC the day before
    words = flat(text_of(pdf_of(certificate)))
    assert "Rp 350.000" in words and "Gratis" not in words
    assert "Senin, 7 Januari 2030, 09.00–10.00 WIB" in words
    assert "Senin, 7 Januari 2030, 06.30 WIB" in words
    assert "WITA" not in words
    assert certificate.number == "MPP-JAKARTA-20300107-000001"


def test_certificate_keeps_the_text_agreed_to_after_a_new_version_is_published():
    service = badung_service()
    office = service.office
    old = book(service)
    v1 = old.signature.rendering

    v2 = PactText.objects.create(
        office=None,
        audience=Audience.CITIZEN,
        version=pact_next_version(office=None, audience=Audience.CITIZEN),
        title="Pakta Integritas Pengguna Layanan",
        body="Saya berjanji pada {kantor} untuk tidak memberi imbalan apa pun (versi kedua).",
    )
    pact_publish(pact=v2, by=None)
    assert pact_in_force(office=office).pact == v2

    words = flat(text_of(pdf_of(old)))  # rendered only now, after v2 came into force
    assert flat(v1.text) in words
    assert "versi kedua" not in words
    assert f"Versi pakta {v1.pact.version}" in words and v1.sha256 in words

    new = book(service, nik=make_nik(2), n=2)
    new_words = flat(text_of(pdf_of(new)))
    assert (
        "Saya berjanji pada Mal Pelayanan Publik Kabupaten Badung untuk tidak memberi imbalan "
        "apa pun (versi kedua)." in new_words
    )
    assert f"Versi pakta {v2.version}" in new_words
    assert new.signature.pact_sha256 in new_words and v1.sha256 not in new_words
    assert new.number.endswith("-000002")


def _qr_matrix(pdf: bytes) -> list[list[bool]]:
    """The QR code as drawn: the longest run of filled rectangles in the page content."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    runs, current = [], []
    for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
        if operator == b"re":
            current.append([float(v) for v in operands])
        elif operator in (b"f", b"f*", b"n", b"S", b"B", b"b"):
            runs.append(current)
            current = []
    rects = max(runs, key=len)
    cell = min(h for _x, _y, _w, h in rects)
    left = min(x for x, _y, _w, _h in rects)
    top = max(y + h for _x, y, _w, h in rects)
    size = round((max(x + w for x, _y, w, _h in rects) - left) / cell)
    matrix = [[False] * size for _ in range(size)]
    for x, y, w, h in rects:
        row = round((top - y - h) / cell)
        first = round((x - left) / cell)
        for col in range(first, first + round(w / cell)):
            matrix[row][col] = True
    return matrix


def _qr_holds(matrix: list[list[bool]], data: str) -> bool:
    """Whether `matrix` encodes exactly `data`, at any error level and mask."""
    for error in "LMQH":
        for mask in range(8):
            qr = segno.make(data, error=error, mask=mask, micro=False, boost_error=False)
            if [[bool(v) for v in row] for row in qr.matrix] == matrix:
                return True
    return False


def test_qr_code_holds_the_verification_url_and_nothing_else():
    certificate = book(badung_service())
    matrix = _qr_matrix(pdf_of(certificate))
    url = f"{SITE}/v/{certificate.verification_code}"
    assert _qr_holds(matrix, url)
    assert not _qr_holds(matrix, url + "?nik=" + NIK)
    assert not _qr_holds(matrix, f"{SITE}/v/{certificate.number}")


def test_officer_certificate_names_the_officer_and_no_nik():
    office = make_office(code="mpp-badung", name="Mal Pelayanan Publik Kabupaten Badung")
    officer = get_user_model().objects.create_user(
        username="wayan.petugas", first_name="I Wayan", last_name="Sudarsana"
    )
    rendering = pact_in_force(office=office, audience=Audience.OFFICER)
    with transaction.atomic():
        signature = pact_signature_create(
            rendering=rendering,
            office=office,
            client=ClientInfo(channel="counter"),
            officer=officer,
        )
    words = flat(text_of(pdf_of(signature.certificate)))
    assert "PIAGAM PAKTA INTEGRITAS" in words and "Petugas Pelayanan" in words
    assert "I Wayan Sudarsana" in words and "wayan.petugas" in words
    assert "NIK" not in words
    assert flat(rendering.text) in words
    assert signature.entry_hash in words


def _runs(pdf: bytes) -> list[tuple[str, float, float]]:
    """Each piece of text with where it starts on the page (x, y in points)."""
    runs = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            runs.append((text.strip(), tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return runs


def test_long_names_and_a_long_pledge_stay_on_the_page_in_full():
    # Real names at their longest: a 63-letter office, a 97-letter agency, a 100-letter name
    # (the most a booking accepts), and an office's own pledge of eight long points.
    office = make_office(
        code="mpp-sitaro", name="Mal Pelayanan Publik Kabupaten Kepulauan Siau Tagulandang Biaro"
    )
    agency = make_agency(
        office,
        name="Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kabupaten Kepulauan Siau "
        "Tagulandang Biaro",
    )
    service = make_service(
        agency=agency,
        name="Penerbitan Kartu Identitas Anak dan Perubahan Data Kartu Keluarga karena "
        "Perpindahan Penduduk",
    )
    points = "\n".join(
        f"{i}. Tidak akan memberi, menjanjikan, atau menawarkan uang, barang, jasa, hadiah, atau "
        f"imbalan dalam bentuk apa pun kepada petugas di luar biaya resmi (butir {i})."
        for i in range(1, 9)
    )
    pact = PactText.objects.create(
        office=office,
        audience=Audience.CITIZEN,
        version=1,
        title="Pakta Integritas Pengguna Layanan",
        body="Saya yang namanya tercantum di bawah ini menyatakan bahwa saya:\n" + points,
    )
    pact_publish(pact=pact, by=None)
    name = ("Anak Agung Ngurah Gede Putra Wiranata Kusuma Dewi Sartika Maharani " * 2)[:100]
    pdf = pdf_of(book(service, name=name.strip()))

    words = flat(text_of(pdf))  # one page
    assert name.strip() in words
    assert office.name.casefold() in words.casefold()
    assert agency.name in words and service.name in words
    assert flat(pact_render(pact=pact, office=office, agency=agency)) in words

    runs = _runs(pdf)
    width = 595
    for text, x, _y in runs:
        assert 27 <= x < width - 27, (text, x)  # nothing starts outside the frame
    proof = next(y for text, _x, y in runs if text.startswith("Bukti keaslian"))
    pledge = [y for text, _x, y in runs if "butir" in text or text.startswith("8.")]
    assert pledge and min(pledge) > proof + 10  # the pledge ends above the proof block
    footer = max(y for text, _x, y in runs if "SP4N-LAPOR" in text)
    assert proof > footer


def test_renderer_is_pure_and_writes_a_pdf_from_content_alone():
    content = CertificateContent(
        office_name="Kantor Uji",
        agency_name="Instansi Uji",
        certificate_number="KANTOR-UJI-20300107-000042",
        audience_label="Pengguna Layanan",
        signer_name="Made Uji",
        signer_id_label="NIK",
        signer_id=MASKED_NIK,
        facts=(("Nomor antrean", "B-042"),),
        pact_title="Pakta",
        pact_text="Paragraf pembuka.\n1. Butir pertama.\n\n2. Butir kedua.",
        pact_version=3,
        pact_sha256="a" * 64,
        ledger_seq=42,
        ledger_hash="b" * 64,
        verify_url="https://contoh.go.id/v/ABC",
        signed_by="Ditandatangani secara elektronik oleh Kantor Uji",
        report_note="Laporkan ke SP4N-LAPOR!",
    )
    pdf = render_certificate(content)
    words = flat(text_of(pdf))
    for expected in (
        "KANTOR-UJI-20300107-000042",
        "B-042",
        "Paragraf pembuka.",
        "Butir pertama.",
        "Butir kedua.",
        "Versi pakta 3",
        "a" * 64,
        "b" * 64,
        "#42",
        "https://contoh.go.id/v/ABC",
    ):
        assert expected in words, expected
    assert _qr_holds(_qr_matrix(pdf), "https://contoh.go.id/v/ABC")
    assert b"/ByteRange" not in pdf  # signing is another step


def test_certificate_numbers_count_per_office_chain():
    # Two offices booked on the same day each start their numbers at 000001.
    first = book(badung_service())
    other = book(badung_service(code="mpp-denpasar"), nik=make_nik(3), n=3)
    assert first.number == "MPP-BADUNG-20300107-000001"
    assert other.number == "MPP-DENPASAR-20300107-000001"
    assert first.verification_code != other.verification_code
