"""Open data: one row per office, service and local day, from the roll-ups, with every cell
that would describe fewer than `SUPPRESS_BELOW` people left empty (docs/open-data.md).

The fields, their types, their descriptions (Indonesian and English) and their suppression
rules are defined once here (`DAILY_FIELDS`): the rows, the CSV header and the catalogue all
come from this list, so what the catalogue says is what the data does.

What "built from fewer than 5 people" means, per field:
- the numbers given out (`tickets`, by channel) and the pacts signed with them are counts of
  queue numbers, which the hall announces and shows anyway: always published;
- what became of those people (served, no-shows, cancelled, how many were called and
  answered the survey, and the calls) is published only for a row of at least 5 tickets: a
  reader who knows that someone took a number that day must not learn what happened to them;
- a waiting-time percentile only from 5 measured waits (`wait_count`), the median service
  time only from 5 timed services;
- the IKM only over a whole calendar month of the service with at least 5 answers, and only
  once that month's survey is closed (INVITATION_DAYS after it ended), so that the value never
  changes after it is published: two downloads cannot be subtracted to isolate late answers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.db.models import F, Sum

from antrean.feedback.ikm import ikm_from_totals
from antrean.feedback.models import ANONYMITY_MIN, INVITATION_DAYS
from antrean.feedback.questionnaire import ELEMENTS
from antrean.stats.figures import MonthOf
from antrean.stats.models import ServiceDay
from antrean.tenancy.models import Office

SUPPRESS_BELOW = ANONYMITY_MIN
MAX_DAYS = 366
LICENCE = {
    "id": "CC-BY-4.0",
    "name": "Creative Commons Attribution 4.0 International",
    "url": "https://creativecommons.org/licenses/by/4.0/",
}

# Suppression rules, referred to by the fields.
RULES = {
    "none": {
        "id": "Tidak pernah dikosongkan: jumlah nomor antrean yang diberikan (diumumkan dan "
        "ditampilkan di ruang layanan).",
        "en": "Never suppressed: the number of queue numbers given out (announced and shown "
        "in the hall anyway).",
    },
    "tickets": {
        "id": f"Kosong bila baris ini memuat kurang dari {SUPPRESS_BELOW} nomor antrean "
        "(tickets): apa yang terjadi pada sedikit orang tidak dibuka.",
        "en": f"Empty when the row holds fewer than {SUPPRESS_BELOW} tickets: what happened "
        "to so few people is not disclosed.",
    },
    "waits": {
        "id": f"Kosong bila waktu tunggu yang terukur (wait_count) kurang dari {SUPPRESS_BELOW}.",
        "en": f"Empty when fewer than {SUPPRESS_BELOW} waits were measured (wait_count).",
    },
    "services": {
        "id": f"Kosong bila waktu layanan yang terukur kurang dari {SUPPRESS_BELOW}.",
        "en": f"Empty when fewer than {SUPPRESS_BELOW} service times were measured.",
    },
    "ikm": {
        "id": f"Kosong bila layanan ini menerima kurang dari {SUPPRESS_BELOW} jawaban survei "
        f"dalam bulan kalender tanggal ini, atau survei bulan itu belum ditutup (sampai "
        f"{INVITATION_DAYS} hari setelah akhir bulan jawaban masih dapat masuk).",
        "en": f"Empty when the service received fewer than {SUPPRESS_BELOW} survey answers in "
        f"the calendar month of this date, or that month's survey is not closed yet (answers "
        f"may come until {INVITATION_DAYS} days after the month ends).",
    },
}


@dataclass(frozen=True)
class OpenField:
    name: str
    type: str  # JSON Schema type of a present value; suppressible fields may also be null
    id: str
    en: str
    rule: str = "none"  # a key of RULES; "none" for fields never suppressed

    @property
    def nullable(self) -> bool:
        return self.rule != "none"


DAILY_FIELDS: tuple[OpenField, ...] = (
    OpenField("office_code", "string", "Kode kantor layanan.", "Office code."),
    OpenField("agency_code", "string", "Kode instansi di kantor itu.",
              "Agency code at the office."),
    OpenField("service_code", "string", "Kode layanan di kantor itu.",
              "Service code at the office."),
    OpenField("date", "string", "Tanggal (waktu setempat kantor), YYYY-MM-DD.",
              "Date (the office's local day), YYYY-MM-DD."),
    OpenField("tickets", "integer", "Nomor antrean yang diberikan untuk layanan dan tanggal ini.",
              "Queue numbers given out for this service and date."),
    OpenField("tickets_online", "integer", "Nomor antrean daring (web, API, WhatsApp).",
              "Online queue numbers (web, API, WhatsApp)."),
    OpenField("tickets_walkin", "integer", "Nomor antrean langsung (anjungan, loket).",
              "Walk-in queue numbers (kiosk, counter)."),
    OpenField("pacts_citizen", "integer",
              "Pakta integritas warga yang ditandatangani untuk nomor-nomor itu.",
              "Citizens' integrity pacts signed for those numbers."),
    OpenField("served", "integer", "Warga yang selesai dilayani.", "Citizens served to the end.",
              "tickets"),
    OpenField("no_shows", "integer",
              "Tidak hadir: dipanggil tetapi tidak datang, atau pemesan yang tidak check-in.",
              "No-shows: called but absent, or booked and never checked in.", "tickets"),
    OpenField("cancelled", "integer", "Dibatalkan.", "Cancelled.", "tickets"),
    OpenField("calls", "integer", "Panggilan ke loket.", "Calls to a counter.", "tickets"),
    OpenField("calls_pledged", "integer",
              "Panggilan oleh petugas yang sudah menandatangani pakta integritas petugas hari itu.",
              "Calls made by an officer who had signed that day's officer integrity pact.",
              "tickets"),
    OpenField("wait_count", "integer",
              "Warga yang dipanggil: jumlah waktu tunggu yang terukur.",
              "Citizens called: the number of waits measured.", "tickets"),
    OpenField("wait_p50_s", "integer",
              "Median waktu tunggu (detik), dari tiba sampai pertama kali dipanggil.",
              "Median wait (seconds), from arrival to the first call.", "waits"),
    OpenField("wait_p90_s", "integer",
              "Persentil ke-90 waktu tunggu (detik): 9 dari 10 warga menunggu paling lama ini.",
              "90th percentile of the wait (seconds): 9 in 10 citizens waited at most this long.",
              "waits"),
    OpenField("service_p50_s", "integer",
              "Median waktu layanan di loket (detik), dari mulai sampai selesai.",
              "Median service time at the counter (seconds), from start to finish.", "services"),
    OpenField("survey_responses", "integer",
              "Jawaban Survei Kepuasan Masyarakat untuk layanan pada tanggal ini.",
              "Satisfaction survey answers for the service on this date.", "tickets"),
    OpenField("ikm_month", "number",
              "IKM (25–100, PermenPANRB 14/2017) layanan ini selama bulan kalender tanggal ini.",
              "The service's satisfaction index (IKM, 25–100) over the calendar month of this "
              "date.", "ikm"),
)  # fmt: skip
FIELD_NAMES = tuple(field.name for field in DAILY_FIELDS)
_TICKET_RULED = tuple(field.name for field in DAILY_FIELDS if field.rule == "tickets")


def period_refusal(start: dt.date, end: dt.date) -> str | None:
    """Which end of [start, end] is wrong ("from" or "to"), or None: it must not end before it
    starts nor cover more than MAX_DAYS days."""
    if start > end:
        return "to"
    if (end - start).days + 1 > MAX_DAYS:
        return "to"
    return None


def _month_end(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _month_ikms(office: Office, start: dt.date, end: dt.date, today: dt.date) -> dict:
    """(service id, first day of month) → IKM (Decimal) of the service over that whole month,
    for the months of [start, end] that are closed and hold at least SUPPRESS_BELOW answers:
    one GROUP BY query."""
    first, last = start.replace(day=1), _month_end(end)
    sums = {f"u{e.number}": Sum(f"u{e.number}_sum") for e in ELEMENTS}
    rows = (
        ServiceDay.objects.filter(office=office, date__range=(first, last), survey_responses__gt=0)
        .annotate(stats_month=MonthOf("date"))
        .values("service_id", "stats_month")
        .annotate(n=Sum("survey_responses"), **sums)
        .order_by()
    )
    ikms = {}
    for row in rows:
        month = row["stats_month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        closed = _month_end(month) + dt.timedelta(days=INVITATION_DAYS) < today
        if row["n"] >= SUPPRESS_BELOW and closed:
            totals = {e.code: row[f"u{e.number}"] for e in ELEMENTS}
            ikms[(row["service_id"], month)] = ikm_from_totals(totals, row["n"]).ikm
    return ikms


def office_daily_rows(
    *, office: Office, start: dt.date, end: dt.date, now: dt.datetime
) -> list[dict]:
    """The office's rows in [start, end] (local days), ordered by date and service code, with
    suppressed cells as None. Two queries."""
    rows = (
        ServiceDay.objects.filter(office=office, date__range=(start, end))
        .annotate(
            office_code=F("office__code"),
            agency_code=F("agency__code"),
            service_code=F("service__code"),
        )
        .order_by("date", "service__code")
        .values(
            "service_id",
            "office_code",
            "agency_code",
            "service_code",
            "date",
            "tickets_online",
            "tickets_walkin",
            "pacts_citizen",
            "served",
            "no_shows",
            "cancelled",
            "calls",
            "calls_pledged",
            "wait_count",
            "wait_p50_s",
            "wait_p90_s",
            "service_count",
            "service_p50_s",
            "survey_responses",
        )
    )
    ikms = _month_ikms(office, start, end, office.local_today(now))
    out = []
    for row in rows:
        tickets = row["tickets_online"] + row["tickets_walkin"]
        cells = {
            **{name: row.get(name) for name in FIELD_NAMES if name in row},
            "date": row["date"].isoformat(),
            "tickets": tickets,
            "ikm_month": ikms.get((row["service_id"], row["date"].replace(day=1))),
        }
        if tickets < SUPPRESS_BELOW:
            cells.update(dict.fromkeys(_TICKET_RULED))
        if row["wait_count"] < SUPPRESS_BELOW:
            cells.update(wait_p50_s=None, wait_p90_s=None)
        if row["service_count"] < SUPPRESS_BELOW:
            cells["service_p50_s"] = None
        if cells["ikm_month"] is not None:
            cells["ikm_month"] = float(cells["ikm_month"])
        out.append({name: cells[name] for name in FIELD_NAMES})
    return out


def rows_csv(rows: list[dict]) -> str:
    """The rows as CSV (comma-separated, a header line, empty cells for suppressed values)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FIELD_NAMES)
    for row in rows:
        writer.writerow(["" if row[name] is None else row[name] for name in FIELD_NAMES])
    return buffer.getvalue()


