"""The hall in real browsers: an officer calls the next ticket at the counter console while
the TV board and the citizen's phone show it within a second, over WebSockets.

pytest-django's live_server speaks WSGI only, so the whole ASGI application (HTTP and
WebSockets, with the in-memory channel layer) runs here under uvicorn in a thread, against the
test database: the console's call, the consumers and the broadcast all happen in that one
server, as with `manage.py serve`.
"""

import os
import socket
import threading
import time

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

from antrean.display.speech import announcement_text, number_words
from antrean.display.tests.hall import OFFICER_PASSWORD, make_hall
from antrean.testing.browser import launch, needs_chromium, refuse_outside

# Playwright's sync API runs an event loop in this thread; the ORM calls here are synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

TV = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
    # serialized_rollback: the flush afterwards must leave the pacts seeded by migrations.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # WhiteNoise hands static files to Django's ASGI handler as a synchronous iterator.
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous"),
]


@pytest.fixture
def server(transactional_db):
    """The ASGI application under uvicorn on a free port, in a thread of this process."""
    uvicorn = pytest.importorskip("uvicorn")
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
    uv = uvicorn.Server(uvicorn.Config(application, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        sock.close()
        db["CONN_MAX_AGE"] = max_age
        connections.close_all()


@pytest.fixture
def hall(request, server):
    """The test's hall, made before the browser starts: Playwright runs an event loop in this
    thread, and the walk-ins' broadcasts (sent synchronously) cannot run beside it."""
    return make_hall(**request.param)


@pytest.fixture
def browser(server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


class Pages:
    """Browser contexts that refuse any request leaving the test server, and record errors."""

    def __init__(self, browser, server):
        self.browser, self.server = browser, server
        self.outside: list[str] = []
        self.errors: list[str] = []

    def open(self, viewport, *, init_script: str | None = None, **options):
        context = self.browser.new_context(viewport=viewport, locale="id-ID", **options)
        if init_script:
            context.add_init_script(init_script)
        refuse_outside(context, self.server, into=self.outside)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        return page


@pytest.fixture
def pages(browser, server):
    pages = Pages(browser, server)
    yield pages
    assert pages.outside == [], f"external requests: {pages.outside}"
    assert pages.errors == [], f"JavaScript errors: {pages.errors}"


def open_board(pages, server, office, **options):
    board = pages.open(TV, **options)
    board.goto(f"{server}/display/{office.code}/", wait_until="load")
    return board


def open_status(pages, server, walk_in):
    phone = pages.open(PHONE, is_mobile=True, has_touch=True)
    phone.goto(f"{server}/antrean/{walk_in.ticket.code}/status/?t={walk_in.token}")
    phone.wait_for_function("() => window.antreanStatus && antreanStatus.live.mode === 'live'")
    assert "?t=" not in phone.url  # the token left the address bar
    return phone


def open_console(pages, server, hall, counter):
    console = pages.open({"width": 1280, "height": 800})
    console.goto(f"{server}/staf/masuk/")
    console.fill("input[name=username]", hall.officer.username)
    console.fill("input[name=password]", OFFICER_PASSWORD)
    with console.expect_navigation():
        console.click("button[type=submit]")
    console.goto(f"{server}/loket/{counter.pk}/")
    return console


def call_next(console) -> float:
    """Press "Panggil berikutnya"; the wall-clock moment of the press, in ms."""
    button = console.get_by_role("button", name="Panggil berikutnya")
    started = time.time() * 1000
    with console.expect_navigation():
        button.click()
    return started


def shown_at(page, script: str) -> float:
    page.wait_for_function(f"() => ({script}) !== undefined", timeout=5_000)
    return page.evaluate(f"() => {script}")


@pytest.mark.parametrize("hall", [{"code": "mpp-uji", "tickets": 3}], indirect=True)
def test_a_call_at_the_console_reaches_the_board_and_the_phone_within_a_second(server, hall, pages):
    mine = hall.walk_ins[0]  # A-001, first in line

    board = open_board(pages, server, hall.office)
    assert board.get_by_text("Klik untuk mengaktifkan suara").is_visible()
    board.click("#sound-overlay")  # the one click a browser needs before it may speak
    assert board.locator("#sound-overlay").is_hidden()
    board.wait_for_function("() => antreanBoard.live.mode === 'live'")
    assert board.locator(".clock-zone").inner_text() == "WITA"
    assert board.locator('.counter[data-counter="1"] .counter-number').inner_text() == "—"

    phone = open_status(pages, server, mine)
    assert phone.locator("#near-banner").is_visible()  # nobody ahead: the turn is near
    assert phone.locator("#called-banner").is_hidden()

    console = open_console(pages, server, hall, hall.counters[0])
    pressed = call_next(console)

    on_board = shown_at(
        board, "antreanBoard.state.shownAt.filter(e => e.number === 'A-001')[0]?.at"
    )
    on_phone = shown_at(phone, "antreanStatus.state.shownAt.filter(e => e.called)[0]?.at")
    print(f"call to board {on_board - pressed:.0f} ms, to phone {on_phone - pressed:.0f} ms")
    assert on_board - pressed < 1000, f"board after {on_board - pressed:.0f} ms"
    assert on_phone - pressed < 1000, f"phone after {on_phone - pressed:.0f} ms"

    tile = board.locator('.counter[data-counter="1"]')
    assert tile.locator(".counter-number").inner_text() == "A-001"
    assert "is-called" in tile.get_attribute("class")
    assert board.locator("#calls .call-number").first.inner_text() == "A-001"
    assert board.evaluate("antreanBoard.state.spoken") == [
        "Nomor antrean A satu, silakan ke loket satu"
    ]
    assert board.locator("#announce-number").inner_text() == "A-001"

    banner = phone.locator("#called-banner")
    assert banner.is_visible()
    assert phone.locator("#called-counter").inner_text() == "Silakan ke loket 1"
    # The officer serving signed the officer pact today, and the phone says so.
    assert phone.locator("#called-pledge").is_visible()
    assert phone.locator("#near-banner").is_hidden()
    assert phone.title() == "Giliran Anda: loket 1"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The page reads numbers with the same rules as the server.
    spoken = board.evaluate(
        "() => Array.from({length: 2001}, (_, n) => antreanSpeech.numberWords(n))"
    )
    assert spoken == [number_words(n) for n in range(2001)]
    cases = [("A-007", 3), ("B-105", 12), ("AB-010", 21), ("C-1999", None)]
    assert board.evaluate(
        "cases => cases.map(([n, c]) => antreanSpeech.announcementText(n, c))", cases
    ) == [announcement_text(number=n, counter=c) for n, c in cases]


@pytest.mark.parametrize(
    "hall", [{"code": "mpp-putus", "counters": 2, "tickets": 3}], indirect=True
)
def test_the_board_and_the_phone_resync_after_a_lost_connection(server, hall, pages):
    board = open_board(pages, server, hall.office)
    board.wait_for_function("() => antreanBoard.live.mode === 'live'")
    phone = open_status(pages, server, hall.walk_ins[1])
    console = open_console(pages, server, hall, hall.counters[0])
    call_next(console)  # A-001 to counter 1
    board.wait_for_function("() => antreanBoard.state.shownAt.length === 1")

    # The board loses its network: its socket drops and cannot come back for a while.
    board.context.set_offline(True)
    board.evaluate("() => antreanBoard.live.socket.close()")
    board.wait_for_function("() => antreanBoard.live.mode === 'reconnecting'")
    assert board.locator("#connection").inner_text() == "Sambungan terputus, menyambung ulang…"
    console.goto(f"{server}/loket/{hall.counters[1].pk}/")
    call_next(console)  # A-002 to counter 2, while the board is away
    phone.wait_for_function("() => antreanStatus.state.status.called")
    time.sleep(0.3)
    assert board.evaluate("antreanBoard.state.shownAt.length") == 1  # missed it
    counter2 = board.locator('.counter[data-counter="2"] .counter-number')
    assert counter2.inner_text() == "—"

    board.context.set_offline(False)
    board.wait_for_function(
        "() => antreanBoard.live.connects === 2 && antreanBoard.live.mode === 'live'",
        timeout=15_000,
    )
    board.wait_for_function(
        "() => document.querySelector('.counter[data-counter=\"2\"] .counter-number')"
        ".textContent === 'A-002'"
    )
    assert board.locator("#connection").inner_text() == ""
    assert [n.inner_text() for n in board.locator("#calls .call-number").all()] == [
        "A-002",
        "A-001",
    ]

    # The phone's socket drops too: it reconnects and gets its status again.
    phone.evaluate("() => antreanStatus.live.socket.close()")
    phone.wait_for_function("() => antreanStatus.live.connects === 2")
    phone.wait_for_function("() => antreanStatus.state.shownAt.length >= 2")
    assert phone.locator("#called-counter").inner_text() == "Silakan ke loket 2"


@pytest.mark.parametrize("hall", [{"code": "mpp-tanpa-ws", "tickets": 2}], indirect=True)
def test_without_websocket_the_board_polls_and_still_announces(server, hall, pages):
    board = open_board(
        pages,
        server,
        hall.office,
        init_script="delete window.WebSocket; window.WebSocket = undefined;",
    )
    board.wait_for_function("() => antreanBoard.live.mode === 'polling'")
    assert board.locator("#connection").inner_text() == "Mode cadangan: diperbarui tiap 2 detik"
    console = open_console(pages, server, hall, hall.counters[0])
    pressed = call_next(console)
    board.wait_for_function(
        "() => document.querySelector('.counter[data-counter=\"1\"] .counter-number')"
        ".textContent === 'A-001'",
        timeout=5_000,
    )
    assert time.time() * 1000 - pressed < 3_000  # one poll period and a request
    board.wait_for_function("() => antreanBoard.state.spoken.length === 1")
    assert board.evaluate("antreanBoard.state.spoken") == [
        "Nomor antrean A satu, silakan ke loket satu"
    ]
    # Without speech (the sound was never enabled), the words are shown large on screen.
    assert "no-voice" in board.locator("body").get_attribute("class")
    board.wait_for_selector("#announce-text", state="visible")
    assert board.locator("#announce-text").inner_text() == (
        "Nomor antrean A satu, silakan ke loket satu"
    )
