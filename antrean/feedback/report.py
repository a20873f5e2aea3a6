"""The SKM report ("Laporan Survei Kepuasan Masyarakat") in the regulation's layout, as PDF
(ReportLab) and XLSX: unit and period, respondents and their profile, the per-element table
(total value, NRR, weighted NRR = NRR × 0,111), the sum, the IKM, grade and label, and the
citizens' suggestions. Built from a `SatisfactionReport`; nothing here reads the database.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from antrean.feedback.ikm import PRINTED_WEIGHT
from antrean.feedback.models import ANONYMITY_MIN
from antrean.feedback.questionnaire import ELEMENTS
from antrean.feedback.selectors import SatisfactionReport


@dataclass(frozen=True)
class ElementLine:
    number: int
    code: str
    name: str
    total: int
    nrr: Decimal
    weighted: Decimal


def period_text(report: SatisfactionReport) -> str:
    return "{} – {}".format(
        formats.date_format(report.start, "j F Y"), formats.date_format(report.end, "j F Y")
    )


def element_lines(report: SatisfactionReport) -> list[ElementLine]:
    result = report.total.result
    if result is None:
        return []
    nrr, weighted = result.nrr, result.weighted_nrr
    return [
        ElementLine(
            number=element.number,
            code=element.code,
            name=str(element.name),
            total=result.totals[element.code],
            nrr=nrr[element.code],
            weighted=weighted[element.code],
        )
        for element in ELEMENTS
    ]


def profile_sections(report: SatisfactionReport) -> list[tuple[str, list[tuple[str, int]]]]:
    titles = {
        "sex": _("Jenis kelamin"),
        "age_band": _("Usia"),
        "education": _("Pendidikan"),
        "occupation": _("Pekerjaan"),
    }
    return [(titles[key], rows) for key, rows in report.profile.items()]


def _percent(count: int, total: int) -> str:
    if not total:
        return "0%"
    return f"{Decimal(count * 100) / total:.1f}%".replace(".", ",")


def _number(value: Decimal, places: int = 2) -> str:
    return formats.number_format(value, places)


def _too_few(report: SatisfactionReport) -> str:
    if report.total.thin_month and report.total.responses >= ANONYMITY_MIN:
        return thin_month_text()
    return _(
        "Jawaban pada unit dan periode ini kurang dari %(min)d, sehingga nilai tidak "
        "ditampilkan agar tidak ada jawaban yang dapat dikenali."
    ) % {"min": ANONYMITY_MIN}


def thin_month_text() -> str:
    return _(
        "Ada bulan dalam periode ini dengan jawaban kurang dari %(min)d pada unit ini, sehingga "
        "nilai tidak ditampilkan agar tidak ada jawaban yang dapat dikenali dengan "
        "membandingkan periode."
    ) % {"min": ANONYMITY_MIN}


def filename(report: SatisfactionReport, extension: str) -> str:
    unit = (
        report.service.code
        if report.service
        else (report.agency.code if report.agency else report.office.code)
    )
    return f"skm-{unit}-{report.start:%Y%m%d}-{report.end:%Y%m%d}.{extension}"


# --- XLSX ------------------------------------------------------------------------------------

SHEET_TITLE = "SKM"
SUGGESTIONS_TITLE = "Saran"
XLSX_WIDTHS = {"A": 44, "B": 40, "C": 14, "D": 12, "E": 16}
TWO_DECIMALS, THREE_DECIMALS, PERCENT = "0.00", "0.000", "0.0%"


class _Sheet:
    """Rows appended top to bottom; text always stays text.

    A citizen's suggestion that starts with "=" must not become a formula (openpyxl would
    write it as one and a spreadsheet would run it), and characters XML cannot hold are
    dropped rather than refused."""

    def __init__(self, worksheet):
        self.worksheet = worksheet
        self.row = 0

    def add(self, *values, bold: bool = False, formats: dict[int, str] | None = None) -> None:
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Font

        self.row += 1
        for column, value in enumerate(values, start=1):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = self.worksheet.cell(row=self.row, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            if bold:
                cell.font = Font(bold=True)
            if formats and column in formats:
                cell.number_format = formats[column]

    def bold(self, row: int | None = None, columns: int = 1) -> None:
        from openpyxl.styles import Font

        for column in range(1, columns + 1):
            self.worksheet.cell(row=row or self.row, column=column).font = Font(bold=True)


def _percent_value(count: int, total: int) -> Decimal:
    return Decimal(count) / total if total else Decimal(0)


def report_xlsx(report: SatisfactionReport) -> bytes:
    """The report as an .xlsx workbook: the figures on sheet "SKM" (as the regulation lays
    them out), the citizens' suggestions on sheet "Saran"."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = SHEET_TITLE
    for column, width in XLSX_WIDTHS.items():
        worksheet.column_dimensions[column].width = width
    sheet = _Sheet(worksheet)
    total = report.total
    sheet.add(_("Laporan Survei Kepuasan Masyarakat"))
    worksheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    sheet.add(_("Unit pelayanan"), report.unit_name)
    sheet.add(_("Kantor"), report.office.name)
    sheet.add(_("Periode"), period_text(report))
    sheet.add()
    sheet.add(_("Responden"), bold=True)
    sheet.add(_("Jumlah responden"), total.responses)
    sheet.add(_("Populasi (antrean selesai dilayani)"), total.population)
    sheet.add(_("Sampel minimum (Krejcie–Morgan)"), total.minimum_sample)
    result = total.result
    if result is None:
        sheet.add()
        sheet.add(_too_few(report))
    else:
        for title, counts in profile_sections(report):
            sheet.add()
            sheet.add(title, _("Jumlah"), "%", bold=True)
            for label, n in counts:
                sheet.add(label, n, _percent_value(n, total.responses), formats={3: PERCENT})
        sheet.add()
        sheet.add(
            _("No."),
            _("Unsur pelayanan"),
            _("Nilai total"),
            _("NRR"),
            _("NRR tertimbang"),
            bold=True,
        )
        lines = element_lines(report)
        for line in lines:
            sheet.add(
                f"U{line.number}",
                line.name,
                line.total,
                line.nrr,
                line.weighted,
                formats={4: TWO_DECIMALS, 5: THREE_DECIMALS},
            )
        sheet.add(
            "",
            _("Jumlah NRR tertimbang"),
            "",
            "",
            sum(line.weighted for line in lines),
            formats={5: THREE_DECIMALS},
        )
        sheet.bold(columns=5)
        sheet.add()
        sheet.add(_("IKM unit pelayanan"), result.ikm, bold=True, formats={2: TWO_DECIMALS})
        sheet.add(_("Mutu pelayanan"), result.grade.letter)
        sheet.bold()
        sheet.add(_("Kinerja unit pelayanan"), str(result.grade.label))
        sheet.bold()
        sheet.add(_weight_note())
    # The suggestions follow the floor of the unit: below it the sheet says why it is empty.
    suggestions = workbook.create_sheet(SUGGESTIONS_TITLE)
    suggestions.column_dimensions["A"].width = 100
    sheet = _Sheet(suggestions)
    sheet.add(_("Saran dan masukan"), bold=True)
    if result is None:
        sheet.add(_too_few(report))
    for text in report.suggestions:
        sheet.add(text)
    if result is not None and not report.suggestions:
        sheet.add(_("Tidak ada saran."))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _weight_note() -> str:
    return _(
        "IKM = 25 × rata-rata NRR sembilan unsur tanpa pembulatan (bobot 1/9); kolom NRR "
        "tertimbang memakai bobot tercetak %(weight)s."
    ) % {"weight": str(PRINTED_WEIGHT).replace(".", ",")}


