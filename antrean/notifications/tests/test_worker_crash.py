"""A worker killed in the middle of a batch loses nothing and sends nothing twice.

The real `manage.py worker` runs as a subprocess on the test database, sending through the
cloud gateway to the local Cloud API server, which accepts each message and answers 0.25 s
later. The test SIGKILLs the worker right after the server accepted a message (so the worker
dies waiting for the answer: the unavoidable case), starts a new worker, and checks that:
- every message ends sent or ambiguous, none is left pending or sending;
- the server accepted no message twice;
- the one the server accepted without us hearing it is ambiguous, counted in the new
  worker's log, not resent; its status webhook (carrying our id) then settles it.

A dead worker's claims are released once its heartbeat is older than WORKER_GONE_AFTER
(15 s). Rather than wait, the test ages the dead worker's heartbeat by that much: the same
state the clock would reach. That a live worker's claims are left alone however long its
batch takes is tested with a real worker below, and the rules once more by direct calls.
"""

import base64
import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from antrean.core.personal_data import reset_key_cache
from antrean.integrity.signing import signing_cache_clear
from antrean.notifications.gateway import reset_gateway
from antrean.notifications.models import Message, MessageEvent, OutboxWorker, Status
from antrean.notifications.services import (
    CERTIFICATE_WAIT,
    WORKER_GONE_AFTER,
    _claim,
    messages_recover_stale,
    messages_send_due,
    worker_heartbeat,
)
from antrean.notifications.tests.conftest import (
    WEBHOOK_SECRET,
    book,
    point_gateway_at,
    render_certificate_of,
)
from antrean.testing.cloud_api import FakeCloudAPI
from antrean.testing.factories import make_office, make_service, make_slot

MANAGE = Path(django_settings.BASE_DIR) / "manage.py"
DATA_KEY = base64.b64encode(b"k" * 32).decode()
HASH_KEY = base64.b64encode(b"h" * 32).decode()
MESSAGES = 24  # more than one batch (20)


