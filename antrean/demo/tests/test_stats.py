"""The demo's roll-ups: its served history adds up to what the source tables say, and the
IKM read from roll-ups is the one the survey's own selectors compute."""

import datetime as dt

import pytest

from antrean.demo.seed import demo_staff_ensure, seed_demo
from antrean.demo.stats import demo_rollups_ensure
from antrean.demo.survey import demo_survey_ensure
from antrean.feedback.selectors import ikm_aggregate
from antrean.queueing.models import Ticket
from antrean.stats.figures import figures_of
from antrean.stats.models import OfficeDay, ServiceDay
from antrean.tenancy.models import Office

pytestmark = pytest.mark.django_db(transaction=False)

NOW = dt.datetime(2025, 5, 20, 3, 0, tzinfo=dt.UTC)  # Q2 2025: the demo fills Q1
Q1 = (dt.date(2025, 1, 1), dt.date(2025, 3, 31))


def test_the_demo_history_is_rolled_up():
    seed_demo(now=NOW)
    demo_staff_ensure(password=None)
    office = Office.objects.get(code="mpp-badung")
    demo_survey_ensure(offices=[office], now=NOW)

    days = demo_rollups_ensure(offices=[office], now=NOW)

    served = Ticket.objects.filter(office=office, status="done")
    assert days == served.values("date").distinct().count() > 0
    assert figures_of(OfficeDay.objects.all()).served == served.count()
    served = served.filter(date__range=Q1)
    rows = OfficeDay.objects.filter(office=office, date__range=Q1)
    figures = figures_of(rows)
    assert figures.served == served.count()
    assert figures.served == figures_of(ServiceDay.objects.filter(date__range=Q1)).served
    assert figures.calls == figures.calls_pledged == served.count()
    assert figures.officers_pledged > 0 and figures.wait_p50_s is not None
    assert figures.ikm == ikm_aggregate(office=office, start=Q1[0], end=Q1[1]).result.ikm
    # Again: the same rows.
    before = list(rows.values_list("date", "served", "survey_responses"))
    assert demo_rollups_ensure(offices=[office], now=NOW) == days
    assert list(rows.values_list("date", "served", "survey_responses")) == before
