"""Suite-wide fixtures. Tests run on SQLite and, in a second pass, on PostgreSQL."""

import pytest

from antrean.integrity.services import pact_cache_clear


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    # Tests roll back their rows; caches of rows must not outlive them.
    pact_cache_clear()
    yield
    pact_cache_clear()


@pytest.fixture
def on_postgresql(settings) -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"
