"""The demo's previous quarter of served citizens and survey answers."""

import datetime as dt

import pytest

from antrean.demo.data import OFFICES
from antrean.demo.seed import demo_staff_ensure, seed_demo
from antrean.demo.survey import demo_survey_ensure
from antrean.feedback.ikm import minimum_sample
from antrean.feedback.models import SurveyResponse
from antrean.feedback.selectors import ikm_aggregate
from antrean.integrity.ledger import ledger_verify
from antrean.integrity.models import PactSignature
from antrean.queueing.models import Ticket
from antrean.tenancy.models import Office

pytestmark = pytest.mark.django_db(transaction=False)

NOW = dt.datetime(2025, 5, 20, 3, 0, tzinfo=dt.UTC)  # Q2 2025: the demo fills Q1
Q1 = (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
RECENT = (dt.date(2025, 4, 22), dt.date(2025, 5, 19))  # the 28 days before the 20th


def test_the_previous_quarter_is_filled_once_with_really_served_tickets():
    seed_demo(now=NOW)
    demo_staff_ensure(password=None)
    offices = list(Office.objects.filter(code__in=[o["code"] for o in OFFICES]))
    # (How long it takes is measured by `make run`'s own output, not asserted here.)
    report = demo_survey_ensure(offices=offices, now=NOW)
    assert report.tickets > 0 and 0 < report.responses <= report.tickets
    for office in offices:
        aggregate = ikm_aggregate(office=office, start=Q1[0], end=Q1[1])
        served = Ticket.objects.filter(office=office, status="done", date__range=Q1)
        assert aggregate.population == served.count() > 0
        assert aggregate.minimum_sample == minimum_sample(served.count())
        assert 0 < aggregate.responses <= aggregate.population
        assert aggregate.result.grade.letter in ("B", "A", "C")
        # Every served ticket signed its pact, in the office's chain.
        assert PactSignature.objects.filter(ticket__in=served).count() == served.count()
        assert ledger_verify(office=office).ok
    # The weeks before today too (a dashboard's first view, the last 30 days, has figures);
    # nothing today, nothing else.
    for office in offices:
        recent = Ticket.objects.filter(office=office, status="done", date__range=RECENT)
        assert recent.count() > 0
        assert SurveyResponse.objects.filter(office=office, served_on__range=RECENT).exists()
    assert not (
        SurveyResponse.objects.exclude(served_on__range=Q1)
        .exclude(served_on__range=RECENT)
        .exists()
    )
    assert not Ticket.objects.exclude(date__range=Q1).exclude(date__range=RECENT).exists()
    before = (Ticket.objects.count(), SurveyResponse.objects.count())
    again = demo_survey_ensure(offices=offices, now=NOW)
    assert (again.tickets, again.responses) == (0, 0)
    assert (Ticket.objects.count(), SurveyResponse.objects.count()) == before
