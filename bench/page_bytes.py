"""Bytes a citizen's phone receives for each page of the booking journey.

Usage: .venv/bin/python -m bench.page_bytes [--office mpp-badung] [--base URL]

Walks the journey as a browser would, following the links in each page: office list →
service list → date choice → slot choice → identity form → pact → the booking's own page,
submitting the two forms (identity, then the pact, agreed). Each page counts its HTML and every
stylesheet, script, image and CSS `url()` it references, plus the `/favicon.ico` a browser asks
for when a page names no icon, as sent with `Accept-Encoding: gzip`: status line, headers and
body as they come over the wire (the body compressed when the server compressed it). A form's
POST and its redirect count towards the page they lead to.

It walks twice with the same browser state (cookies and a cache that follows Cache-Control,
ETag and Last-Modified): `first` with an empty cache, `repeat` at once after it (a second
booking, for another person), and `revalidate`: the repeat as it is once every cached asset
has passed its max-age, so each one costs a conditional request (304 when unchanged).

Without --base it starts gunicorn in the production profile (bench.http_load.server_env) on
DATABASE_URL, which needs an office that takes bookings (scripts/bench loads the demo offices).
Results go to <out>/pages.json.
"""

import argparse
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from bench.common import django_setup, free_port, out_dir, write_json
from bench.fixtures import nik_for, phone_for

USER_AGENT = "Mozilla/5.0 (Linux; Android 11) AntreanBench/1"

_ASSET = re.compile(
    r"""<(?:link[^>]+rel=["'](?:stylesheet|icon|shortcut icon|apple-touch-icon|preload)["'][^>]*"""
    r"""href=["']([^"']+)["']|script[^>]+src=["']([^"']+)["']|img[^>]+src=["']([^"']+)["'])""",
    re.I,
)
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")
_ICON = re.compile(r"""<link[^>]+rel=["'][^"']*icon[^"']*["']""", re.I)


def _status_line_bytes(response: httpx.Response) -> int:
    reason = response.reason_phrase or ""
    line = len(f"HTTP/1.1 {response.status_code} {reason}\r\n")
    headers = sum(len(k) + 2 + len(v) + 2 for k, v in _decoded(response.headers.raw))
    return line + headers + 2


def _request_bytes(request: httpx.Request) -> int:
    line = len(f"{request.method} {request.url.raw_path.decode()} HTTP/1.1\r\n")
    headers = sum(len(k) + 2 + len(v) + 2 for k, v in _decoded(request.headers.raw))
    return line + headers + 2 + len(request.content or b"")


def _decoded(raw):
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]


@dataclass
class Exchange:
    url: str
    method: str
    status: int
    kind: str  # html, asset, form, favicon
    received: int  # status line + headers + body as transferred
    sent: int
    encoding: str
    from_cache: bool = False


@dataclass
class CacheEntry:
    fresh_until: float
    etag: str | None
    last_modified: str | None


@dataclass
class Browser:
    client: httpx.Client
    cache: dict[str, CacheEntry] = field(default_factory=dict)
    stale: bool = False  # every cached entry is past its max-age (the `revalidate` walk)
    favicon_done: bool = False

    def fetch(self, url: str, *, kind: str, method="GET", data=None) -> tuple[Exchange, str]:
        absolute = urljoin(str(self.client.base_url), url)
        headers = {}
        entry = self.cache.get(absolute) if method == "GET" else None
        if entry is not None:
            if not self.stale and entry.fresh_until > time.monotonic():
                return Exchange(absolute, method, 200, kind, 0, 0, "", from_cache=True), ""
            if entry.etag:
                headers["If-None-Match"] = entry.etag
            if entry.last_modified:
                headers["If-Modified-Since"] = entry.last_modified
        response = self.client.request(method, url, data=data, headers=headers)
        body = response.read()
        exchange = Exchange(
            url=absolute,
            method=method,
            status=response.status_code,
            kind=kind,
            received=_status_line_bytes(response) + response.num_bytes_downloaded,
            sent=_request_bytes(response.request),
            encoding=response.headers.get("content-encoding", ""),
        )
        self._remember(absolute, response)
        text = body.decode(response.encoding or "utf-8", errors="replace")
        return exchange, text

    def _remember(self, url: str, response: httpx.Response) -> None:
        control = response.headers.get("cache-control", "").lower()
        if response.status_code == 304 and url in self.cache:
            max_age = re.search(r"max-age=(\d+)", control)
            if max_age:
                self.cache[url].fresh_until = time.monotonic() + int(max_age.group(1))
            return
        if response.status_code != 200 or "no-store" in control or "private" in control:
            return
        max_age = re.search(r"max-age=(\d+)", control)
        fresh = int(max_age.group(1)) if max_age and "no-cache" not in control else 0
        etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
        if fresh or etag or modified:
            self.cache[url] = CacheEntry(time.monotonic() + fresh, etag, modified)


