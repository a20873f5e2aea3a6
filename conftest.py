"""Suite-wide fixtures. Tests run on SQLite and, in a second pass, on PostgreSQL."""

import pytest
from django.core.cache import cache

from antrean.core.hotcache import hot_caches_clear
from antrean.integrity.services import pact_cache_clear


@pytest.fixture(autouse=True)
def _no_address_limit(settings):
    # Tests book from one address many times over; the limit has tests of its own that turn
    # it back on (antrean/booking/tests/test_rules.py).
    settings.ANTREAN_BOOKINGS_PER_ADDRESS = 0


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    # Tests roll back their rows; caches of rows must not outlive them.
    pact_cache_clear()
    hot_caches_clear()
    cache.clear()  # rate-limit counters
    yield
    pact_cache_clear()
    hot_caches_clear()


@pytest.fixture
def on_postgresql(settings) -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's, signed in as the staff sign-in would: with the second step passed
    (the admin refuses an admin role's session without it)."""
    from django.test import Client

    from antrean.testing.signin import sign_in

    return sign_in(Client(), admin_user)
