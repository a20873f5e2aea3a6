"""At most once with several senders: real threads, each with its own database connection and
worker id, sending the same due messages through the real client to the local Cloud API
server. On PostgreSQL the claim uses SKIP LOCKED; on SQLite the IMMEDIATE write lock
serialises claims. Either way the provider must accept each message exactly once."""

import threading
import time
from collections import Counter

import pytest
from django.db import connection

from antrean.notifications.models import Message, MessageEvent, Status
from antrean.notifications.services import messages_send_due
from antrean.notifications.tests.conftest import book, render_certificate_of
from antrean.testing.factories import make_office, make_service, make_slot

# Threads need committed rows, hence transaction=True; serialized_rollback puts back the rows
# the migrations seeded (the national pacts) that the flush after each test removes.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def due_messages(count: int) -> list[Message]:
    office = make_office()
    slot = make_slot(make_service(office), capacity=count)
    for _ in range(count):
        render_certificate_of(book(slot, consent=True).ticket)
    messages = list(Message.objects.all())
    assert len(messages) == count
    return messages


def run_workers(worker_ids: list[str], *, limit: float = 60.0) -> dict[str, Counter]:
    """Each worker loops on messages_send_due until nothing is left; returns what each did."""
    barrier = threading.Barrier(len(worker_ids))
    done = {w: Counter() for w in worker_ids}
    crashes = []
    deadline = time.monotonic() + limit

    def work(worker_id: str):
        try:
            barrier.wait(timeout=30)
            while time.monotonic() < deadline:
                report = messages_send_due(worker_id=worker_id, batch=5)
                done[worker_id].update(
                    claimed=report.claimed,
                    sent=report.sent,
                    retried=report.retried,
                    failed=report.failed,
                )
                if report.claimed == 0:
                    if not Message.objects.filter(
                        status__in=[Status.PENDING, Status.SENDING]
                    ).exists():
                        return
                    time.sleep(0.005)
        except BaseException as exc:  # reported below with the worker it came from
            crashes.append((worker_id, repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(w,)) for w in worker_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=limit + 30)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    assert not crashes, crashes
    return done


def assert_each_accepted_once(api, messages):
    assert api.accepted_per_callback() == {str(m.pk): 1 for m in messages}
    for message in Message.objects.all():
        assert message.status == Status.SENT
        (accepted,) = api.accepted_for(message.pk)
        assert message.provider_id == accepted.wamid
    sent_events = Counter(
        MessageEvent.objects.filter(event="sent").values_list("message_id", flat=True)
    )
    assert set(sent_events.values()) == {1}


def test_two_workers_send_fifty_messages_each_exactly_once(cloud_api):
    cloud_api.delay = 0.01  # long enough for the two workers to overlap
    messages = due_messages(50)

    done = run_workers(["pekerja-a", "pekerja-b"])

    assert_each_accepted_once(cloud_api, messages)
    assert sum(d["sent"] for d in done.values()) == 50
    assert sum(d["claimed"] for d in done.values()) == 50  # no message claimed twice
    assert all(d["sent"] > 0 for d in done.values()), done  # both really worked
    claimed_by = Counter(Message.objects.values_list("claimed_by", flat=True))
    assert set(claimed_by) == {"pekerja-a", "pekerja-b"}


def test_four_workers_with_transient_failures_still_send_each_once(cloud_api):
    cloud_api.fail_share = 0.3
    messages = due_messages(40)

    done = run_workers([f"pekerja-{i}" for i in range(4)])

    assert_each_accepted_once(cloud_api, messages)
    assert sum(d["retried"] for d in done.values()) >= 5
    assert sum(d["sent"] for d in done.values()) == 40
