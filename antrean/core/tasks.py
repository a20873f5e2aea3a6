"""Enqueueing background work so that it is never lost and never runs on uncommitted rows,
and taking up again the work of a worker that died."""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus

logger = logging.getLogger(__name__)


def enqueue_with_transaction(task, **kwargs) -> None:
    """Enqueue `task` as part of the current transaction.

    With the database backend the task row is written in the caller's transaction: it exists
    exactly when the work that asked for it committed (the outbox pattern). Any other backend
    (RQ, in-process) is enqueued after commit, and a periodic sweep covers a crash in between.
    """
    # The task's own backend: `default_task_backend` is a proxy, whose class is always
    # ConnectionProxy.
    if type(task.get_backend()).__name__ == "DatabaseBackend":
        task.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(**kwargs))


# How many times a task may be claimed by a worker that then died before a run is given up:
# a task that kills its worker each time (out of memory on one input) must not take every new
# worker down with it for ever.
MAX_CLAIMS = 3


@dataclass(frozen=True)
class TaskRecovery:
    requeued: int
    failed: int


def tasks_recover_stale(
    *, now: dt.datetime | None = None, gone_after: dt.timedelta | None = None
) -> TaskRecovery:
    """Take up the tasks of a worker that died while running them (django-tasks-db).

    A task row says RUNNING from its claim until its end is recorded; a worker killed in
    between (SIGKILL, out of memory, a power cut) leaves it RUNNING for good, and no worker
    would ever run it. Workers send a heartbeat (notifications.OutboxWorker, the same one that
    guards the WhatsApp outbox): a RUNNING task claimed by a worker not seen for `gone_after`,
    and claimed at least that long ago, is put back to READY for any worker to run. Tasks are
    idempotent, so a worker wrongly thought dead costs a second run, not a wrong result.
    After MAX_CLAIMS claims by workers that died, the task is marked FAILED instead.
    Run at every worker start and periodically; idempotent.
    """
    from django_tasks_db.models import DBTaskResult

    from antrean.notifications.models import OutboxWorker
    from antrean.notifications.services import WORKER_GONE_AFTER

    now = now or timezone.now()
    gone_after = gone_after or WORKER_GONE_AFTER
    alive = set(
        OutboxWorker.objects.filter(last_seen__gte=now - gone_after).values_list(
            "worker_id", flat=True
        )
    )
    requeued = failed = 0
    candidates = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lte=now - gone_after
    )
    for row in candidates.only("pk", "worker_ids", "started_at", "task_path"):
        worker = row.worker_ids[-1] if row.worker_ids else None
        if worker in alive:
            continue
        # Only if nothing moved it meanwhile (its worker finishing after all, another sweep).
        still_running = DBTaskResult.objects.filter(
            pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at
        )
        if len(row.worker_ids) >= MAX_CLAIMS:
            done = still_running.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path="antrean.core.tasks.WorkerLost",
                traceback=f"The worker running this task stopped {len(row.worker_ids)} times.",
            )
            if done:
                failed += 1
                logger.error(
                    "Task %s (%s) given up: %d workers stopped while running it",
                    row.pk,
                    row.task_path,
                    len(row.worker_ids),
                )
            continue
        if still_running.update(status=TaskResultStatus.READY, started_at=None):
            requeued += 1
            logger.warning(
                "Task %s (%s) requeued: its worker %s stopped while running it",
                row.pk,
                row.task_path,
                worker,
            )
    return TaskRecovery(requeued=requeued, failed=failed)
