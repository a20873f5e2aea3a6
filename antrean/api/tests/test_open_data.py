"""Open data: the daily rows of an office as JSON and CSV, suppression at 4 against 5, never a
name, NIK, phone number or booking code, the period rules, caching, the limit, the catalogue."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from antrean.privacy.services import personal_data_erase_expired
from antrean.queueing.models import Ticket
from antrean.stats.models import SURVEY_SUM_FIELDS, ServiceDay
from antrean.stats.open_data import DAILY_FIELDS, FIELD_NAMES
from antrean.stats.rollup import office_day_rollup
from antrean.stats.tests.day import DAY, build_day
from antrean.testing.factories import make_agency, make_office, make_service

pytestmark = pytest.mark.django_db

MARCH = "from=2025-03-01&to=2025-03-31"


def daily(client, code: str, query: str = MARCH, **extra):
    return client.get(f"/api/v1/open/offices/{code}/daily?{query}", **extra)


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def day():
    day = build_day()
    office_day_rollup(office=day.office, date=DAY, now=day.evening)
    return day


def test_one_row_per_service_and_day_with_small_cells_suppressed(client, day):
    response = daily(client, day.office.code)

    assert response.status_code == 200
    body = response.json()
    assert body["office"] == {"code": day.office.code, "name": day.office.name}
    assert (body["from"], body["to"], body["licence"]) == ("2025-03-01", "2025-03-31", "CC-BY-4.0")
    rows = {row["service_code"]: row for row in body["rows"]}
    assert list(rows) == ["akta", "kk", "ktp-el"]  # by date, then service code
    a = rows["ktp-el"]
    assert list(a) == list(FIELD_NAMES)
    # Seven tickets: what happened to them is published; only four waits and four timed
    # services were measured: their percentiles are not.
    assert {k: a[k] for k in ("office_code", "agency_code", "date")} == {
        "office_code": day.office.code,
        "agency_code": "disdukcapil",
        "date": "2025-03-04",
    }
    assert (a["tickets"], a["tickets_online"], a["tickets_walkin"], a["pacts_citizen"]) == (
        7,
        3,
        4,
        7,
    )
    assert (a["served"], a["no_shows"], a["cancelled"], a["calls"], a["calls_pledged"]) == (
        4,
        2,
        1,
        5,
        5,
    )
    assert (a["wait_count"], a["wait_p50_s"], a["wait_p90_s"], a["service_p50_s"]) == (
        4,
        None,
        None,
        None,
    )
    assert (a["survey_responses"], a["ikm_month"]) == (3, None)  # three answers in March
    # One ticket in B: only the number given out and its pact.
    b = rows["kk"]
    assert (b["tickets"], b["pacts_citizen"]) == (1, 1)
    assert all(b[name] is None for name in ("served", "calls", "wait_count", "survey_responses"))


def test_csv_has_the_same_rows_with_empty_cells(client, day):
    response = daily(client, day.office.code, MARCH + "&format=csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="antrean-{day.office.code}-20250301-20250331.csv"'
    )
    rows = csv_rows(response)
    assert list(rows[0]) == list(FIELD_NAMES)
    a = next(row for row in rows if row["service_code"] == "ktp-el")
    assert (a["tickets"], a["served"], a["wait_p50_s"], a["ikm_month"]) == ("7", "4", "", "")
    assert len(rows) == len(daily(client, day.office.code).json()["rows"])


def test_open_data_never_holds_a_name_nik_phone_or_booking_code(client, day):
    tickets = list(Ticket.objects.filter(office=day.office))
    secrets = set()
    for ticket in tickets:
        secrets.update({ticket.code, ticket.name})
        if ticket.nik:
            secrets.add(ticket.nik)
        if ticket.phone:
            secrets.update({ticket.phone, ticket.phone.removeprefix("+62"), "0" + ticket.phone[3:]})
    secrets.discard("")
    assert len([t for t in tickets if t.nik]) == 3 and len(secrets) > 10

    for fmt in ("json", "csv"):
        body = daily(client, day.office.code, f"{MARCH}&format={fmt}").content.decode()
        for secret in secrets:
            assert secret not in body, (fmt, secret)
    catalog = client.get("/api/v1/open/catalog").content.decode()
    for secret in secrets:
        assert secret not in catalog


def service_day(service, date, **values) -> ServiceDay:
    return ServiceDay.objects.create(
        office=service.office, agency=service.agency, service=service, date=date, **values
    )


def month_answers(service, date, responses, **values):
    return service_day(
        service,
        date,
        **values,
        survey_responses=responses,
        **dict.fromkeys(SURVEY_SUM_FIELDS, 3 * responses),
    )


def test_suppression_at_four_and_five(client):
    office = make_office(code="mpp-batas")
    agency = make_agency(office, code="samsat")
    four, five = make_service(agency=agency, code="empat"), make_service(agency=agency, code="lima")
    common = {"calls": 3, "calls_pledged": 3}
    for service, n in ((four, 4), (five, 5)):
        service_day(
            service,
            dt.date(2025, 1, 10),
            tickets_walkin=n,
            pacts_citizen=n,
            served=n,
            wait_count=n,
            wait_p50_s=300,
            wait_p90_s=900,
            service_count=n,
            service_p50_s=600,
            **common,
        )
        month_answers(service, dt.date(2025, 1, 20), n)  # January's answers: 4 and 5

    rows = {
        row["service_code"]: row
        for row in daily(client, office.code, "from=2025-01-10&to=2025-01-10").json()["rows"]
    }

    assert (rows["empat"]["tickets"], rows["empat"]["served"], rows["empat"]["calls"]) == (
        4,
        None,
        None,
    )
    assert (rows["lima"]["tickets"], rows["lima"]["served"], rows["lima"]["calls"]) == (5, 5, 3)
    assert (rows["empat"]["wait_p50_s"], rows["empat"]["service_p50_s"]) == (None, None)
    assert (rows["lima"]["wait_p50_s"], rows["lima"]["wait_p90_s"]) == (300, 900)
    assert rows["lima"]["service_p50_s"] == 600
    # The IKM of the whole month, though the row asked for is one day: 4 answers, then 5.
    assert rows["empat"]["ikm_month"] is None
    assert rows["lima"]["ikm_month"] == 75.0


def test_no_ikm_for_a_month_whose_survey_is_still_open(client):
    office = make_office(code="mpp-bulan-ini")
    service = make_service(office, code="ktp")
    today = office.local_today()
    month_answers(service, today, 8, tickets_walkin=8, served=8)

    row = daily(client, office.code, f"from={today}&to={today}").json()["rows"][0]

    assert (row["survey_responses"], row["ikm_month"]) == (8, None)


@pytest.mark.parametrize(
    ("query", "status", "error"),
    [
        ("from=2025-03-31&to=2025-03-01", 422, "invalid_period"),
        ("from=2025-01-01&to=2026-01-02", 422, "invalid_period"),  # 367 days
        ("from=2025-02-30&to=2025-03-01", 422, "invalid_request"),
        ("from=2025-03-01", 422, "invalid_request"),
        (MARCH + "&format=xlsx", 422, "invalid_request"),
    ],
)
def test_refusals(client, query, status, error):
    office = make_office(code="mpp-tolak")
    response = daily(client, office.code, query)
    assert response.status_code == status
    assert response.json()["error"] == error


def test_a_year_is_allowed_and_an_unknown_office_is_not_found(client):
    office = make_office(code="mpp-setahun")
    assert daily(client, office.code, "from=2024-01-01&to=2024-12-31").status_code == 200  # 366
    assert daily(client, "tidak-ada").json()["error"] == "not_found"
    assert daily(client, "tidak-ada").status_code == 404
    make_office(code="mpp-nonaktif", is_active=False)
    assert daily(client, "mpp-nonaktif").status_code == 404


def test_answers_may_be_cached_by_anyone(client, day):
    for response in (daily(client, day.office.code), client.get("/api/v1/open/catalog")):
        assert response["Cache-Control"].startswith("public, max-age=")
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "Set-Cookie" not in response


def test_requests_are_limited_per_address(client, settings):
    settings.ANTREAN_OPEN_DATA_PER_ADDRESS = 2
    office = make_office(code="mpp-batas-minta")

    statuses = [daily(client, office.code).status_code for _ in range(2)]
    refused = client.get("/api/v1/open/catalog")

    assert statuses == [200, 200]
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert refused["Retry-After"] == str(settings.ANTREAN_OPEN_DATA_WINDOW)


def test_the_catalogue_describes_every_field_and_its_rule(client):
    catalog = client.get("/api/v1/open/catalog").json()

    assert catalog["licence"]["id"] == "CC-BY-4.0"
    (dataset,) = catalog["datasets"]
    assert dataset["licence"] == "CC-BY-4.0"
    assert dataset["suppression"]["threshold"] == 5
    assert [field["name"] for field in dataset["fields"]] == list(FIELD_NAMES)
    for field in dataset["fields"]:
        assert field["description"]["id"] and field["description"]["en"]
        assert field["type"] in ("string", "integer", "number")
        if field["nullable"]:
            assert field["suppression"]["id"] and field["suppression"]["en"]
        else:
            assert field["suppression"] is None
    nullable = {field.name for field in DAILY_FIELDS if field.nullable}
    assert {"served", "wait_p50_s", "ikm_month"} <= nullable
    assert not nullable & {"tickets", "tickets_online", "tickets_walkin", "date"}
    assert dataset["url"].endswith(
        "/api/v1/open/offices/{code}/daily?from=YYYY-MM-DD&to=YYYY-MM-DD"
    )


def test_the_rows_are_the_roll_ups_even_after_erasure(client, day, settings):
    before = daily(client, day.office.code).json()["rows"]
    settings.ANTREAN_RETENTION_DAYS = 1
    personal_data_erase_expired(now=timezone.now())
    office_day_rollup(office=day.office, date=DAY, now=timezone.now())

    assert daily(client, day.office.code).json()["rows"] == before
