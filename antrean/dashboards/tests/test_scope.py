"""Each role reaches exactly its scope: every dashboard page, export, monthly report and API
summary asks antrean.tenancy.permissions, and a refused request reads nothing and changes
nothing."""

import datetime as dt

import pytest
from django.urls import reverse

from antrean.api.auth import api_token_issue
from antrean.dashboards.models import MonthlyReport
from antrean.dashboards.services import monthly_report_make
from antrean.dashboards.tests.world import DAY, add_day, make_world
from antrean.testing.factories import make_inspector
from antrean.testing.signin import sign_in

pytestmark = pytest.mark.django_db

NATION = "/staf/dasbor/nasional/"
BALI, BADUNG_REGION = "/staf/dasbor/wilayah/51/", "/staf/dasbor/wilayah/51.03/"
JATIM, SIDOARJO_REGION = "/staf/dasbor/wilayah/35/", "/staf/dasbor/wilayah/35.15/"
BADUNG, SIDOARJO = "/staf/dasbor/kantor/mpp-badung/", "/staf/dasbor/kantor/mpp-sidoarjo/"
PAGES = (NATION, BALI, BADUNG_REGION, JATIM, SIDOARJO_REGION, BADUNG, SIDOARJO)
QUERY = {"dari": "2026-11-01", "sampai": "2026-11-30"}


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = make_world()
    add_day(world.ktp, DAY, online=10, walkin=5, served=12)
    add_day(world.stnk, DAY, walkin=6, served=6)
    add_day(world.other_ktp, DAY, online=7, walkin=1, served=8)
    return world


def _reached(client, user) -> set[str]:
    sign_in(client, user)
    reached = set()
    for page in PAGES:
        status = client.get(page, QUERY).status_code
        assert status in (200, 403), (page, status)
        if status == 200:
            reached.add(page)
    client.logout()
    return reached


def test_each_role_reads_exactly_its_dashboards(client, world):
    assert _reached(client, world.national) == set(PAGES)
    assert _reached(client, world.province) == {BALI, BADUNG_REGION, BADUNG}
    assert _reached(client, world.regency) == {BADUNG_REGION, BADUNG}
    assert _reached(client, world.other_regency) == {SIDOARJO_REGION, SIDOARJO}
    assert _reached(client, world.head) == {BADUNG}
    assert _reached(client, world.office_admin) == {BADUNG}
    assert _reached(client, world.agency_admin) == {BADUNG}
    assert _reached(client, world.officer) == set()
    assert _reached(client, make_inspector(world.badung)) == set()


def test_unknown_offices_and_regions_are_not_found(client, world):
    sign_in(client, world.national)
    assert client.get("/staf/dasbor/kantor/tidak-ada/").status_code == 404
    assert client.get("/staf/dasbor/wilayah/99/").status_code == 404
    assert client.get("/staf/dasbor/kantor/mpp-badung/tidak-ada.csv").status_code == 404


def test_signing_in_is_needed(client, world):
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302 and response["Location"].startswith("/staf/masuk/")


def test_the_province_sees_badung_and_not_sidoarjo_in_its_comparison(client, world):
    sign_in(client, world.province)
    page = client.get(BALI, QUERY).content.decode()
    assert "MPP Badung" in page and "MPP Sidoarjo" not in page
    csv = client.get(BALI + "kantor.csv", QUERY).content.decode()
    assert "MPP Badung" in csv and "MPP Sidoarjo" not in csv


def test_the_nation_compares_every_office_and_province(client, world):
    sign_in(client, world.national)
    csv = client.get(NATION + "kantor.csv", QUERY).content.decode()
    assert "MPP Badung" in csv and "MPP Sidoarjo" in csv
    areas = client.get(NATION + "wilayah.csv", QUERY).content.decode()
    assert "Bali" in areas and "Jawa Timur" in areas


