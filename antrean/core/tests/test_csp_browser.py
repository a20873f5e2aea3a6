"""Every kind of page under the Content-Security-Policy, in a real browser (Chromium, with
JavaScript on): the citizen's booking from the office list to the booking page and its live
status, the transparency pages, the TV board with its WebSocket open, the kiosk from
registration to a printed ticket, the staff login, counter console, audit page and inbox, the
dashboards (charts as SVG images), the verification page, the admin (index, a change list,
change forms), the API's Swagger UI and an error page.

The test fails on anything the policy refused: Chromium's "Refused to …" console lines and the
pages' `securitypolicyviolation` events (reported through the console by an init script),
Permissions-Policy complaints, script errors, a request that leaves the server, and a page
served without the policy. It first proves that the watch does catch a violation.

The whole ASGI application runs under uvicorn (antrean.testing.browser.asgi_server): the board
and the status page need their WebSockets.
"""

import datetime as dt
import os
import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from antrean.catalog.models import Service
from antrean.demo.seed import seed_demo
from antrean.display.kiosk import kiosk_register, kiosk_url
from antrean.display.models import Kiosk
from antrean.display.tests.hall import Hall, make_hall
from antrean.integrity.models import Certificate
from antrean.notifications.models import Message
from antrean.queueing.models import Ticket
from antrean.tenancy.models import Closure, Office, OpeningHours
from antrean.testing.browser import asgi_server, launch, needs_chromium, refuse_outside
from antrean.testing.factories import make_nik

# Playwright's sync API runs an event loop in this thread; the ORM calls here are synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
    # serialized_rollback: the flush afterwards must leave the pacts seeded by migrations.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # WhiteNoise hands static files to Django's ASGI handler as a synchronous iterator.
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous"),
]

# Reports every violation the page sees through the console, where the watch reads it.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.effectiveDirective + " blocked " +
    (event.blockedURI || "inline") + " at " + event.sourceFile + ":" + event.lineNumber);
}, true);
"""
PROBLEM = re.compile(
    r"Content Security Policy|Refused to|CSP violation|Permissions.policy|Unrecognized feature",
    re.IGNORECASE,
)


class Watch:
    """What the browser refused or failed on, across every page of every context."""

    def __init__(self, server: str):
        self.server = server
        self.violations: list[str] = []
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.without_policy: list[str] = []
        self.documents: list[str] = []

    def attach(self, context) -> None:
        context.add_init_script(REPORT_VIOLATIONS)
        refuse_outside(context, self.server, into=self.outside)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.errors.append(str(error.error)))
        context.on("response", self._response)

    def _console(self, message) -> None:
        if PROBLEM.search(message.text):
            where = message.page.url if message.page else "?"
            self.violations.append(f"{where}: {message.text}")

    def _response(self, response) -> None:
        if response.request.resource_type != "document":
            return
        path = response.url.removeprefix(self.server)
        self.documents.append(path)
        if "content-security-policy" not in response.headers:
            self.without_policy.append(path)


@pytest.fixture
def server():
    pytest.importorskip("uvicorn")
    with asgi_server() as url:
        yield url


@dataclass
class Data:
    demo: Office
    hall: Hall
    kiosk: Kiosk
    kiosk_token: str
    admin: object


@pytest.fixture
def data(server, settings) -> Data:
    """Everything that broadcasts to screens happens here, before the browser's event loop
    runs in this thread (the hall's walk-ins), or later in the server, through the pages."""
    settings.SITE_URL = server
    seed_demo()
    demo = Office.objects.get(code="mpp-badung")
    open_all_day(demo)
    hall = make_hall(code="mpp-csp", tickets=2)
    kiosk, kiosk_token = kiosk_register(office=demo, name="Lobi CSP")
    admin = get_user_model().objects.create_superuser("admin-csp", password=None)
    return Data(demo, hall, kiosk, kiosk_token, admin)


@pytest.fixture
def browser(server, data):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


def open_all_day(office: Office) -> None:
    """Open around the clock today: the test runs at any hour, the kiosk issues numbers now."""
    OpeningHours.objects.filter(office=office).delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(office=office, weekday=d, opens=dt.time(0), closes=dt.time(23, 59, 59, 999999))
        for d in range(7)
    )
    Closure.objects.filter(office=office, date=office.local_today()).delete()


def session_cookie(user, server: str) -> dict:
    """A signed-in session for `user`, as a cookie for the browser: the pages behind the login
    are what this test is about, not the login itself (whose page is visited on its own)."""
    from antrean.testing.signin import sign_in

    client = Client()
    sign_in(client, user)  # with the second step, as an admin role needs
    name = settings.SESSION_COOKIE_NAME
    return {"name": name, "value": client.cookies[name].value, "url": server}


def follow(page, locator) -> None:
    with page.expect_navigation(wait_until="load"):
        locator.click()


