"""RefuseNulMiddleware: a NUL character in any text a request carries is a 400 at the door.

PostgreSQL can neither store nor compare text holding U+0000; before this middleware a
`%00` in a query parameter reached a query (`/staf/audit/?kantor=%00` was a 500 there).
The answer is the API's JSON error under /api/ and a plain Indonesian page elsewhere.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from antrean.core.errors import ErrorCode
from antrean.testing.factories import make_office

pytestmark = pytest.mark.django_db

PAGE_MESSAGE = ErrorCode.INVALID_REQUEST.message
# The site's own 400 page (templates/400.html).
PAGE_TEXT = "Permintaan yang dikirim tidak lengkap atau tidak sesuai."


@pytest.fixture(autouse=True)
def _back_to_default_language():
    yield
    translation.deactivate()


@pytest.fixture
def admin_client():
    from antrean.testing.signin import sign_in

    admin = get_user_model().objects.create_superuser("akar", password=None)
    client = Client()
    sign_in(client, admin)
    return client


def assert_page_refused(response):
    assert response.status_code == 400, response.content
    assert PAGE_TEXT in response.content.decode()


def assert_api_refused(response):
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "invalid_request", "message": PAGE_MESSAGE}


@pytest.mark.parametrize(
    "url",
    [
        "/staf/audit/?kantor=%00",  # was a 500 on PostgreSQL
        "/staf/audit/?kantor=a%00b&halaman=1",
        "/staf/kotak-pesan/?kantor=%00",
        "/staf/audit/?%00=1",
        "/antrean/AB%00CD/",
        "/kantor/a%00/",
    ],
)
def test_a_nul_in_a_page_path_or_query_is_a_400_page(admin_client, url):
    assert_page_refused(admin_client.get(url))


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/offices/a%00b/services",
        "/api/v1/bookings/AB%00CD",
        "/api/v1/offices?x=%00",
        "/api/v1/services/1/slots?date=2030-01-01%00",
        "/api/v1/nothing/%00",
    ],
)
def test_a_nul_in_an_api_path_or_query_is_a_400_json_error(client, url):
    assert_api_refused(client.get(url))


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_BOOKING_TOKEN": "a\x00"},
        {"HTTP_AUTHORIZATION": "Bearer \x00"},
        {"HTTP_USER_AGENT": "Mozilla\x00"},
        {"HTTP_COOKIE": "sessionid=abcdefgh\x00"},
    ],
)
def test_a_nul_in_a_header_is_refused(client, headers):
    assert_api_refused(client.get("/api/v1/bookings/ABCDEFGH", **headers))
    assert_page_refused(client.get("/", **headers))


def test_a_nul_in_a_url_encoded_form_is_refused(admin_client):
    office = make_office()
    for body in ("kantor=%00", "a=1&b=x%00y", "%00=1", "a=%2500&b=%00"):
        response = admin_client.post(
            "/staf/audit/", body, content_type="application/x-www-form-urlencoded"
        )
        assert_page_refused(response)
    api = admin_client.post(
        f"/api/v1/offices/{office.code}/tickets",
        "name=x%00",
        content_type="application/x-www-form-urlencoded",
    )
    assert_api_refused(api)


def test_a_nul_in_a_multipart_form_field_of_a_page_is_refused(admin_client):
    assert_page_refused(admin_client.post("/staf/masuk/", {"username": "a\x00", "password": "b"}))
    assert_page_refused(admin_client.post("/staf/audit/", {"\x00": "1"}))


def test_a_percent_sign_followed_by_00_as_text_is_not_a_nul(client):
    # `%2500` is the text "%00", which is fine; so is a file's content (not checked).
    response = client.get("/api/v1/offices?cari=%2500")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\x01"],
)
def test_an_unparsable_multipart_body_to_a_page_is_400_not_500(client, content_type):
    body = b'{"username": "a", "password": "b"}'

    response = client.generic("POST", "/staf/masuk/", body, content_type=content_type)

    assert response.status_code == 400


def test_the_page_follows_the_language_switch(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/kantor/a%00/")

    assert response.status_code == 400
    assert "The request sent is incomplete or not valid." in response.content.decode()


def test_the_projects_400_page_is_used_when_there_is_one(client, settings, tmp_path):
    (tmp_path / "400.html").write_text("<p>Halaman 400 proyek</p>")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]

    response = client.get("/kantor/a%00/")

    assert response.status_code == 400
    assert "Halaman 400 proyek" in response.content.decode()
