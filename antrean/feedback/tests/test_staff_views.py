"""The staff IKM page and its PDF and XLSX reports: what each role sees, and the files' content."""

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from antrean.feedback.models import SurveyResponse
from antrean.feedback.tests.helpers import MAN, WOMAN, make_response, serve_walk_ins
from antrean.testing.factories import (
    make_agency,
    make_counter,
    make_inspector,
    make_office,
    make_officer,
    make_region,
    make_service,
    make_superuser,
)
from antrean.testing.signin import sign_in

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 2, 10)
Q1 = {"periode": "tw1", "tahun": "2025"}
PAGE, PDF, XLSX = "/staf/ikm/", "/staf/ikm/laporan.pdf", "/staf/ikm/laporan.xlsx"


@pytest.fixture
def mpp():
    office = make_office(code="mpp-uji", name="MPP Uji")
    office.dukcapil = make_agency(office, name="Disdukcapil", code="dukcapil")
    office.samsat = make_agency(office, name="Samsat", code="samsat")
    office.ktp = make_service(agency=office.dukcapil, name="KTP-el")
    office.stnk = make_service(agency=office.samsat, name="Pajak STNK")
    office.counter = make_counter(agency=office.dukcapil, services=[office.ktp], name="Loket 1")
    office.officer = make_officer(office.dukcapil)
    office.officer.first_name = "Komang Ayu"
    office.officer.save()
    # Six Dukcapil answers (3 ×3, 4 ×3 → 87,50) at the officer's counter, five Samsat (2).
    for i, answers in enumerate((3, 3, 3, 4, 4, 4)):
        make_response(
            office.ktp,
            DAY,
            answers,
            counter=office.counter,
            officer=office.officer,
            suggestion="Ruang tunggu perlu kipas" if answers == 4 else "",
            profile=WOMAN if i % 2 else MAN,
        )
    for _ in range(5):
        make_response(office.stnk, DAY, 2)
    serve_walk_ins(office.ktp, counter=office.counter, officer=office.officer, day=DAY, count=2)
    return office


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_office_admin_sees_the_office_with_every_table(client, mpp):
    sign_in(client, make_officer(mpp.dukcapil, role="office_admin"))
    response = client.get(PAGE, Q1)
    assert response.status_code == 200
    page = text_of(response)
    # 6 × 3,5 and 5 × 2 per element: (21 + 10) ÷ 11 = 2,8181… × 25 = 70,45 → C.
    assert "70,45" in page or "70.45" in page
    assert "Kurang baik" in page
    assert "Pajak STNK" in page and "KTP-el" in page
    assert "Loket 1" in page and "Komang Ayu" in page
    assert "Ruang tunggu perlu kipas" in page
    assert "Persyaratan" in page
    # Population: two tickets served in Q1 → minimum sample 2.
    assert re.search(r"Dilayani \(populasi\)</dt><dd>2</dd>", page)


def test_an_officer_sees_its_agency_only_and_no_one_by_person(client, mpp):
    sign_in(client, mpp.officer)
    response = client.get(PAGE, Q1)  # defaults to the one unit it may read
    assert response.status_code == 200
    page = text_of(response)
    assert "87,50" in page or "87.50" in page
    assert "Pajak STNK" not in page and "Seluruh kantor" not in page
    assert "Per petugas" not in page and "Komang Ayu</th>" not in page
    # The whole office, or the other agency: refused, nothing shown.
    for unit in ("", f"a{mpp.samsat.pk}", f"s{mpp.stnk.pk}"):
        refused = client.get(PAGE, {**Q1, "unit": unit})
        assert refused.status_code == 403, unit
        assert "Pajak STNK" not in text_of(refused) and "70,45" not in text_of(refused)
        assert client.get(PDF, {**Q1, "unit": unit}).status_code == 403


def test_another_offices_staff_and_the_inspectorate_see_nothing(client, mpp):
    elsewhere = make_officer(make_agency(make_office(code="mpp-lain")), role="office_admin")
    sign_in(client, elsewhere)
    assert client.get(PAGE, {**Q1, "kantor": "mpp-uji"}).status_code == 403
    assert client.get(XLSX, {**Q1, "kantor": "mpp-uji"}).status_code == 403
    client.logout()
    sign_in(client, make_inspector(make_region()))
    assert client.get(PAGE, Q1).status_code == 403
    assert client.get(PDF, Q1).status_code == 403