def test_the_badung_regency_is_refused_sidoarjo_everywhere_and_nothing_changes(client, world):
    """Pages, every export, the monthly report (reading and asking for one) and the API."""
    month = dt.date(2026, 11, 1)
    report = monthly_report_make(office=world.other, month=month)
    before = (
        MonthlyReport.objects.count(),
        sorted(MonthlyReport.objects.values_list("pk", "made_at")),
    )
    sign_in(client, world.regency)
    refused = [
        SIDOARJO,
        SIDOARJO_REGION,
        JATIM,
        NATION,
        SIDOARJO + "layanan.csv",
        SIDOARJO + "antrean.xlsx",
        SIDOARJO + "semua.xlsx",
        SIDOARJO_REGION + "kantor.csv",
        NATION + "kantor.xlsx",
        f"{SIDOARJO}laporan-bulanan/{report.month:%Y-%m}.pdf",
    ]
    for url in refused:
        response = client.get(url, QUERY)
        assert response.status_code == 403, url
        assert b"MPP Sidoarjo" not in response.content, url
    asked = client.post(f"{SIDOARJO}laporan-bulanan/", {"bulan": "2026-10"})
    assert asked.status_code == 403
    token = api_token_issue(user=world.regency).secret
    for url in (
        "/api/v1/dashboard/offices/mpp-sidoarjo/summary",
        "/api/v1/dashboard/regions/35.15/summary",
        "/api/v1/dashboard/regions/35/summary",
    ):
        response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 403, url
        assert response.json()["error"] == "forbidden"
    after = (
        MonthlyReport.objects.count(),
        sorted(MonthlyReport.objects.values_list("pk", "made_at")),
    )
    assert after == before
    report.refresh_from_db()
    assert report.head_downloaded_at is None


def test_the_api_answers_in_scope_and_404_for_the_unknown(client, world):
    token = api_token_issue(user=world.regency).secret
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/dashboard/offices/mpp-badung/summary", **auth).status_code == 200
    assert client.get("/api/v1/dashboard/regions/51.03/summary", **auth).status_code == 200
    assert client.get("/api/v1/dashboard/regions/51/summary", **auth).status_code == 403
    assert client.get("/api/v1/dashboard/offices/tidak-ada/summary", **auth).status_code == 404
    assert client.get("/api/v1/dashboard/regions/99.99/summary", **auth).status_code == 404
    assert client.get("/api/v1/dashboard/offices/mpp-badung/summary").status_code == 401


def test_an_agency_admin_reads_only_its_agency(client, world):
    sign_in(client, world.agency_admin)
    page = client.get(BADUNG, QUERY).content.decode()
    assert "Pajak STNK" in page
    assert "Perekaman KTP-el" not in page and "Kartu Keluarga" not in page
    services = client.get(BADUNG + "layanan.csv", QUERY).content.decode()
    assert "Pajak STNK" in services and "KTP-el" not in services
    # The office-wide figures (reports, officers' pledges, the monthly report) are not its.
    assert "Laporan gratifikasi" not in page and "Laporan bulanan" not in page
    assert client.get(BADUNG + "laporan.csv", QUERY).status_code == 404
    assert client.post(f"{BADUNG}laporan-bulanan/", {"bulan": "2026-11"}).status_code == 403
    assert not MonthlyReport.objects.exists()
    token = api_token_issue(user=world.agency_admin).secret
    summary = client.get(
        "/api/v1/dashboard/offices/mpp-badung/summary",
        {"from": "2026-11-01", "to": "2026-11-30"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    ).json()
    assert summary["agencies"] == ["samsat"]
    assert summary["totals"]["tickets"] == 6
    assert summary["totals"]["reports_received"] is None
    assert [line["code"] for line in summary["by_service"]] == ["stnk"]


@pytest.mark.parametrize(
    ("who", "lands"),
    [
        ("national", NATION),
        ("province", BALI),
        ("regency", BADUNG_REGION),
        ("head", BADUNG),
        ("office_admin", BADUNG),
    ],
)
def test_the_dashboard_home_leads_to_the_accounts_own_dashboard(client, world, who, lands):
    sign_in(client, getattr(world, who))
    assert client.get(reverse("dashboards:home"))["Location"] == lands


def test_overseers_land_on_their_dashboard_and_officers_on_the_counters(client, world):
    from antrean.accounts.signin import staff_home_url

    home = reverse("dashboards:home")
    for user in (world.national, world.province, world.regency, world.head):
        assert staff_home_url(user) == home
    for user in (world.office_admin, world.agency_admin, world.officer):
        assert staff_home_url(user) == reverse("queueing:counters")
    # The counters stay reachable for those who land elsewhere.
    sign_in(client, world.head)
    assert client.get(reverse("queueing:counters")).status_code == 200


def test_the_dashboard_link_is_in_the_staff_navigation_of_those_who_read_one(client, world):
    link = f'href="{reverse("dashboards:home")}"'
    for user, shown in (
        (world.national, True),
        (world.head, True),
        (world.office_admin, True),
        (world.agency_admin, True),
        (world.officer, False),
    ):
        sign_in(client, user)
        page = client.get(reverse("accounts:overview")).content.decode()
        assert (link in page) is shown, user
        client.logout()
