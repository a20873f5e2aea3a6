"""A bounded run of `make probe` (scripts/security_probe.py): its check-in step alone, against
a real `manage.py serve` on SQLite, so that the probe cannot rot unnoticed between full runs.

The whole probe takes a minute or more and is not part of `make test`; this step takes about
15 s (the server's start included). It repeats issue 11's brute-forced check-in: no token, 300
wrong NIK endings then the right one, the oracle before the window opens, the kiosk's lock
seen by the API, another office's officer and kiosk, and a control that checks in.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = Path(__file__).resolve().parent.parent / "security_probe.py"


# The probe serves its own SQLite database whatever the suite's: the SQLite pass runs it, the
# PostgreSQL pass would run the very same thing again.
@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the probe serves SQLite; the suite's SQLite pass runs it",
)
def test_the_probe_s_check_in_brute_force_step_passes_against_a_real_server():
    env = {k: v for k, v in os.environ.items() if k != "PROBE_DATABASE_URL"}  # SQLite

    run = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, str(PROBE), "--steps", "checkin"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )

    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    rows = [line for line in run.stdout.splitlines() if line.startswith("| 1.")]
    assert len(rows) == 8 and all(row.endswith("| PASS |") for row in rows), run.stdout
    brute_force = next(row for row in rows if row.startswith("| 1.2 |"))
    assert "5×422 checkin_refused, 295×429 too_many_attempts" in brute_force
    assert "429 too_many_attempts; ticket still `booked`" in rows[2]