def test_signed_out_goes_to_the_sign_in(client, mpp):
    response = client.get(PAGE, Q1)
    assert response.status_code == 302 and "/staf/masuk/" in response["Location"]


def test_a_unit_of_another_office_is_not_found(client, mpp):
    sign_in(client, make_superuser())
    other = make_service(make_office(code="mpp-lain"))
    assert client.get(PAGE, {**Q1, "unit": f"s{other.pk}"}).status_code == 404
    assert client.get(PAGE, {**Q1, "unit": "zzz"}).status_code == 404


def test_a_bad_period_is_explained_and_the_default_shown(client, mpp):
    sign_in(client, make_superuser())
    response = client.get(
        PAGE, {"periode": "rentang", "dari": "2025-03-01", "sampai": "2025-02-01"}
    )
    assert response.status_code == 200
    assert "Periode tidak sah" in text_of(response)


def test_the_per_officer_row_hides_figures_below_five(client, mpp):
    quiet = make_officer(mpp.dukcapil)
    quiet.first_name = "Wayan Sepi"
    quiet.save()
    for _ in range(4):
        make_response(mpp.ktp, DAY, 1, officer=quiet)
    sign_in(client, make_officer(mpp.dukcapil, role="agency_admin"))
    page = text_of(client.get(PAGE, {**Q1, "unit": f"a{mpp.dukcapil.pk}"}))
    row = re.search(r"Wayan Sepi</th>(.*?)</tr>", page).group(1)
    assert '<td class="num">4</td>' in row and "tampil dari 5 jawaban" in row


