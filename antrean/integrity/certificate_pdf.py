"""The piagam as a one-page A4 PDF, drawn directly on a ReportLab canvas.

Pure: takes the facts to print, returns PDF bytes. Text is set in Helvetica, which every PDF
reader has, so nothing is embedded and a certificate weighs ~5 KB; a string that Helvetica's
encoding cannot hold (a name in Balinese, Arabic or Chinese script…) is set in the bundled
DejaVu Sans, embedded as a subset. Drawing on the canvas rather than with Platypus keeps a page
at a few milliseconds.
"""

import functools
import io
from dataclasses import dataclass
from pathlib import Path

import segno
from reportlab import rl_config
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

# Fonts streams uncompressed-but-ASCII85 cost time and bytes for nothing in a binary PDF.
rl_config.useA85 = 0

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR, BOLD = "Helvetica", "Helvetica-Bold"
WIDE_REGULAR, WIDE_BOLD = "AntreanSans", "AntreanSans-Bold"

INK = HexColor("#1b2430")
MUTED = HexColor("#5b6675")
ACCENT = HexColor("#8a1c1c")  # the red of Indonesia's flag, darkened for print
GOLD = HexColor("#b08d3c")
PAPER_TINT = HexColor("#faf7f0")
RULE = HexColor("#d9d2c3")


@dataclass(frozen=True)
class CertificateContent:
    office_name: str
    agency_name: str
    certificate_number: str
    audience_label: str  # "Pengguna Layanan" or "Petugas Pelayanan"
    signer_name: str
    signer_id_label: str  # "NIK" or "NIP / Nama pengguna"
    signer_id: str  # already masked
    facts: tuple[tuple[str, str], ...]  # label, value rows: queue number, service, fee, date…
    pact_title: str
    pact_text: str
    pact_version: int
    pact_sha256: str
    ledger_seq: int
    ledger_hash: str
    verify_url: str
    signed_by: str  # "Ditandatangani secara elektronik oleh …"
    report_note: str  # how to report a request for money
    # Which versions were agreed to, e.g. "3 (nasional) + klausul kantor 2" (else the number).
    pact_version_label: str = ""


@functools.cache
def register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(WIDE_REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(WIDE_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))


