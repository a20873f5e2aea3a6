"""The transparency pages of the seeded demo, with its history rolled up and a morning of
queue today at MPP Badung, in Chromium at 360 px without JavaScript: readable, nothing wider
than the screen, no request leaving the site (ANTREAN_SCREENSHOTS=1 keeps
docs/screenshots/transparency-index.png and transparency-office.png)."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from antrean.catalog.models import Counter
from antrean.demo.data import OFFICES
from antrean.demo.seed import demo_staff_ensure, seed_demo
from antrean.demo.stats import demo_rollups_ensure
from antrean.demo.survey import demo_survey_ensure
from antrean.queueing.services import ticket_call_next, ticket_finish, ticket_start
from antrean.stats.rollup import office_day_rollup
from antrean.tenancy.models import Closure, Office, OpeningHours
from antrean.testing.browser import launch, needs_chromium, refuse_outside
from antrean.testing.factories import make_walk_in, sign_officer_pact

pytestmark = [pytest.mark.browser, needs_chromium]
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def a_morning_today(office: Office, now: dt.datetime) -> None:
    """Walk-ins served at two counters between the office's midnight and `now`, a few still
    waiting: whatever the hour the test runs, all of it is today's and in the past."""
    OpeningHours.objects.filter(office=office).delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(office=office, weekday=d, opens=dt.time(0), closes=dt.time(23, 59, 59))
        for d in range(7)
    )
    Closure.objects.filter(office=office, date=office.local_today(now)).delete()
    midnight = office.local_now(now).replace(hour=0, minute=0, second=0, microsecond=0)
    start = max(midnight + dt.timedelta(minutes=1), now - dt.timedelta(hours=3))
    step = (now - start) / 40
    for n, counter in enumerate(
        Counter.objects.filter(office=office, agency__code__in=["disdukcapil", "samsat"])[:2]
    ):
        officer = get_user_model().objects.get(username=counter.agency.code)
        sign_officer_pact(officer, office, now=start)
        service = counter.services.order_by("position").first()
        moment = start + step * n
        for _ in range(6 + n):
            make_walk_in(service, now=moment, name="Warga Contoh")
            moment += step
            ticket = ticket_call_next(counter=counter, officer=officer, now=moment)
            ticket_start(ticket_id=ticket.pk, counter=counter, officer=officer, now=moment)
            moment += step * 2
            ticket_finish(ticket_id=ticket.pk, counter=counter, officer=officer, now=moment)
        # The last few minutes: one called to the counter now, two still waiting.
        for minutes in (15 - 2 * n, 10 - n, 5):
            make_walk_in(service, now=now - dt.timedelta(minutes=minutes), name="Warga Contoh")
        ticket = ticket_call_next(counter=counter, officer=officer, now=now)
        ticket_start(ticket_id=ticket.pk, counter=counter, officer=officer, now=now)
    office_day_rollup(office=office, date=office.local_today(now), now=now)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_transparency_pages_at_360_px(live_server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    now = timezone.now()
    seed_demo()
    demo_staff_ensure(password=None)
    offices = list(Office.objects.filter(code__in=[o["code"] for o in OFFICES]))
    demo_survey_ensure(offices=offices)
    demo_rollups_ensure(offices=offices)
    badung = Office.objects.get(code="mpp-badung")
    a_morning_today(badung, now)

    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(
            viewport={"width": 360, "height": 780}, java_script_enabled=False, locale="id-ID"
        )
        outside = refuse_outside(context, live_server.url)
        page = context.new_page()

        page.goto(f"{live_server.url}/transparansi/")
        assert page.get_by_role("heading", name="Transparansi layanan publik").is_visible()
        assert page.get_by_role("link", name="Mal Pelayanan Publik Kabupaten Badung").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        if os.environ.get("ANTREAN_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "transparency-index.png"), full_page=True)

        page.get_by_role("link", name="Mal Pelayanan Publik Kabupaten Badung").click()
        page.wait_for_load_state()
        assert page.url == f"{live_server.url}/transparansi/mpp-badung/"
        assert page.get_by_role("heading", name="Hari ini").is_visible()
        assert page.get_by_role("table", name="Antrean per layanan hari ini").is_visible()
        assert page.get_by_role("heading", name="Indeks Kepuasan Masyarakat").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        if os.environ.get("ANTREAN_SCREENSHOTS") == "1":
            page.screenshot(path=str(SCREENSHOTS / "transparency-office.png"), full_page=True)
        context.close()
        browser.close()
    assert outside == []
