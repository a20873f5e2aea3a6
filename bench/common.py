"""Helpers shared by the bench modules: paths, Django set-up, process CPU, percentiles."""

import json
import os
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def out_dir() -> Path:
    """Where results go: $BENCH_OUT, else var/bench under the project's var dir."""
    explicit = os.environ.get("BENCH_OUT")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("ANTREAN_VAR_DIR", ROOT / "var")) / "bench"


def django_setup() -> None:
    """Set Django up from the environment (DATABASE_URL …), as manage.py would."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "antrean.settings")
    import django

    django.setup()


def write_json(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path


def free_port() -> int:
    """$BENCH_PORT when set (a port range agreed on a shared machine), else any free port."""
    if os.environ.get("BENCH_PORT"):
        return int(os.environ["BENCH_PORT"])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one live process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    # After the command name: state is field 3, utime 14 and stime 15 (1-based, man proc).
    return (int(fields[11]) + int(fields[12])) / _TICKS


def children_of(pid: int) -> list[int]:
    """Direct children of a process, from /proc."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its live descendants (a gunicorn master and workers)."""
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        total += process_cpu_seconds(current)
        stack += children_of(current)
    return total
