"""The fake WhatsApp Cloud API (antrean.testing.cloud_api) in a process of its own, with a
line protocol on stdin/stdout so the harness can read what it received.

`python -m antrean.testing.cloud_api` only prints each request, after a pause per request;
the harness needs the provider's record itself (which of our message ids it accepted, how
many times, for which recipient, with which PDF) and the provider's side of the webhook.
So this process runs the same FakeCloudAPI and answers one JSON command per line:

- `{"cmd": "record"}` → every accepted message and uploaded PDF (its sha256), and the
  requests counted by outcome;
- `{"cmd": "deliver", "url": …}` → posts a signed `delivered` status webhook for every
  accepted message not yet reported, in batches, to our app;
- `{"cmd": "wait_accepted"}` → answers as soon as the provider accepts one more message,
  with our id of it (the sender is then still waiting for the answer: see `set`);
- `{"cmd": "set", "delay": s}` → the provider answers every message `s` seconds after
  accepting it (a worker killed in that window was heard but never learns the id);
- `{"cmd": "stop"}`.

Its first line is `{"ready": base_url}`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

BATCH = 100  # statuses per webhook POST, as Meta batches them under load


def serve(argv: list[str] | None = None) -> None:
    from antrean.testing.cloud_api import FakeCloudAPI

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--phone-number-id", required=True)
    parser.add_argument("--app-secret", required=True)
    args = parser.parse_args(argv)
    api = FakeCloudAPI(
        token=args.token,
        phone_number_id=args.phone_number_id,
        app_secret=args.app_secret,
        port=args.port,
    ).start()
    reported: set[str] = set()

    def record() -> dict:
        with api._lock:  # the fake's own lock: its lists grow on other threads
            accepted = list(api.accepted)
            media = dict(api.media)
            outcomes = Counter(
                f"{r.path.rsplit('/', 1)[-1]}:{r.outcome or r.status}" for r in api.requests
            )
        return {
            "accepted": [
                {
                    "wamid": m.wamid,
                    "to": m.to,
                    "template": m.template,
                    "callback": m.biz_opaque_callback_data,
                    "media_id": (m.header or {}).get("id"),
                    "filename": (m.header or {}).get("filename"),
                    "accepted_at": m.accepted_at,
                }
                for m in accepted
            ],
            "media": {
                media_id: {
                    "sha256": hashlib.sha256(upload.content).hexdigest(),
                    "filename": upload.filename,
                }
                for media_id, upload in media.items()
            },
            "outcomes": dict(outcomes),
        }

    def deliver(url: str) -> dict:
        with api._lock:
            todo = [m for m in api.accepted if m.wamid not in reported]
        answers: Counter = Counter()
        for start in range(0, len(todo), BATCH):
            batch = todo[start : start + BATCH]
            payload = api.status_payload([api.status(m, "delivered") for m in batch])
            answers[str(api.deliver(url, payload, timeout=60))] += len(batch)
            reported.update(m.wamid for m in batch)
        return {"posted": len(todo), "answers": dict(answers)}

    def wait_accepted(timeout: float) -> dict:
        """Block until the provider accepts one more message, and say which: answered at
        once, while the sender still waits `delay` seconds for its answer."""
        with api._lock:
            seen = len(api.accepted)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with api._lock:
                if len(api.accepted) > seen:
                    return {"callback": api.accepted[seen].biz_opaque_callback_data}
            time.sleep(0.001)
        return {"callback": None}

    print(json.dumps({"ready": api.base_url}), flush=True)
    try:
        for line in sys.stdin:
            command = json.loads(line)
            if command["cmd"] == "record":
                answer = record()
            elif command["cmd"] == "deliver":
                answer = deliver(command["url"])
            elif command["cmd"] == "wait_accepted":
                answer = wait_accepted(float(command.get("timeout", 60)))
            elif command["cmd"] == "set":
                api.delay = float(command.get("delay", 0.0))
                answer = {"delay": api.delay}
            elif command["cmd"] == "stop":
                break
            else:
                answer = {"error": f"unknown command {command['cmd']!r}"}
            print(json.dumps(answer), flush=True)
    finally:
        api.stop()


class Provider:
    """The harness's handle on the provider process."""

    token = "rush-token"  # noqa: S105 — the fake's test value
    phone_number_id = "106540352242922"
    app_secret = "rush-app-secret"  # noqa: S105 — the fake's test value

    def __init__(self, *, port: int, root: Path, env: dict, log: Path):
        self._log = log.open("ab")
        self._lock = threading.Lock()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.rush.provider",
                "--port",
                str(port),
                "--token",
                self.token,
                "--phone-number-id",
                self.phone_number_id,
                "--app-secret",
                self.app_secret,
            ],
            cwd=root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            start_new_session=True,
        )
        first = json.loads(self._read_line())
        self.base_url = first["ready"]

    def _read_line(self) -> str:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the fake Cloud API exited (see {self._log.name})")
        return line

    def _ask(self, command: dict) -> dict:
        with self._lock:
            self.process.stdin.write(json.dumps(command) + "\n")
            self.process.stdin.flush()
            return json.loads(self._read_line())

    def record(self) -> dict:
        return self._ask({"cmd": "record"})

    def deliver(self, url: str) -> dict:
        return self._ask({"cmd": "deliver", "url": url})

    def wait_accepted(self, timeout: float = 60) -> str | None:
        """Our id of the next message the provider accepts (None if none within
        `timeout`); returned while the sender still waits for the provider's answer."""
        return self._ask({"cmd": "wait_accepted", "timeout": timeout})["callback"]

    def set_delay(self, seconds: float) -> None:
        self._ask({"cmd": "set", "delay": seconds})

    def settings_env(self) -> dict[str, str]:
        """What points our cloud gateway (and the webhook's signature check) here."""
        return {
            "WHATSAPP_GATEWAY": "cloud",
            "WHATSAPP_API_BASE": self.base_url,
            "WHATSAPP_API_VERSION": "v21.0",
            "WHATSAPP_PHONE_NUMBER_ID": self.phone_number_id,
            "WHATSAPP_ACCESS_TOKEN": self.token,
            "WHATSAPP_APP_SECRET": self.app_secret,
        }

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.write(json.dumps({"cmd": "stop"}) + "\n")
                self.process.stdin.flush()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self._log.close()


if __name__ == "__main__":
    serve()
