"""Response headers (security issue, ASVS V14.4): the Content-Security-Policy of every answer,
Permissions-Policy, the cross-origin policies, and HSTS, the HTTPS redirect and secure cookies
only behind a TLS proxy. The browser test (test_csp_browser.py) shows the pages live with the
policy; these pin the values.

Settings are read from the environment when they load, so the BEHIND_TLS_PROXY cases run the
real settings in a subprocess, with a bare environment (ANTREAN_ENV_FILE points nowhere, as
in test_keys_required.py)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib import admin

from antrean.core.security import DENIED_FEATURES
from antrean.tenancy.models import Office

ROOT = Path(__file__).resolve().parents[3]
KEY = "a2V5LWZvci10ZXN0cy1vbmx5LTMyLWJ5dGVzLWxvbmchIQ=="  # base64 of 32 bytes

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'", "ws://testserver"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


def policy_of(response) -> dict[str, list[str]]:
    directives = [d.split() for d in response["Content-Security-Policy"].split(";")]
    return {d[0]: d[1:] for d in directives if d}


# --- Content-Security-Policy -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/",  # a citizen page
        "/tidak-ada/",  # an error page
        "/admin/login/",
        "/api/docs",
        "/static/booking/booking.css",  # static files too (WhiteNoise)
    ],
)
def test_every_answer_carries_the_strict_policy(client, path):
    response = client.get(path)

    assert policy_of(response) == POLICY
    text = response["Content-Security-Policy"]
    assert "unsafe-inline" not in text and "unsafe-eval" not in text and "nonce-" not in text


@pytest.mark.django_db
def test_over_https_the_websocket_origin_is_wss_of_the_same_host(client):
    response = client.get("/", secure=True, headers={"host": "127.0.0.1:8443"})

    assert policy_of(response)["connect-src"] == ["'self'", "wss://127.0.0.1:8443"]


def test_a_host_not_allowed_gets_no_websocket_origin_and_no_echo(client):
    response = client.get("/", headers={"host": "evil.example"})

    assert response.status_code == 400
    assert policy_of(response)["connect-src"] == ["'self'"]
    assert "evil.example" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_pages_get_the_permissions_policy_and_cross_origin_policies(client):
    response = client.get("/")

    features = dict(item.split("=") for item in response["Permissions-Policy"].split(", "))
    assert features == dict.fromkeys(DENIED_FEATURES, "()")
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    # Only the kiosk's printed ticket may be framed (by the kiosk's own page): test_kiosk.py.


# --- HSTS, HTTPS redirect and cookies: only behind a TLS proxy ---------------------------------

PROBE = """
import json
from django.conf import settings
from django.test import Client

