"""Reading and writing the office workbook (antrean.onboarding.workbook): no database."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from antrean.onboarding.workbook import (
    AGENCIES,
    BOOL,
    CLOSURE_KIND,
    DATE,
    INT,
    LINES,
    LIST,
    OFFICE,
    SERVICES,
    SHEETS,
    TIME,
    WEEKDAY,
    ZONE,
    CellError,
    Column,
    read_workbook,
    write_workbook,
)


def column(kind):
    return Column("x", "X", kind)


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (TIME, "08:00", dt.time(8)),
        (TIME, "8.30", dt.time(8, 30)),
        (TIME, dt.time(13, 0), dt.time(13)),
        (TIME, dt.datetime(1900, 1, 1, 15, 0), dt.time(15)),  # a time cell some apps write
        (TIME, dt.timedelta(hours=12), dt.time(12)),
        (DATE, "2026-06-17", dt.date(2026, 6, 17)),
        (DATE, "17-06-2026", dt.date(2026, 6, 17)),
        (DATE, "17/06/2026", dt.date(2026, 6, 17)),
        (DATE, dt.datetime(2026, 6, 17), dt.date(2026, 6, 17)),
        (INT, 15, 15),
        (INT, 15.0, 15),
        (INT, "Rp 50.000", 50000),
        (INT, "50,000", 50000),
        (INT, "-3", -3),  # refused later by the model's validator, on its column
        (BOOL, "ya", True),
        (BOOL, "Tidak", False),
        (BOOL, True, True),
        (BOOL, "yes", True),
        (LIST, "ktp-el, kia ,,aktivasi-ikd", ("ktp-el", "kia", "aktivasi-ikd")),
        (LINES, "  Fotokopi KK \r\n\r\nKTP lama, bila ada\n", "Fotokopi KK\nKTP lama, bila ada"),
        (ZONE, "WITA", "Asia/Makassar"),
        (ZONE, "asia/jakarta", "Asia/Jakarta"),
        (WEEKDAY, "jumat", 4),
        (WEEKDAY, "Minggu", 6),
        (CLOSURE_KIND, "Libur daerah", "regional"),
        (CLOSURE_KIND, "cuti_bersama", "cuti_bersama"),
        (INT, "  ", None),
    ],
)
def test_values_are_read_as_people_type_them(kind, raw, expected):
    from antrean.onboarding.workbook import parse_value

    assert parse_value(column(kind), raw) == expected


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        (TIME, "25:00"),
        (TIME, "pagi"),
        (DATE, "2026-02-30"),
        (INT, "15 menit"),
        (INT, 1.5),
        (BOOL, "mungkin"),
        (ZONE, "Asia/Tokyo"),
        (WEEKDAY, "Senen"),
        (CLOSURE_KIND, "cuti"),
    ],
)
def test_values_that_cannot_be_read_say_what_to_type(kind, raw):
    from antrean.onboarding.workbook import parse_value

    with pytest.raises(CellError) as error:
        parse_value(column(kind), raw)
    assert str(error.value).startswith(("Tulis", "Zona", "Hari", "Jenis"))


def _workbook(sheets: dict[str, list[list]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in SHEETS:
        worksheet = workbook.create_sheet(sheet.title)
        for row in sheets.get(sheet.title, [[c.header for c in sheet.columns]]):
            worksheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_columns_are_found_by_their_key_in_any_order_and_notes_are_ignored():
    data = _workbook(
        {
            "Instansi": [
                ["Catatan saya", "Singkatan (short_name)", "KODE (code)", "Nama lengkap"],
                ["baru", "Dukcapil", "disdukcapil", "Dinas Dukcapil"],
            ]
        }
    )
    parsed = read_workbook(data)
    assert [i for i in parsed.issues if i.sheet == "Instansi"] == []
    (row,) = parsed.rows[AGENCIES.key]
    assert row.values == {
        "short_name": "Dukcapil",
        "code": "disdukcapil",
        "name": "Dinas Dukcapil",
    }
    assert row.columns == {"short_name": "B", "code": "C", "name": "D"}


def test_unknown_keys_twice_the_same_column_and_empty_rows():
    data = _workbook(
        {
            "Instansi": [
                ["Kode (code)", "Nama (name)", "Singkat (short_name)", "Warna (colour)", "(code)"],
                ["  ", None, ""],
                ["a", "A", "A"],
            ]
        }
    )
    parsed = read_workbook(data)
    issues = {(i.sheet, i.row, i.column): i.message for i in parsed.issues}
    assert "tidak dikenal" in issues[("Instansi", 1, "D")]
    assert "dua kali" in issues[("Instansi", 1, "E")]
    (row,) = parsed.rows[AGENCIES.key]
    assert row.row == 3  # the blank row 2 is skipped, numbering is the spreadsheet's


def test_the_office_sheet_takes_exactly_one_row():
    header = [c.header for c in OFFICE.columns]
    empty = read_workbook(_workbook({"Kantor": [header]}))
    assert any(i.sheet == "Kantor" and "tepat satu baris" in i.message for i in empty.issues)
    two = read_workbook(_workbook({"Kantor": [header, ["a", "A", "51", "WIB"], ["b", "B"]]}))
    assert any(i.sheet == "Kantor" and i.row == 3 for i in two.issues)


def test_the_written_workbook_has_a_readme_first_text_cells_and_drop_downs():
    data = write_workbook(
        {
            SERVICES.key: [
                {
                    "code": "ktp-el",
                    "agency": "disdukcapil",
                    "name": '=HYPERLINK("http://example.com")',
                    "prefix": "A",
                    "requirements": "Fotokopi KK\nKTP lama",
                    "fee": 0,
                    "is_active": True,
                    "release_mode": "first_come",
                }
            ],
        }
    )
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Petunjuk", *(s.title for s in SHEETS)]
    readme = [c for row in workbook["Petunjuk"].iter_rows(values_only=True) for c in row if c]
    for sheet in SHEETS:
        for col in sheet.columns:
            assert col.header in readme
    services = workbook["Layanan"]
    name = services.cell(row=2, column=3)
    assert name.data_type == "s"  # text, never a formula
    assert services.cell(row=2, column=8).value == "Fotokopi KK\nKTP lama"
    active = [c.header for c in SERVICES.columns].index(SERVICES.column("is_active").header) + 1
    assert services.cell(row=2, column=active).value == "ya"
    mode = [c.key for c in SERVICES.columns].index("release_mode") + 1
    assert services.cell(row=2, column=mode).value == "siapa cepat"  # a choice, by its label
    assert any("siapa cepat,undian" in v.formula1 for v in services.data_validations.dataValidation)
    assert services.freeze_panes == "A2"
    assert any("ya,tidak" in v.formula1 for v in services.data_validations.dataValidation)
    # And what is written is what is read.
    parsed = read_workbook(data)
    (row,) = parsed.rows[SERVICES.key]
    assert row.values["name"] == '=HYPERLINK("http://example.com")'
    assert row.values["requirements"] == "Fotokopi KK\nKTP lama"
    assert row.values["release_mode"] == "first_come"
