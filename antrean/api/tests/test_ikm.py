"""GET /api/v1/offices/{code}/ikm: public aggregates, a floor of five, clear refusals."""

import datetime as dt

import pytest

from antrean.feedback.models import SurveyResponse
from antrean.feedback.tests.helpers import make_response, serve_walk_ins
from antrean.testing.factories import (
    make_agency,
    make_counter,
    make_office,
    make_officer,
    make_service,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 2, 10)
URL = "/api/v1/offices/mpp-uji/ikm"


@pytest.fixture
def office():
    office = make_office(code="mpp-uji")
    agency = make_agency(office)
    office.ktp = make_service(agency=agency, name="KTP-el")
    office.kk = make_service(agency=agency, name="KK")
    office.counter = make_counter(agency=agency, services=[office.ktp, office.kk])
    office.officer = make_officer(agency)
    return office


def test_office_ikm(client, office):
    for answers in (3, 3, 3, 4, 4, 4):
        make_response(office.ktp, DAY, answers)
    serve_walk_ins(office.ktp, counter=office.counter, officer=office.officer, day=DAY, count=3)
    response = client.get(URL, {"from": "2025-01-01", "to": "2025-03-31"})
    assert response.status_code == 200
    assert response.json() == {
        "from": "2025-01-01",
        "to": "2025-03-31",
        "responses": 6,
        "population": 3,
        "minimum_sample": 3,
        "nrr": {f"u{n}": 3.5 for n in range(1, 10)},
        "ikm": 87.5,
        "grade": "B",
        "label": "Baik",
    }


def test_grade_a_and_its_indonesian_label(client, office):
    for _ in range(5):
        make_response(office.ktp, DAY, 4)
    response = client.get(URL, {"from": "2025-02-10", "to": "2025-02-10"})
    assert (response.json()["grade"], response.json()["label"]) == ("A", "Sangat baik")


