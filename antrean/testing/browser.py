"""Shared pieces of the browser tests: Debian's Chromium, and a guard against any request
that leaves the server under test (pages must make no external requests)."""

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
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    return outside
