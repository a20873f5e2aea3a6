"""The office head's monthly report: made once per office and month (by the worker at the start
of the month, or on demand), kept, listed on the dashboard, read only by those who read the
whole office."""

import datetime as dt
import io
import re
import threading

import pytest
from django.db import connection
from pypdf import PdfReader

from antrean.core.errors import DomainError
from antrean.dashboards.models import MonthlyReport
from antrean.dashboards.services import (
    monthly_report_make,
    monthly_report_read,
    monthly_reports_make_due,
    report_months,
)
from antrean.dashboards.tests.world import DAY, add_day, add_office_figures, make_world
from antrean.testing.signin import sign_in

pytestmark = pytest.mark.django_db

NOVEMBER = dt.date(2026, 11, 1)
OFFICE = "/staf/dasbor/kantor/mpp-badung/"


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = make_world()
    for office in (world.office, world.other):
        type(office).objects.filter(pk=office.pk).update(
            created_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
        )
        office.refresh_from_db()
    add_day(world.ktp, DAY, online=10, walkin=5, served=12, no_shows=2, waits=(60, 300, 900))
    add_day(world.stnk, DAY, walkin=6, served=6, waits=(1200,))
    add_office_figures(world.office, DAY, officers_pledged=3, reports_received=1)
    return world


def _text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def at(office, day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=office.zone)


def test_the_worker_makes_last_months_report_once_from_1_am_on_the_first(world):
    office = world.office
    # Both offices opened in November: no October report is due.
    type(office).objects.update(created_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    # Midnight on 1 December in Badung (WITA): the month's last day is not final yet, and in
    # Sidoarjo (WIB) it is still 30 November.
    assert monthly_reports_make_due(now=at(office, dt.date(2026, 12, 1), 0)) == 0
    made = monthly_reports_make_due(now=at(office, dt.date(2026, 12, 1), 2))
    assert made == 2  # both offices
    report = MonthlyReport.objects.get(office=office, month=NOVEMBER)
    assert report.made_by is None
    # Again in the same hour, the next day, the next hour: nothing new, the same file.
    for later in (at(office, dt.date(2026, 12, 1), 3), at(office, dt.date(2026, 12, 9), 10)):
        assert monthly_reports_make_due(now=later) == 0
    assert MonthlyReport.objects.filter(office=office).count() == 1
    assert MonthlyReport.objects.get(pk=report.pk).pdf_sha256 == report.pdf_sha256


def test_a_worker_that_was_down_on_the_first_catches_up(world):
    assert monthly_reports_make_due(now=at(world.office, dt.date(2026, 12, 5), 9)) == 2
    assert MonthlyReport.objects.filter(month=NOVEMBER).count() == 2


def test_an_office_opened_after_the_month_gets_no_report_for_it(world):
    type(world.other).objects.filter(pk=world.other.pk).update(
        created_at=dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
    )
    assert monthly_reports_make_due(now=at(world.office, dt.date(2026, 12, 5), 9)) == 1
    assert not MonthlyReport.objects.filter(office=world.other).exists()


def test_the_pdf_holds_the_months_figures(world):
    report = monthly_report_make(office=world.office, month=NOVEMBER)
    pdf = report.pdf.open("rb").read()
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    assert "Laporan bulanan MPP Badung, November 2026" in text
    assert "1 Nov 2026 – 30 Nov 2026" in text
    assert "Perekaman KTP-el" in text and "Pajak STNK" in text
    assert "Antrean 21 10 daring · 11 langsung" in text  # 15 + 6 tickets
    assert "Tingkat tidak hadir 9,5% 2 tidak hadir" in text  # 2 of 21


def test_made_on_demand_once_and_never_for_the_current_month(world):
    first = monthly_report_make(office=world.office, month=NOVEMBER, by=world.head)
    again = monthly_report_make(office=world.office, month=NOVEMBER, by=world.office_admin)
    assert again.pk == first.pk and again.made_by == world.head
    now = at(world.office, dt.date(2026, 11, 20), 10)
    with pytest.raises(DomainError) as refused:
        monthly_report_make(office=world.office, month=NOVEMBER, now=now)
    assert refused.value.code == "invalid_period"
    with pytest.raises(DomainError):
        monthly_report_make(office=world.office, month=dt.date(2026, 10, 2))


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_make_one_report(world):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL")
    errors = []

    def make():
        try:
            monthly_report_make(office=world.office, month=NOVEMBER)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=make) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert MonthlyReport.objects.filter(office=world.office, month=NOVEMBER).count() == 1