def test_one_response_of_a_service_on_one_day_reveals_nothing(client, office):
    for _ in range(5):
        make_response(office.kk, DAY, 3)
    make_response(office.ktp, DAY, 1)  # the only KTP respondent that day
    response = client.get(
        URL, {"from": "2025-02-10", "to": "2025-02-10", "service_id": office.ktp.pk}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["responses"] == 1
    assert (body["nrr"], body["ikm"], body["grade"], body["label"]) == (None, None, None, None)
    # The office as a whole has six: shown.
    assert client.get(URL, {"from": "2025-02-10", "to": "2025-02-10"}).json()["ikm"] == 66.67


@pytest.mark.parametrize(
    ("query", "status", "error", "field"),
    [
        ({"from": "2025-03-01", "to": "2025-02-01"}, 422, "invalid_period", "to"),
        ({"from": "2024-01-01", "to": "2025-01-01"}, 422, "invalid_period", "from"),
        # 365 days asked, but thirteen months once widened to whole months.
        ({"from": "2025-01-15", "to": "2026-01-14"}, 422, "invalid_period", "from"),
        ({"from": "2025-02-30", "to": "2025-03-01"}, 422, "invalid_request", "from"),
        ({"from": "10-02-2025", "to": "2025-03-01"}, 422, "invalid_request", "from"),
        ({"to": "2025-03-01"}, 422, "invalid_request", "from"),
        (
            {"from": "2025-01-01", "to": "2025-03-31", "service_id": "x"},
            422,
            "invalid_request",
            "service_id",
        ),
        (
            {"from": "2025-01-01", "to": "2025-03-31", "service_id": 2**70},
            404,
            "not_found",
            "service_id",
        ),
        (
            {"from": "2025-01-01", "to": "2025-03-31", "service_id": 0},
            404,
            "not_found",
            "service_id",
        ),
    ],
)
def test_bad_queries_are_refused_with_a_code(client, office, query, status, error, field):
    response = client.get(URL, query)
    assert response.status_code == status, response.content
    assert response.json()["error"] == error
    assert response.json().get("field") == field


def test_unknown_office_and_another_offices_service_are_not_found(client, office):
    period = {"from": "2025-01-01", "to": "2025-03-31"}
    assert client.get("/api/v1/offices/tidak-ada/ikm", period).status_code == 404
    elsewhere = make_service(make_office(code="mpp-lain"))
    response = client.get(URL, {**period, "service_id": elsewhere.pk})
    assert (response.status_code, response.json()["error"]) == (404, "not_found")


def test_the_api_writes_nothing(client, office):
    make_response(office.ktp, DAY, 3)
    before = list(SurveyResponse.objects.values_list("pk", flat=True))
    client.get(URL, {"from": "2025-01-01", "to": "2025-03-31"})
    assert list(SurveyResponse.objects.values_list("pk", flat=True)) == before


def test_the_period_is_widened_to_whole_months_and_returned(client, office):
    for _ in range(5):
        make_response(office.ktp, dt.date(2025, 2, 1), 4)
    serve_walk_ins(office.ktp, counter=office.counter, officer=office.officer, day=DAY)
    body = client.get(URL, {"from": "2025-02-10", "to": "2025-03-05"}).json()
    assert (body["from"], body["to"]) == ("2025-02-01", "2025-03-31")
    # The 1 February answers and the 10 February ticket count although asked from the 10th.
    assert (body["responses"], body["population"], body["ikm"]) == (5, 1, 100.0)
    # Eleven months and a bit, twelve once widened: accepted (a leap February included).
    body = client.get(URL, {"from": "2024-01-31", "to": "2024-12-01"}).json()
    assert (body["from"], body["to"]) == ("2024-01-01", "2024-12-31")


def test_subtracting_two_overlapping_periods_reveals_nothing(client, office):
    # Citizen X is the only KTP respondent on DAY; ten others answer on later days of the same
    # month. Asking [DAY, DAY+20] and [DAY+1, DAY+20] used to give two aggregates whose
    # difference was X's nine answers: both now cover the same whole month.
    make_response(office.ktp, DAY, 1)  # X
    for offset in range(1, 11):
        make_response(office.ktp, DAY + dt.timedelta(days=offset), 4)
    ktp = {"service_id": office.ktp.pk}
    with_x = client.get(URL, {"from": str(DAY), "to": str(DAY + dt.timedelta(days=18)), **ktp})
    without_x = client.get(
        URL,
        {"from": str(DAY + dt.timedelta(days=1)), "to": str(DAY + dt.timedelta(days=18)), **ktp},
    )
    assert with_x.status_code == without_x.status_code == 200
    assert with_x.json() == without_x.json()
    assert with_x.json()["responses"] == 11 and with_x.json()["ikm"] is not None
    assert (with_x.json()["from"], with_x.json()["to"]) == ("2025-02-01", "2025-02-28")


def test_a_month_with_one_to_four_answers_hides_the_figures(client, office):
    # February holds 10 answers, March only X's: a February–March total of 11 would let
    # February minus February–March reveal X, so February–March shows no figures.
    for _ in range(10):
        make_response(office.ktp, DAY, 4)
    make_response(office.ktp, dt.date(2025, 3, 3), 1)  # X, alone in March
    period = {"from": "2025-02-01", "to": "2025-03-31"}
    body = client.get(URL, period).json()
    assert body["responses"] == 11
    assert (body["nrr"], body["ikm"], body["grade"], body["label"]) == (None, None, None, None)
    assert client.get(URL, {"from": "2025-02-01", "to": "2025-02-28"}).json()["ikm"] == 100.0
    # Four more in March (five there): shown again, the hand-worked mean of 14×4 and 1×1.
    for _ in range(4):
        make_response(office.ktp, dt.date(2025, 3, 20), 4)
    assert client.get(URL, period).json()["ikm"] == 95.0
