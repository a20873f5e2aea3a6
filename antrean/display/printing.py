"""The printed queue ticket: a PDF print layout for 80 mm / 58 mm thermal paper (browser
printing) and the same ticket as ESC/POS bytes for a network thermal printer.

Both are drawn from one TicketContent, built from a ticket and its private status token. No
name, NIK or phone number goes on paper: a ticket left on a chair must not give anyone away.
"""

import functools
import io
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import segno
from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib.colors import black, white
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from antrean.integrity.certificate_pdf import BOLD, REGULAR, WIDE_BOLD, WIDE_REGULAR, register_fonts


class PrinterUnavailable(Exception):
    """The ESC/POS printer could not be reached or refused the job."""


@dataclass(frozen=True)
class TicketContent:
    office_name: str
    agency_name: str
    number: str
    service_name: str
    issued_date: str  # "Senin, 12 Januari 2026", in the office's zone
    issued_time: str  # "09:41 WITA"
    fee_line: str
    priority_label: str  # "" for the general queue
    status_url: str
    booking_code: str  # grouped for reading: "K7M2-QX9P"
    pact_line: str
    survey_url: str = ""  # the satisfaction survey, open once the ticket is done

    @property
    def issued_at(self) -> str:
        return f"{self.issued_date} · {self.issued_time}"


def fee_line(amount: int) -> str:
    if amount == 0:
        return _("GRATIS — jangan memberi imbalan apa pun")
    rupiah = "Rp " + f"{amount:,}".replace(",", ".")
    return _("Biaya resmi %(fee)s — jangan memberi imbalan lain") % {"fee": rupiah}


def status_url(code: str, token: str) -> str:
    """The live status page; `?t=` makes whoever opens it the ticket's owner."""
    return f"{settings.SITE_URL}/antrean/{code}/status/?t={token}"


def report_url() -> str:
    """The report form (antrean.reports), short enough to type from paper."""
    return f"{settings.SITE_URL}/lapor/"


def ticket_content(ticket, token: str) -> TicketContent:
    """What goes on the ticket of `ticket` (its office, service and agency loaded).

    Printing the survey link makes the ticket's survey invitation (not open until done)."""
    from antrean.feedback.services import survey_invitation_ensure, survey_url
    from antrean.queueing.models import Priority

    survey_token = survey_invitation_ensure(ticket=ticket)[1]

    office = ticket.office
    local = (ticket.arrived_at or ticket.created_at).astimezone(office.zone)
    code = ticket.code
    return TicketContent(
        office_name=office.name,
        agency_name=ticket.service.agency.name,
        number=ticket.number,
        service_name=ticket.service.name,
        issued_date=date_format(local, "l, j F Y"),
        issued_time=f"{local:%H:%M} {office.zone_label}",
        fee_line=fee_line(ticket.service.fee),
        priority_label=(
            _("Prioritas: %(group)s") % {"group": Priority(ticket.priority).label}
            if ticket.priority
            else ""
        ),
        status_url=status_url(code, token),
        booking_code=f"{code[:4]}-{code[4:]}",
        # The report form's address in words: a citizen asked for a bribe types it in.
        pact_line=_(
            "Anda telah menyetujui Pakta Integritas. Diminta imbalan? Laporkan permintaan "
            "imbalan di %(url)s"
        )
        % {"url": report_url()},
        survey_url=survey_url(survey_token),
    )


def status_qr_svg(url: str, label: str) -> str:
    """The QR of the status page as inline SVG that scales to its box (a kiosk screen is
    scanned from half a metre: the code is drawn large)."""
    return segno.make(url, error="m", micro=False).svg_inline(
        border=4, dark="#000", light="#fff", omitsize=True, svgclass="qr", title=label
    )


# --- PDF print layout ------------------------------------------------------------------------

PAPER_WIDTHS = {80: 80 * mm, 58: 58 * mm}


@dataclass(frozen=True)
class _Layout:
    width: float
    margin: float
    office: float  # font sizes
    body: float
    small: float
    number: float
    qr: float


def _layout(paper: int) -> _Layout:
    if paper == 58:
        return _Layout(PAPER_WIDTHS[58], 3 * mm, 8.5, 8, 6.5, 34, 30 * mm)
    return _Layout(PAPER_WIDTHS[80], 4 * mm, 10, 9, 7.5, 46, 36 * mm)


