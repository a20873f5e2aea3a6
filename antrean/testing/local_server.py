"""What the project's stand-in servers (the WhatsApp Cloud API, the population registry) share:
a threaded HTTP server on 127.0.0.1 in a daemon thread, started and stopped around a test,
whose request handler reaches the fake's state as `self.api`."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalServer:
    """Mixed into a fake (a dataclass with `host` and `port` fields) that names its handler."""

    handler: type[BaseHTTPRequestHandler]
    host: str
    port: int
    _server: ThreadingHTTPServer | None = None

    @property
    def origin(self) -> str:
        assert self._server is not None, "start() the server first"
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self):
        handler = type("Handler", (self.handler,), {"api": self})
        self._server = ThreadingHTTPServer((self.host, self.port), handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
