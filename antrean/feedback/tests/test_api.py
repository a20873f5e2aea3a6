"""The survey's API contract: read-backs carry `survey_url` once done, and the survey answers
201 once, 409 / 410 / 422 / 404 otherwise, with nothing recorded on a refusal."""

import datetime as dt

import pytest

from antrean.api.tests.staff_setup import bearer
from antrean.feedback.models import SurveyInvitation, SurveyResponse
from antrean.feedback.services import survey_invitation_ensure, survey_token
from antrean.feedback.tests.served import booking, good_answers, make_desk, serve, walk_in
from antrean.testing.factories import make_agency, make_officer

pytestmark = pytest.mark.django_db


def post(client, token, body):
    return client.post(f"/api/v1/surveys/{token}", body, content_type="application/json")


def test_booking_read_back_has_survey_url_only_once_done(client):
    desk = make_desk()
    result = booking(desk)
    headers = {"HTTP_X_BOOKING_TOKEN": result.token}
    before = client.get(f"/api/v1/bookings/{result.ticket.code}", **headers)
    assert before.status_code == 200 and before.json()["survey_url"] is None
    serve(desk, result.ticket)
    after = client.get(f"/api/v1/bookings/{result.ticket.code}", **headers).json()
    assert after["status"] == "done"
    assert after["survey_url"].endswith(f"/survei/{survey_token(result.ticket)}/")


def test_questionnaire_then_201_then_409(client):
    desk = make_desk()
    ticket = serve(desk, walk_in(desk).ticket)
    token = survey_token(ticket)
    read = client.get(f"/api/v1/surveys/{token}")
    assert read.status_code == 200
    body = read.json()
    assert body["status"] == "open" and body["message"] is None
    assert [q["code"] for q in body["questions"]] == [f"u{n}" for n in range(1, 10)]
    assert body["questions"][0]["answers"][3] == {"value": 4, "label": "Sangat sesuai"}
    assert body["questions"][3]["answers"][3]["label"] == "Gratis"
    assert {c["value"] for c in body["profile"]["sex"]} == {"L", "P"}
    assert body["service"]["id"] == desk.service.pk
    assert "code" not in body and "number" not in body  # nothing that names the ticket

    first = post(client, token, good_answers())
    assert first.status_code == 201 and first.json()["status"] == "answered"
    again = post(client, token, good_answers())
    assert (again.status_code, again.json()["error"]) == (409, "survey_already_answered")
    assert client.get(f"/api/v1/surveys/{token}").json()["status"] == "survey_already_answered"
    assert SurveyResponse.objects.get().channel == "api"


def test_printed_link_before_done_is_409_not_open(client):
    desk = make_desk()
    ticket = walk_in(desk).ticket
    _, token = survey_invitation_ensure(ticket=ticket)
    assert client.get(f"/api/v1/surveys/{token}").json()["status"] == "survey_not_open"
    refused = post(client, token, good_answers())
    assert (refused.status_code, refused.json()["error"]) == (409, "survey_not_open")
    assert SurveyResponse.objects.count() == 0


def test_expired_link_is_410(client):
    desk = make_desk()
    ticket = serve(desk, walk_in(desk).ticket)
    SurveyInvitation.objects.filter(ticket=ticket).update(
        expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    refused = post(client, survey_token(ticket), good_answers())
    assert (refused.status_code, refused.json()["error"]) == (410, "survey_expired")
    assert SurveyResponse.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "error", "field"),
    [
        (good_answers(answers={**good_answers()["answers"], "u7": 5}), "invalid_answer", "u7"),
        (good_answers(answers={"u1": 3}), "invalid_answer", "u2"),
        (good_answers(sex="X"), "invalid_answer", "sex"),
        (good_answers(occupation="astronot"), "invalid_answer", "occupation"),
        (good_answers(answers={**good_answers()["answers"], "u1": "4"}), "invalid_request", None),
        ({"answers": good_answers()["answers"]}, "invalid_request", None),
    ],
)
def test_wrong_value_is_422_and_records_nothing(client, body, error, field):
    desk = make_desk()
    ticket = serve(desk, walk_in(desk).ticket)
    refused = post(client, survey_token(ticket), body)
    assert refused.status_code == 422
    assert refused.json()["error"] == error
    if field:
        assert refused.json()["field"] == field
    assert SurveyResponse.objects.count() == 0
    assert SurveyInvitation.objects.get(ticket=ticket).answered is False


def test_unknown_token_is_404(client):
    for token in ("A" * 24, "no+such"):
        assert client.get(f"/api/v1/surveys/{token}").status_code == 404
        assert post(client, token, good_answers()).status_code == 404


def test_english_labels_with_accept_language(client):
    desk = make_desk()
    token = survey_token(serve(desk, walk_in(desk).ticket))
    body = client.get(f"/api/v1/surveys/{token}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["questions"][0]["name"] == "Requirements"


def test_staff_read_back_has_survey_url_once_done_and_refuses_another_office(client):
    desk = make_desk()
    ticket = walk_in(desk).ticket
    own = bearer(desk.officer)
    before = client.get(f"/api/v1/tickets/{ticket.pk}", **own)
    assert before.status_code == 200 and before.json()["survey_url"] is None
    assert before.json()["number"] == ticket.number

    other = make_desk()
    stranger = bearer(other.officer)
    other_agency_same_office = bearer(make_officer(make_agency(desk.office)))
    serve(desk, ticket)
    invitations = list(SurveyInvitation.objects.values_list("pk", "expires_at", "answered"))
    for headers in (stranger, other_agency_same_office):
        refused = client.get(f"/api/v1/tickets/{ticket.pk}", **headers)
        assert (refused.status_code, refused.json()["error"]) == (403, "forbidden")
    assert list(SurveyInvitation.objects.values_list("pk", "expires_at", "answered")) == (
        invitations
    )
    after = client.get(f"/api/v1/tickets/{ticket.pk}", **own).json()
    assert after["status"] == "done"
    assert after["survey_url"].endswith(f"/survei/{survey_token(ticket)}/")
    assert client.get("/api/v1/tickets/999999", **own).status_code == 404
    assert client.get(f"/api/v1/tickets/{ticket.pk}").status_code == 401
