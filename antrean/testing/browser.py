"""Shared pieces of the browser tests: Debian's Chromium, a guard against any request that
leaves the server under test (pages must make no external requests), and an ASGI server for
pages that open WebSockets."""

import contextlib
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium tries to reach Google's hosts, which this
# closed network refuses; --no-sandbox because tests run as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

BROWSER_INTERNAL = ("chrome://", "chrome-extension://")

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian Chromium is not at /usr/bin/chromium"
)


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def refuse_outside(context, base_url: str, into: list[str] | None = None) -> list[str]:
    """Abort every request of `context` not addressed to `base_url`; returns the list the
    refused URLs are collected in (`into`, to share one across contexts), for the test to
    assert empty."""
    outside: list[str] = [] if into is None else into

    def guard(route):
        # The browser's own pages (its PDF viewer) are no request to anywhere.
        if route.request.url.startswith((base_url, *BROWSER_INTERNAL)):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    return outside


@contextlib.contextmanager
def asgi_server():
    """The whole ASGI application (HTTP and WebSockets, in-memory channel layer) under uvicorn
    in a thread of this process, against the test database; yields its base URL.

    pytest-django's live_server speaks WSGI only: pages that open a WebSocket need this."""
    import uvicorn
    from django.db import DEFAULT_DB_ALIAS, connections

    from antrean.asgi import application

    # Requests run in threads of their own: their connections must close after each use, or
    # PostgreSQL keeps the test database busy at teardown.
    db = connections.settings[DEFAULT_DB_ALIAS]
    max_age = db.get("CONN_MAX_AGE", 0)
    db["CONN_MAX_AGE"] = 0
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(application, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        db["CONN_MAX_AGE"] = max_age
        connections.close_all()
