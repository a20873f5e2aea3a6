"""What a dashboard page shows, built from a selector's figures: headline cards, and sections
of a chart with its table. The exports and the monthly PDF take the same tables, so a file
holds exactly the page's rows and columns (`tables_of`).

Definitions (docs/dashboards.md): tickets are online (web, API, WhatsApp) plus walk-in
(kiosk, counter); the no-show rate is no-shows over all tickets; waiting is arrival to first
call (p50/p90 from the roll-ups' histogram, exact for a single day), service time is its
mean; pacts are citizens' pacts; "pledged calls" are calls made by an officer who had signed
that day's officer pact; the IKM is over whole months, hidden under the survey's anonymity
rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from antrean.dashboards import charts, numbers
from antrean.dashboards.charts import Chart
from antrean.dashboards.selectors import AreaDashboard, OfficeDashboard, OfficeLine
from antrean.dashboards.tables import (
    COUNT,
    DAY,
    INDEX,
    MINUTES,
    MONTH,
    RANK,
    SHARE,
    TEXT,
    Column,
    Table,
)
from antrean.feedback.models import ANONYMITY_MIN
from antrean.stats.figures import Figures
from antrean.stats.live import OfficeLive

# A daily series longer than this is drawn as lines (bars would be too thin and heavy).
BARS_UP_TO = 31
RANKING_CHART_ROWS = 15


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    detail: str = ""


@dataclass
class Section:
    slug: str
    title: str
    table: Table
    chart: Chart | None = None
    intro: str = ""
    table_open: bool = True  # shown as it is, or folded under the chart (<details>)
    sortable: bool = False
    cards: list[Card] = field(default_factory=list)


@dataclass
class Content:
    cards: list[Card] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    def table(self, slug: str) -> Table | None:
        return next((s.table for s in self.sections if s.table.slug == slug), None)

    @property
    def tables(self) -> list[Table]:
        return [section.table for section in self.sections]


def _share_value(share) -> float | None:
    return None if share is None else float(share)


def _percent_axis(value) -> str:
    return numbers.percent(value / 100 if value is not None else None, 0)


def _count_axis(value) -> str:
    return numbers.number(value)


def _minutes_axis(value) -> str:
    return numbers.number(value, 1)


def ikm_note(figures: Figures) -> str:
    if figures.ikm_result is not None:
        return ""
    if figures.thin_month and figures.survey_responses >= ANONYMITY_MIN:
        return _("disembunyikan: ada bulan dengan 1–%(n)d jawaban") % {"n": ANONYMITY_MIN - 1}
    if figures.survey_responses:
        return _("tampil dari %(n)d jawaban") % {"n": ANONYMITY_MIN}
    return ""


# --- Cards ----------------------------------------------------------------------------------


def period_cards(totals: Figures, ikm: Figures, *, with_office_figures: bool) -> list[Card]:
    cards = [
        Card(
            _("Antrean"),
            numbers.number(totals.tickets),
            _("%(online)s daring · %(walkin)s langsung")
            % {
                "online": numbers.number(totals.tickets_online),
                "walkin": numbers.number(totals.tickets_walkin),
            },
        ),
        Card(_("Dilayani"), numbers.number(totals.served)),
        Card(
            _("Tingkat tidak hadir"),
            numbers.percent(totals.no_show_rate),
            _("%(n)s tidak hadir") % {"n": numbers.number(totals.no_shows)},
        ),
        Card(
            _("Waktu tunggu (median)"),
            numbers.minutes(totals.wait_p50_s),
            _("p90: %(p90)s") % {"p90": numbers.minutes(totals.wait_p90_s)},
        ),
        Card(_("Waktu layanan (rata-rata)"), numbers.minutes(totals.service_mean_s)),
        Card(_("Pakta warga ditandatangani"), numbers.number(totals.pacts_citizen)),
        Card(
            _("Panggilan oleh petugas berpakta"),
            numbers.percent(totals.pledged_call_share),
            _("%(pledged)s dari %(calls)s panggilan")
            % {
                "pledged": numbers.number(totals.calls_pledged),
                "calls": numbers.number(totals.calls),
            },
        ),
        Card(
            _("IKM"),
            numbers.number(ikm.ikm, 2) if ikm.ikm is not None else numbers.DASH,
            (f"{ikm.grade.letter} · {ikm.grade.label}" if ikm.grade else ikm_note(ikm))
            or _("%(n)s jawaban") % {"n": numbers.number(ikm.survey_responses)},
        ),
        Card(_("Tanda audit panggilan"), numbers.number(totals.audit_flags)),
    ]
    if with_office_figures and totals.reports_received is not None:
        cards.append(
            Card(
                _("Laporan gratifikasi"),
                numbers.number(totals.reports_received),
                _("%(closed)s selesai ditangani")
                % {"closed": numbers.number(totals.reports_closed)},
            )
        )
    return cards


def today_cards(today: Figures, *, waiting: int) -> list[Card]:
    """A region's or the nation's today: waiting now (the live queue), the rest from today's
    roll-up (the worker refreshes it every ten minutes)."""
    cards = [
        Card(_("Menunggu sekarang"), numbers.number(waiting)),
        Card(_("Antrean hari ini"), numbers.number(today.tickets)),
        Card(_("Dilayani hari ini"), numbers.number(today.served)),
        Card(_("Waktu tunggu hari ini (median)"), numbers.minutes(today.wait_p50_s)),
        Card(
            _("Panggilan oleh petugas berpakta"),
            numbers.percent(today.pledged_call_share),
        ),
    ]
    if today.officers_pledged is not None:
        cards.append(Card(_("Petugas berpakta hari ini"), numbers.number(today.officers_pledged)))
    return cards


def live_cards(live: OfficeLive) -> list[Card]:
    return [
        Card(_("Menunggu"), numbers.number(live.waiting)),
        Card(_("Di loket"), numbers.number(live.serving), _("dipanggil atau sedang dilayani")),
        Card(_("Dilayani hari ini"), numbers.number(live.served)),
        Card(_("Waktu tunggu hari ini (median)"), numbers.minutes(live.wait_p50_s)),
        Card(
            _("Loket buka"),
            numbers.number(live.counters_open),
            _("dari %(n)s loket aktif") % {"n": numbers.number(live.counters)},
        ),
        Card(_("Petugas berpakta hari ini"), numbers.number(live.officers_pledged)),
    ]


def live_section(live: OfficeLive, agencies: dict[int, str]) -> Section:
    table = Table(
        slug="hari-ini",
        title=_("Antrean per layanan saat ini"),
        columns=[
            Column("service", _("Layanan"), TEXT),
            Column("agency", _("Instansi"), TEXT),
            Column("waiting", _("Menunggu"), COUNT),
            Column("serving", _("Di loket"), COUNT),
            Column("done", _("Selesai hari ini"), COUNT),
            Column("wait_p50", _("Tunggu hari ini (median)"), MINUTES),
        ],
        rows=[
            [
                service.name,
                agencies.get(service.agency_id, ""),
                service.waiting,
                service.serving,
                service.done,
                service.wait_p50_s,
            ]
            for service in live.services
            if service.waiting or service.serving or service.done
        ],
        note=_(
            "Keadaan saat halaman dibuka (muat ulang untuk angka terbaru); layanan yang belum "
            "punya antrean hari ini tidak dicantumkan."
        ),
    )
    return Section(
        slug="hari-ini",
        title=_("Hari ini, %(date)s") % {"date": numbers.day(live.date)},
        table=table,
        cards=live_cards(live),
    )


# --- Tables and charts shared by every scope -------------------------------------------------


def _trend_row(key, f: Figures) -> list:
    return [
        key,
        f.tickets_online,
        f.tickets_walkin,
        f.tickets,
        f.served,
        f.no_shows,
        _share_value(f.no_show_rate),
        f.pacts_citizen,
        f.calls,
        _share_value(f.pledged_call_share),
        f.audit_flags,
    ]


def _chart_or_none(charts_on: bool, **options) -> Chart | None:
    return charts.series_chart(**options) if charts_on else None


def _trend_sections(
    trend: dict[dt.date, Figures],
    points: list[dt.date],
    *,
    unit: str,
    totals: Figures,
    charts_on: bool,
    office_rows: bool,
) -> list[Section]:
    """Tickets (online and walk-in), no-shows, pacts and audit flags over the period: per day,
    or per month for a long period (`unit`, antrean.dashboards.selectors.TREND_DAYS)."""
    empty = Figures()
    rows = [(point, trend.get(point, empty)) for point in points]
    daily = unit == "day"
    when = Column("date", _("Tanggal"), DAY) if daily else Column("month", _("Bulan"), MONTH)
    labels = charts.day_labels(points) if daily else charts.month_labels(points)
    bars = len(points) <= BARS_UP_TO
    span = {
        "start": numbers.day(points[0]) if daily else numbers.month(points[0]),
        "end": numbers.day(points[-1]) if daily else numbers.month(points[-1]),
    }
    see_table = _("Angkanya ada di tabel sesudah grafik.")
    tickets = Table(
        slug="antrean",
        title=_("Antrean per hari") if daily else _("Antrean per bulan"),
        columns=[
            when,
            Column("online", _("Daring"), COUNT),
            Column("walkin", _("Langsung"), COUNT),
            Column("tickets", _("Jumlah antrean"), COUNT),
            Column("served", _("Dilayani"), COUNT),
            Column("no_shows", _("Tidak hadir"), COUNT),
            Column("no_show_rate", _("Tingkat tidak hadir"), SHARE),
            Column("pacts", _("Pakta warga"), COUNT),
            Column("calls", _("Panggilan"), COUNT),
            Column("pledged", _("Panggilan oleh petugas berpakta"), SHARE),
            Column("flags", _("Tanda audit"), COUNT),
        ],
        rows=[_trend_row(point, f) for point, f in rows],
        footer=_trend_row(_("Jumlah"), totals),
        note=_(
            "Daring: web, API dan WhatsApp; langsung: anjungan dan loket. Tingkat tidak hadir: "
            "antrean yang tidak hadir dibagi semua antrean."
        ),
    )
    sections = [
        Section(
            slug="antrean",
            title=_("Antrean per hari: daring dan langsung")
            if daily
            else _("Antrean per bulan: daring dan langsung"),
            table=tickets,
            chart=_chart_or_none(
                charts_on,
                slug="antrean",
                title=tickets.title,
                alt=_(
                    "Grafik antrean dari %(start)s sampai %(end)s: %(online)s daring dan "
                    "%(walkin)s langsung."
                )
                % {
                    **span,
                    "online": numbers.number(totals.tickets_online),
                    "walkin": numbers.number(totals.tickets_walkin),
                }
                + " "
                + see_table,
                labels=labels,
                series=[
                    (_("Daring"), [f.tickets_online for _p, f in rows]),
                    (_("Langsung"), [f.tickets_walkin for _p, f in rows]),
                ],
                table=tickets,
                kind="bar" if bars else "line",
                stacked=bars,
                formatter=_count_axis,
            ),
            table_open=not daily,
        )
    ]
    no_show = Table(
        slug="tidak-hadir",
        title=_("Tingkat tidak hadir per hari") if daily else _("Tingkat tidak hadir per bulan"),
        columns=[
            when,
            Column("tickets", _("Jumlah antrean"), COUNT),
            Column("no_shows", _("Tidak hadir"), COUNT),
            Column("no_show_rate", _("Tingkat tidak hadir"), SHARE),
        ],
        rows=[[p, f.tickets, f.no_shows, _share_value(f.no_show_rate)] for p, f in rows],
    )
    sections.append(
        Section(
            slug="tidak-hadir",
            title=no_show.title,
            table=no_show,
            chart=_chart_or_none(
                charts_on,
                slug="tidak-hadir",
                title=no_show.title,
                alt=_("Grafik garis tingkat tidak hadir; rata-rata periode %(rate)s.")
                % {"rate": numbers.percent(totals.no_show_rate)}
                + " "
                + see_table,
                labels=labels,
                series=[
                    (
                        _("Tingkat tidak hadir"),
                        [
                            None
                            if f.no_show_rate is None
                            else round(float(f.no_show_rate) * 100, 1)
                            for _p, f in rows
                        ],
                    )
                ],
                table=no_show,
                kind="line" if daily else "bar",
                formatter=_percent_axis,
                integer=False,
            ),
            table_open=False,
        )
    )
    pacts_columns = [
        when,
        Column("pacts", _("Pakta warga"), COUNT),
        Column("calls", _("Panggilan"), COUNT),
        Column("calls_pledged", _("Panggilan oleh petugas berpakta"), COUNT),
        Column("pledged_share", _("Persentase panggilan oleh petugas berpakta"), SHARE),
    ]
    if office_rows:
        pacts_columns.append(Column("officers", _("Petugas berpakta"), COUNT))
    pacts = Table(
        slug="pakta",
        title=_("Pakta per hari") if daily else _("Pakta per bulan"),
        columns=pacts_columns,
        rows=[
            [
                p,
                f.pacts_citizen,
                f.calls,
                f.calls_pledged,
                _share_value(f.pledged_call_share),
                *([f.officers_pledged or 0] if office_rows else []),
            ]
            for p, f in rows
        ],
        note=_(
            "Petugas berpakta dihitung per hari: petugas yang menandatangani pakta pada 20 hari "
            "dihitung 20."
        )
        if office_rows
        else "",
    )
    sections.append(
        Section(
            slug="pakta",
            title=_("Pakta warga per hari") if daily else _("Pakta warga per bulan"),
            table=pacts,
            chart=_chart_or_none(
                charts_on,
                slug="pakta",
                title=_("Pakta warga per hari") if daily else _("Pakta warga per bulan"),
                alt=_("Grafik pakta warga yang ditandatangani: %(n)s dalam periode ini.")
                % {"n": numbers.number(totals.pacts_citizen)}
                + " "
                + see_table,
                labels=labels,
                series=[(_("Pakta warga"), [f.pacts_citizen for _p, f in rows])],
                table=pacts,
                kind="bar" if bars else "line",
                formatter=_count_axis,
            ),
            table_open=False,
        )
    )
    flags = Table(
        slug="audit",
        title=_("Tanda audit panggilan per hari")
        if daily
        else _("Tanda audit panggilan per bulan"),
        columns=[when, Column("flags", _("Tanda audit"), COUNT)],
        rows=[[p, f.audit_flags] for p, f in rows],
        note=_(
            "Panggilan di luar urutan, layanan tanpa menunggu, layanan yang terlalu cepat dan "
            "tidak hadir berulang (audit panggilan)."
        ),
    )
    sections.append(
        Section(
            slug="audit",
            title=flags.title,
            table=flags,
            chart=_chart_or_none(
                charts_on,
                slug="audit",
                title=flags.title,
                alt=_("Grafik tanda audit panggilan: %(n)s dalam periode ini.")
                % {"n": numbers.number(totals.audit_flags)}
                + " "
                + see_table,
                labels=labels,
                series=[(_("Tanda audit"), [f.audit_flags for _p, f in rows])],
                table=flags,
                kind="bar" if bars else "line",
                formatter=_count_axis,
            ),
            table_open=False,
        )
    )
    return sections


def _monthly_sections(
    by_month: dict[dt.date, Figures],
    months: list[dt.date],
    *,
    charts_on: bool,
    with_reports: bool,
) -> list[Section]:
    empty = Figures()
    rows = [(month, by_month.get(month, empty)) for month in months]
    ikm = Table(
        slug="ikm",
        title=_("IKM per bulan"),
        columns=[
            Column("month", _("Bulan"), MONTH),
            Column("responses", _("Jawaban survei"), COUNT),
            Column("ikm", _("IKM"), INDEX),
            Column("grade", _("Mutu"), TEXT),
            Column("note", _("Keterangan"), TEXT),
        ],
        rows=[
            [
                month,
                f.survey_responses,
                f.ikm,
                f"{f.grade.letter} ({f.grade.label})" if f.grade else "",
                ikm_note(f),
            ]
            for month, f in rows
        ],
        note=_(
            "IKM dihitung per bulan kalender penuh dan tampil dari %(n)d jawaban, agar tidak ada "
            "jawaban yang dapat dikenali."
        )
        % {"n": ANONYMITY_MIN},
    )
    sections = [
        Section(
            slug="ikm",
            title=_("Indeks Kepuasan Masyarakat per bulan"),
            table=ikm,
            chart=charts.series_chart(
                slug="ikm",
                title=_("IKM per bulan"),
                alt=_(
                    "Grafik batang IKM per bulan (25–100). Bulan tanpa cukup jawaban tidak "
                    "bergambar. Angkanya ada di tabel sesudah grafik."
                ),
                labels=charts.month_labels(months),
                series=[(_("IKM"), [None if f.ikm is None else float(f.ikm) for _m, f in rows])],
                table=ikm,
                kind="bar",
                formatter=lambda value: numbers.number(value),
                range_max=100,
            )
            if charts_on
            else None,
        )
    ]
    if with_reports:
        reports = Table(
            slug="laporan",
            title=_("Laporan gratifikasi per bulan"),
            columns=[
                Column("month", _("Bulan"), MONTH),
                Column("received", _("Diterima"), COUNT),
                Column("substantiated", _("Selesai: terbukti"), COUNT),
                Column("not_substantiated", _("Selesai: tidak terbukti"), COUNT),
                Column("referred", _("Selesai: diteruskan"), COUNT),
            ],
            rows=[
                [
                    month,
                    f.reports_received or 0,
                    f.reports_closed_substantiated or 0,
                    f.reports_closed_not_substantiated or 0,
                    f.reports_closed_referred or 0,
                ]
                for month, f in rows
            ],
            note=_(
                "Laporan diterima dan laporan yang ditutup inspektorat pada bulan itu (menurut "
                "hasilnya); isi laporan hanya dibaca inspektorat."
            ),
        )
        sections.append(
            Section(
                slug="laporan",
                title=_("Laporan gratifikasi menurut status"),
                table=reports,
                chart=charts.series_chart(
                    slug="laporan",
                    title=_("Laporan gratifikasi per bulan"),
                    alt=_(
                        "Grafik batang laporan gratifikasi per bulan: diterima dan selesai "
                        "ditangani. Angkanya, dengan hasil penanganan, ada di tabel sesudah "
                        "grafik."
                    ),
                    labels=charts.month_labels(months),
                    series=[
                        (_("Diterima"), [r[1] for r in reports.rows]),
                        (_("Selesai ditangani"), [r[2] + r[3] + r[4] for r in reports.rows]),
                    ],
                    table=reports,
                    kind="bar",
                    formatter=_count_axis,
                )
                if charts_on
                else None,
            )
        )
    return sections


# --- An office ------------------------------------------------------------------------------


def office_content(dashboard: OfficeDashboard, *, charts_on: bool = True) -> Content:
    period = dashboard.period
    whole = dashboard.whole_office
    content = Content(
        cards=period_cards(dashboard.totals, dashboard.ikm, with_office_figures=whole)
    )
    if dashboard.live is not None:
        names = {agency.pk: agency.short_name for agency in dashboard.agencies}
        content.sections.append(live_section(dashboard.live, names))
    services = Table(
        slug="layanan",
        title=_("Per layanan"),
        columns=[
            Column("service", _("Layanan"), TEXT),
            Column("agency", _("Instansi"), TEXT),
            Column("tickets", _("Jumlah antrean"), COUNT),
            Column("online", _("Daring"), SHARE),
            Column("served", _("Dilayani"), COUNT),
            Column("no_show_rate", _("Tingkat tidak hadir"), SHARE),
            Column("wait_p50", _("Tunggu (median)"), MINUTES),
            Column("wait_p90", _("Tunggu (p90)"), MINUTES),
            Column("service_mean", _("Waktu layanan (rata-rata)"), MINUTES),
            Column("pacts", _("Pakta warga"), COUNT),
        ],
        rows=[
            [
                service.name,
                service.agency.short_name,
                f.tickets,
                _share_value(f.online_share),
                f.served,
                _share_value(f.no_show_rate),
                f.wait_p50_s,
                f.wait_p90_s,
                f.service_mean_s,
                f.pacts_citizen,
            ]
            for service, f in dashboard.by_service
        ],
        note=_(
            "Waktu tunggu: dari kedatangan (check-in atau ambil nomor di tempat) sampai "
            "panggilan pertama. Waktu layanan: dari mulai dilayani sampai selesai."
        ),
    )
    names = [service.name for service, _f in dashboard.by_service]
    content.sections.append(
        Section(
            slug="layanan",
            title=_("Waktu tunggu per layanan"),
            table=services,
            chart=charts.ranking_chart(
                slug="layanan",
                title=_("Waktu tunggu per layanan (menit)"),
                alt=_(
                    "Grafik batang waktu tunggu per layanan, median dan p90, dalam menit. "
                    "Angkanya ada di tabel sesudah grafik."
                ),
                labels=names,
                series=[
                    (
                        _("Median"),
                        [numbers.minutes_value(f.wait_p50_s) for _s, f in dashboard.by_service],
                    ),
                    (
                        _("p90"),
                        [numbers.minutes_value(f.wait_p90_s) for _s, f in dashboard.by_service],
                    ),
                ],
                table=services,
                formatter=_minutes_axis,
                integer=False,
            )
            if charts_on
            else None,
        )
    )
    service_time = Table(
        slug="waktu-layanan",
        title=_("Waktu layanan per layanan"),
        columns=[
            Column("service", _("Layanan"), TEXT),
            Column("served", _("Dilayani"), COUNT),
            Column("service_mean", _("Waktu layanan (rata-rata)"), MINUTES),
        ],
        rows=[[service.name, f.served, f.service_mean_s] for service, f in dashboard.by_service],
    )
    content.sections.append(
        Section(
            slug="waktu-layanan",
            title=_("Waktu layanan per layanan"),
            table=service_time,
            chart=charts.ranking_chart(
                slug="waktu-layanan",
                title=_("Waktu layanan rata-rata per layanan (menit)"),
                alt=_(
                    "Grafik batang waktu layanan rata-rata per layanan, dalam menit. Angkanya "
                    "ada di tabel sesudah grafik."
                ),
                labels=names,
                series=[
                    (
                        _("Rata-rata"),
                        [numbers.minutes_value(f.service_mean_s) for _s, f in dashboard.by_service],
                    )
                ],
                table=service_time,
                formatter=_minutes_axis,
                integer=False,
            )
            if charts_on
            else None,
            table_open=False,
        )
    )
    content.sections += _trend_sections(
        dashboard.trend,
        dashboard.trend_points,
        unit=dashboard.trend_unit,
        totals=dashboard.totals,
        charts_on=charts_on,
        office_rows=whole,
    )
    content.sections += _monthly_sections(
        dashboard.by_month, period.months(), charts_on=charts_on, with_reports=whole
    )
    return content


# --- A region and the nation -----------------------------------------------------------------

# Figures an area's offices can be ranked by: query key → (label, value of a line, default
# order descending?). Ascending first where less is better.
RANKINGS: dict[str, tuple[Callable[[], str], Callable[[OfficeLine], object], bool]] = {
    "nama": (lambda: _("Nama kantor"), lambda line: line.office.name.casefold(), False),
    "antrean": (lambda: _("Jumlah antrean"), lambda line: line.figures.tickets, True),
    "daring": (lambda: _("Daring"), lambda line: line.figures.online_share, True),
    "dilayani": (lambda: _("Dilayani"), lambda line: line.figures.served, True),
    "tidak-hadir": (
        lambda: _("Tingkat tidak hadir"),
        lambda line: line.figures.no_show_rate,
        False,
    ),
    "tunggu": (lambda: _("Tunggu (median)"), lambda line: line.figures.wait_p50_s, False),
    "tunggu-p90": (lambda: _("Tunggu (p90)"), lambda line: line.figures.wait_p90_s, False),
    "layanan": (
        lambda: _("Waktu layanan (rata-rata)"),
        lambda line: line.figures.service_mean_s,
        False,
    ),
    "pakta": (lambda: _("Pakta warga"), lambda line: line.figures.pacts_citizen, True),
    "berpakta": (
        lambda: _("Panggilan oleh petugas berpakta"),
        lambda line: line.figures.pledged_call_share,
        True,
    ),
    "ikm": (lambda: _("IKM"), lambda line: line.ikm.ikm, True),
    "laporan": (lambda: _("Laporan gratifikasi"), lambda line: line.figures.reports_received, True),
    "tanda": (lambda: _("Tanda audit"), lambda line: line.figures.audit_flags, False),
}
DEFAULT_RANKING = "antrean"
# The comparison table's column of each ranking (the header links sort by it).
RANKING_COLUMN = {
    "nama": "office",
    "antrean": "tickets",
    "daring": "online",
    "dilayani": "served",
    "tidak-hadir": "no_show_rate",
    "tunggu": "wait_p50",
    "tunggu-p90": "wait_p90",
    "layanan": "service_mean",
    "pakta": "pacts",
    "berpakta": "pledged",
    "ikm": "ikm",
    "laporan": "reports",
    "tanda": "flags",
}


@dataclass(frozen=True)
class Ranking:
    key: str
    descending: bool

    @property
    def label(self) -> str:
        return RANKINGS[self.key][0]()

    @property
    def column(self) -> str:
        return RANKING_COLUMN[self.key]


def ranking_from_query(query) -> Ranking:
    """`urut` names the figure, `arah` the order (`naik` ascending, `turun` descending; by
    default the figure's own: most tickets first, shortest wait first)."""
    key = query.get("urut") or DEFAULT_RANKING
    if key not in RANKINGS:
        key = DEFAULT_RANKING
    direction = query.get("arah")
    descending = RANKINGS[key][2] if direction not in ("naik", "turun") else direction == "turun"
    return Ranking(key, descending)


def ranked(lines: list[OfficeLine], ranking: Ranking) -> list[OfficeLine]:
    """Ordered by the figure; offices without it come last, by name."""
    value = RANKINGS[ranking.key][1]
    with_value = [line for line in lines if value(line) is not None]
    without = [line for line in lines if value(line) is None]
    with_value.sort(key=lambda line: line.office.name.casefold())
    with_value.sort(key=value, reverse=ranking.descending)
    return with_value + sorted(without, key=lambda line: line.office.name.casefold())


def _figure_columns() -> list[Column]:
    return [
        Column("tickets", _("Jumlah antrean"), COUNT),
        Column("online", _("Daring"), SHARE),
        Column("served", _("Dilayani"), COUNT),
        Column("no_show_rate", _("Tingkat tidak hadir"), SHARE),
        Column("wait_p50", _("Tunggu (median)"), MINUTES),
        Column("wait_p90", _("Tunggu (p90)"), MINUTES),
        Column("service_mean", _("Waktu layanan (rata-rata)"), MINUTES),
        Column("pacts", _("Pakta warga"), COUNT),
        Column("pledged", _("Panggilan oleh petugas berpakta"), SHARE),
        Column("ikm", _("IKM"), INDEX),
        Column("reports", _("Laporan gratifikasi"), COUNT),
        Column("flags", _("Tanda audit"), COUNT),
    ]


def _figure_cells(f: Figures, ikm: Figures) -> list:
    return [
        f.tickets,
        _share_value(f.online_share),
        f.served,
        _share_value(f.no_show_rate),
        f.wait_p50_s,
        f.wait_p90_s,
        f.service_mean_s,
        f.pacts_citizen,
        _share_value(f.pledged_call_share),
        ikm.ikm,
        f.reports_received,
        f.audit_flags,
    ]


def _region_name(region) -> str:
    return region.name if region is not None else ""


def _office_links(lines) -> list[str]:
    """Each line's office dashboard URL: reversed once, then the code put in (reverse costs
    a tenth of a millisecond, and a national table has 500 rows). Office codes are slugs."""
    marker = "office-code"
    pattern = reverse("dashboards:office", kwargs={"code": marker})
    head, tail = pattern.split(marker)
    return [f"{head}{line.office.code}{tail}" for line in lines]


def area_content(dashboard: AreaDashboard, *, ranking: Ranking, charts_on: bool = True) -> Content:
    period = dashboard.period
    content = Content(cards=period_cards(dashboard.totals, dashboard.ikm, with_office_figures=True))
    lines = ranked(dashboard.lines, ranking)
    comparison = Table(
        slug="kantor",
        title=_("Perbandingan kantor"),
        columns=[
            Column("rank", _("Peringkat"), RANK),
            Column("office", _("Kantor"), TEXT),
            Column("region", _("Wilayah"), TEXT),
            *_figure_columns(),
        ],
        rows=[
            [
                index,
                line.office.name,
                _region_name(line.office.region),
                *_figure_cells(line.figures, line.ikm),
            ]
            for index, line in enumerate(lines, start=1)
        ],
        row_header=1,
        row_links=_office_links(lines),
        note=_("Diurutkan menurut %(figure)s. IKM dihitung atas bulan penuh %(start)s – %(end)s.")
        % {
            "figure": ranking.label,
            "start": numbers.month(dashboard.ikm_start),
            "end": numbers.month(dashboard.ikm_end),
        },
    )
    value = RANKINGS[ranking.key][1]
    top = [line for line in lines if value(line) is not None and ranking.key != "nama"]
    top = top[:RANKING_CHART_ROWS]
    column = comparison.column(ranking.column) if ranking.key != "nama" else None
    content.sections.append(
        Section(
            slug="kantor",
            title=_("Perbandingan kantor"),
            table=comparison,
            chart=charts.ranking_chart(
                slug="kantor",
                title=_("%(n)d kantor teratas menurut %(figure)s")
                % {"n": len(top), "figure": ranking.label},
                alt=_(
                    "Grafik batang %(n)d kantor teratas menurut %(figure)s. Semua kantor ada di "
                    "tabel perbandingan sesudah grafik."
                )
                % {"n": len(top), "figure": ranking.label},
                labels=[line.office.name for line in top],
                series=[(ranking.label, [_chart_value(column, value(line)) for line in top])],
                table=comparison,
                formatter=_chart_formatter(column),
                integer=column is not None and column.kind == COUNT,
            )
            if charts_on and column is not None
            else None,
            sortable=True,
        )
    )
    if dashboard.areas:
        nation = dashboard.region is None
        areas = Table(
            slug="wilayah",
            title=_("Per provinsi") if nation else _("Per kabupaten/kota"),
            columns=[
                Column("region", _("Wilayah"), TEXT),
                Column("offices", _("Kantor"), COUNT),
                *_figure_columns(),
            ],
            rows=[
                [area.region.name, area.offices, *_figure_cells(area.figures, area.ikm)]
                for area in dashboard.areas
            ],
        )
        content.sections.append(
            Section(
                slug="wilayah",
                title=areas.title,
                table=areas,
                chart=charts.ranking_chart(
                    slug="wilayah",
                    title=_("Antrean per wilayah"),
                    alt=_(
                        "Grafik batang jumlah antrean per wilayah. Angkanya, dengan antrean "
                        "daring dan langsung, ada di tabel sesudah grafik."
                    ),
                    labels=[area.region.name for area in dashboard.areas],
                    series=[(_("Jumlah antrean"), [a.figures.tickets for a in dashboard.areas])],
                    table=areas,
                    formatter=_count_axis,
                )
                if charts_on
                else None,
            )
        )
    today = Table(
        slug="hari-ini",
        title=_("Hari ini per kantor"),
        columns=[
            Column("office", _("Kantor"), TEXT),
            Column("waiting", _("Menunggu sekarang"), COUNT),
            Column("tickets", _("Antrean"), COUNT),
            Column("served", _("Dilayani"), COUNT),
            Column("wait_p50", _("Tunggu (median)"), MINUTES),
            Column("officers", _("Petugas berpakta"), COUNT),
            Column("pledged", _("Panggilan oleh petugas berpakta"), SHARE),
        ],
        rows=[
            [
                line.office.name,
                line.waiting,
                line.today.tickets,
                line.today.served,
                line.today.wait_p50_s,
                line.today.officers_pledged or 0,
                _share_value(line.today.pledged_call_share),
            ]
            for line in sorted(
                dashboard.lines, key=lambda line: (-line.waiting, -line.today.tickets)
            )
        ],
        note=_(
            "Menunggu: saat halaman dibuka. Angka lain dari rekap hari ini, yang diperbarui "
            "sistem setiap sepuluh menit."
        ),
    )
    content.sections.insert(
        0,
        Section(
            slug="hari-ini",
            title=_("Hari ini"),
            table=today,
            table_open=False,
            cards=today_cards(dashboard.today, waiting=dashboard.waiting),
        ),
    )
    content.sections += _trend_sections(
        dashboard.trend,
        dashboard.trend_points,
        unit=dashboard.trend_unit,
        totals=dashboard.totals,
        charts_on=charts_on,
        office_rows=True,
    )
    content.sections += _monthly_sections(
        dashboard.by_month, period.months(), charts_on=charts_on, with_reports=True
    )
    return content


def _chart_value(column: Column | None, value):
    if value is None or column is None:
        return None
    if column.kind == SHARE:
        return round(float(value) * 100, 1)
    if column.kind == MINUTES:
        return numbers.minutes_value(value)
    return float(value)


def _chart_formatter(column: Column | None):
    if column is None or column.kind == COUNT:
        return _count_axis
    if column.kind == SHARE:
        return _percent_axis
    if column.kind == MINUTES:
        return _minutes_axis
    return lambda value: numbers.number(value, 2)


def heading_lines(subject: str, period_text: str) -> list[tuple[str, str]]:
    """What a file says it covers (the first rows of a sheet)."""
    return [(pgettext("dasbor", "Cakupan"), subject), (_("Periode"), period_text)]