client = Client()
plain = client.get("/tidak-ada/", headers={"x-forwarded-proto": "http"})
https = client.get("/tidak-ada/", headers={"x-forwarded-proto": "https"})
print(json.dumps({
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location"),
    "plain_hsts": plain.get("Strict-Transport-Security"),
    "https_status": https.status_code,
    "https_hsts": https.get("Strict-Transport-Security"),
    "https_csrf_cookie_secure": bool(https.cookies["csrftoken"]["secure"]),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "language_cookie_secure": settings.LANGUAGE_COOKIE_SECURE,
}))
"""


def production(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """manage.py with the production settings in a bare environment: DEBUG off, its keys,
    ALLOWED_HOSTS set, no .env read; `env` adds to it."""
    # Not inherited: what the profile sets, and DJANGO_ALLOW_ASYNC_UNSAFE (the browser tests
    # set it in this process; the deploy check rightly refuses it).
    unset = {"DEBUG", "BEHIND_TLS_PROXY", "SECURE_COOKIES", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unset and not k.startswith("SECURE_")}
    clean.update(
        DJANGO_SETTINGS_MODULE="antrean.settings",
        ANTREAN_ENV_FILE=str(tmp_path / "no-such.env"),
        ANTREAN_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SECRET_KEY="production-like-" + "k7Qz9vX2pL4mN8rT1wY6" * 3,
        ANTREAN_DATA_KEYS=KEY,
        ANTREAN_HASH_KEY=KEY,
        ALLOWED_HOSTS="antrean.badungkab.go.id,testserver",
    )
    clean.update(env)
    return subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def probe(tmp_path, **env) -> dict:
    result = production(tmp_path, "shell", "-c", PROBE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_behind_a_tls_proxy_http_is_redirected_and_https_gets_hsts_and_secure_cookies(tmp_path):
    seen = probe(tmp_path, BEHIND_TLS_PROXY="true")

    assert seen["plain_status"] == 301
    assert seen["plain_location"] == "https://testserver/tidak-ada/"
    assert seen["https_status"] == 404  # served, not redirected again
    assert seen["https_hsts"] == "max-age=31536000; includeSubDomains"
    assert seen["plain_hsts"] is None  # HSTS is only ever sent over HTTPS
    assert seen["session_cookie_secure"] and seen["csrf_cookie_secure"]
    assert seen["language_cookie_secure"]
    assert seen["https_csrf_cookie_secure"]


def test_hsts_preload_is_only_sent_when_asked_for(tmp_path):
    seen = probe(tmp_path, BEHIND_TLS_PROXY="true", SECURE_HSTS_PRELOAD="true")

    assert seen["https_hsts"] == "max-age=31536000; includeSubDomains; preload"


def test_without_a_tls_proxy_there_is_no_redirect_no_hsts_and_plain_cookies(tmp_path):
    seen = probe(tmp_path)

    assert seen["plain_status"] == 404  # served over plain HTTP
    assert seen["plain_location"] is None
    assert seen["https_hsts"] is None  # the header is not trusted without a proxy
    assert not seen["session_cookie_secure"] and not seen["csrf_cookie_secure"]
    assert not seen["language_cookie_secure"]


def test_secure_cookies_can_still_be_asked_for_without_a_proxy(tmp_path):
    seen = probe(tmp_path, SECURE_COOKIES="true")

    assert seen["session_cookie_secure"] and seen["csrf_cookie_secure"]
    assert seen["plain_status"] == 404


# --- manage.py check --deploy ------------------------------------------------------------------


def test_the_deploy_check_is_clean_in_the_production_profile(tmp_path):
    result = production(
        tmp_path, "check", "--deploy", "--fail-level", "WARNING", BEHIND_TLS_PROXY="true"
    )

    assert result.returncode == 0, result.stderr + result.stdout
    # One silenced: security.W021 (HSTS preload not set), on purpose; see settings.py.
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_with_preload_nothing_is_silenced(tmp_path):
    result = production(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        BEHIND_TLS_PROXY="true",
        SECURE_HSTS_PRELOAD="true",
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_deploy_check_names_what_is_missing_without_a_tls_proxy(tmp_path):
    # Without TLS the deployment is not production-ready, and the check says why.
    result = production(tmp_path, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    for check in ["security.W004", "security.W008", "security.W012", "security.W016"]:
        assert check in result.stderr + result.stdout


# --- templates that had inline style ------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_change_list_without_action_bars_has_no_inline_style(admin_client, monkeypatch):
    # Django's change_list.html prints a <style> block when both action bars are off; the
    # project's override (antrean/templates/admin/change_list.html) links a file instead.
    model_admin = admin.site._registry[Office]
    monkeypatch.setattr(model_admin, "actions_on_top", False)
    monkeypatch.setattr(model_admin, "actions_on_bottom", False)

    page = admin_client.get("/admin/tenancy/office/").content.decode()

    assert "<style" not in page
    assert "core/admin-changelist-no-actions" in page
    assert "admin/css/changelists" in page  # the rest of Django's block is still there


def test_no_template_has_inline_script_style_or_event_handlers():
    """The CSP refuses them; this finds them before a browser does."""
    inline = re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>|<style\b|\sstyle=|\son[a-z]+=",
        re.IGNORECASE,
    )
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in (ROOT / "antrean").rglob("*.html")
        for match in inline.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


# --- Caching (ASVS 8.2.1) -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/api/v1/offices", "/v/", "/staf/masuk/"])
def test_answers_are_not_stored_by_browsers_or_proxies_by_default(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_static_files_keep_their_own_caching(client):
    response = client.get("/static/booking/booking.css")
    if response.status_code == 404:
        pytest.skip("no such static file")
    assert "no-store" not in response.get("Cache-Control", "")


# --- Refusals are logged (ASVS 7.2.2) -------------------------------------------------------------


@pytest.mark.django_db
def test_every_refused_request_is_a_line_in_the_security_log(client, caplog):
    from antrean.testing.factories import make_agency, make_office, make_officer

    caplog.set_level("WARNING", logger="antrean.security")
    client.post(
        "/api/v1/checkin",
        {"code": "ABCD2345", "nik_last4": "1234"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer not-a-real-token-but-long-enough-123",
    )
    officer = make_officer(make_agency(make_office(code="mpp-lain")))
    client.force_login(officer)
    client.get("/staf/kotak-pesan/", {"kantor": "mpp-tidak-ada"})
    lines = [r.getMessage() for r in caplog.records if r.name == "antrean.security"]
    assert any(line.startswith("refused anonymous ") and line.endswith(" 401") for line in lines)
    assert any(f"user:{officer.pk}" in line and line.endswith(" 403") for line in lines)
    assert not any("not-a-real-token" in line for line in lines)


@pytest.mark.django_db
def test_answers_that_are_not_refusals_are_not_logged_as_such(client, caplog):
    caplog.set_level("WARNING", logger="antrean.security")
    client.get("/")
    client.get("/tidak-ada/")
    assert not [r for r in caplog.records if r.name == "antrean.security"]
