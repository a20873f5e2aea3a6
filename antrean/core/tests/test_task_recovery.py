"""A task whose worker died is taken up again (antrean.core.tasks.tasks_recover_stale).

django-tasks-db marks a task RUNNING when a worker claims it and records its end when it
finishes; a worker killed in between (SIGKILL, out of memory) left it RUNNING for good. Now a
RUNNING task whose worker sends no heartbeat any more is put back to READY at the next
worker's start and by the periodic sweep, and run again: tasks are idempotent (the certificate
render task is: antrean/integrity/tests/test_certificates.py, and once more below).

The real case first: a `manage.py worker` subprocess SIGKILLed in the middle of a task, and
another worker that completes it. As in notifications/tests/test_worker_crash.py, the dead
worker's heartbeat (and its claim) are aged by WORKER_GONE_AFTER rather than waited for.
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from antrean.booking.services import booking_create
from antrean.core.management.commands.worker import _db_worker
from antrean.core.tasks import MAX_CLAIMS, tasks_recover_stale
from antrean.integrity.models import Certificate
from antrean.integrity.services import ClientInfo
from antrean.integrity.signing import signing_cache_clear
from antrean.integrity.tasks import render_certificate
from antrean.notifications.models import OutboxWorker
from antrean.notifications.services import WORKER_GONE_AFTER, worker_heartbeat
from antrean.notifications.tests.test_worker_crash import database_url
from antrean.testing.factories import booking_request, make_slot
from antrean.testing.tasks import hold_until_released

MANAGE = Path(django_settings.BASE_DIR) / "manage.py"
GONE = WORKER_GONE_AFTER + dt.timedelta(seconds=1)


@pytest.fixture(autouse=True)
def _database_tasks(settings):
    if settings.TASKS_BACKEND != "database":
        pytest.skip("recovery of RUNNING rows is the database backend's")


class Worker:
    """`manage.py worker` in a subprocess, its output in a file."""

    def __init__(self, log: Path):
        self.log = log
        self._fh = log.open("wb")
        env = os.environ | {"DATABASE_URL": database_url(), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
            [sys.executable, str(MANAGE), "worker", "--no-periodic", "--interval", "0.05"],
            cwd=MANAGE.parent,
            env=env,
            stdout=self._fh,
            stderr=subprocess.STDOUT,
        )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._fh.close()


def wait_for(condition, *, what: str, worker: Worker, limit: float = 60.0):
    deadline = time.monotonic() + limit
    while not (result := condition()):
        assert worker.process.poll() is None, f"worker exited:\n{worker.text()[-3000:]}"
        assert time.monotonic() < deadline, f"no {what}:\n{worker.text()[-3000:]}"
        time.sleep(0.02)
    return result


def runs(path: Path) -> list[int]:
    return [int(pid) for pid in path.read_text().split()] if path.exists() else []


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_task_whose_worker_was_killed_is_completed_by_another_worker(tmp_path):
    started, release = tmp_path / "started", tmp_path / "release"
    result = hold_until_released.enqueue(started=str(started), release=str(release))
    workers = []
    try:
        # 1. A worker takes the task and is killed in the middle of it.
        first = Worker(tmp_path / "worker-1.log")
        workers.append(first)
        (killed_pid,) = wait_for(lambda: runs(started), what="the task's start", worker=first)
        assert killed_pid == first.process.pid
        first.stop(signal.SIGKILL)
        row = DBTaskResult.objects.get(pk=result.id)
        assert row.status == TaskResultStatus.RUNNING  # and so it would stay
        (dead_id,) = row.worker_ids

        # 2. Time passes: its heartbeat, and its claim, grow old.
        assert OutboxWorker.objects.filter(worker_id=dead_id).update(
            last_seen=timezone.now() - GONE
        )
        DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - GONE)

        # 3. The next worker takes it up at its start and runs it to the end.
        second = Worker(tmp_path / "worker-2.log")
        workers.append(second)
        wait_for(lambda: len(runs(started)) == 2, what="the second run", worker=second)
        release.touch()
        wait_for(
            lambda: DBTaskResult.objects.get(pk=row.pk).status == TaskResultStatus.SUCCESSFUL,
            what="the task's success",
            worker=second,
        )
        assert second.stop() == 0

        row.refresh_from_db()
        assert runs(started) == [killed_pid, second.process.pid]
        assert row.return_value == second.process.pid
        assert len(row.worker_ids) == 2 and row.worker_ids[0] == dead_id
        log = second.text()
        assert f"requeued: its worker {dead_id} stopped while running it" in log
        assert "Recovered tasks: 1 requeued, 0 given up" in log
    finally:
        release.touch()
        for worker in workers:
            if worker.process.poll() is None:
                worker.stop(signal.SIGKILL)


# --- the rules, by direct calls ----------------------------------------------------------------


def running(*, worker_id: str, claimed_at: dt.datetime, claims: int = 1) -> DBTaskResult:
    """A task row as a worker leaves it when it claims it."""
    result = hold_until_released.enqueue(started="/nonexistent", release="/nonexistent")
    row = DBTaskResult.objects.get(pk=result.id)
    for n in range(claims - 1):
        row.claim(f"{worker_id}-earlier-{n}")
    row.claim(worker_id)
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=claimed_at)
    row.refresh_from_db()
    return row


def status(row: DBTaskResult) -> str:
    row.refresh_from_db()
    return row.status


def recovered(**kwargs) -> tuple[int, int]:
    report = tasks_recover_stale(**kwargs)
    return report.requeued, report.failed


@pytest.mark.django_db
def test_a_live_workers_task_is_left_alone_however_long_it_runs():
    now = timezone.now()
    worker_heartbeat(worker_id="hidup", now=now)
    row = running(worker_id="hidup", claimed_at=now - dt.timedelta(hours=2))

    assert recovered(now=now) == (0, 0)
    assert status(row) == TaskResultStatus.RUNNING


@pytest.mark.django_db
def test_a_dead_workers_task_is_requeued_once_its_heartbeat_is_old():
    t0 = timezone.now()
    worker_heartbeat(worker_id="mati", now=t0)
    row = running(worker_id="mati", claimed_at=t0)

    assert recovered(now=t0 + dt.timedelta(seconds=5)) == (0, 0)  # it may be alive yet
    assert status(row) == TaskResultStatus.RUNNING

    assert recovered(now=t0 + GONE) == (1, 0)
    row.refresh_from_db()
    assert (row.status, row.started_at) == (TaskResultStatus.READY, None)
    assert recovered(now=t0 + GONE * 2) == (0, 0)  # once


@pytest.mark.django_db
def test_a_fresh_claim_is_left_alone_even_without_a_heartbeat():
    """A claim younger than WORKER_GONE_AFTER is not taken away, heartbeat or not."""
    t0 = timezone.now()
    row = running(worker_id="tanpa-detak", claimed_at=t0)

    assert recovered(now=t0 + dt.timedelta(seconds=5)) == (0, 0)
    assert recovered(now=t0 + GONE) == (1, 0)
    assert status(row) == TaskResultStatus.READY


@pytest.mark.django_db
def test_a_task_whose_workers_keep_dying_is_given_up():
    t0 = timezone.now()
    row = running(worker_id="mati", claimed_at=t0, claims=MAX_CLAIMS)

    assert recovered(now=t0 + GONE) == (0, 1)
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "antrean.core.tasks.WorkerLost"
    assert recovered(now=t0 + GONE * 2) == (0, 0)


# transaction: the worker closes and reopens its connection between tasks.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_abandoned_certificate_task_is_rendered_by_the_next_worker(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANTREAN_KEY_DIR = tmp_path / "keys"
    signing_cache_clear()
    booked = booking_create(request=booking_request(make_slot()), client=ClientInfo())
    certificate = Certificate.objects.get(signature__ticket=booked.ticket)
    row = DBTaskResult.objects.get(task_path=render_certificate.module_path)
    t0 = timezone.now()
    row.claim("mati")  # a worker took it and died

    assert recovered(now=t0 + GONE) == (1, 0)
    _db_worker(interval=0, batch=True, worker_id="berikut").run()

    row.refresh_from_db()
    certificate.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.worker_ids == ["mati", "berikut"]
    assert certificate.is_ready
    # Had the dead worker got as far as storing the PDF, the run again changes nothing.
    render_certificate.call(certificate_id=certificate.pk)
    again = Certificate.objects.get(pk=certificate.pk)
    assert (again.pdf.name, again.pdf_sha256) == (certificate.pdf.name, certificate.pdf_sha256)
    signing_cache_clear()