def test_only_whole_office_readers_may_read_or_ask(world):
    report = monthly_report_make(office=world.office, month=NOVEMBER)
    for user in (world.head, world.office_admin, world.regency, world.province, world.national):
        assert monthly_report_read(user=user, report=report).startswith(b"%PDF")
    for user in (world.agency_admin, world.officer, world.other_regency):
        with pytest.raises(DomainError) as refused:
            monthly_report_read(user=user, report=report)
        assert refused.value.code == "forbidden"
        with pytest.raises(DomainError):
            monthly_report_make(office=world.office, month=dt.date(2026, 10, 1), by=user)
    assert MonthlyReport.objects.count() == 1


def test_the_head_sees_it_listed_as_new_until_downloading_it(client, world):
    monthly_report_make(office=world.office, month=NOVEMBER)
    sign_in(client, world.head)
    page = client.get(OFFICE).content.decode()
    link = f"{OFFICE}laporan-bulanan/2026-11.pdf"
    assert link in page and "Laporan November 2026 (PDF)" in page and ">baru</span>" in page
    download = client.get(link)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert 'filename="laporan-bulanan-mpp-badung-2026-11.pdf"' in download["Content-Disposition"]
    assert MonthlyReport.objects.get().head_downloaded_at is not None
    assert ">baru</span>" not in client.get(OFFICE).content.decode()


def test_an_admin_downloading_it_does_not_mark_it_read_for_the_head(client, world):
    monthly_report_make(office=world.office, month=NOVEMBER)
    sign_in(client, world.office_admin)
    assert client.get(f"{OFFICE}laporan-bulanan/2026-11.pdf").status_code == 200
    assert MonthlyReport.objects.get().head_downloaded_at is None


def test_the_head_asks_for_another_month_and_gets_it(client, world, settings):
    sign_in(client, world.head)
    months = report_months(world.office)
    assert months[0] == (world.office.local_today().replace(day=1) - dt.timedelta(days=1)).replace(
        day=1
    )
    assert months[-1] == dt.date(2026, 6, 1)
    response = client.post(f"{OFFICE}laporan-bulanan/", {"bulan": "2026-07"})
    assert response.status_code == 302
    assert response["Location"] == f"{OFFICE}laporan-bulanan/2026-07.pdf"
    report = MonthlyReport.objects.get(month=dt.date(2026, 7, 1))
    assert report.made_by == world.head
    assert client.get(response["Location"]).status_code == 200
    # A month before the office existed, or not a month: nothing is made.
    assert client.post(f"{OFFICE}laporan-bulanan/", {"bulan": "2026-01"}).status_code == 404
    assert client.post(f"{OFFICE}laporan-bulanan/", {"bulan": "juli"}).status_code == 404
    assert MonthlyReport.objects.count() == 1


def test_an_office_with_history_from_before_it_was_made_offers_those_months():
    """The demo's served quarter, or an office brought in with its past: its months can be
    reported although the office row is new."""
    from antrean.stats.models import OfficeDay
    from antrean.testing.factories import make_office

    office = make_office()
    now = dt.datetime(2026, 12, 5, 4, tzinfo=dt.UTC)
    assert report_months(office, now=now) == []  # made this month, nothing before
    OfficeDay.objects.create(office=office, date=dt.date(2026, 8, 14), served=3)
    months = report_months(office, now=now)
    assert months[-1] == dt.date(2026, 8, 1)
    assert months[0] == dt.date(2026, 11, 1)


def test_a_changed_file_is_never_served(client, world):
    report = monthly_report_make(office=world.office, month=NOVEMBER)
    with open(report.pdf.path, "ab") as stored:
        stored.write(b"tampered")
    with pytest.raises(DomainError):
        monthly_report_read(user=world.head, report=report)


def test_the_worker_runs_the_monthly_jobs():
    from antrean.core.management.commands import worker

    every = {job: seconds for seconds, job in worker.PERIODIC}
    assert every[worker._make_monthly_reports] == 3600
    assert every[worker._refresh_office_months] == worker.ROLLUP_SECONDS
