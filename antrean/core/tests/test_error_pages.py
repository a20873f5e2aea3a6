"""The site's own error pages (security issue): Django's bare English "Not Found" and empty
400 are gone. Every error page is in Indonesian (English after the language switch), in the
citizen pages' style, with a way back to the front page; the API keeps its JSON answers.

Tests run with DEBUG off, as production does (pytest-django forces it)."""

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.template import loader
from django.template.loader import render_to_string
from django.test import AsyncClient, Client, RequestFactory
from django.utils import translation

from antrean.core.views import server_error

IMPOSSIBLE_DATE = "/kantor/mpp-badung/layanan/1/2026-02-30/"
HOME = 'href="/"'


@pytest.fixture(autouse=True)
def _indonesian_afterwards():
    yield
    translation.deactivate()  # a request leaves its language active in the thread


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = "antrean.core.tests.error_urls"


def page_of(response) -> str:
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert 'href="/static/booking/booking.css"' in text  # the citizen pages' style
    assert HOME in text  # a way back to the front page
    return text


# --- 404 ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/tidak-ada/", IMPOSSIBLE_DATE, "/kantor/tidak-ada/"])
def test_an_unknown_address_gets_the_site_s_own_page_in_indonesian(client, path):
    response = client.get(path)

    assert response.status_code == 404
    page = page_of(response)
    assert '<html lang="id">' in page
    assert "Halaman tidak ditemukan" in page
    assert "Ke halaman depan" in page
    assert "Not Found" not in page
    assert "Content-Security-Policy" in response.headers


@pytest.mark.django_db
def test_after_the_language_switch_the_404_page_is_in_english(english):
    page = page_of(english.get(IMPOSSIBLE_DATE))

    assert '<html lang="en">' in page
    assert "Page not found" in page
    assert "Halaman tidak ditemukan" not in page


# --- 400 and 413 ---------------------------------------------------------------------------------


def posting_client() -> Client:
    """A browser with its CSRF cookie: the CSRF check reads every POST's fields first, which
    is where Django refuses a body too large or with too many fields."""
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.CSRF_COOKIE_NAME] = "k" * 32
    return client


@pytest.mark.django_db
def test_a_form_with_too_many_fields_gets_the_site_s_own_400():
    client = posting_client()
    fields = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    response = client.post("/i18n/setlang/", fields)

    assert response.status_code == 400
    page = page_of(response)
    assert "Formulir yang dikirim berisi terlalu banyak isian." in page
    assert "Bad Request" not in page


@pytest.mark.django_db
def test_a_body_over_the_limit_gets_the_site_s_own_413():
    client = posting_client()
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = client.post("/i18n/setlang/", {"language": "en", "next": big})

    assert response.status_code == 413
    assert "Data yang dikirim terlalu besar." in page_of(response)


@pytest.mark.django_db
def test_a_host_not_allowed_gets_the_site_s_own_400(client):
    response = client.get("/", headers={"host": "evil.example"})

    assert response.status_code == 400
    page = page_of(response)
    assert "Permintaan tidak dapat diproses" in page
    assert "evil.example" not in page


@pytest.mark.django_db
def test_the_400_page_renders_with_nothing_but_the_request():
    # Other middleware (a refusal of NUL bytes) may render it for requests it turns away.
    request = RequestFactory().get("/apa%00saja/")

    page = render_to_string("400.html", request=request)

    assert "Permintaan tidak dapat diproses" in page
    assert "Permintaan yang dikirim tidak lengkap atau tidak sesuai." in page
    assert HOME in page


# --- 403 and the CSRF failure ------------------------------------------------------------------


@pytest.mark.django_db
def test_permission_denied_gets_the_site_s_own_403(client, failing_urls):
    response = client.get("/uji/terlarang/")

    assert response.status_code == 403
    page = page_of(response)
    assert "Akses ditolak" in page
    assert "developers" not in page  # the exception's text is not shown


@pytest.mark.django_db
def test_a_failed_csrf_check_explains_itself_in_indonesian():
    client = Client(enforce_csrf_checks=True)

    response = client.post("/i18n/setlang/", {"language": "en"})

    assert response.status_code == 403
    page = page_of(response)
    assert "Formulir tidak dapat dikirim" in page
    assert "cookie" in page
    assert "CSRF" not in page  # Django's reason stays in the log
    # The page's own language switch carries a fresh token, so it works.
    assert 'name="csrfmiddlewaretoken"' in page


@pytest.mark.django_db
def test_after_the_language_switch_the_csrf_page_is_in_english():
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = page_of(client.post("/i18n/setlang/", {"language": "id"}))

    assert "The form could not be sent" in page


# --- 405 ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_method_a_page_does_not_take_gets_the_site_s_own_405(client):
    response = client.post("/")  # the office list is read-only

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    page = page_of(response)
    assert "Halaman ini tidak dapat dibuka dengan cara tersebut." in page


# --- 500 ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_failure_gets_the_site_s_own_500(failing_urls):
    client = Client(raise_request_exception=False)

    response = client.get("/uji/rusak/")

    assert response.status_code == 500
    page = page_of(response)
    assert "Terjadi kesalahan" in page
    assert "Boom" not in page and "a bug" not in page


@pytest.mark.django_db
def test_after_the_language_switch_the_500_page_is_in_english(failing_urls):
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = page_of(client.get("/uji/rusak/"))

    assert "Something went wrong" in page


def test_the_500_page_needs_no_request_no_context_and_no_database():
    # No django_db mark: any query here fails the test.
    page = loader.get_template("500.html").render()

    assert "Terjadi kesalahan" in page
    assert HOME in page
    assert server_error(RequestFactory().get("/")).status_code == 500


# --- the API keeps its JSON ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/api/v1/tidak-ada", 404, "not_found"),
        ("get", "/api/v1/offices/tidak-ada", 404, "not_found"),
        ("delete", "/api/v1/offices", 405, "method_not_allowed"),
    ],
)
def test_api_errors_stay_json(client, method, path, status, code):
    response = getattr(client, method)(path)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == code


@pytest.mark.django_db
def test_what_reaches_django_s_handlers_under_api_answers_in_json_too(failing_urls):
    # A failure outside the API's own handlers (a bad host, a bug in a middleware).
    client = Client(raise_request_exception=False)

    bad_host = client.get("/api/v1/offices", headers={"host": "evil.example"})
    broken = client.get("/api/uji/rusak/")

    assert bad_host.status_code == 400
    assert bad_host.json() == {
        "error": "invalid_request",
        "message": "Permintaan tidak lengkap atau isinya tidak sesuai.",
    }
    assert broken.status_code == 500
    assert broken.json()["error"] == "server_error"


@pytest.mark.django_db
def test_under_asgi_the_405_page_is_the_same():
    # `manage.py serve` runs the site under uvicorn: the middleware runs in async mode there.
    response = async_to_sync(AsyncClient().post)("/")

    assert response.status_code == 405
    assert "Halaman ini tidak dapat dibuka dengan cara tersebut." in page_of(response)
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
