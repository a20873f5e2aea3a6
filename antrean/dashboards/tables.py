"""A dashboard's tables: one shape for the page, the chart's data table, CSV, XLSX and the
monthly PDF, so that a file always holds exactly what the page shows (and nothing the page's
reader may not see: the rows are already scoped when the table is built).

A cell holds the raw value (None: no figure, or hidden for anonymity); each column's kind
says how it is written: on a page and in the PDF in the reader's language (`1.234,5`,
`5 Des 2026`, `12,5%`), in CSV plain (`1234.5`, `2026-12-05`, `12.5`), in XLSX as numbers and
dates with a number format.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from antrean.dashboards import numbers

TEXT, COUNT, SHARE, MINUTES, INDEX, DAY, MONTH, RANK = (
    "text",
    "count",
    "share",
    "minutes",
    "index",
    "day",
    "month",
    "rank",
)
NUMERIC = {COUNT, SHARE, MINUTES, INDEX, RANK}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = COUNT

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC

    @property
    def file_label(self) -> str:
        """The header in CSV and XLSX, with the unit the plain number is in."""
        if self.kind == SHARE:
            return f"{self.label} (%)"
        if self.kind == MINUTES:
            return "{} ({})".format(self.label, _("menit"))
        return self.label


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool
    url: str = ""  # the row's own page (an office's dashboard), on its row header


@dataclass
class Table:
    slug: str  # its name in export URLs and file names
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    note: str = ""  # what a reader needs to read it right (shown under it, written in files)
    footer: list | None = None  # a total row, same columns
    row_header: int = 0  # the column that names the row
    row_links: list[str] | None = None  # per row, a page of its own (pages only)

    def display(self, row: Sequence, url: str = "") -> list[Cell]:
        return [
            Cell(
                display_value(column.kind, value),
                column.numeric,
                url if index == self.row_header else "",
            )
            for index, (column, value) in enumerate(zip(self.columns, row, strict=True))
        ]

    @property
    def display_rows(self) -> list[list[Cell]]:
        return self.display_first(len(self.rows))

    def display_first(self, count: int) -> list[list[Cell]]:
        """The first `count` rows as text (only what a page shows is formatted)."""
        links = self.row_links or [""] * len(self.rows)
        return [
            self.display(row, url)
            for row, url in zip(self.rows[:count], links[:count], strict=True)
        ]

    @property
    def display_footer(self) -> list[Cell] | None:
        return self.display(self.footer) if self.footer is not None else None

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)


def display_value(kind: str, value) -> str:
    if value is None or value == "":
        return numbers.DASH if kind != TEXT else ""
    if kind == TEXT:
        return str(value)
    if kind in (COUNT, RANK):
        return numbers.number(value)
    if kind == SHARE:
        return numbers.percent(value)
    if kind == MINUTES:
        return numbers.minutes(value)
    if kind == INDEX:
        return numbers.number(value, 2)
    if isinstance(value, str):
        return value  # a label in a figure's column ("Jumlah" in a total row)
    if kind == DAY:
        return numbers.day(value)
    if kind == MONTH:
        return numbers.month(value)
    raise ValueError(kind)


def file_value(kind: str, value):
    """A cell as a plain value: numbers with a dot, shares as percentages, times in minutes,
    ISO dates (CSV and the API read the same)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if kind == SHARE:
        return round(float(value) * 100, 1)
    if kind == MINUTES:
        return numbers.minutes_value(value)
    if kind == INDEX:
        return float(value)
    if kind == DAY:
        return value.isoformat()
    if kind == MONTH:
        return value.strftime("%Y-%m")
    if kind == TEXT:
        return str(value)
    return value


# --- CSV -------------------------------------------------------------------------------------

# A cell a spreadsheet would read as a formula (OWASP "CSV injection"): made inert with a
# leading apostrophe. Only text cells can start so (an office's name typed by an admin).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def table_csv(table: Table) -> bytes:
    """RFC 4180 CSV in UTF-8: a header row (with units), then one row per table row; plain
    numbers (a dot for decimals), ISO dates, empty for no figure."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_text(column.file_label) for column in table.columns])
    for row in [*table.rows, *([table.footer] if table.footer is not None else [])]:
        writer.writerow(
            [
                "" if (cell := file_value(column.kind, value)) is None else _csv_text(cell)
                for column, value in zip(table.columns, row, strict=True)
            ]
        )
    return buffer.getvalue().encode("utf-8")


# --- XLSX ------------------------------------------------------------------------------------

_XLSX_FORMATS = {
    COUNT: "#,##0",
    RANK: "0",
    SHARE: "0.0%",
    MINUTES: "0.0",
    INDEX: "0.00",
    DAY: "d mmm yyyy",
    MONTH: "mmm yyyy",
}


def _xlsx_value(kind: str, value):
    if value is None or value == "" or isinstance(value, str):
        return value or None
    if kind == SHARE:
        return float(value)  # shown as a percentage by its number format
    if kind == MINUTES:
        return numbers.minutes_value(value)
    if kind == INDEX:
        return Decimal(str(value))
    return value


def add_sheet(workbook, table: Table, *, heading: list[tuple[str, str]], first: bool) -> None:
    """`table` on a sheet of its own: title, what it covers (`heading`: label, value), the
    header row and the rows, with the IKM report's look (antrean.feedback.report)."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from antrean.feedback.report import _Sheet

    worksheet = workbook.active if first else workbook.create_sheet()
    # A sheet's title: at most 31 characters, none of []:*?/\
    worksheet.title = "".join(c for c in table.title if c not in "[]:*?/\\")[:31] or table.slug
    sheet = _Sheet(worksheet)
    sheet.add(table.title)
    worksheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    for label, value in heading:
        sheet.add(label, value)
    sheet.add()
    sheet.add(*[column.file_label for column in table.columns], bold=True)
    formats = {
        index: _XLSX_FORMATS[column.kind]
        for index, column in enumerate(table.columns, start=1)
        if column.kind in _XLSX_FORMATS
    }
    for row in table.rows:
        sheet.add(
            *[
                _xlsx_value(column.kind, value)
                for column, value in zip(table.columns, row, strict=True)
            ],
            formats=formats,
        )
    if table.footer is not None:
        sheet.add(
            *[
                _xlsx_value(column.kind, value)
                for column, value in zip(table.columns, table.footer, strict=True)
            ],
            bold=True,
            formats=formats,
        )
    if table.note:
        sheet.add()
        sheet.add(table.note)
    for index, column in enumerate(table.columns, start=1):
        width = 34 if column.kind == TEXT else max(12, min(24, len(column.file_label) + 2))
        worksheet.column_dimensions[get_column_letter(index)].width = width


def tables_xlsx(tables: Sequence[Table], *, heading: list[tuple[str, str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for index, table in enumerate(tables):
        add_sheet(workbook, table, heading=heading, first=index == 0)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