def test_xlsx_report_in_the_regulations_layout(client, mpp):
    sign_in(client, make_officer(mpp.dukcapil, role="office_admin"))
    response = client.get(XLSX, {**Q1, "unit": f"a{mpp.dukcapil.pk}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["SKM", "Saran"]
    sheet = workbook["SKM"]
    rows = sheet_rows(sheet)
    assert rows[0] == ["Laporan Survei Kepuasan Masyarakat"]
    assert sheet["A1"].font.bold
    assert ["Unit pelayanan", "Disdukcapil"] in rows
    assert ["Periode", "1 Januari 2025 – 31 Maret 2025"] in rows
    assert ["Jumlah responden", 6] in rows
    assert ["Populasi (antrean selesai dilayani)", 2] in rows
    # Shares are numbers shown as percentages, so a spreadsheet can add them up.
    assert ["Perempuan", 3, 0.5] in rows and ["Laki-laki", 3, 0.5] in rows
    assert ["SD ke bawah", 0, 0] in rows
    header = rows.index(["No.", "Unsur pelayanan", "Nilai total", "NRR", "NRR tertimbang"])
    header_cells = next(sheet.iter_rows(min_row=header + 1, max_row=header + 1))
    assert all(cell.font.bold for cell in header_cells)
    first = header + 2  # the sheet's row number of U1
    assert rows[first - 1] == ["U1", "Persyaratan", 21, 3.5, 0.389]
    assert sheet.cell(first, 4).number_format == "0.00"
    assert sheet.cell(first, 5).number_format == "0.000"
    assert rows[header + 9][:2] == ["U9", "Sarana dan prasarana"]
    assert rows[header + 10] == ["Jumlah NRR tertimbang", 3.501]
    ikm_row = next(row for row in sheet.iter_rows() if row[0].value == "IKM unit pelayanan")
    assert ikm_row[1].value == 87.5 and ikm_row[1].number_format == "0.00"
    assert ikm_row[0].font.bold and ikm_row[1].font.bold
    assert ["Mutu pelayanan", "B"] in rows and ["Kinerja unit pelayanan", "Baik"] in rows
    assert sheet.column_dimensions["A"].width == 44
    suggestions = sheet_rows(workbook["Saran"])
    assert suggestions[0] == ["Saran dan masukan"]
    assert suggestions.count(["Ruang tunggu perlu kipas"]) == 3


def sheet_rows(sheet) -> list[list]:
    """The sheet's non-empty cells per row (empty rows kept, so indexes follow the rows)."""
    return [
        [value for value in row if value not in (None, "")]
        for row in sheet.iter_rows(values_only=True)
    ]


def xlsx_rows(content: bytes) -> list[list]:
    return sheet_rows(load_workbook(io.BytesIO(content))["SKM"])


def test_xlsx_keeps_a_suggestion_that_looks_like_a_formula_as_text(client, mpp):
    make_response(mpp.ktp, DAY, 3, suggestion='=HYPERLINK("http://x.example","klik")')
    make_response(mpp.ktp, DAY, 3, suggestion="Antre\x07 lama")
    sign_in(client, make_superuser())
    content = client.get(XLSX, {**Q1, "unit": f"a{mpp.dukcapil.pk}"}).content
    sheet = load_workbook(io.BytesIO(content))["Saran"]
    cells = {cell.value: cell.data_type for (cell,) in sheet.iter_rows(max_col=1)}
    assert cells['=HYPERLINK("http://x.example","klik")'] == "s"
    assert "Antre lama" in cells


def test_pdf_report_in_the_regulations_layout(client, mpp):
    sign_in(client, make_superuser())
    response = client.get(PDF, {**Q1, "unit": f"a{mpp.dukcapil.pk}"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = re.sub(r"\s+", " ", text)
    for expected in (
        "Laporan Survei Kepuasan Masyarakat",
        "Disdukcapil",
        "1 Januari 2025 – 31 Maret 2025",
        "Persyaratan",
        "Sarana dan prasarana",
        "NRR tertimbang",
        "IKM unit pelayanan 87,50",
        "Mutu pelayanan B",
        "Kinerja unit pelayanan Baik",
        "Ruang tunggu perlu kipas",
    ):
        assert expected in text, expected


def test_reports_below_the_floor_carry_no_figures(client, mpp):
    for response in SurveyResponse.objects.filter(agency=mpp.samsat)[:2]:
        response.delete()
    make_response(mpp.stnk, DAY, 2, suggestion="Parkir sempit")  # 4 in all
    sign_in(client, make_superuser())
    content = client.get(XLSX, {**Q1, "unit": f"a{mpp.samsat.pk}"}).content
    rows = xlsx_rows(content)
    saran = sheet_rows(load_workbook(io.BytesIO(content))["Saran"])
    assert saran[0] == ["Saran dan masukan"] and "kurang dari 5" in saran[1][0]
    assert len(saran) == 2  # "Parkir sempit" stays out below the floor
    assert ["Jumlah responden", 4] in rows
    assert not any("IKM unit pelayanan" in str(cell) for row in rows for cell in row)
    page = text_of(client.get(PAGE, {**Q1, "unit": f"a{mpp.samsat.pk}"}))
    assert "Belum cukup jawaban" in page and "Nilai per unsur" not in page


def test_a_date_range_is_read_over_whole_months_and_a_thin_month_hides_the_figures(client, mpp):
    sign_in(client, make_superuser())
    samsat = {"unit": f"a{mpp.samsat.pk}", "periode": "rentang"}
    february = {**samsat, "dari": "2025-02-10", "sampai": "2025-02-11"}
    page = text_of(client.get(PAGE, february))
    assert "1 Feb 2025 – 28 Feb 2025" in page
    assert "diperluas ke awal dan akhir bulannya" in page
    assert "Belum cukup jawaban" not in page and "Nilai per unsur" in page
    make_response(mpp.stnk, dt.date(2025, 3, 3), 1, suggestion="Parkir sempit")  # alone in March
    to_march = {**samsat, "dari": "2025-02-10", "sampai": "2025-03-05"}
    page = text_of(client.get(PAGE, to_march))
    assert "1 Feb 2025 – 31 Mar 2025" in page
    assert "Belum cukup jawaban" in page and "Ada bulan dalam periode ini" in page
    assert "Nilai per unsur" not in page and "Parkir sempit" not in page
    response = client.get(PDF, to_march)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "1 Februari 2025 – 31 Maret 2025" in text and "Ada bulan dalam periode ini" in text
    assert "IKM unit pelayanan" not in text and "Parkir sempit" not in text
    assert response["Content-Disposition"].endswith('-20250201-20250331.pdf"')
    rows = xlsx_rows(client.get(XLSX, to_march).content)
    assert ["Periode", "1 Februari 2025 – 31 Maret 2025"] in rows
    assert ["Jumlah responden", 6] in rows
    assert not any("IKM unit pelayanan" in str(cell) for row in rows for cell in row)


def test_a_range_of_thirteen_months_once_widened_is_refused(client, mpp):
    sign_in(client, make_superuser())
    page = text_of(
        client.get(PAGE, {"periode": "rentang", "dari": "2025-01-15", "sampai": "2026-01-14"})
    )
    assert "Periode tidak sah" in page and "12 bulan" in page
