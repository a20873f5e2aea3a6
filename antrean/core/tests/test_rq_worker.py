"""With TASKS_BACKEND=rq, tasks go through Redis and `manage.py worker` runs them.

Both sides run as real processes (settings are read at start), against the test database
and the Redis this machine runs (CI starts it; the test is skipped without one).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from antrean.core.personal_data import reset_key_cache
from antrean.integrity.models import Certificate
from antrean.notifications.tests.test_worker_crash import DATA_KEY, HASH_KEY, database_url
from antrean.testing.factories import make_booking, make_slot

REDIS_URL = "redis://127.0.0.1:6379/14"
MANAGE = Path(django_settings.BASE_DIR) / "manage.py"


def _redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379 (CI starts one)")
    client.flushdb()
    reset_key_cache()
    return client


def _manage(env, *args, timeout=120):
    return subprocess.run(  # noqa: S603
        [sys.executable, str(MANAGE), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_certificates_are_rendered_by_the_rq_worker(settings, tmp_path):
    client = _redis_or_skip()
    var = tmp_path / "var"
    settings.MEDIA_ROOT = var / "media"
    settings.ANTREAN_KEY_DIR = var / "keys"
    # Both processes must read personal data with the same keys.
    settings.ANTREAN_DATA_KEYS = [DATA_KEY]
    settings.ANTREAN_HASH_KEY = HASH_KEY
    reset_key_cache()
    ticket = make_booking(make_slot(capacity=2)).ticket
    certificate = Certificate.objects.get(signature__ticket=ticket)
    # The booking queued its task in the database backend of this test process: drop it, so
    # only the Redis queue can render the certificate.
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()
    env = os.environ | {
        "DATABASE_URL": database_url(),
        "ANTREAN_VAR_DIR": str(var),
        "TASKS_BACKEND": "rq",
        "REDIS_URL": REDIS_URL,
        "ANTREAN_DATA_KEYS": DATA_KEY,
        "ANTREAN_HASH_KEY": HASH_KEY,
    }
    enqueue = _manage(
        env,
        "shell",
        "-c",
        "from antrean.integrity.tasks import render_certificate; "
        f"print(render_certificate.enqueue(certificate_id={certificate.pk}).id)",
    )
    assert enqueue.returncode == 0, enqueue.stderr[-2000:]
    assert client.llen("rq:queue:certificates") == 1

    burst = _manage(env, "worker", "--burst")
    assert burst.returncode == 0, burst.stderr[-2000:]

    certificate.refresh_from_db()
    assert certificate.is_ready
    assert client.llen("rq:queue:certificates") == 0
    client.flushdb()
    reset_key_cache()