def _font(text: str, font: str) -> str:
    """Helvetica when its encoding (cp1252) holds the text, else the embedded DejaVu Sans."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        register_fonts()
        return WIDE_BOLD if font == BOLD else WIDE_REGULAR
    return font


def _qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """Draw a QR code as vector squares (crisp at any zoom, no image decoding)."""
    matrix = segno.make(data, error="m", micro=False, mask=0).matrix
    quiet = 2
    modules = len(matrix) + 2 * quiet
    cell = size / modules
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(INK)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + quiet + 1) * cell
        col = 0
        while col < len(row):
            if row[col]:
                start = col
                while col < len(row) and row[col]:
                    col += 1
                path.rect(x + (start + quiet) * cell, top, (col - start) * cell, cell)
            else:
                col += 1
    canvas.drawPath(path, stroke=0, fill=1)


@functools.lru_cache(maxsize=4096)
def _split(text: str, font: str, size: float, width: float) -> tuple[str, ...]:
    # The pact text and most labels are the same on every certificate of an office, and
    # measuring them word by word was a quarter of the rendering time.
    return tuple(simpleSplit(text, font, size, width))


def _wrapped(canvas, text, x, y, width, font, size, leading, color=INK) -> float:
    """Draw `text` wrapped to `width`; returns the y below it. No canvas: only measure."""
    font = _font(text, font)
    if canvas is not None:
        canvas.setFont(font, size)
        canvas.setFillColor(color)
    for line in _split(text, font, size, width):
        if canvas is not None:
            canvas.drawString(x, y, line)
        y -= leading
    return y


def _fit(text: str, font: str, size: float, width: float, min_size: float) -> float:
    """The largest size, down to `min_size`, at which `text` fits `width` on one line."""
    font = _font(text, font)
    while size > min_size and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _elided(text: str, font: str, size: float, width: float) -> str:
    """`text` cut to `width` with an ellipsis: the last resort for an absurdly long name."""
    font = _font(text, font)
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _pact(canvas, text: str, x: float, y: float, width: float, size: float) -> float:
    """The pledge, one paragraph or numbered point per line; returns the y below it."""
    leading = size * 4 / 3
    for paragraph in text.split("\n"):
        if not paragraph.strip():
            y -= 4
            continue
        head, _, rest = paragraph.partition(" ")
        if head.rstrip(".").isdigit() and head.endswith("."):
            if canvas is not None:
                canvas.setFont(REGULAR, size)
                canvas.drawString(x + 6, y, head)
            y = _wrapped(canvas, rest, x + 22, y, width - 22, REGULAR, size, leading) - 3
        else:
            y = _wrapped(canvas, paragraph, x, y, width, REGULAR, size, leading) - 3
    return y


def _centred(canvas, text: str, x: float, y: float, font: str, size: float) -> None:
    canvas.setFont(_font(text, font), size)
    canvas.drawCentredString(x, y, text)


def render_certificate(content: CertificateContent) -> bytes:
    buffer = io.BytesIO()
    width, height = A4
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"Piagam Pakta Integritas {content.certificate_number}")
    canvas.setAuthor(content.office_name)
    canvas.setSubject("Piagam Pakta Integritas")
    canvas.setCreator("Antrean")

    margin = 42
    inner = width - 2 * margin

    # Paper, frame and the header band.
    canvas.setFillColor(PAPER_TINT)
    canvas.rect(0, 0, width, height, stroke=0, fill=1)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(1.6)
    canvas.rect(22, 22, width - 44, height - 44, stroke=1, fill=0)
    canvas.setLineWidth(0.5)
    canvas.rect(27, 27, width - 54, height - 54, stroke=1, fill=0)
    canvas.setFillColor(ACCENT)
    canvas.rect(27, height - 96, width - 54, 69, stroke=0, fill=1)

    # Long names shrink to fit the band (realistic ones stay above 8 pt); only an absurd one
    # is cut, rather than run off the page.
    canvas.setFillColor(white)
    band = width - 54 - 24
    office = content.office_name.upper()
    size = _fit(office, BOLD, 13, band, 7)
    _centred(canvas, _elided(office, BOLD, size, band), width / 2, height - 56, BOLD, size)
    size = _fit(content.agency_name, REGULAR, 10, band, 6.5)
    agency = _elided(content.agency_name, REGULAR, size, band)
    _centred(canvas, agency, width / 2, height - 74, REGULAR, size)

    y = height - 140
    canvas.setFillColor(INK)
    canvas.setFont(BOLD, 24)
    canvas.drawCentredString(width / 2, y, "PIAGAM PAKTA INTEGRITAS")
    y -= 20
    canvas.setFont(REGULAR, 11)
    canvas.setFillColor(MUTED)
    canvas.drawCentredString(width / 2, y, content.audience_label)
    y -= 16
    canvas.setFont(BOLD, 10)
    canvas.setFillColor(ACCENT)
    canvas.drawCentredString(width / 2, y, f"Nomor: {content.certificate_number}")

    y -= 30
    canvas.setFont(REGULAR, 10)
    canvas.setFillColor(MUTED)
    canvas.drawCentredString(width / 2, y, "Diberikan kepada")
    y -= 24
    canvas.setFillColor(INK)
    # A name is never cut: it shrinks, then wraps.
    name_font = _font(content.signer_name, BOLD)
    name_size = _fit(content.signer_name, BOLD, 20, inner, 14)
    name_lines = simpleSplit(content.signer_name, name_font, name_size, inner)
    for index, line in enumerate(name_lines):
        if index:
            y -= name_size * 1.2
        _centred(canvas, line, width / 2, y, BOLD, name_size)
    y -= 16
    canvas.setFillColor(MUTED)
    _centred(canvas, f"{content.signer_id_label} {content.signer_id}", width / 2, y, REGULAR, 10)

    # Facts: two columns of label / value.
    y -= 26
    canvas.setStrokeColor(RULE)
    canvas.line(margin, y + 12, width - margin, y + 12)
    label_x, value_x = margin + 4, margin + 130
    for label, value in content.facts:
        canvas.setFont(REGULAR, 9.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(label_x, y, label)
        y = _wrapped(canvas, value, value_x, y, inner - 134, BOLD, 10, 13) - 4
    canvas.line(margin, y + 8, width - margin, y + 8)

    # The pledge, in full.
    y -= 12
    canvas.setFillColor(INK)
    canvas.setFont(_font(content.pact_title, BOLD), 11)
    canvas.drawString(margin, y, content.pact_title)
    y -= 16
    # A longer pledge (an office's own version) is set smaller, never into the proof block.
    proof_top = 250
    pact_size = 10.5
    while pact_size > 7 and _pact(None, content.pact_text, margin, y, inner, pact_size) < (
        proof_top + 10
    ):
        pact_size -= 0.5
    y = _pact(canvas, content.pact_text, margin, y, inner, pact_size)

    # Proof block: hashes and the QR code to the public verification page.
    qr_size = 104
    box_top = min(y - 10, proof_top)
    box_bottom = 96
    canvas.setFillColor(white)
    canvas.setStrokeColor(RULE)
    canvas.roundRect(margin, box_bottom, inner, box_top - box_bottom, 6, stroke=1, fill=1)
    _qr(canvas, content.verify_url, width - margin - qr_size - 8, box_bottom + 8, qr_size)
    text_width = inner - qr_size - 30
    ty = box_top - 18
    canvas.setFont(BOLD, 9.5)
    canvas.setFillColor(INK)
    canvas.drawString(margin + 10, ty, "Bukti keaslian")
    ty -= 14
    rows = (
        ("Versi pakta", content.pact_version_label or f"{content.pact_version}"),
        ("SHA-256 teks pakta", content.pact_sha256),
        ("Posisi buku besar", f"#{content.ledger_seq}"),
        ("Hash buku besar", content.ledger_hash),
    )
    for label, value in rows:
        canvas.setFont(REGULAR, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(margin + 10, ty, label)
        ty -= 10
        ty = _wrapped(canvas, value, margin + 10, ty, text_width, REGULAR, 7.5, 9.5, INK) - 3
    canvas.setFont(REGULAR, 7.5)
    canvas.setFillColor(MUTED)
    ty = _wrapped(
        canvas,
        f"Pindai kode QR atau buka {content.verify_url} untuk memeriksa piagam ini.",
        margin + 10,
        ty - 2,
        text_width,
        REGULAR,
        7.5,
        9.5,
        MUTED,
    )

    # Footer: who signed, and how to report a request for money.
    fy = 78
    canvas.setFillColor(MUTED)
    _centred(canvas, content.signed_by, width / 2, fy, REGULAR, 7.5)
    fy -= 14
    canvas.setFillColor(ACCENT)
    note_font = _font(content.report_note, BOLD)
    for line in simpleSplit(content.report_note, note_font, 8.5, inner):
        _centred(canvas, line, width / 2, fy, BOLD, 8.5)
        fy -= 11

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
