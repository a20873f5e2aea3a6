"""Editing a workbook as a person would, by sheet title, row number and column key."""

import datetime as dt
import io

from openpyxl import load_workbook

from antrean.tenancy.models import Closure
from antrean.testing.factories import (
    make_agency,
    make_counter,
    make_office,
    make_province,
    make_regency,
    make_service,
)

# Monday 4 May 2026, 09:00 in Bali (WITA): every test runs at this moment.
NOW = dt.datetime(2026, 5, 4, 1, 0, tzinfo=dt.UTC)


def _column(worksheet, key: str) -> int:
    for cell in worksheet[1]:
        if cell.value and str(cell.value).endswith(f"({key})"):
            return cell.column
    raise KeyError(key)


def edit(data: bytes, changes: list[tuple[str, int, str, object]]) -> bytes:
    """`changes`: (sheet title, row, column key, new value); None empties the cell."""
    workbook = load_workbook(io.BytesIO(data))
    for title, row, key, value in changes:
        worksheet = workbook[title]
        # .cell(value=None) would leave the cell as it was.
        worksheet.cell(row=row, column=_column(worksheet, key)).value = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def delete_rows(data: bytes, title: str, *rows: int) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    for row in sorted(rows, reverse=True):
        workbook[title].delete_rows(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def add_row(data: bytes, title: str, values: dict) -> bytes:
    """Append a row (values by column key) after the last one."""
    workbook = load_workbook(io.BytesIO(data))
    worksheet = workbook[title]
    row = worksheet.max_row + 1
    for key, value in values.items():
        worksheet.cell(row=row, column=_column(worksheet, key), value=value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def cell(data: bytes, title: str, row: int, key: str):
    workbook = load_workbook(io.BytesIO(data))
    worksheet = workbook[title]
    return worksheet.cell(row=row, column=_column(worksheet, key)).value


def row_of(data: bytes, title: str, key: str, value) -> int:
    """The row number whose `key` column holds `value`."""
    workbook = load_workbook(io.BytesIO(data))
    worksheet = workbook[title]
    column = _column(worksheet, key)
    for row in range(2, worksheet.max_row + 1):
        if worksheet.cell(row=row, column=column).value == value:
            return row
    raise LookupError(value)


def badung():
    province = make_province("51", "Bali")
    return make_regency("51.03", "Kabupaten Badung", province=province)


def sidoarjo():
    province = make_province("35", "Jawa Timur")
    return make_regency("35.15", "Kabupaten Sidoarjo", province=province)


def small_office(code: str = "mpp-contoh", region=None):
    """An office of two agencies, three services, two counters, open every day 08–16, with one
    regional closure in the future and one in the past."""
    office = make_office(code=code, name=f"MPP {code}", region=region or badung())
    dukcapil = make_agency(office, code="disdukcapil", name="Dinas Dukcapil", short_name="Dukcapil")
    samsat = make_agency(office, code="samsat", name="Samsat Bali", short_name="Samsat")
    ktp = make_service(
        agency=dukcapil,
        code="ktp-el",
        name="KTP-el",
        prefix="A",
        requirements="Fotokopi KK\nBerusia 17 tahun, sudah kawin, atau pernah kawin",
        slot_capacity=8,
    )
    kk = make_service(agency=dukcapil, code="kartu-keluarga", name="Kartu Keluarga", prefix="B")
    pkb = make_service(agency=samsat, code="pkb", name="Pajak Kendaraan", prefix="C", fee=50000)
    make_counter(agency=dukcapil, number=1, services=[ktp, kk], name="Loket KTP")
    make_counter(agency=samsat, number=2, services=[pkb])
    Closure.objects.create(
        office=office, date=dt.date(2026, 6, 17), reason="Hari Raya Galungan", kind="regional"
    )
    Closure.objects.create(
        office=office, date=dt.date(2026, 3, 19), reason="Hari Suci Nyepi", kind="regional"
    )
    return office
