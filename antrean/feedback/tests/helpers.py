"""Hand-made survey responses and really served tickets for the IKM tests."""

import datetime as dt

from antrean.feedback.models import Channel, SurveyResponse
from antrean.feedback.questionnaire import ELEMENTS
from antrean.queueing.services import ticket_call_next, ticket_finish, ticket_start
from antrean.testing.factories import local_time, make_walk_in, sign_officer_pact

# Respondent profiles (sex, age band, education, occupation).
WOMAN = ("P", "31-40", "s1", "pns")
MAN = ("L", "21-30", "sma", "swasta")


def make_response(
    service,
    served_on: dt.date,
    answers=3,
    *,
    counter=None,
    officer=None,
    suggestion="",
    profile=WOMAN,
):
    """One response to `service` on the local day `served_on`: `answers` is one value for all
    nine elements or `{"persyaratan": 4, …}` (missing keys answer 3)."""
    if isinstance(answers, int):
        values = {element.key: answers for element in ELEMENTS}
    else:
        values = {element.key: answers.get(element.key, 3) for element in ELEMENTS}
    sex, age_band, education, occupation = profile
    return SurveyResponse.objects.create(
        office=service.office,
        agency=service.agency,
        service=service,
        counter=counter,
        officer=officer,
        served_on=served_on,
        channel=Channel.WEB,
        sex=sex,
        age_band=age_band,
        education=education,
        occupation=occupation,
        suggestion=suggestion,
        **values,
    )


def serve_walk_ins(service, *, counter, officer, day: dt.date, count: int = 1):
    """`count` walk-in tickets taken, called, served and finished on `day` through the real
    services (the citizen's and the officer's pacts signed on that day)."""
    office = service.office
    sign_officer_pact(officer, office, now=local_time(office, day, 8))
    tickets = []
    for i in range(count):
        at = local_time(office, day, 9, 2 * i)
        make_walk_in(service, now=at)
        ticket = ticket_call_next(counter=counter, officer=officer, now=at)
        ticket_start(ticket_id=ticket.pk, counter=counter, officer=officer, now=at)
        finished = at + dt.timedelta(minutes=1)
        tickets.append(
            ticket_finish(ticket_id=ticket.pk, counter=counter, officer=officer, now=finished)
        )
    return tickets
