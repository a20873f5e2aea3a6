"""POST /api/v1/bookings/{code}/my-data: the right of access over the API, every answer in
the shape of antrean/api/errors.py and documented in the OpenAPI document."""

import json

import pytest

from antrean.privacy.tests.conftest import NAME, book_on, days_ago, files_in_tmp  # noqa: F401
from antrean.testing.factories import make_nik, make_office, make_service

pytestmark = pytest.mark.django_db

NIK_A = make_nik(7101)
NIK_B = make_nik(7102)


@pytest.fixture
def bookings():
    service = make_service(make_office(code="mpp-badung"))
    a = book_on(service, days_ago(-2), nik=NIK_A, whatsapp="081211117101").ticket
    b = book_on(service, days_ago(-2), nik=NIK_B, whatsapp="081211117102", name="I Ketut").ticket
    return a, b


def my_data(client, code: str, body, **extra):
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.post(
        f"/api/v1/bookings/{code}/my-data", raw, content_type="application/json", **extra
    )


def test_the_right_nik_gives_everything_with_full_values(client, bookings):
    a, b = bookings
    response = my_data(client, a.code.lower(), {"nik": NIK_A})
    assert response.status_code == 200
    data = response.json()
    assert data["ticket"]["code"] == a.code
    assert (data["ticket"]["name"], data["ticket"]["nik"]) == (NAME, NIK_A)
    assert data["ticket"]["whatsapp"] == "+6281211117101"
    assert data["pact_signature"]["ledger"]["entry_hash"] == a.pact_signature.entry_hash
    assert data["certificate"]["file"] == "available"
    assert data["retention"] == {
        "days": 365,
        "erase_from": data["retention"]["erase_from"],
        "erased_at": None,
        "erased": [],
    }
    for other in (b.code, NIK_B, "6281211117102", "I Ketut", b.pact_signature.entry_hash):
        assert other not in response.content.decode()


def test_wrong_code_and_wrong_nik_answer_the_same_404(client, bookings):
    a, _b = bookings
    wrong_nik = my_data(client, a.code, {"nik": NIK_B})
    wrong_code = my_data(client, "ZZZZ9999", {"nik": NIK_A})
    assert wrong_nik.status_code == wrong_code.status_code == 404
    assert wrong_nik.json() == wrong_code.json()
    assert wrong_nik.json()["error"] == "not_found" and "field" not in wrong_nik.json()


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ("{not json", 400, "malformed_json"),
        ({}, 422, "invalid_request"),
        ({"nik": 5103014101900001}, 422, "invalid_request"),
        ({"nik": "1234"}, 422, "invalid_nik"),
    ],
)
def test_bad_bodies_are_refused_in_the_error_shape(client, bookings, body, status, error):
    a, _b = bookings
    response = my_data(client, a.code, body)
    assert response.status_code == status
    assert response.json()["error"] == error and response.json()["message"]


def test_the_limit_holds_per_code_and_per_address(client, bookings, settings):
    settings.ANTREAN_DATA_ACCESS_PER_CODE = 2
    settings.ANTREAN_DATA_ACCESS_PER_ADDRESS = 5
    a, b = bookings
    assert my_data(client, a.code, {"nik": NIK_B}).status_code == 404
    assert my_data(client, a.code, {"nik": NIK_B}).status_code == 404
    limited = my_data(client, a.code, {"nik": NIK_A})
    assert limited.status_code == 429 and limited.json()["error"] == "rate_limited"

    assert my_data(client, b.code, {"nik": NIK_B}).status_code == 200  # 4th from this address
    assert my_data(client, "CCCC0000", {"nik": NIK_B}).status_code == 404  # 5th
    assert my_data(client, b.code, {"nik": NIK_B}).status_code == 429  # 6th: the address
    other = my_data(client, b.code, {"nik": NIK_B}, REMOTE_ADDR="198.51.100.20")
    assert other.status_code == 200


def test_every_answer_is_documented(client):
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/v1/bookings/{code}/my-data"]["post"]
    # The API layer adds 413 and 500 to every operation (api.py).
    assert set(operation["responses"]) == {"200", "400", "404", "413", "422", "429", "500"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert set(schema["components"]["schemas"][body.rsplit("/", 1)[1]]["properties"]) == {"nik"}
    assert operation["parameters"][0]["in"] == "path"  # the code; the NIK is never in the URL
