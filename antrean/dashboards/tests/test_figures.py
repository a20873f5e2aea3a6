"""The figures the pages, charts, exports and API show, against values computed by hand from
roll-up rows made here.

MPP Badung, November 2026 (dates in the office's own days):
- KTP-el, 10 Nov: 10 online + 5 walk-in, 12 served, 2 no-shows, waits 1, 5 and 15 minutes,
  services 5 and 10 minutes, 15 pacts, 14 calls of which 13 by pledged officers, five survey
  answers of 3 on every element.
- KTP-el, 11 Nov: 4 online, 3 served, 1 no-show, a wait of 2 minutes, a service of 4 minutes,
  4 pacts, 4 calls all pledged.
- STNK (Samsat), 10 Nov: 6 walk-in, 6 served, waits 20 and 30 minutes, a service of 10
  minutes, 6 pacts, 6 calls all pledged, 1 audit flag.
- The office: 3 officers pledged on 10 Nov; a report received on 10 Nov, closed
  (substantiated) on 11 Nov.

So: 25 tickets (14 online, 11 walk-in), 21 served, 3 no-shows (12,0%), 25 pacts, 24 calls of
which 23 pledged (95,8%), 1 flag. Waiting histogram (minutes): [0–2) 1, [2–5) 1, [5–10) 1,
[15–20) 1, [20–30) 1, [30–45) 1: median = 10,0 minutes (the 3rd of 6 fills [5–10)), p90 = 30 +
0,4 × 15 = 36,0 minutes. IKM: NRR 3 on every element → 75,00, grade C ("Kurang baik").
KTP-el alone: median 5,0 minutes ([2–5) filled by the 2nd of 4), mean service (300 + 600 +
240) / 3 = 380 s = 6,3 minutes. STNK alone (one day): its own exact median, 30,0 minutes.
"""

import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from antrean.api.auth import api_token_issue
from antrean.dashboards.months import office_months_refresh_due
from antrean.dashboards.tests.world import DAY, add_day, add_office_figures, make_world
from antrean.testing.signin import sign_in

pytestmark = pytest.mark.django_db

NOVEMBER = {"dari": "2026-11-01", "sampai": "2026-11-30"}
OFFICE = "/staf/dasbor/kantor/mpp-badung/"
NEXT = DAY + dt.timedelta(days=1)


@pytest.fixture
def world():
    world = make_world()
    add_day(
        world.ktp,
        DAY,
        online=10,
        walkin=5,
        served=12,
        no_shows=2,
        waits=(60, 300, 900),
        services=(300, 600),
        pacts=15,
        calls=14,
        calls_pledged=13,
        surveys=(3, 3, 3, 3, 3),
    )
    add_day(
        world.ktp,
        NEXT,
        online=4,
        served=3,
        no_shows=1,
        waits=(120,),
        services=(240,),
        pacts=4,
        calls=4,
        calls_pledged=4,
    )
    add_day(
        world.stnk,
        DAY,
        walkin=6,
        served=6,
        waits=(1200, 1800),
        services=(600,),
        pacts=6,
        calls=6,
        calls_pledged=6,
        flags=1,
    )
    add_office_figures(world.office, DAY, officers_pledged=3, reports_received=1)
    add_office_figures(world.office, NEXT, reports_closed_substantiated=1)
    add_day(world.other_ktp, DAY, online=7, walkin=1, served=8)
    return world


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_office_page_shows_the_hand_computed_figures(client, world):
    sign_in(client, world.head)
    page = text(client.get(OFFICE, NOVEMBER))
    for expected in (
        "Antrean 25 14 daring · 11 langsung",
        "Dilayani 21",
        "Tingkat tidak hadir 12,0% 3 tidak hadir",
        "Waktu tunggu (median) 10,0 mnt p90: 36,0 mnt",
        "Pakta warga ditandatangani 25",
        "Panggilan oleh petugas berpakta 95,8% 23 dari 24 panggilan",
        "IKM 75,00 C · Kurang baik",
        "Tanda audit panggilan 1",
        "Laporan gratifikasi 1 1 selesai ditangani",
    ):
        assert expected in page, expected
    # Per service: KTP-el's median and mean service time, STNK's exact median.
    assert "Perekaman KTP-el Disdukcapil 19 73,7% 15 15,8% 5,0 mnt" in page
    assert "Pajak STNK Samsat 6 0,0% 6 0,0% 30,0 mnt" in page