def _font(text: str, font: str) -> str:
    """Helvetica when cp1252 holds the text, else the bundled (embedded) DejaVu Sans."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        register_fonts()
        return WIDE_BOLD if font == BOLD else WIDE_REGULAR
    return font


def _lines(text: str, font: str, size: float, width: float) -> tuple[list[str], float]:
    """`text` wrapped to `width`, shrinking the size until even its longest word fits."""
    font = _font(text, font)
    while True:
        lines = simpleSplit(text, font, size, width)
        widest = max((pdfmetrics.stringWidth(line, font, size) for line in lines), default=0)
        if widest <= width or size <= 5:
            return lines, size
        size -= 0.5


class _Pen:
    """Draws centred blocks downwards from the top; without a canvas it only measures."""

    def __init__(self, canvas: Canvas | None, layout: _Layout, top: float):
        self.canvas = canvas
        self.layout = layout
        self.y = top
        self.inner = layout.width - 2 * layout.margin

    def text(self, text: str, font: str, size: float, *, gap: float = 2) -> None:
        if not text:
            return
        lines, size = _lines(text, font, size, self.inner)
        for line in lines:
            self.y -= size
            if self.canvas is not None:
                self.canvas.setFont(_font(line, font), size)
                self.canvas.drawCentredString(self.layout.width / 2, self.y, line)
            self.y -= size * 0.25
        self.y -= gap

    def rule(self, gap: float = 5) -> None:
        self.y -= gap
        if self.canvas is not None:
            self.canvas.setLineWidth(0.6)
            self.canvas.setDash(2, 2)
            m = self.layout.margin
            self.canvas.line(m, self.y, self.layout.width - m, self.y)
            self.canvas.setDash()
        self.y -= gap

    def boxed(self, text: str, font: str, size: float) -> None:
        """Black band with white text: the fee line is what the eye must not miss."""
        pad = 3
        lines, size = _lines(text, font, size, self.inner - 2 * pad)
        height = len(lines) * size * 1.25 + 2 * pad
        if self.canvas is not None:
            m = self.layout.margin
            self.canvas.setFillColor(black)
            self.canvas.rect(m, self.y - height, self.inner, height, stroke=0, fill=1)
            self.canvas.setFillColor(white)
        y = self.y - pad
        for line in lines:
            y -= size
            if self.canvas is not None:
                self.canvas.setFont(_font(line, font), size)
                self.canvas.drawCentredString(self.layout.width / 2, y, line)
            y -= size * 0.25
        if self.canvas is not None:
            self.canvas.setFillColor(black)
        self.y -= height + 4

    def qr(self, data: str, size: float) -> None:
        x = (self.layout.width - size) / 2
        if self.canvas is not None:
            _qr(self.canvas, data, x, self.y - size, size)
        self.y -= size + 2

    def number(self, text: str, size: float) -> None:
        while size > 12 and pdfmetrics.stringWidth(text, BOLD, size) > self.inner:
            size -= 1
        self.y -= size * 0.8  # cap height of Helvetica-Bold is ~0.72 em
        if self.canvas is not None:
            self.canvas.setFont(BOLD, size)
            self.canvas.drawCentredString(self.layout.width / 2, self.y, text)
        self.y -= size * 0.3


def _qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """A QR code as vector squares: sharp on a 203 dpi head at any scaling."""
    matrix = segno.make(data, error="m", micro=False).matrix
    quiet = 2
    cell = size / (len(matrix) + 2 * quiet)
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
    canvas.setFillColor(black)
    canvas.drawPath(path, stroke=0, fill=1)


def _draw(pen: _Pen, content: TicketContent) -> None:
    lay = pen.layout
    pen.text(content.office_name, BOLD, lay.office, gap=1)
    pen.text(content.agency_name, REGULAR, lay.body)
    pen.rule()
    pen.text(_("NOMOR ANTREAN"), REGULAR, lay.small, gap=4)
    pen.number(content.number, lay.number)
    pen.text(content.service_name, BOLD, lay.body + 1)
    pen.text(content.priority_label, BOLD, lay.body)
    pen.text(content.issued_at, REGULAR, lay.body)
    pen.rule()
    pen.boxed(content.fee_line, BOLD, lay.body)
    pen.qr(content.status_url, lay.qr)
    pen.text(_("Pindai untuk memantau antrean Anda"), REGULAR, lay.small)
    pen.text(_("Kode pemesanan: %(code)s") % {"code": content.booking_code}, BOLD, lay.body)
    pen.rule(gap=3)
    pen.text(content.pact_line, REGULAR, lay.small)
    if content.survey_url:
        pen.rule(gap=3)
        pen.qr(content.survey_url, lay.qr * 0.6)
        pen.text(_("Survei kepuasan setelah dilayani"), BOLD, lay.small)


def ticket_pdf(content: TicketContent, *, paper: int = 80) -> bytes:
    """One page as wide as the paper roll and as tall as the ticket."""
    layout = _layout(paper)
    measure = _Pen(None, layout, top=0)
    _draw(measure, content)
    height = -measure.y + 2 * layout.margin
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(layout.width, height), pageCompression=1)
    canvas.setTitle(f"Tiket antrean {content.number}")
    canvas.setAuthor(content.office_name)
    canvas.setCreator("Antrean")
    canvas.setFillColor(black)
    _draw(_Pen(canvas, layout, top=height - layout.margin), content)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# --- ESC/POS ---------------------------------------------------------------------------------

# Characters per line in font A: 576 dots on 80 mm paper, 384 on 58 mm.
COLUMNS = {80: 48, 58: 32}
# The generic Epson-compatible command set of the TM-T20II profile: full cut, raster images.
# A printer without a cutter ignores the cut command.
ESCPOS_PROFILE = "TM-T20II"
_ASCII = str.maketrans({"—": "-", "–": "-", "·": "-", "…": "...", "‘": "'", "’": "'"})


@functools.cache
def _escpos_cache_dir() -> None:
    # python-escpos pickles its printer database into a fresh temporary directory on every
    # import unless told where; keep one under var/.
    path = Path(settings.VAR_DIR) / "cache" / "escpos"
    path.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(path))


def _ascii(text: str) -> str:
    """Thermal printers' code pages differ; plain ASCII prints the same on all of them."""
    text = unicodedata.normalize("NFKD", text.translate(_ASCII))
    return text.encode("ascii", "ignore").decode()


