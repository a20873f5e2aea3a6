"""Finishing a ticket opens its survey and, with the citizen's consent only, queues one
WhatsApp message carrying the link, sent through the real client to the local Cloud API."""

import pytest

from antrean.feedback.models import SurveyInvitation
from antrean.feedback.services import survey_token, survey_url
from antrean.feedback.tests.served import booking, make_desk, serve, walk_in
from antrean.notifications.models import Kind, Message
from antrean.notifications.previews import preview_text
from antrean.notifications.services import message_queue, messages_send_due

pytestmark = pytest.mark.django_db


def test_finish_with_consent_queues_exactly_one_survey_message():
    desk = make_desk()
    ticket = booking(desk, consent=True).ticket
    serve(desk, ticket)
    assert SurveyInvitation.objects.filter(ticket=ticket, expires_at__isnull=False).count() == 1
    survey = Message.objects.filter(ticket=ticket, kind=Kind.SURVEY)
    assert survey.count() == 1
    link = survey_url(survey_token(ticket))
    assert survey.get().params == [link]
    assert link in preview_text(Kind.SURVEY, survey.get().params)
    # The outbox keeps (ticket, kind) unique: asking again queues nothing.
    assert message_queue(ticket=ticket, kind=Kind.SURVEY, params=[link]) is None
    assert survey.count() == 1


def test_finish_without_consent_opens_the_survey_and_sends_nothing():
    desk = make_desk()
    booked = booking(desk, consent=False).ticket
    served = serve(desk, booked)
    assert SurveyInvitation.objects.get(ticket=served).expires_at is not None
    assert not Message.objects.filter(kind=Kind.SURVEY).exists()


def test_walk_in_finish_opens_the_survey_without_a_message():
    desk = make_desk()
    served = serve(desk, walk_in(desk).ticket)
    assert SurveyInvitation.objects.get(ticket=served).expires_at is not None
    assert not Message.objects.filter(kind=Kind.SURVEY).exists()


def test_survey_message_reaches_the_cloud_api_with_the_link(cloud_api):
    desk = make_desk()
    ticket = booking(desk, consent=True).ticket
    # The confirmation (with its certificate) has tests of its own; keep only the survey.
    Message.objects.filter(ticket=ticket).delete()
    serve(desk, ticket)
    messages_send_due(worker_id="uji-survei")  # the `called` message and the survey
    (accepted,) = [m for m in cloud_api.accepted if m.template == "antrean_survey"]
    assert accepted.params == [survey_url(survey_token(ticket))]
    assert Message.objects.get(kind=Kind.SURVEY).status == "sent"
