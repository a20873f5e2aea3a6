"""The survey's service: when a link opens, what it accepts, and that it records one answer
that cannot be traced back to the ticket."""

import datetime as dt

import pytest

from antrean.core.errors import DomainError, ErrorCode
from antrean.core.tokens import token_hash
from antrean.feedback.models import Channel, SurveyInvitation, SurveyResponse
from antrean.feedback.questionnaire import ELEMENTS
from antrean.feedback.services import (
    survey_invitation_ensure,
    survey_link_for,
    survey_submit,
    survey_token,
    token_from_address,
)
from antrean.feedback.tests.served import at, booking, good_answers, make_desk, serve, walk_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return make_desk()


def submit(token, *, now, **overrides):
    return survey_submit(token=token, now=now, **good_answers(**overrides))


def test_token_is_stable_unguessable_and_only_its_hash_is_stored(desk):
    ticket = walk_in(desk).ticket
    invitation, token = survey_invitation_ensure(ticket=ticket)
    again, same = survey_invitation_ensure(ticket=ticket)
    assert token == same == survey_token(ticket) and again.pk == invitation.pk
    assert len(token) >= 22 and ticket.code not in token
    assert invitation.token_hash == token_hash(token)
    assert SurveyInvitation.objects.filter(token_hash=token).count() == 0
    assert invitation.expires_at is None  # printed before service: not open yet


def test_a_printed_link_is_not_open_until_the_ticket_is_done(desk):
    ticket = walk_in(desk).ticket
    _, token = survey_invitation_ensure(ticket=ticket)
    with pytest.raises(DomainError) as refused:
        submit(token, now=at(desk.office, 9))
    assert refused.value.code == ErrorCode.SURVEY_NOT_OPEN
    assert SurveyResponse.objects.count() == 0
    assert survey_link_for(ticket) is None


def test_finish_opens_the_link_for_seven_days(desk):
    ticket = walk_in(desk).ticket
    _, printed = survey_invitation_ensure(ticket=ticket)
    done = serve(desk, ticket, finish_at=at(desk.office, 9, 20))
    invitation = SurveyInvitation.objects.get(ticket=done)
    assert invitation.expires_at == at(desk.office, 9, 20) + dt.timedelta(days=7)
    assert survey_link_for(done).endswith(f"/survei/{printed}/")


def test_last_moment_is_accepted_and_day_seven_boundary_is_expired(desk):
    ticket = serve(desk, walk_in(desk).ticket, finish_at=at(desk.office, 9, 20))
    token = survey_token(ticket)
    boundary = at(desk.office, 9, 20) + dt.timedelta(days=7)
    with pytest.raises(DomainError) as refused:
        submit(token, now=boundary)
    assert refused.value.code == ErrorCode.SURVEY_EXPIRED
    assert SurveyResponse.objects.count() == 0
    submit(token, now=boundary - dt.timedelta(seconds=1))
    assert SurveyResponse.objects.count() == 1


def test_response_copies_where_and_when_served_and_nothing_of_the_ticket(desk):
    ticket = serve(desk, booking(desk).ticket)
    token = survey_token(ticket)
    response = submit(token, now=at(desk.office, 10), channel=Channel.KIOSK)
    response.refresh_from_db()
    assert (response.office, response.agency, response.service) == (
        desk.office,
        desk.agency,
        desk.service,
    )
    assert (response.counter, response.officer) == (desk.counter, desk.officer)
    assert response.served_on == ticket.date and response.channel == "kiosk"
    assert response.answers() == {f"u{n}": (n % 4) + 1 for n in range(1, 10)}
    assert response.suggestion == "Ruang tunggu kurang kursi."
    # No column leads back: no ticket, token, code or time.
    names = {f.name for f in SurveyResponse._meta.get_fields()}
    assert not names & {"ticket", "token", "token_hash", "created_at", "answered_at"}
    assert SurveyInvitation.objects.get(ticket=ticket).answered is True
    # The suggestion is encrypted at rest.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT suggestion FROM feedback_surveyresponse")
        (stored,) = cursor.fetchone()
    assert "kursi" not in stored


