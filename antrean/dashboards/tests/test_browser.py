"""The dashboards in Chromium, under the site's Content-Security-Policy: at desktop width with
JavaScript and at 360 px without; every chart is an image that loads (an SVG drawn on the
server) with its table, nothing is refused by the policy, nothing leaves the server, nothing
is wider than a phone's screen.

With ANTREAN_SCREENSHOTS=1, the same walk over the seeded demo (`make run`'s offices, their
served quarter rolled up) keeps docs/screenshots/dashboard-national.png,
dashboard-region.png and dashboard-office.png.
"""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from antrean.dashboards.months import office_months_refresh_due
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


def _walk(server: str, pages: dict, *, screenshots: bool = False) -> None:
    """Each page (name → (user, path)) at 1280 px with JavaScript and at 360 px without."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    # Signed in before the browser's event loop runs in this thread (the ORM is synchronous).
    cookies = {name: _session(user, server) for name, (user, _path) in pages.items()}
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
                outside = refuse_outside(context, server)
                context.add_cookies([cookies[name]])
                page = context.new_page()
                page.on(
                    "console",
                    lambda message: (
                        violations.append(message.text) if PROBLEM.search(message.text) else None
                    ),
                )
                page.on("pageerror", lambda error: errors.append(str(error)))
                response = page.goto(server + path, wait_until="load")
                assert response.status == 200, path
                assert "content-security-policy" in response.headers
                assert _charts_loaded(page) >= 5, path
                # Every chart is followed by its table (shown, or folded under it).
                for section in page.locator("section.dash-section").all():
                    if section.locator("figure.chart").count():
                        assert section.locator("table").count() == 1
                        assert section.locator("figure.chart img").get_attribute("alt")
                # A folded table opens without JavaScript.
                page.locator("details.data summary").first.click()
                assert page.locator("details.data[open] table").first.is_visible()
                if width == 360:
                    assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
                elif screenshots:
                    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                    page.locator("details.data[open] summary").first.click()
                    page.screenshot(path=str(SCREENSHOTS / f"dashboard-{name}.png"), full_page=True)
                page.wait_for_timeout(100)  # violations are reported after the fact
                assert outside == [], outside
                context.close()
        browser.close()
    assert violations == [], violations
    assert errors == [], errors


def test_dashboards_draw_their_charts_under_the_policy(live_server):
    world = make_world()
    today = timezone.localdate()
    start = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    fill_days(world, start, (today - start).days + 1)
    office_months_refresh_due()
    period = f"dari={start.isoformat()}&sampai={today.isoformat()}"
    _walk(
        live_server.url,
        {
            "national": (world.national, f"/staf/dasbor/nasional/?{period}"),
            "region": (world.province, f"/staf/dasbor/wilayah/51/?{period}&urut=tunggu"),
            "office": (world.head, f"/staf/dasbor/kantor/mpp-badung/?{period}"),
            "agency": (world.agency_admin, "/staf/dasbor/kantor/mpp-badung/?rentang=12-bulan"),
        },
    )


@pytest.mark.skipif(
    os.environ.get("ANTREAN_SCREENSHOTS") != "1", reason="makes the docs' screenshots"
)
def test_screenshots_of_the_seeded_demo(live_server):
    from django.contrib.auth import get_user_model

    from antrean.demo.data import OFFICES
    from antrean.demo.seed import demo_staff_ensure, seed_demo
    from antrean.demo.stats import demo_rollups_ensure
    from antrean.demo.survey import demo_survey_ensure
    from antrean.feedback.periods import period_dates, previous_quarter
    from antrean.tenancy.models import Office

    seed_demo()
    demo_staff_ensure(password=None)
    offices = Office.objects.filter(code__in=[data["code"] for data in OFFICES])
    demo_survey_ensure(offices=offices)
    demo_rollups_ensure(offices=offices)
    office_months_refresh_due()
    start, end = period_dates(*previous_quarter(timezone.localdate()))
    period = f"dari={start.isoformat()}&sampai={end.isoformat()}"
    users = get_user_model().objects.in_bulk(
        ["kemenpanrb", "pemprov-bali", "kepala-mpp-badung"], field_name="username"
    )
    _walk(
        live_server.url,
        {
            "national": (users["kemenpanrb"], f"/staf/dasbor/nasional/?{period}"),
            "region": (users["pemprov-bali"], f"/staf/dasbor/wilayah/51/?{period}"),
            "office": (users["kepala-mpp-badung"], f"/staf/dasbor/kantor/mpp-badung/?{period}"),
        },
        screenshots=True,
    )