def test_each_chart_is_an_image_with_its_table(client, world):
    sign_in(client, world.head)
    html = client.get(OFFICE, NOVEMBER).content.decode()
    images = re.findall(r'<img src="(data:image/svg\+xml;[^"]+)" alt="([^"]+)"', html)
    assert len(images) >= 7
    assert all(alt for _src, alt in images)
    assert "<script" not in "".join(src for src, _alt in images).lower()
    assert "%3Cscript" not in "".join(src for src, _alt in images)
    # The daily chart's table: 30 days, the 10th with its figures, a total row.
    section = html[html.index('id="antrean"') :]
    section = section[: section.index("</section>")]
    assert section.count("<tr>") == 1 + 30 + 1
    assert re.search(r"10 Nov 2026</th><td class=\"num\">10</td><td class=\"num\">11</td>", section)
    assert "Jumlah</th>" in section


def test_csv_and_xlsx_hold_the_pages_rows(client, world):
    sign_in(client, world.head)
    daily = rows_of(client.get(OFFICE + "antrean.csv", NOVEMBER))
    assert daily[0][:4] == ["Tanggal", "Daring", "Langsung", "Jumlah antrean"]
    assert daily[0][6] == "Tingkat tidak hadir (%)"
    tenth = next(row for row in daily if row[0] == "2026-11-10")
    assert tenth == ["2026-11-10", "10", "11", "21", "18", "2", "9.5", "21", "20", "95.0", "1"]
    assert daily[-1][:4] == ["Jumlah", "14", "11", "25"]
    assert len(daily) == 1 + 30 + 1
    services = rows_of(client.get(OFFICE + "layanan.csv", NOVEMBER))
    ktp = next(row for row in services if row[0] == "Perekaman KTP-el")
    # Median and p90 of KTP-el's 4 waits (p90: 15 + 0,6 × 5 minutes); mean service 380 s.
    assert ktp[6:9] == ["5.0", "18.0", "6.3"]
    response = client.get(OFFICE + "layanan.xlsx", NOVEMBER)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Per layanan"
    assert values[1][:2] == ["Cakupan", "MPP Badung"]
    header = values.index(next(r for r in values if r[0] == "Layanan"))
    ktp_row = next(r for r in values[header:] if r[0] == "Perekaman KTP-el")
    assert ktp_row[2] == 19 and ktp_row[6] == 5.0 and ktp_row[8] == 6.3
    assert sheet.cell(row=header + 2, column=4).number_format == "0.0%"
    everything = load_workbook(io.BytesIO(client.get(OFFICE + "semua.xlsx", NOVEMBER).content))
    assert "Per layanan" in everything.sheetnames and "IKM per bulan" in everything.sheetnames


def test_a_formula_typed_as_a_name_stays_text_in_csv(client, world):
    world.stnk.name = "=HYPERLINK(1)"
    world.stnk.save()
    sign_in(client, world.head)
    services = rows_of(client.get(OFFICE + "layanan.csv", NOVEMBER))
    assert [row[0] for row in services if "HYPERLINK" in row[0]] == ["'=HYPERLINK(1)"]


def test_the_ikm_month_table_and_its_anonymity(client, world):
    # Three answers in October: October's IKM is hidden, and so is the total over both months.
    add_day(world.kk, dt.date(2026, 10, 20), online=3, served=3, surveys=(4, 4, 4))
    sign_in(client, world.head)
    months = rows_of(client.get(OFFICE + "ikm.csv", {"dari": "2026-10-01", "sampai": "2026-11-30"}))
    assert months[1][:3] == ["2026-10", "3", ""]
    assert months[2][:4] == ["2026-11", "5", "75.0", "C (Kurang baik)"]
    page = text(client.get(OFFICE, {"dari": "2026-10-01", "sampai": "2026-11-30"}))
    assert "IKM – disembunyikan" in page
    # A period inside November still shows November's whole-month IKM.
    page = text(client.get(OFFICE, {"dari": "2026-11-10", "sampai": "2026-11-11"}))
    assert "IKM 75,00 C · Kurang baik" in page
    assert "IKM dihitung atas bulan penuh: Nov 2026 – Nov 2026." in page