def ticket_escpos(printer, content: TicketContent, *, paper: int = 80) -> None:
    """Send the ticket's commands to `printer` (any python-escpos printer)."""
    import textwrap

    from escpos.constants import QR_ECLEVEL_M

    cols = COLUMNS.get(paper, 48)

    def block(text: str) -> None:
        for line in textwrap.wrap(_ascii(text), cols) or [""]:
            printer.textln(line)

    printer.hw("INIT")
    printer.set(align="center", bold=True, normal_textsize=True)
    block(content.office_name)
    printer.set(bold=False)
    block(content.agency_name)
    printer.textln("-" * cols)
    printer.textln(_ascii(_("NOMOR ANTREAN")))
    scale = 4 if paper == 80 else 3
    printer.set(custom_size=True, width=scale, height=scale, bold=True)
    printer.textln(_ascii(content.number))
    printer.set(normal_textsize=True, bold=True)
    block(content.service_name)
    if content.priority_label:
        block(content.priority_label)
    printer.set(bold=False)
    if len(content.issued_at) <= cols:
        block(content.issued_at)
    else:
        block(content.issued_date)
        block(content.issued_time)
    printer.textln("-" * cols)
    printer.set(bold=True, invert=True)
    block(content.fee_line)
    printer.set(bold=False, invert=False)
    # Rendered as a raster image: cheap 58 mm printers often lack the native QR command.
    printer.qr(content.status_url, ec=QR_ECLEVEL_M, size=8 if paper == 80 else 6, native=False)
    block(_("Pindai untuk memantau antrean Anda"))
    printer.set(bold=True)
    block(_("Kode pemesanan: %(code)s") % {"code": content.booking_code})
    printer.set(bold=False)
    printer.textln("-" * cols)
    block(content.pact_line)
    if content.survey_url:
        printer.textln("-" * cols)
        printer.qr(content.survey_url, ec=QR_ECLEVEL_M, size=5 if paper == 80 else 4, native=False)
        printer.set(bold=True)
        block(_("Survei kepuasan setelah dilayani"))
        printer.set(bold=False)
    printer.cut()


def ticket_escpos_bytes(content: TicketContent, *, paper: int = 80) -> bytes:
    _escpos_cache_dir()
    from escpos.printer import Dummy

    printer = Dummy(profile=ESCPOS_PROFILE)
    ticket_escpos(printer, content, paper=paper)
    return printer.output


def ticket_print(
    content: TicketContent, *, host: str, port: int = 9100, paper: int = 80, timeout: float = 3
) -> None:
    """Print on a network thermal printer (raw TCP, usually port 9100).

    The whole job is composed first and sent in one write, so a failure while composing
    never leaves half a ticket in the printer. Raises PrinterUnavailable.
    """
    job = ticket_escpos_bytes(content, paper=paper)
    from escpos.exceptions import DeviceNotFoundError
    from escpos.printer import Network

    printer = Network(host=host, port=port, timeout=timeout, profile=ESCPOS_PROFILE)
    try:
        printer.open()
        printer._raw(job)  # python-escpos's raw-bytes hook: the job is already ESC/POS
    except (DeviceNotFoundError, OSError) as exc:
        raise PrinterUnavailable(f"{host}:{port}: {exc}") from exc
    finally:
        printer.close()
