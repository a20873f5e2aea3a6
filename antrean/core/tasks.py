"""Enqueueing background work so that it is never lost and never runs on uncommitted rows."""

from django.db import transaction


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
