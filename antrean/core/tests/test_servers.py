"""The real servers, as the project starts them: what a client can make them believe, and what
they write to their logs.

- uvicorn with the project's configuration (antrean.core.serving.uvicorn_config, the function
  `manage.py serve` uses) in a thread of this process, on the test database: a forged
  X-Forwarded-For or X-Forwarded-Proto from a peer at 127.0.0.1 changes nothing (uvicorn's own
  default would have rewritten the client address and the scheme from them).
- gunicorn with antrean/gunicorn_conf.py in a subprocess on the test database: the same for
  the scheme, and its access log masked.
`manage.py serve` itself, as `make run` runs it, is tested in test_serve_process.py.
"""

import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.db import DEFAULT_DB_ALIAS, connections

from antrean.api.tests.conftest import BOOKINGS, booking_payload
from antrean.api.tests.staff_setup import PASSWORD, make_staff
from antrean.integrity.models import PactSignature
from antrean.notifications.tests.test_worker_crash import database_url
from antrean.testing.factories import make_agency, make_office, make_slot

MANAGE = Path(django_settings.BASE_DIR) / "manage.py"
TOKEN = "/api/v1/auth/token"
LOGIN_PAGE = "/staf/masuk/"

pytestmark = [
    # The server's own threads write; serialized_rollback keeps the pacts seeded by migrations.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # WhiteNoise hands static files to Django's ASGI handler as a synchronous iterator.
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous"),
]


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def uvicorn_server(transactional_db):
    """The ASGI application under uvicorn, configured as `manage.py serve` configures it."""
    import uvicorn

    from antrean.core.serving import uvicorn_config

    db = connections.settings[DEFAULT_DB_ALIAS]
    max_age = db.get("CONN_MAX_AGE", 0)
    db["CONN_MAX_AGE"] = 0  # request threads close their connections: teardown can drop the db
    sock = free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn_config(host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        db["CONN_MAX_AGE"] = max_age
        connections.close_all()


@pytest.fixture
def officer():
    agency = make_agency(make_office(code="mpp-uji"), code="dukcapil")
    return make_staff(agency, username="petugas-a")


def forged(n: int) -> str:
    return f"198.51.100.{n}"


def api_login(base: str, password: str, **headers) -> int:
    answer = httpx.post(
        base + TOKEN, json={"username": "petugas-a", "password": password}, headers=headers
    )
    return answer.status_code


def page_login_without_referer(base: str, **headers) -> int:
    """A wrong-password POST of the login form, with its CSRF token and cookie, and no
    Referer or Origin: fine over http; over https Django's CSRF check refuses it (403)."""
    with httpx.Client(base_url=base) as client:
        page = client.get(LOGIN_PAGE)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        answer = client.post(
            LOGIN_PAGE,
            data={"csrfmiddlewaretoken": token, "username": "petugas-a", "password": "salah"},
            headers=headers,
        )
    return answer.status_code


# --- uvicorn -------------------------------------------------------------------------------


def test_uvicorn_forged_forwarded_for_does_not_escape_the_login_lockout(uvicorn_server, officer):
    limit = django_settings.AXES_FAILURE_LIMIT

    statuses = [
        api_login(uvicorn_server, "sandi-salah", **{"X-Forwarded-For": forged(n)})
        for n in range(limit)
    ]
    # Locked, and a new forged address with the right password does not open it.
    again = api_login(uvicorn_server, PASSWORD, **{"X-Forwarded-For": forged(99)})

    assert statuses == [401] * (limit - 1) + [429]
    assert again == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_uvicorn_forged_forwarded_for_buys_no_bookings_nor_a_chosen_address(
    uvicorn_server, settings
):
    settings.ANTREAN_BOOKINGS_PER_ADDRESS = 2
    slot = make_slot(capacity=10)

    statuses = [
        httpx.post(
            uvicorn_server + BOOKINGS,
            json=booking_payload(slot),
            headers={"X-Forwarded-For": forged(n)},
        ).status_code
        for n in range(4)
    ]

    assert statuses == [201, 201, 429, 429]
    assert set(PactSignature.objects.values_list("client_ip", flat=True)) == {"127.0.0.1"}


def test_uvicorn_does_not_take_the_scheme_from_a_forged_header(uvicorn_server, officer):
    status = page_login_without_referer(uvicorn_server, **{"X-Forwarded-Proto": "https"})

    assert status == 200  # the form again (wrong password): the request stayed plain http


def test_uvicorn_behind_a_proxy_believes_only_the_proxys_hop(uvicorn_server, settings, officer):
    settings.ANTREAN_PROXY_COUNT = 1
    real = "203.0.113.7"

    statuses = [
        api_login(uvicorn_server, "sandi-salah", **{"X-Forwarded-For": f"{forged(n)}, {real}"})
        for n in range(django_settings.AXES_FAILURE_LIMIT)
    ]

    assert statuses[-1] == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {real}
    # Another client behind the same proxy logs in.
    assert api_login(uvicorn_server, PASSWORD, **{"X-Forwarded-For": "203.0.113.8"}) == 200


# --- gunicorn ------------------------------------------------------------------------------


@pytest.fixture
def gunicorn_server(transactional_db, tmp_path):
    """gunicorn as the project starts it (-c python:antrean.gunicorn_conf), on the test
    database, its access log on; yields (base URL, a function returning its output)."""
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    log = tmp_path / "gunicorn.log"
    env = os.environ | {"DATABASE_URL": database_url(), "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and config)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:antrean.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--access-logfile",
                "-",
            ],
            cwd=MANAGE.parent,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "gunicorn did not answer"
            try:
                httpx.get(base + "/", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base, lambda: log.read_text(errors="replace")
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_gunicorn_does_not_take_the_scheme_from_a_forged_header(gunicorn_server, officer):
    base, _output = gunicorn_server

    status = page_login_without_referer(base, **{"X-Forwarded-Proto": "https"})

    assert status == 200


def test_gunicorn_forged_forwarded_for_does_not_escape_the_login_lockout(gunicorn_server, officer):
    base, _output = gunicorn_server
    limit = django_settings.AXES_FAILURE_LIMIT

    statuses = [
        api_login(base, "sandi-salah", **{"X-Forwarded-For": forged(n)}) for n in range(limit)
    ]

    assert statuses == [401] * (limit - 1) + [429]
    assert api_login(base, PASSWORD, **{"X-Forwarded-For": forged(99)}) == 429


NIK = "5103014101900001"
PHONE = "081234567890"
BOOKING_TOKEN = "Zq3v8Hn2Kp0Lr5Tw7Yx1Bc4Df6Gh9Jk2"


def test_gunicorn_access_log_is_masked(gunicorn_server):
    base, output = gunicorn_server

    httpx.get(f"{base}/antrean/{NIK}/?t={BOOKING_TOKEN}&wa={PHONE}")
    httpx.get(f"{base}/", headers={"Host": f"{NIK}.example"})  # a logged DisallowedHost
    deadline = time.monotonic() + 10
    while '" 400 ' not in output() and time.monotonic() < deadline:
        time.sleep(0.05)

    text = output()
    assert '"GET /antrean/5103********0001/?t=***&wa=0812****890 HTTP/1.1" 403' in text
    assert "Traceback" in text and "DisallowedHost" in text
    for secret in (NIK, PHONE, BOOKING_TOKEN, "34567"):
        assert secret not in text, secret


def test_uvicorn_does_not_name_itself(uvicorn_server):
    """ASVS 14.3.3: no `server: uvicorn` header telling an attacker what answers."""
    answer = httpx.get(uvicorn_server + "/api/v1/offices")
    assert answer.status_code == 200
    assert "server" not in answer.headers
