"""The counter's tablet in a real browser at 360 px, JavaScript off (the waiting screen
refreshes by itself), and the console's survey card.

With ANTREAN_SCREENSHOTS=1: docs/screenshots/survey-3-tablet.png (waiting and survey side by
side), survey-3-tablet-wait.png, survey-3-tablet-form.png and survey-4-console.png.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from antrean.feedback.models import SurveyResponse
from antrean.feedback.tests.served import CounterDesk
from antrean.testing.browser import launch, needs_chromium, refuse_outside
from antrean.testing.signin import sign_in

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"

pytestmark = [pytest.mark.browser, needs_chromium]


def shot(page, name: str) -> Path | None:
    if os.environ.get("ANTREAN_SCREENSHOTS") != "1":
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"survey-{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def side_by_side(left: Path | None, right: Path | None, name: str) -> None:
    """One picture of the two tablet screens for the docs (ReportLab's PIL is installed)."""
    if left is None or right is None:
        return
    from PIL import Image

    a, b = Image.open(left), Image.open(right)
    both = Image.new("RGB", (a.width + b.width + 24, max(a.height, b.height)), "#d5dbe3")
    both.paste(a, (0, 0))
    both.paste(b, (a.width + 24, 0))
    both.save(SCREENSHOTS / f"survey-{name}.png", optimize=True)
    left.unlink()
    right.unlink()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_tablet_waits_offers_the_survey_and_records_it(live_server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    try:
        desk = CounterDesk()
        session = sign_in(Client(), desk.officer).cookies[settings.SESSION_COOKIE_NAME].value
        with sync_api.sync_playwright() as playwright:
            browser = launch(playwright)
            context = browser.new_context(
                viewport={"width": 360, "height": 780}, java_script_enabled=False, locale="id-ID"
            )
            outside = refuse_outside(context, live_server.url)
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.goto(live_server.url + desk.url, wait_until="load")
            assert page.get_by_role("heading", name="Terima kasih").is_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            wait = shot(page, "3-tablet-wait")

            desk.serve_one()  # the officer presses "Selesai" at the console
            # The meta refresh brings the survey without JavaScript.
            page.get_by_role("heading", name="Survei kepuasan layanan").wait_for(timeout=10_000)
            assert desk.url in page.url and "/survei/" not in page.url
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            form = shot(page, "3-tablet-form")
            side_by_side(wait, form, "3-tablet")

            choices = ["Sangat sesuai", "Mudah", "Cepat", "Gratis", "Sesuai"]
            choices += ["Kompeten", "Sangat sopan dan ramah", "Dikelola dengan baik", "Baik"]
            for number, label in enumerate(choices, start=1):
                page.locator(f"#u{number}").get_by_text(label, exact=True).click()
            page.locator("#sex").get_by_text("Laki-laki").click()
            page.locator("#age_band").get_by_text("31–40 tahun").click()
            page.locator("#education").get_by_text("S1", exact=True).click()
            page.locator("#occupation").get_by_text("Wirausaha").click()
            with page.expect_navigation(wait_until="load"):
                page.get_by_role("button", name="Kirim penilaian").click()
            assert page.get_by_role("heading", name="Terima kasih atas penilaian Anda").is_visible()
            # ... and after a few seconds the waiting screen again, for the next citizen.
            page.get_by_role("heading", name="Terima kasih", exact=True).wait_for(timeout=15_000)

            console = context.new_page()
            desk.serve_one()
            console.goto(f"{live_server.url}/loket/{desk.counter.pk}/", wait_until="load")
            card = console.locator("[data-survey]")
            assert card.get_by_role("img", name="Kode QR survei kepuasan").is_visible()
            assert console.evaluate("document.documentElement.scrollWidth") <= 360
            if os.environ.get("ANTREAN_SCREENSHOTS") == "1":
                card.scroll_into_view_if_needed()
                console.screenshot(path=str(SCREENSHOTS / "survey-4-console.png"))
            context.close()
            browser.close()
            assert outside == [], f"external requests: {outside}"
        response = SurveyResponse.objects.get()
        assert (response.channel, response.sex, response.occupation) == ("tablet", "L", "wirausaha")
    finally:
        connections.close_all()
