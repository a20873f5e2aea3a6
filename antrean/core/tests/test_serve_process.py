"""`manage.py serve` as `make run` runs it: a real subprocess on a free port, on a fresh SQLite
database in its own ANTREAN_VAR_DIR (`--no-demo`: nothing here needs the demo offices).

- Its output (uvicorn's access lines, Django's logs, the worker's) holds no NIK, phone number,
  booking token or kiosk token in clear, not even in a logged traceback, and still says which
  request got which answer.
- Its worker is supervised: killed with SIGKILL, it is replaced by a new child, and the
  server says so in its log; stopping the server stops the worker. (Linux: the children are
  read from /proc.)
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings as django_settings

from antrean.core.management.commands.serve import WorkerSupervisor

MANAGE = Path(django_settings.BASE_DIR) / "manage.py"

NIK = "5103014101900001"
PHONE = "081234567890"
BOOKING_TOKEN = "Zq3v8Hn2Kp0Lr5Tw7Yx1Bc4Df6Gh9Jk2"
STATUS_TOKEN = "Wm4Rt7Yu1Io3Pa6Sd9Fg2Hj5Kl8Zx0Cv"
DEVICE_TOKEN = "Qe2Wr4Ty6Ui8Op0As3Df5Gh7Jk9Lz1Xc"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Serve:
    """The server process; its stdout and stderr (and its worker's) in one file."""

    def __init__(self, tmp_path: Path):
        var = tmp_path / "var"
        var.mkdir()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / "serve.log"
        env = os.environ | {
            "ANTREAN_VAR_DIR": str(var),
            "DATABASE_URL": f"sqlite:///{var / 'antrean.sqlite3'}",
            "ANTREAN_DEV_PASSWORD": "sandi-pengembangan-uji",
            "PYTHONUNBUFFERED": "1",
        }
        for name in ("ANTREAN_PROXY_COUNT", "BEHIND_TLS_PROXY", "LOG_LEVEL", "PORT"):
            env.pop(name, None)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
                [sys.executable, str(MANAGE), "serve", "--no-demo", "--port", str(self.port)],
                cwd=MANAGE.parent,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, condition, *, what: str, limit: float = 60.0):
        deadline = time.monotonic() + limit
        while not (result := condition()):
            assert self.process.poll() is None, f"serve exited:\n{self.output()[-3000:]}"
            assert time.monotonic() < deadline, f"no {what}:\n{self.output()[-3000:]}"
            time.sleep(0.05)
        return result

    def answers(self) -> bool:
        try:
            httpx.get(self.base + "/", timeout=2)
        except httpx.TransportError:
            return False
        return True

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def serve(tmp_path):
    server = Serve(tmp_path)
    try:
        server.wait_for(server.answers, what="answer", limit=120)
        yield server
    finally:
        server.stop()


def test_the_server_log_holds_no_personal_data_or_token_in_clear(serve):
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    get = httpx.Client(base_url=serve.base, timeout=10).get
    get(f"/antrean/{NIK}/")  # a NIK in the path
    get(f"/?wa={PHONE}")  # a phone number in the query string
    get(f"/antrean/A-001X/?t={BOOKING_TOKEN}")  # a booking token
    get(f"/kiosk/mpp-badung/?device={DEVICE_TOKEN}")  # a kiosk token
    try:  # a WebSocket connect with a token
        with connect(f"ws://127.0.0.1:{serve.port}/ws/status/A-001X/?t={STATUS_TOKEN}"):
            pass
    except (WebSocketException, OSError):
        pass  # refused: not this browser's ticket; the connect was still logged
    get("/", headers={"Host": f"{NIK}.example"})  # Django logs DisallowedHost with a traceback
    get("/selesai/")  # last, so that the log is complete once it is there

    def complete() -> str:
        out = serve.output()
        return out if '"GET /selesai/ HTTP/1.1" 404' in out else ""

    text = serve.wait_for(complete, what="access line of the last request")

    for secret in (NIK, PHONE, BOOKING_TOKEN, STATUS_TOKEN, DEVICE_TOKEN, "34567"):
        assert secret not in text, f"{secret} in the log:\n{text[-4000:]}"
    # Still useful: method, path, answer, the masked values where they were.
    assert '"GET /antrean/5103********0001/ HTTP/1.1" 403' in text
    assert '"GET /?wa=0812****890 HTTP/1.1" 200' in text
    assert '"GET /antrean/A-001X/?t=*** HTTP/1.1" 403' in text
    assert '"GET /kiosk/mpp-badung/?device=*** HTTP/1.1" 403' in text
    assert '"WebSocket /ws/status/A-001X/?t=***"' in text
    # The exception was logged, its traceback too, masked.
    assert "Traceback (most recent call last)" in text
    assert "DisallowedHost: Invalid HTTP_HOST header: '5103********0001.example'" in text


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


def _children(pid: int) -> list[int]:
    """The live child processes of `pid` (Linux: each thread's children file)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):  # a thread that ended meanwhile
            found += [int(child) for child in (task / "children").read_text().split()]
    return [child for child in found if _running(child)]


def test_a_killed_worker_is_replaced_and_the_server_says_so(serve):
    (first,) = serve.wait_for(lambda: _children(serve.process.pid), what="worker child")

    os.kill(first, signal.SIGKILL)

    (second,) = serve.wait_for(
        lambda: [pid for pid in _children(serve.process.pid) if pid != first],
        what="a new worker child",
        limit=30,
    )
    assert Path(f"/proc/{second}/cmdline").read_bytes().split(b"\0")[-2] == b"worker"
    text = serve.wait_for(
        lambda: (out := serve.output()) and f"(pid {second})" in out and out, what="log line"
    )
    assert (
        f"Background worker (pid {first}) stopped after" in text
        and "(killed by SIGKILL); starting a new one in 1.0 s" in text
    ), text[-3000:]
    assert f"Background worker started (pid {first})" in text
    assert f"Background worker started (pid {second})" in text
    assert serve.answers()  # the web server went on all along

    serve.stop()
    deadline = time.monotonic() + 20
    while _running(second):
        assert time.monotonic() < deadline, "the worker outlived the server"
        time.sleep(0.05)


def test_a_worker_that_keeps_dying_is_restarted_with_a_growing_pause(caplog):
    command = [sys.executable, "-c", "import sys; sys.exit(3)"]
    supervisor = WorkerSupervisor(command, backoff_first=0.05).start()
    try:
        deadline = time.monotonic() + 20
        while len(supervisor.delays) < 4:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        supervisor.stop()

    assert supervisor.delays[:4] == [0.05, 0.1, 0.2, 0.4]
    assert "stopped after 0 s (exit code 3); starting a new one in 0.1 s" in caplog.text