def catalog(*, base_url: str) -> dict:
    """The catalogue of the open data sets: what each holds, its fields and rules, its
    licence (CC BY 4.0)."""
    return {
        "licence": LICENCE,
        "publisher": "Antrean",
        "datasets": [
            {
                "id": "layanan-harian",
                "title": {
                    "id": "Antrean, layanan, dan kepuasan per layanan per hari",
                    "en": "Queues, service and satisfaction per service per day",
                },
                "description": {
                    "id": "Satu baris per kantor, layanan, dan hari (waktu setempat kantor): "
                    "nomor antrean menurut kanal, warga dilayani, tidak hadir, waktu tunggu, "
                    "pakta integritas, panggilan oleh petugas berpakta, jawaban survei, dan IKM "
                    "bulanan. Dihitung dari rekap harian; tidak memuat data pribadi. Hari tanpa "
                    "kegiatan tidak memiliki baris.",
                    "en": "One row per office, service and day (the office's local day): queue "
                    "numbers by channel, citizens served, no-shows, waiting times, integrity "
                    "pacts, calls by pledged officers, survey answers and the monthly IKM. "
                    "Computed from the daily roll-ups; no personal data. Days without activity "
                    "have no row.",
                },
                "url": f"{base_url}/api/v1/open/offices/{{code}}/daily?from=YYYY-MM-DD"
                "&to=YYYY-MM-DD",
                "offices_url": f"{base_url}/api/v1/offices",
                "formats": ["application/json", "text/csv"],
                "max_days": MAX_DAYS,
                "updated": {
                    "id": "Hari ini diperbarui setiap 10 menit; satu hari final setelah tengah "
                    "malam waktu setempat, kecuali jawaban survei yang masih dapat masuk "
                    f"hingga {INVITATION_DAYS} hari setelah layanan.",
                    "en": "Today is refreshed every 10 minutes; a day is final after the "
                    "office's local midnight, except survey answers, which may still come "
                    f"for {INVITATION_DAYS} days after the service.",
                },
                "suppression": {
                    "threshold": SUPPRESS_BELOW,
                    "id": f"Sel yang dibangun dari kurang dari {SUPPRESS_BELOW} orang dikosongkan "
                    "(null di JSON, kosong di CSV); aturan setiap kolom tertulis pada kolom itu.",
                    "en": f"Cells built from fewer than {SUPPRESS_BELOW} people are suppressed "
                    "(null in JSON, empty in CSV); each field states its own rule.",
                },
                "licence": LICENCE["id"],
                "fields": [
                    {
                        "name": field.name,
                        "type": field.type,
                        "nullable": field.nullable,
                        "description": {"id": field.id, "en": field.en},
                        "suppression": RULES[field.rule] if field.nullable else None,
                    }
                    for field in DAILY_FIELDS
                ],
            }
        ],
    }
