"""Rules against bulk booking (scalpers), and the caches on the booking path.

- A NIK holds at most ANTREAN_MAX_BOOKINGS_PER_NIK_PER_DAY active bookings on a date, over
  all services and offices: a reused NIK is worth little to a scalper.
- One client address makes at most ANTREAN_BOOKINGS_PER_ADDRESS online booking attempts per
  window; behind ANTREAN_PROXY_COUNT proxies the address is read from X-Forwarded-For, from
  the right, so a client cannot choose its own.
- The pact in force, opening hours, closures and template names are kept per process for a
  few seconds; a change made here is seen at once.
"""

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from antrean.api.tests.conftest import BOOKINGS, booking_payload, db_state
from antrean.booking.models import NikDayCount
from antrean.booking.services import booking_cancel, booking_create
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.hotcache import hot_caches_clear
from antrean.core.http import client_ip
from antrean.core.personal_data import lookup_hash
from antrean.integrity.models import Audience, Channel, PactText
from antrean.integrity.services import ClientInfo, pact_in_force, pact_publish
from antrean.notifications.models import TemplateName
from antrean.notifications.services import template_for
from antrean.tenancy.models import Closure
from antrean.tenancy.selectors import office_day_status
from antrean.testing.factories import (
    booking_request,
    make_nik,
    make_office,
    make_service,
    make_slot,
)

pytestmark = pytest.mark.django_db

NIK = "5103014101900001"


def book(slot, client=None, **overrides):
    return booking_create(
        request=booking_request(slot, **overrides), client=client or ClientInfo()
    ).ticket


def refused(code, slot, client=None, **overrides):
    with pytest.raises(DomainError) as caught:
        book(slot, client, **overrides)
    assert caught.value.code == code
    return caught.value


# --- one NIK, a few bookings a day ---------------------------------------------------------


def test_a_nik_gets_three_bookings_a_day_over_all_offices():
    first, second = make_office(), make_office()
    slots = [make_slot(make_service(office)) for office in (first, first, second, second)]
    date = slots[0].date
    assert all(s.date == date for s in slots)
    for slot in slots[:3]:
        book(slot, nik=NIK)
    error = refused(ErrorCode.NIK_DAILY_LIMIT, slots[3], nik=NIK)
    assert error.field == "nik"
    assert NikDayCount.objects.get(nik_hash=lookup_hash(NIK, purpose="nik"), date=date).active == 3
    # Another NIK, and another date, are counted apart.
    book(slots[3], nik=make_nik())
    book(make_slot(slots[3].service, date=date + dt.timedelta(days=1)), nik=NIK)


def test_a_refused_booking_changes_nothing(settings):
    settings.ANTREAN_MAX_BOOKINGS_PER_NIK_PER_DAY = 1
    office = make_office()
    slot_a, slot_b = make_slot(make_service(office)), make_slot(make_service(office))
    book(slot_a, nik=NIK)
    before = db_state()
    refused(ErrorCode.NIK_DAILY_LIMIT, slot_b, nik=NIK)
    assert db_state() == before


def test_cancelling_gives_the_nik_its_place_back(settings):
    settings.ANTREAN_MAX_BOOKINGS_PER_NIK_PER_DAY = 2
    office = make_office()
    slots = [make_slot(make_service(office)) for _ in range(3)]
    tickets = [book(slot, nik=NIK) for slot in slots[:2]]
    refused(ErrorCode.NIK_DAILY_LIMIT, slots[2], nik=NIK)
    booking_cancel(ticket=tickets[0])
    book(slots[2], nik=NIK)
    refused(ErrorCode.NIK_DAILY_LIMIT, slots[0], nik=NIK)


def test_a_retry_on_a_full_slot_by_someone_who_holds_a_place_is_told_so():
    # The first attempt booked the last place but its answer was lost (a cut connection):
    # the retry must say "you already have it", not "full".
    slot = make_slot(capacity=1)
    book(slot, nik=NIK)
    refused(ErrorCode.DUPLICATE_BOOKING, slot, nik=NIK)
    refused(ErrorCode.SLOT_FULL, slot, nik=make_nik())


# --- attempts per client address -----------------------------------------------------------


@pytest.fixture
def limit(settings):
    settings.ANTREAN_BOOKINGS_PER_ADDRESS = 3
    settings.ANTREAN_BOOKINGS_PER_ADDRESS_WINDOW = 600
    return settings


def web(ip):
    return ClientInfo(channel=Channel.WEB, ip=ip)


def test_an_address_gets_a_few_attempts_per_window_whatever_they_ask(limit):
    slot = make_slot(capacity=50)
    book(slot, web("203.0.113.9"))
    refused(ErrorCode.INVALID_NIK, slot, web("203.0.113.9"), nik="123")  # failures count too
    book(slot, web("203.0.113.9"))
    before = db_state()
    refused(ErrorCode.RATE_LIMITED, slot, web("203.0.113.9"))
    assert db_state() == before
    # Other addresses are counted apart, and a kiosk books for people in the office.
    book(slot, web("203.0.113.10"))
    for _ in range(5):
        book(slot, ClientInfo(channel=Channel.KIOSK, ip="203.0.113.9"))


