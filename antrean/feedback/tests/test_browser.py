"""A citizen answers the survey in a real browser: Chromium at 360 px, JavaScript off.

With ANTREAN_SCREENSHOTS=1 the steps are saved as docs/screenshots/survey-*.png.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from antrean.feedback.models import SurveyResponse
from antrean.feedback.services import survey_token
from antrean.feedback.tests.served import make_desk, serve, walk_in
from antrean.testing.browser import launch, needs_chromium, refuse_outside

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"

pytestmark = [pytest.mark.browser, needs_chromium]


def shot(page, name: str) -> None:
    if os.environ.get("ANTREAN_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"survey-{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_citizen_answers_the_survey_on_a_small_phone_without_javascript(live_server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    try:
        desk = make_desk(name="Mal Pelayanan Publik Kabupaten Badung")
        ticket = serve(desk, walk_in(desk).ticket)
        url = f"{live_server.url}/survei/{survey_token(ticket)}/"
        with sync_api.sync_playwright() as playwright:
            browser = launch(playwright)
            context = browser.new_context(
                viewport={"width": 360, "height": 780}, java_script_enabled=False, locale="id-ID"
            )
            outside = refuse_outside(context, live_server.url)
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.goto(url, wait_until="load")
            assert page.get_by_role("heading", name="Survei kepuasan layanan").is_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            choices = ["Sangat sesuai", "Mudah", "Cepat", "Gratis", "Sesuai"]
            choices += ["Kompeten", "Sangat sopan dan ramah", "Dikelola dengan baik", "Baik"]
            for number, label in enumerate(choices, start=1):
                page.locator(f"#u{number}").get_by_text(label, exact=True).click()
            page.locator("#sex").get_by_text("Perempuan").click()
            page.locator("#age_band").get_by_text("31–40 tahun").click()
            page.locator("#education").get_by_text("S1", exact=True).click()
            page.locator("#occupation").get_by_text("Wirausaha").click()
            page.get_by_label("Saran (tidak wajib)").fill("Antrean tertib, terima kasih.")
            page.locator("#u1").scroll_into_view_if_needed()
            shot(page, "1-form")
            with page.expect_navigation(wait_until="load"):
                page.get_by_role("button", name="Kirim penilaian").click()
            assert page.get_by_role("heading", name="Terima kasih atas penilaian Anda").is_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            shot(page, "2-thanks")
            context.close()
            browser.close()
            assert outside == [], f"external requests: {outside}"
        response = SurveyResponse.objects.get()
        assert response.answers() == {
            "u1": 4,
            "u2": 3,
            "u3": 3,
            "u4": 4,
            "u5": 3,
            "u6": 3,
            "u7": 4,
            "u8": 4,
            "u9": 3,
        }
        assert (response.sex, response.age_band, response.occupation) == ("P", "31-40", "wirausaha")
    finally:
        connections.close_all()
