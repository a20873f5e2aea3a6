"""Pure parts: periods and presets, Indonesian numbers and dates, chart axes and SVG."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from urllib.parse import unquote

import pytest
from django.utils import translation

from antrean.core.errors import DomainError
from antrean.dashboards import numbers
from antrean.dashboards.charts import data_url, series_chart, ticks
from antrean.dashboards.periods import (
    MAX_DAYS,
    Period,
    period_check,
    period_from_query,
    preset_period,
)
from antrean.dashboards.tables import COUNT, DAY, SHARE, TEXT, Column, Table, table_csv

TODAY = dt.date(2026, 12, 5)


@pytest.mark.parametrize(
    ("key", "start", "end"),
    [
        ("7-hari", dt.date(2026, 11, 29), TODAY),
        ("30-hari", dt.date(2026, 11, 6), TODAY),
        ("bulan-ini", dt.date(2026, 12, 1), TODAY),
        ("bulan-lalu", dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
        ("90-hari", dt.date(2026, 9, 7), TODAY),
        ("tahun-ini", dt.date(2026, 1, 1), TODAY),
        ("12-bulan", dt.date(2026, 1, 1), TODAY),
    ],
)
def test_presets(key, start, end):
    assert preset_period(key, TODAY) == Period(start, end, key)


def test_twelve_months_in_march_start_in_april():
    period = preset_period("12-bulan", dt.date(2027, 3, 31))
    assert period.start == dt.date(2026, 4, 1) and len(period.months()) == 12
    assert period.days <= MAX_DAYS


def test_from_to_and_their_refusals():
    assert period_from_query({"dari": "2026-11-01", "sampai": "2026-11-30"}, today=TODAY) == (
        Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
        "",
    )
    default, error = period_from_query({"dari": "2026-12-01", "sampai": "2026-11-01"}, today=TODAY)
    assert default.preset == "30-hari" and "Periode tidak sah" in error
    _default, error = period_from_query({"dari": "kemarin"}, today=TODAY)
    assert error
    with pytest.raises(DomainError) as refused:
        period_check(dt.date(2025, 1, 1), dt.date(2026, 1, 2))
    assert refused.value.code == "invalid_period"
    assert period_check(dt.date(2024, 1, 1), dt.date(2024, 12, 31)).days == 366


def test_indonesian_numbers_and_dates():
    with translation.override("id"):
        assert numbers.number(1234.5, 1) == "1.234,5"
        assert numbers.number(2.5) == "3"  # half up, as the IKM rounds
        assert numbers.percent(Fraction(23, 24)) == "95,8%"
        assert numbers.minutes(2160) == "36,0 mnt"
        assert numbers.day(dt.date(2026, 12, 5)) == "5 Des 2026"
        assert numbers.month(dt.date(2026, 12, 1)) == "Des 2026"
        assert numbers.number(None) == "–"
        # Counts (ints) take a shorter path: the same text as through Decimal.
        for count in (0, 7, 1234, -56789, 10**20 + 1):
            assert numbers.number(count) == numbers.number(Decimal(count))
        assert numbers.number(1234567) == "1.234.567"
        assert numbers.number(1234, 2) == "1.234,00"
    with translation.override("en"):
        assert numbers.number(1234.5, 1) == "1,234.5"
        assert numbers.number(1234567) == "1,234,567"
        assert numbers.day(dt.date(2026, 12, 5)) == "5 Dec 2026"


def test_axis_ticks_are_round_and_whole_for_counts():
    assert ticks(2) == [0, 1, 2]
    assert ticks(0.5) == [0, 1]
    assert ticks(2746) == [0, 500, 1000, 1500, 2000, 2500, 3000]
    assert ticks(12.4, integer=False) == [0, 2, 4, 6, 8, 10, 12, 14]
    assert ticks(100) == [0, 20, 40, 60, 80, 100]


def test_a_chart_is_an_svg_without_script_with_indonesian_labels():
    with translation.override("id"):
        chart = series_chart(
            slug="uji",
            title="Uji",
            alt="Grafik uji",
            labels=["1 Des", "2 Des"],
            series=[("Daring", [1200, 3400])],
            table=None,
            kind="bar",
            formatter=lambda value: numbers.number(value),
        )
    assert chart.src.startswith("data:image/svg+xml;charset=utf-8,")
    svg = unquote(chart.src.split(",", 1)[1])
    assert svg.startswith("<svg") and "<script" not in svg
    assert "3.500" in svg and "1 Des" in svg  # the axis in Indonesian numbers
    assert "#" not in chart.src.split(",", 1)[1]  # a fragment would cut the image short


def test_data_url_escapes_what_ends_a_url():
    assert data_url('<svg a="#%">\n</svg>').endswith("%3Csvg a=%22%23%25%22%3E%0A%3C/svg%3E")


def test_data_url_escapes_as_urllib_quote_does_every_character():
    from urllib.parse import quote

    from antrean.dashboards.charts import _SAFE

    text = "".join(chr(code) for code in range(256)) + "Rata-rata ≤ 5 mnt — “Des” 🇮🇩 ✓"
    assert data_url(text) == "data:image/svg+xml;charset=utf-8," + quote(text, safe=_SAFE)


def test_csv_writes_plain_values_and_units():
    table = Table(
        slug="uji",
        title="Uji",
        columns=[
            Column("d", "Tanggal", DAY),
            Column("n", "Antrean", COUNT),
            Column("s", "Tidak hadir", SHARE),
            Column("t", "Nama", TEXT),
        ],
        rows=[
            [dt.date(2026, 12, 5), 1234, Fraction(1, 8), "@SUM(1)"],
            [dt.date(2026, 12, 6), 0, None, ""],
        ],
    )
    assert table_csv(table).decode().splitlines() == [
        "Tanggal,Antrean,Tidak hadir (%),Nama",
        "2026-12-05,1234,12.5,'@SUM(1)",
        "2026-12-06,0,,",
    ]
