"""The client's address is read one way everywhere (antrean.core.http.client_ip): the peer's
address, or behind ANTREAN_PROXY_COUNT proxies the hop the nearest of them wrote. A client
that writes its own X-Forwarded-For gains nothing: not a fresh login lockout (django-axes
reads the address through the same function), not a fresh booking count, not a chosen address
in its pact signature.

These tests go through Django's test client, which hands the headers to Django as sent. That
the servers themselves (uvicorn in `manage.py serve`, gunicorn) do not rewrite the address or
the scheme from those headers is tested against the real servers in test_servers.py.
"""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse

from antrean.api.tests.conftest import BOOKINGS, booking_payload
from antrean.api.tests.staff_setup import PASSWORD, make_staff
from antrean.integrity.models import PactSignature
from antrean.testing.factories import make_agency, make_office, make_slot

pytestmark = pytest.mark.django_db

LOGIN_PAGE = reverse("queueing:login")
TOKEN = "/api/v1/auth/token"
PROXY = "10.0.0.2"  # the reverse proxy's own address, as the app sees its peer


@pytest.fixture
def officer():
    agency = make_agency(make_office(code="mpp-uji"), code="dukcapil")
    return make_staff(agency, username="petugas-a")


def page_login(client, password: str, **headers):
    response = client.post(LOGIN_PAGE, {"username": "petugas-a", "password": password}, **headers)
    # 200: the form again (wrong password); 302: logged in; 429: locked out.
    return {200: "refused", 302: "in", 429: "locked"}[response.status_code]


def api_login(client, password: str, **headers):
    response = client.post(
        TOKEN,
        {"username": "petugas-a", "password": password},
        content_type="application/json",
        **headers,
    )
    return {401: "refused", 200: "in", 429: "locked"}[response.status_code]


LOGINS = pytest.mark.parametrize("login", [page_login, api_login], ids=["page", "api"])


def forged(n: int) -> str:
    return f"198.51.100.{n}"


@LOGINS
def test_a_new_forged_address_each_time_is_still_locked_out(client, officer, login):
    limit = settings.AXES_FAILURE_LIMIT

    outcomes = [
        login(client, "sandi-salah", HTTP_X_FORWARDED_FOR=forged(n)) for n in range(limit + 3)
    ]

    assert outcomes == ["refused"] * (limit - 1) + ["locked"] * 4
    # Counted against the one real address, not against any of the forged ones.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


@LOGINS
def test_a_locked_account_stays_locked_with_a_new_forged_address(client, officer, login):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "sandi-salah")

    assert login(client, PASSWORD, HTTP_X_FORWARDED_FOR=forged(77)) == "locked"
    assert login(client, PASSWORD, HTTP_X_FORWARDED_FOR=f"{forged(78)}, {forged(79)}") == "locked"
    assert "_auth_user_id" not in client.session


@LOGINS
def test_behind_a_proxy_the_proxys_hop_is_the_address(client, settings, officer, login):
    """ANTREAN_PROXY_COUNT=1: the client is the hop the proxy appended; whatever the client
    wrote to the left of it is ignored, and two clients behind the one proxy are two
    addresses (not one lockout for everyone behind it)."""
    settings.ANTREAN_PROXY_COUNT = 1
    client_a, client_b = "203.0.113.7", "203.0.113.8"

    outcomes = [
        # The client forges a new first hop each time; the proxy appends the real address.
        login(
            client,
            "sandi-salah",
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=f"{forged(n)}, {client_a}",
        )
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]

    assert outcomes[-1] == "locked"
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {client_a}
    assert login(client, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_a) == "locked"
    # Another citizen's … officer's machine behind the same proxy is not locked out.
    assert login(client, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_b) == "in"


def test_without_a_proxy_the_header_is_not_read(client, settings, officer):
    settings.ANTREAN_PROXY_COUNT = 0
    for n in range(settings.AXES_FAILURE_LIMIT):
        page_login(client, "sandi-salah", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR=forged(n))

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.10"}


# --- booking ---------------------------------------------------------------------------------


@pytest.fixture
def address_limit(settings):
    settings.ANTREAN_BOOKINGS_PER_ADDRESS = 3
    settings.ANTREAN_BOOKINGS_PER_ADDRESS_WINDOW = 600


def book(client, slot, **headers):
    return client.post(BOOKINGS, booking_payload(slot), content_type="application/json", **headers)


def test_a_forged_address_buys_no_bookings_and_is_not_what_the_pact_records(client, address_limit):
    slot = make_slot(capacity=10)

    statuses = [book(client, slot, HTTP_X_FORWARDED_FOR=forged(n)).status_code for n in range(5)]

    assert statuses == [201, 201, 201, 429, 429]
    # The signature (the office ledger's entry) records the real address.
    assert set(PactSignature.objects.values_list("client_ip", flat=True)) == {"127.0.0.1"}


def test_behind_a_proxy_the_pact_records_the_proxys_hop(client, settings, address_limit):
    settings.ANTREAN_PROXY_COUNT = 1
    slot = make_slot(capacity=10)

    response = book(
        client, slot, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{forged(1)}, 203.0.113.7"
    )

    assert response.status_code == 201
    assert PactSignature.objects.get().client_ip == "203.0.113.7"