def settle(page) -> None:
    """Violations are reported as tasks after the fact: let them arrive."""
    page.wait_for_load_state("load")
    page.wait_for_timeout(150)


def test_every_kind_of_page_runs_under_the_policy(server, data, browser):
    hall = data.hall
    watch = Watch(server)

    def new_page(**options):
        context = browser.new_context(locale="id-ID", **options)
        watch.attach(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    # --- the watch itself: an inline script is refused, and seen -----------------------------
    page = new_page()
    page.goto(f"{server}/", wait_until="load")
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.inlineRan = true"; document.body.append(s); }"""
    )
    settle(page)
    assert page.evaluate("window.inlineRan") is None
    assert any("script-src" in v for v in watch.violations), watch.violations
    watch.violations.clear()
    page.context.close()

    citizen = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    code = book_online(citizen, server)
    live_status(citizen, server, code)
    verification(citizen, server)
    report_pages(citizen, server)
    transparency_pages(citizen, server)
    error_page(citizen, server)

    board = new_page(viewport={"width": 1920, "height": 1080})
    board.goto(f"{server}/display/{hall.office.code}/", wait_until="load")
    board.click("#sound-overlay")
    board.wait_for_function("() => antreanBoard.live.mode === 'live'")

    officer = new_page(viewport={"width": 1280, "height": 800})
    officer.goto(f"{server}/staf/masuk/", wait_until="load")  # the login page itself
    officer.context.add_cookies([session_cookie(hall.officer, server)])
    officer.goto(f"{server}/loket/", wait_until="load")
    officer.goto(f"{server}/staf/ikm/", wait_until="load")
    officer.goto(f"{server}/loket/{hall.counters[0].pk}/", wait_until="load")
    follow(officer, officer.get_by_role("button", name="Panggil berikutnya"))
    # The call reaches the board over its WebSocket and is drawn there.
    board.wait_for_function(
        "() => document.querySelector('.counter[data-counter=\"1\"] .counter-number')"
        ".textContent === 'A-001'"
    )
    settle(officer)
    settle(board)

    kiosk = new_page(viewport={"width": 1080, "height": 1920}, has_touch=True)
    kiosk_pages(kiosk, server, data.kiosk, data.kiosk_token)

    staff = new_page(viewport={"width": 1280, "height": 800})
    staff.goto(f"{server}/admin/login/", wait_until="load")  # the login page itself
    staff.context.add_cookies([session_cookie(data.admin, server)])
    staff_pages(staff, server, data.demo)
    swagger(staff, server)

    paths = "\n".join(watch.documents)
    for expected in [
        "/kantor/mpp-badung/",
        "/pakta/",
        f"/antrean/{code}/status/",
        f"/display/{hall.office.code}/",
        "/kiosk/mpp-badung/check-in/",
        "/cetak.pdf",
        "/loket/",
        "/staf/audit/",
        "/staf/kotak-pesan/",
        "/v/",
        "/lapor/",
        "/lapor/terkirim/",
        "/lapor/lacak/",
        "/transparansi/",
        "/transparansi/mpp-badung/",
        "/staf/ikm/",
        "/staf/dasbor/nasional/",
        "/staf/dasbor/wilayah/51/",
        "/staf/dasbor/kantor/mpp-badung/",
        "/admin/",
        "/admin/tenancy/office/",
        "/change/",
        "/api/docs",
    ]:
        assert expected in paths, f"{expected} was never visited"
    assert watch.outside == [], f"external requests: {watch.outside}"
    assert watch.without_policy == [], f"served without a CSP: {watch.without_policy}"
    assert watch.errors == [], f"JavaScript errors: {watch.errors}"
    assert watch.violations == [], "refused by the policy:\n" + "\n".join(watch.violations)


def book_online(page, server: str) -> str:
    """Office list → office → service → day → slot → identity → pact → the booking page."""
    page.goto(f"{server}/", wait_until="load")
    follow(page, page.get_by_role("link", name=re.compile("Mal Pelayanan Publik Kabupaten Badung")))
    page.locator("summary", has_text="Disdukcapil").click()
    follow(page, page.get_by_role("link", name="Perekaman dan Pencetakan KTP-el", exact=True))
    follow(page, page.locator(".day-open a").first)
    follow(page, page.locator(".slot-open a").first)
    page.get_by_label("Nama lengkap").fill("Ni Made Ayu Lestari")
    page.get_by_label("NIK").fill(make_nik(1, region="510301"))
    page.get_by_label("Nomor WhatsApp").fill("0812 3456 7890")
    page.get_by_label("Kirim piagam dan pemberitahuan ke WhatsApp saya").check()
    follow(page, page.get_by_role("button", name=re.compile("Lanjut")))
    assert "/pakta/" in page.url
    page.get_by_label(re.compile("telah membaca dan menyetujui")).check()
    follow(page, page.get_by_role("button", name="Setujui dan ambil nomor antrean"))
    ticket = Ticket.objects.get(service__office__code="mpp-badung", channel="web")
    assert page.url == f"{server}/antrean/{ticket.code}/"
    assert page.locator(".qr svg").is_visible()  # the QR code: inline SVG, no image request
    settle(page)
    return ticket.code