def test_the_window_ends(limit):
    limit.ANTREAN_BOOKINGS_PER_ADDRESS_WINDOW = 600
    slot = make_slot(capacity=50)
    for _ in range(3):
        book(slot, web("198.51.100.1"))
    refused(ErrorCode.RATE_LIMITED, slot, web("198.51.100.1"))
    cache.clear()  # what the window's expiry does to its counter
    book(slot, web("198.51.100.1"))


def test_zero_turns_the_limit_off(limit):
    limit.ANTREAN_BOOKINGS_PER_ADDRESS = 0
    slot = make_slot(capacity=50)
    for _ in range(6):
        book(slot, web("198.51.100.2"))


def test_a_cache_outage_lets_bookings_through(limit, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "add", down)
    slot = make_slot(capacity=50)
    for _ in range(5):
        book(slot, web("198.51.100.3"))


def test_the_api_answers_429_with_its_code(client, limit):
    slot = make_slot(capacity=50)
    for _ in range(3):
        response = client.post(BOOKINGS, booking_payload(slot), content_type="application/json")
        assert response.status_code == 201
    response = client.post(BOOKINGS, booking_payload(slot), content_type="application/json")
    assert response.status_code == 429
    assert response.json()["error"] == "rate_limited"
    assert "Terlalu banyak" in response.json()["message"]


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        (0, "1.2.3.4", "10.0.0.5", "10.0.0.5"),  # no proxy: the header is the client's own
        (1, "1.2.3.4", "10.0.0.5", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "10.0.0.5", "1.2.3.4"),  # a forged first hop is ignored
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.9", "10.0.0.5", "1.2.3.4"),
        (1, "", "10.0.0.5", "10.0.0.5"),  # reached the app without the proxy
        (2, "1.2.3.4", "10.0.0.5", "10.0.0.5"),
        (1, "10.9.519.1", "10.0.0.5", "10.0.0.5"),  # garbled: not an address at all
        (1, "2001:db8::7", "10.0.0.5", "2001:db8::7"),
    ],
)
def test_client_address_is_read_from_the_right(settings, proxies, forwarded, remote, expected):
    settings.ANTREAN_PROXY_COUNT = proxies
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    assert client_ip(request) == expected


def test_behind_a_proxy_each_forwarded_client_has_its_own_count(client, limit):
    limit.ANTREAN_PROXY_COUNT = 1
    slot = make_slot(capacity=50)

    def post(forwarded):
        return client.post(
            BOOKINGS,
            booking_payload(slot),
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    for _ in range(3):
        assert post("203.0.113.50").status_code == 201
    assert post("203.0.113.50").status_code == 429
    # Forging a first hop does not buy a new count: the proxy appended the real address.
    assert post("9.9.9.9, 203.0.113.50").status_code == 429
    assert post("203.0.113.51").status_code == 201
    assert post("10.9.519.1").status_code == 201  # a garbled header is not a 500


# --- caches on the booking path -------------------------------------------------------------


@pytest.fixture
def cached(settings):
    settings.ANTREAN_HOT_CACHE_SECONDS = 60


def test_a_new_pact_is_required_at_once_in_this_process(cached):
    slot = make_slot()
    office = slot.service.office
    stale = booking_request(slot)
    book(slot)  # fills the cache
    pact_publish(
        pact=PactText.objects.create(
            office=office,
            audience=Audience.CITIZEN,
            version=99,
            title="Pakta Integritas",
            body="Saya berjanji tidak memberi imbalan apa pun.",
        ),
        by=None,
    )
    with pytest.raises(DomainError) as caught:
        booking_create(request=stale, client=ClientInfo())
    assert caught.value.code == ErrorCode.PACT_OUTDATED
    assert pact_in_force(office=office, audience=Audience.CITIZEN).pact.version == 99


def test_a_closure_applies_at_once_in_this_process(cached):
    slot = make_slot(capacity=10)
    book(slot)
    assert office_day_status(office=slot.service.office, date=slot.date).open
    Closure.objects.create(office=slot.service.office, date=slot.date, reason="Hari raya")
    refused(ErrorCode.OFFICE_CLOSED, slot)


def test_other_processes_see_changes_within_the_ttl(cached, settings):
    # A queryset update sends no signal: it stands for a change made by another process.
    office = make_office()
    TemplateName.objects.create(office=office, kind="booking_confirmed", name="lama", language="id")
    hot_caches_clear()  # as if that row had been committed before
    assert template_for(office=office, kind="booking_confirmed")[0] == "lama"
    TemplateName.objects.filter(office=office).update(name="baru")
    assert template_for(office=office, kind="booking_confirmed")[0] == "lama"  # still cached
    settings.ANTREAN_HOT_CACHE_SECONDS = 0  # as if the TTL had passed
    hot_caches_clear()
    assert template_for(office=office, kind="booking_confirmed")[0] == "baru"
