"""Tasks for tests of the worker: real tasks that a real worker runs, slow on purpose."""

import os
import time
from pathlib import Path

from django_tasks import task


@task()
def hold_until_released(*, started: str, release: str, limit: float = 120.0) -> int:
    """Record that it started (this process's pid, one line per run, in the file `started`),
    then wait until the file `release` exists; returns the pid. A worker can be killed in
    the middle of it."""
    with open(started, "a") as fh:
        fh.write(f"{os.getpid()}\n")
    deadline = time.monotonic() + limit
    while not Path(release).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(release)
        time.sleep(0.02)
    return os.getpid()
