"""A local HTTP server that answers as the population registry's verification service does.

Tests (and anyone trying `ANTREAN_NIK_VERIFIER=dukcapil` by hand) point
`ANTREAN_DUKCAPIL_URL` at it and let the real client (antrean.core.nik_registry) talk to it
over real sockets.

`POST /dukcapil/get_json/{institution}/CALL_VERIFY_BY_ELEMEN` with a JSON body of
`USER_ID`, `PASSWORD`, `IP_USER`, `TRESHOLD` and the elements to verify (`NIK`,
`NAMA_LGKP`). Wrong credentials: `{"content": [{"RESPON": "User tidak ditemukan"}]}`. A NIK
it does not hold: `{"content": [{"RESPON": "Data Tidak Ditemukan"}]}`. Otherwise, per element,
`"Sesuai"` or `"Tidak Sesuai"`, the name with its similarity score in brackets against the
threshold: `{"content": [{"NIK": "Sesuai", "NAMA_LGKP": "Sesuai (100)"}], …}`.

Failures it can be told to produce: `down` (every request answered HTTP 503),
`fail_next(n, status)` (the next n requests), `stall_next(n)` (the next n requests sleep
`stall_seconds`, longer than the client's timeout). Every request is counted (`requests`).

Run alone: python -m antrean.testing.dukcapil_api --port 8791 (holds `PEOPLE`).
"""

from __future__ import annotations

import argparse
import difflib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from antrean.testing.local_server import LocalServer

PATH = "/dukcapil/get_json/ANTREAN/CALL_VERIFY_BY_ELEMEN"
# Valid-looking people of the demo (NIKs that pass the format rules; not real persons).
PEOPLE = {
    "5103014101900001": "Ni Made Ayu Lestari",
    "3515011507850002": "Budi Santoso",
}


def _score(given: str, registered: str) -> int:
    a, b = " ".join(given.upper().split()), " ".join(registered.upper().split())
    return round(difflib.SequenceMatcher(None, a, b).ratio() * 100)


@dataclass
class FakeDukcapil(LocalServer):
    people: dict[str, str] = field(default_factory=lambda: dict(PEOPLE))
    user_id: str = "antrean-uji"
    password: str = "rahasia-uji"  # noqa: S105 (a test server's own credential)
    ip_user: str = "127.0.0.1"
    down: bool = False
    stall_seconds: float = 2.0
    host: str = "127.0.0.1"
    port: int = 0

    def __post_init__(self):
        self.requests = 0
        self._lock = threading.Lock()
        self._failures: list[int] = []
        self._stalls = 0

    @property
    def url(self) -> str:
        return self.origin + PATH

    def settings(self) -> dict:
        """The ANTREAN_* settings that point the verifier here."""
        return {
            "ANTREAN_NIK_VERIFIER": "dukcapil",
            "ANTREAN_DUKCAPIL_URL": self.url,
            "ANTREAN_DUKCAPIL_USER_ID": self.user_id,
            "ANTREAN_DUKCAPIL_PASSWORD": self.password,
            "ANTREAN_DUKCAPIL_IP_USER": self.ip_user,
        }

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        with self._lock:
            self._failures += [status] * count

    def stall_next(self, count: int = 1) -> None:
        with self._lock:
            self._stalls += count

    def _next_trouble(self) -> tuple[int | None, bool]:
        with self._lock:
            self.requests += 1
            if self._failures:
                return self._failures.pop(0), False
            if self._stalls:
                self._stalls -= 1
                return None, True
            return None, False

    def answer(self, body: dict) -> dict:
        if (body.get("USER_ID"), body.get("PASSWORD"), body.get("IP_USER")) != (
            self.user_id,
            self.password,
            self.ip_user,
        ):
            return _page({"RESPON": "User tidak ditemukan"})
        threshold = int(body.get("TRESHOLD") or 90)
        nik = str(body.get("NIK", ""))
        registered = self.people.get(nik)
        if registered is None:
            return _page({"RESPON": "Data Tidak Ditemukan"})
        element = {"NIK": "Sesuai"}
        if "NAMA_LGKP" in body:
            score = _score(str(body["NAMA_LGKP"]), registered)
            verdict = "Sesuai" if score >= threshold else "Tidak Sesuai"
            element["NAMA_LGKP"] = f"{verdict} ({score})"
        return _page(element)


def _page(element: dict) -> dict:
    return {
        "content": [element],
        "lastPage": True,
        "numberOfElements": 1,
        "sort": None,
        "totalElements": 1,
        "firstPage": True,
        "number": 0,
        "size": 1,
    }


class _Handler(BaseHTTPRequestHandler):
    api: FakeDukcapil

    def log_message(self, *args):  # quiet: the requests hold NIKs
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        failure, stall = self.api._next_trouble()
        if stall:
            time.sleep(self.api.stall_seconds)
            self._send(504, b'{"error": "timeout"}')
            return
        if self.api.down or failure is not None:
            self._send(
                failure or 503, b"<html><body>Service Unavailable</body></html>", "text/html"
            )
            return
        if self.path != PATH:
            self._send(404, b'{"error": "not found"}')
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._send(400, b'{"error": "bad json"}')
            return
        self._send(200, json.dumps(self.api.answer(body)).encode())

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout): nothing to answer


FakeDukcapil.handler = _Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()
    api = FakeDukcapil(port=args.port).start()
    print(f"Fake Dukcapil at {api.url}: {api.settings()}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        api.stop()


if __name__ == "__main__":
    main()