def _assets(html: str, base: str) -> list[str]:
    found = []
    for groups in _ASSET.findall(html):
        url = next(g for g in groups if g)
        if not url.startswith("data:"):
            found.append(urljoin(base, unescape(url)))
    return list(dict.fromkeys(found))


def _links(html: str, pattern: str) -> list[str]:
    return list(dict.fromkeys(unescape(m) for m in re.findall(rf'href="({pattern})"', html)))


def _form_fields(html: str) -> dict:
    """Hidden inputs (csrf token, pact version and hash) of the page's main form."""
    fields = {}
    for tag in re.findall(r"<input[^>]+>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="hidden"' in tag and name.group(1) not in ("next",):
            fields[name.group(1)] = unescape(value.group(1)) if value else ""
    return fields


@dataclass
class Page:
    name: str
    url: str = ""
    exchanges: list[Exchange] = field(default_factory=list)

    def summary(self) -> dict:
        html = [e for e in self.exchanges if e.kind in ("html", "form")]
        assets = [e for e in self.exchanges if e.kind in ("asset", "favicon")]
        return {
            "page": self.name,
            "path": urlsplit(self.url).path,
            "html_bytes": sum(e.received for e in html),
            "asset_bytes": sum(e.received for e in assets),
            "total_bytes": sum(e.received for e in self.exchanges),
            "sent_bytes": sum(e.sent for e in self.exchanges),
            "requests": sum(1 for e in self.exchanges if not e.from_cache),
            "from_cache": sum(1 for e in self.exchanges if e.from_cache),
            "exchanges": [
                {
                    "url": urlsplit(e.url).path,
                    "method": e.method,
                    "status": e.status,
                    "kind": e.kind,
                    "bytes": e.received,
                    "encoding": e.encoding,
                    "cached": e.from_cache,
                }
                for e in self.exchanges
            ],
        }


class Journey:
    def __init__(self, browser: Browser, *, office: str | None, citizen: int):
        self.browser, self.office, self.citizen = browser, office, citizen
        self.pages: list[Page] = []

    def _page(self, name: str, url: str, *, lead_in: list[Exchange] = ()) -> tuple[Page, str]:
        page = Page(name=name, url=url, exchanges=list(lead_in))
        exchange, html = self.browser.fetch(url, kind="html")
        if exchange.status != 200:
            raise RuntimeError(f"{name}: {url} answered {exchange.status}")
        page.exchanges.append(exchange)
        for asset in _assets(html, exchange.url):
            self._asset(page, asset)
        if not _ICON.search(html) and not self.browser.favicon_done:
            # A browser asks for /favicon.ico once when the page names no icon.
            self.browser.favicon_done = True
            page.exchanges.append(self.browser.fetch("/favicon.ico", kind="favicon")[0])
        self.pages.append(page)
        return page, html

    def _asset(self, page: Page, url: str) -> None:
        exchange, text = self.browser.fetch(url, kind="asset")
        page.exchanges.append(exchange)
        if url.endswith(".css") and text:
            for nested in _CSS_URL.findall(text):
                if not nested.startswith("data:"):
                    self._asset(page, urljoin(url, nested))

    def _submit(self, url: str, data: dict) -> tuple[Exchange, str]:
        absolute = urljoin(str(self.browser.client.base_url), url)
        response = self.browser.client.post(url, data=data)
        response.read()
        exchange = Exchange(
            url=absolute,
            method="POST",
            status=response.status_code,
            kind="form",
            received=_status_line_bytes(response) + response.num_bytes_downloaded,
            sent=_request_bytes(response.request),
            encoding=response.headers.get("content-encoding", ""),
        )
        if response.status_code != 302:
            raise RuntimeError(f"POST {url} answered {response.status_code}, not a redirect")
        return exchange, response.headers["location"]

    def walk(self) -> list[Page]:
        _, html = self._page("office list", "/")
        offices = _links(html, r"/kantor/[-\w]+/")
        if not offices:
            raise RuntimeError("the office list links to no office")
        preferred = f"/kantor/{self.office}/" if self.office else None
        office_url = preferred if preferred in offices else offices[0]
        _, html = self._page("service list", office_url)
        services = _links(html, re.escape(office_url) + r"layanan/\d+/")
        if not services:
            raise RuntimeError(f"{office_url} lists no service")
        _, html = self._page("date choice", services[0])
        days = _links(html, re.escape(services[0]) + r"\d{4}-\d{2}-\d{2}/")
        slot_url = None
        for day in days:
            page, html = self._page("slot choice", day)
            slots = _links(html, re.escape(office_url) + r"jadwal/\d+/data-diri/")
            if slots:
                slot_url = slots[0]
                break
            self.pages.remove(page)  # a day with nothing left: the citizen picks another
        if slot_url is None:
            raise RuntimeError("no bookable slot in the days offered")
        _, html = self._page("identity form", slot_url)
        posted, pact_url = self._submit(
            slot_url,
            _form_fields(html)
            | {
                "name": "Ni Made Ayu Lestari",
                "nik": nik_for(self.citizen),
                "whatsapp": phone_for(self.citizen),
                "whatsapp_consent": "on",
            },
        )
        _, html = self._page("pact", pact_url, lead_in=[posted])
        posted, booking_url = self._submit(pact_url, _form_fields(html) | {"pact_agreed": "1"})
        self._page("booking page", booking_url, lead_in=[posted])
        return self.pages


def _totals(pages: list[Page]) -> dict:
    summaries = [p.summary() for p in pages]
    return {
        "pages": summaries,
        "total_bytes": sum(s["total_bytes"] for s in summaries),
        "html_bytes": sum(s["html_bytes"] for s in summaries),
        "asset_bytes": sum(s["asset_bytes"] for s in summaries),
        "requests": sum(s["requests"] for s in summaries),
    }


def measure(*, base: str, office: str | None = None) -> dict:
    first_citizen = 200_000_000 + secrets.randbelow(10**6) * 3
    headers = {"Accept-Encoding": "gzip", "User-Agent": USER_AGENT, "Accept": "text/html"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        browser = Browser(client)
        first = Journey(browser, office=office, citizen=first_citizen).walk()
        repeat = Journey(browser, office=office, citizen=first_citizen + 1).walk()
        browser.stale = True
        revalidate = Journey(browser, office=office, citizen=first_citizen + 2).walk()
    return {
        "benchmark": "page_bytes",
        "cores": os.cpu_count(),
        "base": base,
        "accept_encoding": "gzip",
        "first": _totals(first),
        "repeat": _totals(repeat),
        "revalidate": _totals(revalidate),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--office", default="mpp-badung", help="office code to book at")
    parser.add_argument("--base", default=None, help="a running server; else gunicorn starts")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    import logging

    django_setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.base:
        result = measure(base=args.base, office=args.office)
    else:
        from bench.http_load import Server, server_env

        env = server_env(os.environ["DATABASE_URL"])
        port = args.port or free_port()
        with Server(workers=1, threads=4, port=port, env=env) as server:
            server.wait_ready("/")
            result = measure(base=server.base, office=args.office)
    path = write_json(Path(args.json) if args.json else out_dir() / "pages.json", result)
    for visit in ("first", "repeat", "revalidate"):
        print(f"pages, {visit} visit:")
        for page in result[visit]["pages"]:
            print(
                f"  {page['page']:<14} {page['total_bytes']:>7} B "
                f"(HTML {page['html_bytes']}, assets {page['asset_bytes']}, "
                f"{page['requests']} requests, {page['from_cache']} from cache)"
            )
        print(f"  {'all':<14} {result[visit]['total_bytes']:>7} B")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
