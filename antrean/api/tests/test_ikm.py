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
