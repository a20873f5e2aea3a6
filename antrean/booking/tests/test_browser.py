"""The citizen's whole journey in a real browser: Chromium at 360 px, JavaScript off.

With ANTREAN_SCREENSHOTS=1 each step is saved under docs/screenshots/ (booking-*.png); the
normal suite writes nothing.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from antrean.catalog.models import Service, Slot
from antrean.demo.seed import seed_demo
from antrean.queueing.models import Ticket
from antrean.testing.browser import launch, needs_chromium, refuse_outside
from antrean.testing.factories import make_nik

# Playwright's sync API runs an event loop in this thread; the ORM calls here are synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
NIK = make_nik(1, region="510301")
PHONE = "0812 3456 7890"

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
]


@pytest.fixture
def page(live_server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(
            viewport={"width": 360, "height": 780},
            java_script_enabled=False,
            locale="id-ID",
        )
        # Any request that leaves the test server would be an external request: refuse it.
        outside = refuse_outside(context, live_server.url)
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()
        assert outside == [], f"external requests: {outside}"


def follow(page, locator) -> None:
    """Click something that loads a new page, and wait until it has loaded."""
    with page.expect_navigation(wait_until="load"):
        locator.click()


def shot(page, name: str) -> None:
    if os.environ.get("ANTREAN_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"booking-{name}.png"), full_page=True)


def no_horizontal_scroll(page) -> bool:
    # Without JavaScript in the page, Playwright can still measure from outside.
    return page.evaluate("document.documentElement.scrollWidth") <= 360


# serialized_rollback: the flush after a transactional test must not take the pacts seeded by
# migrations away from the tests that run after this one.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_citizen_books_a_number_on_a_small_phone_without_javascript(page, live_server):
    try:
        walk_the_journey(page, live_server)
    finally:
        # Under Playwright's greenlets the ORM calls above get a connection of their own,
        # which pytest-django does not know about: close it, or PostgreSQL keeps the test
        # database busy at teardown.
        connections.close_all()


def walk_the_journey(page, live_server):
    seed_demo()
    service = Service.objects.get(office__code="mpp-badung", code="ktp-el")

    page.goto(live_server.url + "/", wait_until="load")
    assert page.get_by_role("link", name=re.compile("Kabupaten Badung")).is_visible()
    assert no_horizontal_scroll(page)
    shot(page, "1-office")

    follow(page, page.get_by_role("link", name=re.compile("Mal Pelayanan Publik Kabupaten Badung")))
    page.locator("summary", has_text="Disdukcapil").click()  # <details> opens without JS
    assert page.get_by_text("Perekaman dan Pencetakan KTP-el").first.is_visible()
    assert no_horizontal_scroll(page)
    shot(page, "2-services")

    follow(page, page.get_by_role("link", name="Perekaman dan Pencetakan KTP-el", exact=True))
    assert page.locator(".day-closed").count() >= 1  # weekends and holidays are shown closed
    assert no_horizontal_scroll(page)
    shot(page, "3-dates")

    follow(page, page.locator(".day-open a").first)
    assert "WITA" in page.locator(".slots").inner_text()
    assert no_horizontal_scroll(page)
    shot(page, "4-slots")

    follow(page, page.locator(".slot-open a").first)
    slot_id = int(re.search(r"/jadwal/(\d+)/", page.url).group(1))
    page.get_by_label("Nama lengkap").fill("Ni Made Ayu Lestari")
    page.get_by_label("NIK").fill(NIK)
    page.get_by_label("Nomor WhatsApp").fill(PHONE)
    consent = page.get_by_label("Kirim piagam dan pemberitahuan ke WhatsApp saya")
    assert not consent.is_checked()  # consent is asked, never assumed
    consent.check()
    shot(page, "5-identity")

    # A mistyped NIK and a landline: both errors at once, each beside its field.
    page.get_by_label("NIK").fill("5103 0101")
    page.get_by_label("Nomor WhatsApp").fill("(0361) 412345")
    follow(page, page.get_by_role("button", name=re.compile("Lanjut")))
    assert "NIK tidak sah" in page.locator("#id_nik_error").inner_text()
    assert "Nomor WhatsApp tidak sah" in page.locator("#id_whatsapp_error").inner_text()
    assert Ticket.objects.count() == 0
    assert no_horizontal_scroll(page)
    shot(page, "err-nik")

    page.get_by_label("NIK").fill(NIK)
    page.get_by_label("Nomor WhatsApp").fill(PHONE)
    follow(page, page.get_by_role("button", name=re.compile("Lanjut")))

    assert "/pakta/" in page.url
    assert page.get_by_text("5103********0001").is_visible()
    assert page.get_by_text("+62812****7890").is_visible()
    assert no_horizontal_scroll(page)
    shot(page, "6-pact")
    page.get_by_label(re.compile("telah membaca dan menyetujui")).check()
    follow(page, page.get_by_role("button", name="Setujui dan ambil nomor antrean"))

    ticket = Ticket.objects.get()
    assert page.url == f"{live_server.url}/antrean/{ticket.code}/"
    assert page.locator(".ticket-number").inner_text() == "A-001"
    assert page.locator(".qr svg").is_visible()
    assert ticket.service_id == service.pk and ticket.slot_id == slot_id
    assert ticket.whatsapp_consent
    assert NIK not in page.content()
    assert no_horizontal_scroll(page)
    shot(page, "7-booking-page")

    # Cancelling from the page gives the place back.
    follow(page, page.get_by_role("link", name="Batalkan antrean"))
    follow(page, page.get_by_role("button", name="Ya, batalkan antrean"))
    assert page.locator(".ticket-status").inner_text().endswith("Dibatalkan")
    assert Slot.objects.get(pk=slot_id).booked == 0
    shot(page, "8-cancelled")


@pytest.fixture
def page_with_js(live_server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": 360, "height": 780}, locale="id-ID")
        outside = refuse_outside(context, live_server.url)
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()
        # The wa.me link is only shown, never followed.
        assert outside == [], f"external requests: {outside}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_held_place_follows_the_proof_of_the_number(page_with_js, live_server, settings):
    """Proof of the WhatsApp number on (issue 14): the pact holds the place, the hold page
    shows the message to send and counts down, and moves on to the booking by itself once
    the office's number has received the message."""
    from antrean.booking.holds import hold_prove_by_message, proof_text
    from antrean.booking.models import BookingHold
    from antrean.tenancy.models import Office

    page = page_with_js
    settings.WHATSAPP_DISPLAY_NUMBER = "6281138001234"
    try:
        seed_demo()
        Office.objects.filter(code="mpp-badung").update(number_proof_web="on")
        slot = (
            Slot.objects.filter(service__office__code="mpp-badung", service__code="ktp-el")
            .filter(date__gt=Slot.objects.order_by("date").values("date")[:1])
            .order_by("date", "start")
            .first()
        )
        page.goto(
            f"{live_server.url}/kantor/mpp-badung/jadwal/{slot.pk}/data-diri/", wait_until="load"
        )
        page.get_by_label("Nama lengkap").fill("Ni Made Ayu Lestari")
        page.get_by_label("NIK").fill(NIK)
        page.get_by_label("Nomor WhatsApp").fill(PHONE)
        follow(page, page.get_by_role("button", name=re.compile("Lanjut")))
        page.get_by_label(re.compile("telah membaca dan menyetujui")).check()
        follow(page, page.get_by_role("button", name="Setujui dan ambil nomor antrean"))

        hold = BookingHold.objects.get()
        assert page.url == f"{live_server.url}/antrean/tahan/{hold.code}/"
        assert Ticket.objects.count() == 0
        assert page.get_by_text(proof_text(hold)).is_visible()
        link = page.get_by_role("link", name="Buka WhatsApp dan kirim pesan")
        assert link.get_attribute("href").startswith("https://wa.me/6281138001234?text=ANTREAN")
        assert page.get_by_text("+62812****7890").is_visible()
        page.wait_for_function(
            "document.querySelector('[data-hold-timer]').getAttribute('data-left')"
        )
        assert NIK not in page.content()
        assert no_horizontal_scroll(page)
        shot(page, "9-hold")

        # The citizen sends the message; the page follows by itself.
        assert hold_prove_by_message(sender_digits="6281234567890", text=proof_text(hold))
        ticket = Ticket.objects.get()
        page.wait_for_url(f"{live_server.url}/antrean/{ticket.code}/", timeout=15_000)
        page.wait_for_load_state("load")
        assert page.locator(".ticket-number").inner_text() == ticket.number
        shot(page, "10-held-then-booked")
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_citizen_enters_the_passport_draw_on_a_small_phone(page, live_server):
    """The demo's passport service gives its places by a draw (issue 14): the day's page
    offers the draw, one page enters it, the entry's page shows the code and the public hash,
    and after the draw the public record shows the seed and the order, the citizen's line
    found by the code."""
    from antrean.draws.models import Draw, DrawEntry
    from antrean.draws.services import draw_close

    try:
        seed_demo()
        draw = (
            Draw.objects.filter(service__office__code="mpp-badung", service__code="paspor-baru")
            .order_by("date")
            .last()
        )
        assert draw is not None, "the demo keeps a passport draw open"
        service = draw.service
        page.goto(
            f"{live_server.url}/kantor/mpp-badung/layanan/{service.pk}/{draw.date.isoformat()}/",
            wait_until="load",
        )
        assert page.get_by_text("Kuota hari ini dibagikan lewat undian").is_visible()
        assert no_horizontal_scroll(page)
        shot(page, "draw-1-day")
        follow(page, page.get_by_role("link", name="Ikut undian"))
        page.get_by_label("Nama lengkap").fill("Ni Made Ayu Lestari")
        page.get_by_label("NIK").fill(NIK)
        page.get_by_label("Nomor WhatsApp").fill(PHONE)
        page.get_by_label(re.compile("menyetujui Pakta Integritas")).check()
        shot(page, "draw-2-enter")
        follow(page, page.get_by_role("button", name="Daftar undian"))
        entry = DrawEntry.objects.get()
        assert page.url.endswith(f"/undian/permintaan/{entry.code}/")
        assert page.get_by_text(entry.entry_hash).is_visible()
        assert NIK not in page.content()
        assert no_horizontal_scroll(page)
        shot(page, "draw-3-entry")

        draw_close(draw=draw)
        page.reload(wait_until="load")
        assert page.get_by_text("Menang: Anda mendapat nomor antrean.").is_visible()
        follow(page, page.get_by_role("link", name="Catatan publik undian ini"))
        page.get_by_label("Cari baris Anda dengan kode permintaan").fill(entry.code)
        follow(page, page.get_by_role("button", name="Cari"))
        assert page.locator("tr.mine").count() == 1
        assert no_horizontal_scroll(page)
        shot(page, "draw-4-public")
    finally:
        connections.close_all()