def test_second_answer_is_refused_and_records_nothing(desk):
    token = survey_token(serve(desk, walk_in(desk).ticket))
    submit(token, now=at(desk.office, 10))
    with pytest.raises(DomainError) as refused:
        submit(token, now=at(desk.office, 11), suggestion="lagi")
    assert refused.value.code == ErrorCode.SURVEY_ALREADY_ANSWERED
    assert SurveyResponse.objects.count() == 1


def test_unknown_token_is_not_found():
    for token in ("x" * 24, "", "a" * 300, "ü" * 24):
        with pytest.raises(DomainError) as refused:
            submit(token, now=dt.datetime(2030, 3, 4, tzinfo=dt.UTC))
        assert refused.value.code == ErrorCode.NOT_FOUND


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"answers": {f"u{n}": 3 for n in range(1, 9)}}, "u9"),  # one missing
        ({"answers": {**{f"u{n}": 3 for n in range(1, 10)}, "u4": 0}}, "u4"),
        ({"answers": {**{f"u{n}": 3 for n in range(1, 10)}, "u5": 5}}, "u5"),
        ({"answers": {**{f"u{n}": 3 for n in range(1, 10)}, "u1": "3"}}, "u1"),
        ({"answers": {**{f"u{n}": 3 for n in range(1, 10)}, "u2": True}}, "u2"),
        ({"answers": {**{f"u{n}": 3 for n in range(1, 10)}, "u3": 2.5}}, "u3"),
        ({"answers": {**{f"u{n}": 3 for n in range(1, 10)}, "u10": 3}}, "u10"),
        ({"answers": [3] * 9}, "answers"),
        ({"sex": "X"}, "sex"),
        ({"sex": ""}, "sex"),
        ({"age_band": "18"}, "age_band"),
        ({"education": "phd"}, "education"),
        ({"occupation": None}, "occupation"),
        ({"suggestion": "x" * 1001}, "suggestion"),
        ({"suggestion": "a\x00b"}, "suggestion"),
        ({"suggestion": 5}, "suggestion"),
    ],
)
def test_each_invalid_value_is_refused_by_field_and_changes_nothing(desk, overrides, field):
    ticket = serve(desk, walk_in(desk).ticket)
    with pytest.raises(DomainError) as refused:
        submit(survey_token(ticket), now=at(desk.office, 10), **overrides)
    assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID_ANSWER, field)
    assert SurveyResponse.objects.count() == 0
    assert SurveyInvitation.objects.get(ticket=ticket).answered is False


def test_every_profile_choice_and_a_missing_suggestion_are_accepted(desk):
    from antrean.feedback.questionnaire import AgeBand, Education, Occupation, Sex

    ticket = serve(desk, walk_in(desk).ticket)
    response = submit(
        survey_token(ticket),
        now=at(desk.office, 10),
        sex=Sex.MALE,
        age_band=AgeBand.OVER_60,
        education=Education.S3,
        occupation=Occupation.OTHER,
        suggestion=None,
    )
    assert response.suggestion == "" and response.age_band == ">60"
    assert len(ELEMENTS) == 9


def test_token_read_from_a_scanned_address():
    assert token_from_address("https://x.go.id/survei/AbCdEfGhIjKlMnOpQrStUv_-/") == (
        "AbCdEfGhIjKlMnOpQrStUv_-"
    )
    assert token_from_address("K7M2-QX9P") is None


def test_after_a_hash_key_rotation_the_new_link_works_and_the_old_one_not(desk, settings):
    from antrean.core.personal_data import reset_key_cache

    ticket = serve(desk, walk_in(desk).ticket)
    old = survey_token(ticket)
    settings.ANTREAN_HASH_KEY = "bmV1ZS1zY2hsdWVzc2VsLWZ1ZXItZGllLXRlc3RzLTAx"
    reset_key_cache()
    try:
        new = survey_link_for(ticket).rstrip("/").rsplit("/", 1)[1]
        assert new != old
        with pytest.raises(DomainError) as refused:
            submit(old, now=at(desk.office, 10))
        assert refused.value.code == ErrorCode.NOT_FOUND
        submit(new, now=at(desk.office, 10))
    finally:
        reset_key_cache()
