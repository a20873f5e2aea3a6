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
def without_demo_history(monkeypatch):
    """`serve`'s setup without the demo's past (a served quarter with its survey answers, and
    the roll-ups of its days): ~15 s a setup, for tests about accounts and counters. The past
    itself is tested in antrean/demo/tests and by a full setup in test_serve."""
    from antrean.core.management.commands import serve

    monkeypatch.setattr(serve, "demo_survey_setup", lambda stdout: None)
    monkeypatch.setattr(serve, "demo_stats_setup", lambda stdout: None)


@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's, signed in as the staff sign-in would: with the second step passed
    (the admin refuses an admin role's session without it)."""
    from django.test import Client

    from antrean.testing.signin import sign_in

    return sign_in(Client(), admin_user)


def pytest_collection_modifyitems(config, items):
    """Every transactional test restores the database the migrations left (serialized
    rollback). A transactional test without it flushes the tables and lets `post_migrate`
    re-create the content types under new ids; the next serialized test on that worker then
    fails to restore them (a unique clash on django_content_type), whatever order xdist picks.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
            name in getattr(item, "fixturenames", ())
            for name in ("transactional_db", "live_server")
        )
        if transactional and not (marker is not None and marker.kwargs.get("serialized_rollback")):
            kwargs = dict(marker.kwargs) if marker is not None else {}
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(
                pytest.mark.django_db(*(marker.args if marker else ()), **kwargs), append=False
            )
