"""The kiosk in a real browser: a portrait 1080×1920 touch screen, walked by tapping.

With ANTREAN_SCREENSHOTS=1 the home, pact and ticket screens are saved under
docs/screenshots/ (kiosk-*.png), and the 80 mm print layout as ticket-80mm.png.
"""

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from antrean.demo.seed import seed_demo
from antrean.display.kiosk import kiosk_register, kiosk_url
from antrean.display.printing import ticket_content, ticket_pdf
from antrean.queueing.models import Ticket
from antrean.queueing.states import Status
from antrean.tenancy.models import Closure, Office, OpeningHours
from antrean.testing.browser import launch, needs_chromium, refuse_outside
from antrean.testing.factories import make_booking, make_nik, make_slot

# Playwright's sync API runs an event loop in this thread; the ORM calls here are synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
NAME = "I Wayan Sudarma"

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
]


@pytest.fixture
def browser_context(live_server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(
            viewport={"width": 1080, "height": 1920},
            has_touch=True,
            locale="id-ID",
        )
        outside = refuse_outside(context, live_server.url)
        yield context
        context.close()
        browser.close()
        assert outside == [], f"external requests: {outside}"


def shot(page, name: str) -> None:
    if os.environ.get("ANTREAN_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def tap(page, locator) -> None:
    """Tap something that loads a new page, and wait until it has loaded."""
    with page.expect_navigation(wait_until="load"):
        locator.tap()


def font_sizes_and_targets(page) -> tuple[float, float]:
    """The smallest rendered text size and the smallest tap target on the page."""
    return page.evaluate(
        """() => {
          let text = 1e9, target = 1e9;
          for (const el of document.querySelectorAll('body *')) {
            const style = getComputedStyle(el);
            if (style.display === 'none' || el.closest('[hidden]')) continue;
            const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
            if (own && el.getClientRects().length) {
              text = Math.min(text, parseFloat(style.fontSize));
            }
            if (el.matches('a, button, input[type=text], label.k-radio')) {
              const box = el.getBoundingClientRect();
              if (box.width && box.height) target = Math.min(target, box.height);
            }
          }
          return [text, target];
        }"""
    )


def open_now(office: Office) -> None:
    """The demo office keeps office hours; the test runs at any hour."""
    OpeningHours.objects.filter(office=office).delete()
    OpeningHours.objects.bulk_create(
        [
            OpeningHours(
                office=office, weekday=d, opens=dt.time(0), closes=dt.time(23, 59, 59, 999999)
            )
            for d in range(7)
        ]
    )
    Closure.objects.filter(office=office, date=office.local_today()).delete()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_citizen_takes_a_number_and_another_checks_in_by_tapping(
    browser_context, live_server, settings
):
    settings.SITE_URL = live_server.url
    try:
        walk(browser_context, live_server)
    finally:
        connections.close_all()


def walk(context, live_server):
    seed_demo()
    office = Office.objects.get(code="mpp-badung")
    open_now(office)
    kiosk, token = kiosk_register(office=office, name="Lobi utama")
    setup = kiosk_url(kiosk, token).replace(settings.SITE_URL, live_server.url)

    page = context.new_page()
    page.set_default_timeout(15_000)
    # The setup address stores the token and leaves a clean address.
    page.goto(setup, wait_until="load")
    assert page.url == f"{live_server.url}/kiosk/mpp-badung/"
    assert "device=" not in page.url
    assert page.get_by_role("heading", name="Selamat datang").is_visible()
    smallest_text, smallest_target = font_sizes_and_targets(page)
    assert smallest_text >= 24 and smallest_target >= 64
    shot(page, "kiosk-home")

    # --- walk-in: agency → service → pact → name → preview → on screen -----------------
    tap(page, page.get_by_role("link", name=re.compile("Ambil nomor antrean")))
    tap(page, page.get_by_role("link", name=re.compile("^Disdukcapil")))
    service_tile = page.get_by_role("link", name=re.compile("Perekaman dan Pencetakan KTP-el"))
    assert "GRATIS" in service_tile.inner_text()
    smallest_text, smallest_target = font_sizes_and_targets(page)
    assert smallest_text >= 24 and smallest_target >= 64
    tap(page, service_tile)

    assert page.get_by_role("heading", name="Pakta Integritas", exact=True).is_visible()
    assert page.locator(".k-pact li").count() >= 3
    assert page.locator("[data-idle-seconds]").first.is_visible()  # the visible countdown
    shot(page, "kiosk-pact")
    tap(page, page.get_by_role("button", name="Saya setuju"))

    page.get_by_label("Nama lengkap").fill(NAME)
    page.locator("label.k-radio", has_text="Lansia").tap()
    smallest_text, smallest_target = font_sizes_and_targets(page)
    assert smallest_text >= 24 and smallest_target >= 64
    tap(page, page.get_by_role("button", name="Lanjut"))

    assert "/pratinjau/" in page.url
    assert page.get_by_text(NAME).is_visible()
    assert page.get_by_text("GRATIS — jangan memberi imbalan apa pun").is_visible()
    assert page.get_by_role("button", name="Cetak tiket").count() == 0  # no printer here
    assert Ticket.objects.count() == 0  # a preview issues nothing
    tap(page, page.get_by_role("button", name="Ambil di layar"))

    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.priority, ticket.status) == ("kiosk", "lansia", Status.WAITING)
    assert page.locator(".k-ticket-number").inner_text() == ticket.number
    assert page.get_by_role("img", name="Kode QR halaman status antrean").is_visible()
    assert page.get_by_role("img", name="Kode QR survei kepuasan").is_visible()
    assert NAME not in page.content()
    shot(page, "kiosk-ticket")
    render_ticket_png(ticket, page)

    tap(page, page.get_by_role("link", name="Selesai"))
    assert page.get_by_role("heading", name="Selamat datang").is_visible()
    # The next citizen cannot go back to the previous ticket.
    page.goto(f"{live_server.url}/kiosk/mpp-badung/tiket/{ticket.code}/", wait_until="load")
    assert page.url == f"{live_server.url}/kiosk/mpp-badung/"

    # --- check-in: a handheld scanner types the code and Enter ---------------------------
    nik = make_nik(7312)
    booked = make_booking(slot_now(ticket.service), nik=nik).ticket
    tap(page, page.get_by_role("link", name=re.compile("Saya sudah pesan daring")))
    page.locator("#code").focus()
    page.keyboard.type(booked.code)
    page.keyboard.press("Enter")  # the scanner's Enter moves on instead of submitting
    assert page.evaluate("document.activeElement.id") == "nik_last4"
    page.keyboard.type(nik[-4:])
    tap(page, page.get_by_role("button", name="Check-in"))
    assert page.get_by_text("Check-in berhasil").is_visible()
    assert page.locator(".k-ticket-number").inner_text() == booked.number
    booked.refresh_from_db()
    assert booked.status == Status.WAITING

    # --- left alone, the kiosk goes back to the start -------------------------------------
    page.clock.install()
    tap(page, page.get_by_role("link", name="Selesai"))
    tap(page, page.get_by_role("link", name=re.compile("Ambil nomor antrean")))
    page.clock.run_for(50_000)
    assert page.locator("[data-idle-overlay]").is_visible()  # the last seconds are shown
    with page.expect_navigation(wait_until="load"):
        page.clock.run_for(11_000)
    assert page.url == f"{live_server.url}/kiosk/mpp-badung/"


def slot_now(service):
    office = service.office
    local = office.local_now()
    start = max(local - dt.timedelta(minutes=5), local.replace(hour=0, minute=0, second=0))
    end = min(start + dt.timedelta(minutes=60), local.replace(hour=23, minute=59, second=59))
    return make_slot(
        service, date=local.date(), start=start.time().replace(microsecond=0),
        end=end.time().replace(microsecond=0),
    )  # fmt: skip


def render_ticket_png(ticket, page) -> None:
    """The 80 mm print layout as an image (pdftoppm, 200 dpi), for the documentation."""
    if os.environ.get("ANTREAN_SCREENSHOTS") != "1" or not shutil.which("pdftoppm"):
        return
    # The token is not kept anywhere; the picture's QR carries a placeholder.
    pdf = ticket_pdf(ticket_content(ticket, "contoh-token"), paper=80)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "ticket.pdf"
        source.write_bytes(pdf)
        subprocess.run(  # noqa: S603
            ["pdftoppm", "-r", "200", "-png", "-singlefile", str(source), str(Path(tmp) / "t")],  # noqa: S607
            check=True,
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(tmp) / "t.png", SCREENSHOTS / "ticket-80mm.png")