# --- PDF -------------------------------------------------------------------------------------


def report_pdf(report: SatisfactionReport) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from reportlab.platypus.flowables import KeepTogether

    from antrean.integrity.certificate_pdf import WIDE_BOLD, WIDE_REGULAR, register_fonts

    # DejaVu Sans: suggestions are free text in any script.
    register_fonts()
    base = getSampleStyleSheet()
    body = ParagraphStyle(
        "body", parent=base["Normal"], fontName=WIDE_REGULAR, fontSize=9.5, leading=12.5
    )
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor="#5b6675")
    h1 = ParagraphStyle("h1", parent=body, fontName=WIDE_BOLD, fontSize=15, leading=19)
    h2 = ParagraphStyle(
        "h2", parent=body, fontName=WIDE_BOLD, fontSize=11, leading=15, spaceBefore=8, spaceAfter=4
    )

    def p(text, style=body):
        return Paragraph(escape(str(text)), style)

    grid = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), WIDE_REGULAR, 9),
            ("FONT", (0, 0), (-1, 0), WIDE_BOLD, 9),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
        ]
    )
    total = report.total
    story = [
        p(_("Laporan Survei Kepuasan Masyarakat"), h1),
        Spacer(1, 2 * mm),
        Table(
            [
                [_("Unit pelayanan"), report.unit_name],
                [_("Kantor"), report.office.name],
                [_("Periode"), period_text(report)],
                [_("Jumlah responden"), str(total.responses)],
                [_("Populasi (antrean selesai dilayani)"), str(total.population)],
                [_("Sampel minimum (Krejcie–Morgan)"), str(total.minimum_sample)],
            ],
            colWidths=[60 * mm, 110 * mm],
            style=[
                ("FONT", (0, 0), (-1, -1), WIDE_REGULAR, 9.5),
                ("FONT", (0, 0), (0, -1), WIDE_BOLD, 9.5),
            ],
        ),
    ]
    result = total.result
    if result is None:
        story += [Spacer(1, 4 * mm), p(_too_few(report))]
    else:
        lines = element_lines(report)
        header = [_("No."), _("Unsur pelayanan"), _("Nilai total"), _("NRR"), _("NRR tertimbang")]
        element_rows = [
            [
                f"U{line.number}",
                p(line.name),
                str(line.total),
                _number(line.nrr),
                _number(line.weighted, 3),
            ]
            for line in lines
        ]
        weighted_sum = sum(line.weighted for line in lines)
        element_rows.append(["", _("Jumlah NRR tertimbang"), "", "", _number(weighted_sum, 3)])
        elements = Table(
            [header, *element_rows],
            colWidths=[12 * mm, 88 * mm, 22 * mm, 18 * mm, 30 * mm],
            style=grid,
            repeatRows=1,
        )
        summary = Table(
            [
                [_("IKM unit pelayanan"), _number(result.ikm)],
                [_("Mutu pelayanan"), result.grade.letter],
                [_("Kinerja unit pelayanan"), str(result.grade.label)],
            ],
            colWidths=[60 * mm, 110 * mm],
            style=[("FONT", (0, 0), (-1, -1), WIDE_BOLD, 11)],
        )
        story += [
            p(_("Nilai per unsur pelayanan"), h2),
            elements,
            Spacer(1, 3 * mm),
            KeepTogether([summary, Spacer(1, 1 * mm), p(_weight_note(), small)]),
            p(_("Profil responden"), h2),
        ]
        for title, counts in profile_sections(report):
            rows = [[title, _("Jumlah"), "%"]] + [
                [label, str(n), _percent(n, total.responses)] for label, n in counts
            ]
            story += [
                KeepTogether(
                    [
                        Table(rows, colWidths=[100 * mm, 30 * mm, 40 * mm], style=grid),
                        Spacer(1, 2 * mm),
                    ]
                )
            ]
        story.append(p(_("Saran dan masukan"), h2))
        story += [p(f"• {text}") for text in report.suggestions] or [p(_("Tidak ada saran."))]

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=_("Laporan Survei Kepuasan Masyarakat"),
        author=report.office.name,
    )
    document.build(story)
    return buffer.getvalue()
