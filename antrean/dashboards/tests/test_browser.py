"""The dashboards in Chromium, under the site's Content-Security-Policy: at desktop width and
at 360 px, with and without JavaScript; every chart is an image that loads (an SVG drawn on
the server) with its table, nothing is refused by the policy, nothing leaves the server.

With ANTREAN_SCREENSHOTS=1: docs/screenshots/dashboard-national.png, dashboard-region.png and
dashboard-office.png (from generated roll-up rows: two offices, two months).
"""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from antrean.dashboards.tests.world import fill_days, make_world
from antrean.testing.browser import launch, needs_chromium, refuse_outside
from antrean.testing.signin import sign_in

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.effectiveDirective + " blocked " +
    (event.blockedURI || "inline"));
}, true);
"""
PROBLEM = re.compile(r"Content Security Policy|Refused to|CSP violation", re.IGNORECASE)


def _session(user, server: str) -> dict:
    client = sign_in(Client(), user)
    name = settings.SESSION_COOKIE_NAME
    return {"name": name, "value": client.cookies[name].value, "url": server}


def _charts_loaded(page) -> int:
    """How many chart images are drawn (decoded, with a size); fails on one that is not."""
    sizes = page.eval_on_selector_all(
        "figure.chart img", "images => images.map(i => [i.complete, i.naturalWidth])"
    )
    assert sizes, "no chart on the page"
    assert all(complete and width > 0 for complete, width in sizes), sizes
    return len(sizes)


def test_dashboards_draw_their_charts_under_the_policy(live_server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    world = make_world()
    today = timezone.localdate()
    start = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    fill_days(world, start, (today - start).days + 1)
    period = f"dari={start.isoformat()}&sampai={today.isoformat()}"
    pages = {
        "national": (world.national, f"/staf/dasbor/nasional/?{period}"),
        "region": (world.province, f"/staf/dasbor/wilayah/51/?{period}"),
        "office": (world.head, f"/staf/dasbor/kantor/mpp-badung/?{period}"),
    }
    # Signed in before the browser's event loop runs in this thread (the ORM is synchronous).
    cookies = {name: _session(user, live_server.url) for name, (user, _path) in pages.items()}
    violations, errors = [], []
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        for name, (_user, path) in pages.items():
            for width, scripts in ((1280, True), (360, False)):
                context = browser.new_context(
                    viewport={"width": width, "height": 900},
                    java_script_enabled=scripts,
                    locale="id-ID",
                )
                context.add_init_script(REPORT_VIOLATIONS)
                outside = refuse_outside(context, live_server.url)
                context.add_cookies([cookies[name]])
                page = context.new_page()
                page.on(
                    "console",
                    lambda message: (
                        violations.append(message.text) if PROBLEM.search(message.text) else None
                    ),
                )
                page.on("pageerror", lambda error: errors.append(str(error)))
                response = page.goto(live_server.url + path, wait_until="load")
                assert response.status == 200
                assert "content-security-policy" in response.headers
                assert _charts_loaded(page) >= 4
                # Every chart is followed by its table (shown, or folded under it).
                for section in page.locator("section.dash-section").all():
                    if section.locator("figure.chart").count():
                        assert section.locator("table").count() == 1
                        assert section.locator("figure.chart img").get_attribute("alt")
                if width == 360:
                    assert page.evaluate("document.documentElement.scrollWidth") <= 360
                elif os.environ.get("ANTREAN_SCREENSHOTS") == "1":
                    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(SCREENSHOTS / f"dashboard-{name}.png"), full_page=True)
                page.wait_for_timeout(100)
                assert outside == []
                context.close()
        browser.close()
    assert violations == [], violations
    assert errors == [], errors