def live_status(page, server: str, code: str) -> None:
    page.goto(f"{server}/antrean/{code}/status/", wait_until="load")
    page.wait_for_function("() => window.antreanStatus && antreanStatus.live.mode === 'live'")
    settle(page)


def verification(page, server: str) -> None:
    page.goto(f"{server}/v/", wait_until="load")
    certificate = Certificate.objects.order_by("-pk").first()
    page.goto(f"{server}/v/{certificate.verification_code}", wait_until="load")
    settle(page)


def report_pages(page, server: str) -> None:
    """The gratification report form, sent (office level), its receipt and the tracking page."""
    page.goto(f"{server}/lapor/", wait_until="load")
    page.locator("select").first.select_option(index=1)
    page.locator("textarea").first.fill("Petugas meminta uang agar berkas saya didahulukan.")
    follow(page, page.locator("main form button[type=submit]").first)
    assert "/lapor/terkirim/" in page.url
    page.goto(f"{server}/lapor/lacak/", wait_until="load")
    settle(page)


def transparency_pages(page, server: str) -> None:
    """The national transparency index, and an office's page reached from it."""
    page.goto(f"{server}/transparansi/", wait_until="load")
    follow(page, page.get_by_role("link", name=re.compile("Mal Pelayanan Publik Kabupaten Badung")))
    assert page.url == f"{server}/transparansi/mpp-badung/"
    settle(page)


def error_page(page, server: str) -> None:
    response = page.goto(f"{server}/kantor/mpp-badung/layanan/1/2026-02-30/", wait_until="load")
    assert response.status == 404
    assert page.get_by_role("heading", name="Halaman tidak ditemukan").is_visible()
    settle(page)


def kiosk_pages(page, server: str, kiosk, token: str) -> None:
    """Registration link → home → agency → service → pact → name → preview → ticket, printed
    through the browser from a hidden frame (the one response the site's pages may frame);
    then the check-in page, which may use the camera."""
    page.goto(kiosk_url(kiosk, token).replace(settings.SITE_URL, server), wait_until="load")
    assert page.url == f"{server}/kiosk/mpp-badung/"
    follow(page, page.get_by_role("link", name=re.compile("Ambil nomor antrean")))
    follow(page, page.get_by_role("link", name=re.compile("^Disdukcapil")))
    follow(page, page.get_by_role("link", name=re.compile("Perekaman dan Pencetakan KTP-el")))
    follow(page, page.get_by_role("button", name="Saya setuju"))
    page.get_by_label("Nama lengkap").fill("I Wayan Sudarma")
    follow(page, page.get_by_role("button", name="Lanjut"))
    follow(page, page.get_by_role("button", name="Ambil di layar"))
    assert page.get_by_role("img", name="Kode QR halaman status antrean").is_visible()
    assert page.get_by_role("img", name="Kode QR survei kepuasan").is_visible()
    with page.expect_response(re.compile(r"/cetak\.pdf$")) as printed:
        page.get_by_role("link", name="Cetak tiket").click()
    assert printed.value.status == 200
    settle(page)
    # The PDF is in the hidden frame; the ticket stays on screen.
    assert re.search(r"/kiosk/mpp-badung/tiket/\w+/$", page.url), page.url
    assert page.locator("#k-print-frame").count() == 1
    page.goto(f"{server}/kiosk/mpp-badung/check-in/", wait_until="load")
    settle(page)


def staff_pages(page, server: str, office: Office) -> None:
    """The audit page, the inbox, and the admin: index, change lists, change forms."""
    for path in [
        "/staf/audit/",
        "/staf/kotak-pesan/",
        "/staf/dasbor/nasional/",
        "/staf/dasbor/wilayah/51/",
        "/staf/dasbor/kantor/mpp-badung/",
        "/admin/",
        "/admin/tenancy/office/",
    ]:
        page.goto(server + path, wait_until="load")
        settle(page)
    page.goto(f"{server}/admin/tenancy/office/{office.pk}/change/", wait_until="load")
    settle(page)
    service = Service.objects.filter(agency__office=office).first()
    page.goto(f"{server}/admin/catalog/service/{service.pk}/change/", wait_until="load")
    settle(page)
    # A failed message offers "Kirim ulang", once drawn with a style attribute.
    message = Message.objects.order_by("pk").first()
    Message.objects.filter(pk=message.pk).update(status="failed")
    page.goto(f"{server}/admin/notifications/message/{message.pk}/change/", wait_until="load")
    assert page.get_by_role("button", name="Kirim ulang").is_visible()
    settle(page)


def swagger(page, server: str) -> None:
    page.goto(f"{server}/api/docs", wait_until="load")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    page.locator(".opblock-summary").first.click()  # an operation opens
    settle(page)
