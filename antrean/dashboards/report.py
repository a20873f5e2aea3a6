"""The office head's monthly report as PDF (ReportLab, as the IKM report): the month's
headline figures, a bar chart of tickets per day, and the office dashboard's tables for that
month (per service, per day, IKM, gratification reports). Built from the same `Content` the
dashboard page shows; nothing here reads the database."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import formats
from django.utils.translation import gettext as _

from antrean.dashboards import numbers
from antrean.dashboards.content import Content
from antrean.dashboards.periods import month_end
from antrean.dashboards.tables import Table
from antrean.tenancy.models import Office

# The tables the PDF prints, in this order (the rest of the page is in the exports).
PRINTED = ("layanan", "antrean", "ikm", "laporan")


def report_title(office: Office, month: dt.date) -> str:
    return _("Laporan bulanan %(office)s, %(month)s") % {
        "office": office.name,
        "month": numbers.long_month(month),
    }


def filename(office: Office, month: dt.date) -> str:
    return f"laporan-bulanan-{office.code}-{month:%Y-%m}.pdf"


def monthly_pdf(*, office: Office, month: dt.date, content: Content, made_at: dt.datetime) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
    )
    from reportlab.platypus import Table as PdfTable

    from antrean.integrity.certificate_pdf import WIDE_BOLD, WIDE_REGULAR, register_fonts

    register_fonts()
    base = getSampleStyleSheet()
    body = ParagraphStyle(
        "body", parent=base["Normal"], fontName=WIDE_REGULAR, fontSize=9, leading=12
    )
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5, textColor="#5b6675")
    cell = ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9)
    h1 = ParagraphStyle("h1", parent=body, fontName=WIDE_BOLD, fontSize=15, leading=19)
    h2 = ParagraphStyle(
        "h2", parent=body, fontName=WIDE_BOLD, fontSize=11, leading=15, spaceBefore=8, spaceAfter=4
    )
    width = landscape(A4)[0] - 36 * mm

    def p(text, style=body):
        return Paragraph(escape(str(text)), style)

    grid = [
        ("FONT", (0, 0), (-1, -1), WIDE_REGULAR, 7.5),
        ("FONT", (0, 0), (-1, 0), WIDE_BOLD, 7.5),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]

    def pdf_table(table: Table):
        header = [Paragraph(escape(column.label), cell) for column in table.columns]
        rows = [
            [c.text if c.numeric else Paragraph(escape(c.text), cell) for c in line]
            for line in table.display_rows
        ]
        footer = table.display_footer
        if footer is not None:
            rows.append([c.text for c in footer])
        style = list(grid)
        for index, column in enumerate(table.columns):
            if column.numeric:
                style.append(("ALIGN", (index, 1), (index, -1), "RIGHT"))
        if footer is not None:
            style.append(("FONT", (0, -1), (-1, -1), WIDE_BOLD, 7.5))
        first = 0.26 if len(table.columns) > 5 else 0.4
        rest = (1 - first) / max(1, len(table.columns) - 1)
        widths = [width * first] + [width * rest] * (len(table.columns) - 1)
        return PdfTable([header, *rows], colWidths=widths, style=style, repeatRows=1)

    cards = [[card.label, card.value, card.detail] for card in content.cards]
    summary = PdfTable(
        cards,
        colWidths=[70 * mm, 45 * mm, width - 115 * mm],
        style=[
            ("FONT", (0, 0), (-1, -1), WIDE_REGULAR, 9),
            ("FONT", (1, 0), (1, -1), WIDE_BOLD, 10),
            ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#cfd6df")),
            ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ],
    )
    story = [
        p(report_title(office, month), h1),
        p(
            _("Periode %(start)s – %(end)s · dibuat %(made)s")
            % {
                "start": numbers.day(month),
                "end": numbers.day(month_end(month)),
                "made": formats.date_format(made_at.astimezone(office.zone), "j M Y, H.i")
                + f" {office.zone_label}",
            },
            small,
        ),
        Spacer(1, 3 * mm),
        p(_("Ringkasan"), h2),
        summary,
    ]
    daily = content.table("antrean")
    if daily is not None and daily.rows:
        drawing = Drawing(width, 60 * mm)
        chart = VerticalBarChart()
        chart.x, chart.y = 12 * mm, 10 * mm
        chart.width, chart.height = width - 20 * mm, 45 * mm
        chart.data = [[row[1] for row in daily.rows], [row[2] for row in daily.rows]]
        chart.categoryAxis.categoryNames = [str(row[0].day) for row in daily.rows]
        chart.categoryAxis.labels.fontName = WIDE_REGULAR
        chart.categoryAxis.labels.fontSize = 6.5
        chart.valueAxis.labels.fontName = WIDE_REGULAR
        chart.valueAxis.labels.fontSize = 7
        chart.valueAxis.valueMin = 0
        chart.valueAxis.labelTextFormat = lambda value: numbers.number(value)
        chart.categoryAxis.style = "stacked"
        chart.bars[0].fillColor = colors.HexColor("#0b4f8c")
        chart.bars[1].fillColor = colors.HexColor("#c98a00")
        chart.bars.strokeWidth = 0
        drawing.add(chart)
        drawing.add(
            String(
                12 * mm,
                57 * mm,
                _("Antrean per hari: daring (biru) dan langsung (kuning)"),
                fontName=WIDE_BOLD,
                fontSize=8,
            )
        )
        story += [Spacer(1, 3 * mm), drawing]
    for slug in PRINTED:
        table = content.table(slug)
        if table is None:
            continue
        parts = [p(table.title, h2), pdf_table(table) if table.rows else p(_("Tidak ada data."))]
        if table.note:
            parts.append(p(table.note, small))
        story += [KeepTogether(parts[:2]), *parts[2:]]

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=report_title(office, month),
        author=office.name,
    )
    document.build(story)
    return buffer.getvalue()
