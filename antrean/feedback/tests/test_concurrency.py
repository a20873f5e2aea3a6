"""One link submitted from several phones at the same instant records exactly one response:
real threads against the real database (the row lock on PostgreSQL, the IMMEDIATE write
lock on SQLite)."""

import threading

import pytest
from django.db import connection

from antrean.core.errors import DomainError, ErrorCode
from antrean.feedback.models import SurveyInvitation, SurveyResponse
from antrean.feedback.services import survey_submit, survey_token
from antrean.feedback.tests.served import at, good_answers, make_desk, serve, walk_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

THREADS = 6


def test_simultaneous_submissions_record_exactly_one_response():
    desk = make_desk()
    ticket = serve(desk, walk_in(desk).ticket)
    token = survey_token(ticket)
    now = at(desk.office, 10)
    barrier = threading.Barrier(THREADS)
    outcomes, crashes = [], []

    def work():
        try:
            barrier.wait(timeout=30)
            try:
                survey_submit(token=token, now=now, **good_answers())
                outcomes.append("recorded")
            except DomainError as exc:
                outcomes.append(exc.code)
        except BaseException as exc:  # reported below
            crashes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not crashes, crashes
    assert sorted(map(str, outcomes)) == sorted(
        ["recorded"] + [ErrorCode.SURVEY_ALREADY_ANSWERED.value] * (THREADS - 1)
    )
    assert SurveyResponse.objects.count() == 1
    assert SurveyInvitation.objects.get(ticket=ticket).answered is True