def database_url() -> str:
    """The test database, as DATABASE_URL for the subprocess."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(db["NAME"])
        assert name != ":memory:" and "mode=memory" not in name, "needs a file database"
        return f"sqlite:///{name}"
    assert connection.vendor == "postgresql"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:"
        f"{db.get('PORT') or 5432}/{db['NAME']}"
    )


@pytest.fixture
def shared_files(settings, tmp_path):
    """What the worker subprocess must see as we do: files, keys, personal-data keys."""
    var = tmp_path / "var"
    settings.MEDIA_ROOT = var / "media"
    settings.ANTREAN_KEY_DIR = var / "keys"
    settings.ANTREAN_DATA_KEYS = [DATA_KEY]
    settings.ANTREAN_HASH_KEY = HASH_KEY
    reset_key_cache()
    signing_cache_clear()
    yield var
    reset_key_cache()
    signing_cache_clear()


class Worker:
    """`manage.py worker` in a subprocess, its log in a file."""

    def __init__(self, env: dict, log: Path):
        self.log = log
        self._fh = log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 — our own interpreter and manage.py
            [sys.executable, str(MANAGE), "worker", "--no-periodic", "--interval", "0.05"],
            cwd=MANAGE.parent,
            env=env,
            stdout=self._fh,
            stderr=subprocess.STDOUT,
        )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._fh.close()
        return code


def wait_for(condition, *, limit: float, what: str, worker: Worker | None = None):
    deadline = time.monotonic() + limit
    while not condition():
        if worker is not None and worker.process.poll() is not None:
            pytest.fail(f"worker exited early while waiting for {what}:\n{worker.text()[-3000:]}")
        if time.monotonic() > deadline:
            detail = worker.text()[-3000:] if worker else ""
            pytest.fail(f"timed out waiting for {what}\n{detail}")
        time.sleep(0.005)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_kill_in_the_middle_of_a_batch_loses_nothing_and_sends_nothing_twice(
    settings, shared_files, tmp_path, client
):
    api = FakeCloudAPI(app_secret=WEBHOOK_SECRET, delay=0.25).start()
    workers: list[Worker] = []
    try:
        point_gateway_at(settings, api, WHATSAPP_TIMEOUT=5.0)
        slot = make_slot(make_service(make_office()), capacity=MESSAGES)
        for _ in range(MESSAGES):
            render_certificate_of(book(slot, consent=True).ticket)
        ids = set(Message.objects.values_list("pk", flat=True))
        assert len(ids) == MESSAGES

        env = os.environ | {
            "DATABASE_URL": database_url(),
            "ANTREAN_VAR_DIR": str(shared_files),
            "ANTREAN_DATA_KEYS": DATA_KEY,
            "ANTREAN_HASH_KEY": HASH_KEY,
            "WHATSAPP_TIMEOUT": "5",
            "WHATSAPP_RETRY_BASE_SECONDS": "0.05",
            "TASKS_BACKEND": "database",
            "PYTHONUNBUFFERED": "1",
        }
        env |= {k: str(v) for k, v in api.settings().items()}

        # 1. A worker sends; it is killed just after the server accepted the 4th message,
        #    while it waits for the answer.
        first = Worker(env, tmp_path / "worker-1.log")
        workers.append(first)
        wait_for(lambda: len(api.accepted) >= 4, limit=60, what="4 accepted", worker=first)
        first.process.send_signal(signal.SIGKILL)
        first.stop(timeout=10)
        accepted_before_kill = api.accepted_per_callback()

        in_flight = Message.objects.filter(status=Status.SENDING, request_started_at__isnull=False)
        claimed_unsent = Message.objects.filter(status=Status.SENDING, request_started_at=None)
        # (The kill lands within the 0.25 s the server takes to answer: if this fails, the
        # machine was too slow to kill in that window, not the outbox.)
        assert in_flight.count() == 1, first.text()[-2000:]
        dead_id = in_flight.get().claimed_by
        assert claimed_unsent.exists()  # the rest of its batch
        assert Message.objects.filter(status=Status.PENDING).exists()  # beyond the batch
        # The server had accepted the in-flight one: we never heard its id.
        in_flight_id = in_flight.get().pk
        assert accepted_before_kill[str(in_flight_id)] == 1
        assert in_flight.get().provider_id is None

        # 2. Time passes: the dead worker's heartbeat grows old.
        aged = OutboxWorker.objects.filter(worker_id=dead_id).update(
            last_seen=timezone.now() - WORKER_GONE_AFTER - dt.timedelta(seconds=1)
        )
        assert aged == 1

        # 3. A new worker recovers and sends the rest.
        second = Worker(env, tmp_path / "worker-2.log")
        workers.append(second)
        wait_for(
            lambda: (
                not Message.objects.filter(status__in=[Status.PENDING, Status.SENDING]).exists()
            ),
            limit=90,
            what="every message to settle",
            worker=second,
        )
        assert second.stop(signal.SIGTERM) == 0

        # Nothing lost.
        statuses = dict(Message.objects.values_list("pk", "status"))
        assert set(statuses) == ids
        assert set(statuses.values()) <= {Status.SENT, Status.AMBIGUOUS}
        ambiguous = {pk for pk, status in statuses.items() if status == Status.AMBIGUOUS}
        assert ambiguous == {in_flight_id}
        # Nothing sent twice, and each sent one recorded with the id the server gave.
        per_callback = api.accepted_per_callback()
        assert set(per_callback.values()) == {1}
        assert set(per_callback) == {str(pk) for pk in ids}
        for message in Message.objects.filter(status=Status.SENT):
            (accepted,) = api.accepted_for(message.pk)
            assert message.provider_id == accepted.wamid
        # Counted: in the new worker's log, and in each message's history.
        match = re.search(r"Recovered messages: (\d+) requeued, (\d+) ambiguous", second.text())
        assert match, second.text()[-3000:]
        assert int(match.group(2)) == len(ambiguous) == 1
        assert int(match.group(1)) >= 1
        assert (
            set(MessageEvent.objects.filter(event="ambiguous").values_list("message_id", flat=True))
            == ambiguous
        )
        # 4. The provider's status webhook, carrying our id, settles the ambiguous one.
        (accepted,) = api.accepted_for(in_flight_id)
        response = api.deliver_with_client(
            client, api.status_payload([api.status(accepted, "delivered")])
        )
        assert response.status_code == 200
        message = Message.objects.get(pk=in_flight_id)
        assert (message.status, message.provider_id) == (Status.DELIVERED, accepted.wamid)
        assert message.events.filter(event="reconciled").exists()
    finally:
        for worker in workers:
            if worker.process.poll() is None:
                worker.stop(signal.SIGKILL, timeout=10)
        api.stop()
        reset_gateway()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_live_worker_in_a_long_batch_keeps_its_claims(settings, shared_files, tmp_path):
    """Its heartbeat goes on while it sends: another worker's recovery, run all along with
    a short `gone_after`, must never take its messages or mark them ambiguous."""
    api = FakeCloudAPI(app_secret=WEBHOOK_SECRET, delay=0.5).start()
    worker = None
    try:
        point_gateway_at(settings, api)
        slot = make_slot(make_service(make_office()), capacity=20)
        for _ in range(15):  # one batch: 15 sends × 0.5 s ≈ 7.5 s
            render_certificate_of(book(slot, consent=True).ticket)
        env = (
            os.environ
            | {
                "DATABASE_URL": database_url(),
                "ANTREAN_VAR_DIR": str(shared_files),
                "ANTREAN_DATA_KEYS": DATA_KEY,
                "ANTREAN_HASH_KEY": HASH_KEY,
                "PYTHONUNBUFFERED": "1",
            }
            | {k: str(v) for k, v in api.settings().items()}
        )
        worker = Worker(env, tmp_path / "worker.log")
        gone_after = dt.timedelta(seconds=4)  # twice the heartbeat, far less than the batch
        deadline = time.monotonic() + 60
        taken = []
        while Message.objects.exclude(status=Status.SENT).exists():
            assert time.monotonic() < deadline, worker.text()[-3000:]
            assert worker.process.poll() is None, worker.text()[-3000:]
            report = messages_recover_stale(gone_after=gone_after)
            taken.append((report.requeued, report.ambiguous))
            assert taken[-1] == (0, 0), "a live worker's claims were taken"
            time.sleep(0.2)
        assert worker.stop(signal.SIGTERM) == 0

        assert len(taken) > 25  # recovery really ran throughout the batch (> 5 s)
        assert set(api.accepted_per_callback().values()) == {1}
        assert len(api.accepted) == 15
    finally:
        if worker is not None and worker.process.poll() is None:
            worker.stop(signal.SIGKILL, timeout=10)
        api.stop()
        reset_gateway()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_stopped_worker_finishes_the_message_in_flight_and_gives_back_the_rest(
    settings, shared_files, tmp_path
):
    """SIGTERM (what `serve` sends its worker, what a deploy sends) in the middle of a
    request: the answer is awaited and recorded, the rest of the batch is given back, and
    nothing is left sending or ambiguous."""
    api = FakeCloudAPI(app_secret=WEBHOOK_SECRET, delay=0.6).start()
    worker = None
    try:
        point_gateway_at(settings, api)
        slot = make_slot(make_service(make_office()), capacity=10)
        for _ in range(6):
            render_certificate_of(book(slot, consent=True).ticket)
        env = (
            os.environ
            | {
                "DATABASE_URL": database_url(),
                "ANTREAN_VAR_DIR": str(shared_files),
                "ANTREAN_DATA_KEYS": DATA_KEY,
                "ANTREAN_HASH_KEY": HASH_KEY,
                "PYTHONUNBUFFERED": "1",
            }
            | {k: str(v) for k, v in api.settings().items()}
        )
        worker = Worker(env, tmp_path / "worker.log")
        wait_for(lambda: len(api.accepted) >= 1, limit=60, what="a message", worker=worker)

        assert worker.stop(signal.SIGTERM, timeout=20) == 0, worker.text()[-3000:]

        (accepted,) = api.accepted
        statuses = dict(Message.objects.values_list("pk", "status"))
        assert statuses.pop(int(accepted.biz_opaque_callback_data)) == Status.SENT
        assert set(statuses.values()) == {Status.PENDING}
        assert set(Message.objects.filter(status=Status.PENDING).values_list("attempts")) == {(0,)}
        assert Message.objects.get(status=Status.SENT).provider_id == accepted.wamid
        assert not OutboxWorker.objects.exists()  # it said goodbye
    finally:
        if worker is not None and worker.process.poll() is None:
            worker.stop(signal.SIGKILL, timeout=10)
        api.stop()
        reset_gateway()


# --- the same rules, by direct calls ----------------------------------------------------------


def recovered(**kwargs) -> tuple[int, int]:
    report = messages_recover_stale(**kwargs)
    return report.requeued, report.ambiguous


@pytest.mark.django_db
def test_recovery_requeues_the_unsent_and_marks_the_in_flight_ambiguous(cloud_api):
    slot = make_slot(make_service(), capacity=5)
    for _ in range(3):
        render_certificate_of(book(slot, consent=True).ticket)
    now = timezone.now()
    worker_heartbeat(worker_id="mati", now=now)
    ids = _claim(worker_id="mati", batch=10, now=now)
    assert len(ids) == 3
    # It got as far as starting the request of the first one, then died.
    Message.objects.filter(pk=ids[0]).update(request_started_at=now)

    # While its heartbeat is recent, its claims are left alone.
    assert recovered(now=now + dt.timedelta(seconds=5)) == (0, 0)
    assert Message.objects.filter(status=Status.SENDING).count() == 3

    assert recovered(now=now + WORKER_GONE_AFTER + dt.timedelta(seconds=1)) == (2, 1)
    first = Message.objects.get(pk=ids[0])
    assert first.status == Status.AMBIGUOUS
    for message in Message.objects.filter(pk__in=ids[1:]):
        assert (message.status, message.attempts) == (Status.PENDING, 0)  # no attempt spent
    # Recovery runs again without changing anything.
    assert recovered(now=now + WORKER_GONE_AFTER * 2) == (0, 0)
    # Another worker sends the requeued ones and never the ambiguous one.
    worker_heartbeat(worker_id="hidup")
    assert messages_send_due(worker_id="hidup", now=now + WORKER_GONE_AFTER * 2).sent == 2
    assert str(ids[0]) not in cloud_api.accepted_per_callback()
    assert Message.objects.get(pk=ids[0]).status == Status.AMBIGUOUS


@pytest.mark.django_db
def test_a_worker_that_never_heartbeat_is_gone(cloud_api):
    slot = make_slot(make_service(), capacity=5)
    render_certificate_of(book(slot, consent=True).ticket)
    _claim(worker_id="tanpa-detak", batch=10, now=timezone.now())

    assert recovered() == (1, 0)


@pytest.mark.django_db
def test_a_message_whose_claim_was_taken_away_is_not_sent(cloud_api):
    """A worker that was thought dead (its claims recovered) and comes back does not send
    what it had claimed: the claim is checked before the request leaves."""
    slot = make_slot(make_service(), capacity=5)
    render_certificate_of(book(slot, consent=True).ticket)
    now = timezone.now()
    _claim(worker_id="lambat", batch=10, now=now)
    assert recovered(now=now + WORKER_GONE_AFTER * 2) == (1, 0)
    assert messages_send_due(worker_id="cepat", now=now + WORKER_GONE_AFTER * 2).sent == 1

    from antrean.notifications.services import _send_one

    message = Message.objects.get()
    assert _send_one(message.pk, worker_id="lambat") == "lost_claim"
    assert cloud_api.accepted_per_callback() == {str(message.pk): 1}


@pytest.mark.django_db
def test_an_unexpected_error_releases_the_message_instead_of_stranding_it(cloud_api, settings):
    slot = make_slot(make_service(), capacity=5)
    tickets = [book(slot, consent=True).ticket for _ in range(2)]
    broken = render_certificate_of(tickets[0])
    render_certificate_of(tickets[1])
    Path(broken.pdf.path).unlink()  # the PDF file went missing

    report = messages_send_due(worker_id="uji")

    assert (report.claimed, report.sent, report.retried) == (2, 1, 1)
    message = Message.objects.get(ticket=tickets[0])
    assert (message.status, message.error_code) == (Status.PENDING, "internal")
    assert not Message.objects.filter(status=Status.SENDING).exists()


@pytest.mark.django_db
def test_an_error_after_the_request_left_makes_the_message_ambiguous(cloud_api):
    """If recording the provider's answer fails, the message may have been sent: it is
    marked ambiguous at once rather than left claimed by a worker that is still alive."""
    slot = make_slot(make_service(), capacity=5)
    first, second = (book(slot, consent=True).ticket for _ in range(2))
    render_certificate_of(first)
    assert messages_send_due(worker_id="uji").sent == 1
    used = Message.objects.get(ticket=first).provider_id
    render_certificate_of(second)  # it was waiting for its certificate
    # The answer carries an id that cannot be stored (unique): the record fails.
    answer = json.dumps({"messages": [{"id": used}]}).encode()
    cloud_api.answer_next_raw(200, answer, "application/json")

    report = messages_send_due(worker_id="uji", now=timezone.now() + CERTIFICATE_WAIT * 2)

    assert report.ambiguous == 1
    message = Message.objects.get(ticket=second)
    assert (message.status, message.provider_id) == (Status.AMBIGUOUS, None)
    assert message.events.filter(event="ambiguous").exists()
    assert messages_send_due(worker_id="uji", now=timezone.now() + WORKER_GONE_AFTER).claimed == 0