def test_the_region_and_nation_compare_and_rank(client, world):
    office_months_refresh_due()
    sign_in(client, world.national)
    ranking = rows_of(client.get("/staf/dasbor/nasional/kantor.csv", NOVEMBER))
    assert [row[:4] for row in ranking[1:]] == [
        ["1", "MPP Badung", "Kabupaten Badung", "25"],
        ["2", "MPP Sidoarjo", "Kabupaten Sidoarjo", "8"],
    ]
    # Ranked by the no-show rate, lowest first: Sidoarjo's 0% before Badung's 12%.
    by_no_show = rows_of(
        client.get("/staf/dasbor/nasional/kantor.csv", {**NOVEMBER, "urut": "tidak-hadir"})
    )
    assert [row[1] for row in by_no_show[1:]] == ["MPP Sidoarjo", "MPP Badung"]
    assert by_no_show[2][6] == "12.0"
    descending = rows_of(
        client.get(
            "/staf/dasbor/nasional/kantor.csv",
            {**NOVEMBER, "urut": "tidak-hadir", "arah": "turun"},
        )
    )
    assert [row[1] for row in descending[1:]] == ["MPP Badung", "MPP Sidoarjo"]
    page = client.get("/staf/dasbor/nasional/", {**NOVEMBER, "urut": "tidak-hadir"})
    html = page.content.decode()
    assert 'aria-sort="ascending"' in html and "urut=tidak-hadir&amp;arah=turun" in html
    areas = rows_of(client.get("/staf/dasbor/nasional/wilayah.csv", NOVEMBER))
    assert [row[:3] for row in areas[1:]] == [["Jawa Timur", "1", "8"], ["Bali", "1", "25"]]
    province = text(client.get("/staf/dasbor/wilayah/51/", NOVEMBER))
    assert "Antrean 25 14 daring · 11 langsung" in province


def test_month_rows_and_day_rows_give_the_same_figures(client, world):
    """A whole-month period is read from the monthly roll-up, any other from the days: the
    same November either way."""
    office_months_refresh_due()
    sign_in(client, world.national)
    whole = rows_of(client.get("/staf/dasbor/nasional/kantor.csv", NOVEMBER))
    days = rows_of(
        client.get(
            "/staf/dasbor/nasional/kantor.csv", {"dari": "2026-11-02", "sampai": "2026-11-30"}
        )
    )
    assert whole == days


def test_the_api_gives_the_same_figures(client, world):
    token = api_token_issue(user=world.head).secret
    summary = client.get(
        "/api/v1/dashboard/offices/mpp-badung/summary",
        {"from": "2026-11-01", "to": "2026-11-30"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    ).json()
    totals = summary["totals"]
    assert (totals["tickets"], totals["tickets_online"], totals["served"]) == (25, 14, 21)
    assert totals["no_show_rate"] == 0.12
    assert (totals["wait_p50_s"], totals["wait_p90_s"]) == (600, 2160)
    assert totals["pledged_call_share"] == round(23 / 24, 4)
    assert (totals["reports_received"], totals["reports_closed_substantiated"]) == (1, 1)
    assert summary["ikm"] == {
        "responses": 5,
        "ikm": 75.0,
        "grade": "C",
        "label": "Kurang baik",
        "withheld": False,
    }
    assert summary["trend_unit"] == "day" and len(summary["trend"]) == 30
    tenth = next(day for day in summary["trend"] if day["start"] == "2026-11-10")
    assert tenth["figures"]["tickets"] == 21
    ktp = next(line for line in summary["by_service"] if line["code"] == "ktp-el")
    assert (ktp["figures"]["wait_p50_s"], ktp["figures"]["service_mean_s"]) == (300, 380)
    assert summary["by_month"][0]["month"] == "2026-11"


def test_a_long_period_is_drawn_per_month(client, world):
    sign_in(client, world.head)
    rows = rows_of(
        client.get(OFFICE + "antrean.csv", {"dari": "2026-01-01", "sampai": "2026-12-31"})
    )
    assert rows[0][0] == "Bulan" and len(rows) == 1 + 12 + 1
    assert rows[11] == ["2026-11", "14", "11", "25", "21", "3", "12.0", "25", "24", "95.8", "1"]


def test_a_wrong_period_is_explained_and_the_default_shown(client, world):
    sign_in(client, world.head)
    page = text(client.get(OFFICE, {"dari": "2026-11-30", "sampai": "2026-11-01"}))
    assert "Periode tidak sah" in page
    token = api_token_issue(user=world.head).secret
    response = client.get(
        "/api/v1/dashboard/offices/mpp-badung/summary",
        {"from": "2025-01-01", "to": "2026-11-30"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422 and response.json()["error"] == "invalid_period"


def test_english_numbers_and_dates_follow_the_language(client, world, settings):
    sign_in(client, world.head)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = text(client.get(OFFICE, NOVEMBER))
    assert "10 Nov 2026" in page
    assert "95.8%" in page
