"""The counter's feedback tablet: which survey it offers, the answer recorded with channel
`tablet`, the refusals (another agency's counter, already answered, too late) that change
nothing, and the page itself (no token in it, refreshes without JavaScript)."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from antrean.core.errors import DomainError, ErrorCode
from antrean.feedback.models import SurveyInvitation, SurveyResponse
from antrean.feedback.selectors import counter_survey_current
from antrean.feedback.services import survey_submit_at_counter, survey_token
from antrean.feedback.tests.served import (
    CounterDesk,
    at,
    good_answers,
    make_desk,
    serve,
    walk_in,
)
from antrean.testing.factories import make_agency, make_counter, make_officer

pytestmark = pytest.mark.django_db


def nothing_recorded(invitation) -> bool:
    invitation.refresh_from_db()
    return SurveyResponse.objects.count() == 0 and not invitation.answered


# --- which survey the tablet offers (time injected) -----------------------------------------


def test_offers_the_last_finished_ticket_for_ten_minutes():
    desk = make_desk()
    ticket = serve(desk, walk_in(desk).ticket)  # finished 09:20
    state = counter_survey_current(
        user=desk.officer, counter=desk.counter, now=at(desk.office, 9, 29)
    )
    assert state.ticket.pk == ticket.pk
    for moment in (at(desk.office, 9, 30), at(desk.office, 9, 19)):  # after ten minutes; before
        assert counter_survey_current(user=desk.officer, counter=desk.counter, now=moment) is None


def test_only_the_most_recent_one_never_an_earlier_citizens():
    desk = make_desk()
    first = serve(desk, walk_in(desk).ticket, finish_at=at(desk.office, 9, 20))
    second = serve(desk, walk_in(desk).ticket, finish_at=at(desk.office, 9, 22))
    now = at(desk.office, 9, 23)
    state = counter_survey_current(user=desk.officer, counter=desk.counter, now=now)
    assert state.ticket.pk == second.pk
    survey_submit_at_counter(
        user=desk.officer,
        counter=desk.counter,
        invitation_id=state.invitation.pk,
        now=now,
        **good_answers(),
    )
    assert counter_survey_current(user=desk.officer, counter=desk.counter, now=now) is None
    assert not SurveyInvitation.objects.get(ticket=first).answered


# --- answering ------------------------------------------------------------------------------


@pytest.fixture
def served():
    desk = make_desk()
    ticket = serve(desk, walk_in(desk).ticket)
    return desk, SurveyInvitation.objects.get(ticket=ticket)


def submit(desk, invitation, *, user=None, counter=None, now=None, **overrides):
    return survey_submit_at_counter(
        user=user or desk.officer,
        counter=counter or desk.counter,
        invitation_id=invitation.pk,
        now=now or at(desk.office, 9, 25),
        **good_answers(**overrides),
    )


def test_the_answer_is_recorded_with_channel_tablet(served):
    desk, invitation = served
    response = submit(desk, invitation)
    assert response.channel == "tablet"
    assert (response.counter_id, response.officer_id) == (desk.counter.pk, desk.officer.pk)
    invitation.refresh_from_db()
    assert invitation.answered


def test_already_answered_records_nothing_more(served):
    desk, invitation = served
    submit(desk, invitation)
    with pytest.raises(DomainError) as refused:
        submit(desk, invitation, sex="L")
    assert refused.value.code == ErrorCode.SURVEY_ALREADY_ANSWERED
    assert SurveyResponse.objects.count() == 1


def test_too_late_on_the_tablet_records_nothing_but_the_link_still_works(served):
    desk, invitation = served
    with pytest.raises(DomainError) as refused:
        submit(desk, invitation, now=at(desk.office, 9, 51))  # 31 minutes after the finish
    assert refused.value.code == ErrorCode.SURVEY_EXPIRED
    assert "tablet loket sudah habis" in refused.value.message
    assert nothing_recorded(invitation)
    # After seven days the invitation itself has expired as well.
    with pytest.raises(DomainError) as refused:
        submit(desk, invitation, now=at(desk.office, 9, 20) + dt.timedelta(days=8))
    assert refused.value.code == ErrorCode.SURVEY_EXPIRED
    assert nothing_recorded(invitation)


def test_another_agencys_officer_is_refused_and_nothing_changes(served):
    desk, invitation = served
    stranger = make_officer(make_agency(desk.office))
    with pytest.raises(DomainError) as refused:
        counter_survey_current(user=stranger, counter=desk.counter, now=at(desk.office, 9, 25))
    assert refused.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(DomainError) as refused:
        submit(desk, invitation, user=stranger)
    assert refused.value.code == ErrorCode.FORBIDDEN
    assert nothing_recorded(invitation)


def test_another_counters_invitation_is_not_found(served):
    desk, invitation = served
    other_counter = make_counter(agency=desk.agency, services=[desk.service])
    with pytest.raises(DomainError) as refused:
        submit(desk, invitation, counter=other_counter)
    assert refused.value.code == ErrorCode.NOT_FOUND
    assert nothing_recorded(invitation)


def test_bad_answers_are_refused_before_anything(served):
    desk, invitation = served
    with pytest.raises(DomainError) as refused:
        submit(desk, invitation, sex="X")
    assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID_ANSWER, "sex")
    assert nothing_recorded(invitation)


# --- the page (real time: an office open all day, as the console tests do) ------------------


@pytest.fixture
def tablet(client):
    desk = CounterDesk()
    client.force_login(desk.officer)
    return client, desk


def form_data(invitation_id, **overrides) -> dict:
    values = {f"u{n}": "3" for n in range(1, 10)}
    values.update(sex="P", age_band="41-50", education="sma", occupation="swasta")
    values.update(undangan=str(invitation_id), suggestion="Terima kasih.")
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def no_inline_code(body: str) -> bool:
    return re.search(r"<script(?![^>]*\bsrc=)", body) is None and 'style="' not in body


def test_waiting_screen_refreshes_itself_without_javascript(tablet):
    client, desk = tablet
    page = client.get(desk.url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Terima kasih" in body and "<form" not in body
    assert '<meta http-equiv="refresh" content="5">' in body
    assert no_inline_code(body)


def test_citizen_answers_on_the_tablet_then_it_waits_again(tablet):
    client, desk = tablet
    ticket = desk.serve_one()
    token = survey_token(ticket)
    page = client.get(desk.url)
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count('type="radio"') == 58 and "Perekaman KTP-el" in body
    assert token not in body and ticket.code not in body  # nothing leads to the ticket
    assert "refresh" not in body  # a half-filled form is never reloaded away
    assert 'data-idle="120"' in body and no_inline_code(body)
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    assert f'name="undangan" value="{invitation.pk}"' in body

    done = client.post(desk.url, form_data(invitation.pk))
    assert done.status_code == 200
    assert "Terima kasih atas penilaian Anda" in done.content.decode()
    assert f'content="8;url={desk.url}"' in done.content.decode()
    assert SurveyResponse.objects.get().channel == "tablet"
    assert "<form" not in client.get(desk.url).content.decode()  # waiting for the next one


def test_missing_answers_keep_the_form_and_record_nothing(tablet):
    client, desk = tablet
    invitation = SurveyInvitation.objects.get(ticket=desk.serve_one())
    page = client.post(desk.url, form_data(invitation.pk, u4=None, u2="1"))
    body = page.content.decode()
    assert page.status_code == 422
    assert "Jawaban belum terkirim" in body
    assert 'name="u2" value="1" checked' in body  # the answers already chosen stay chosen
    assert nothing_recorded(invitation)


def test_answering_twice_says_so(tablet):
    client, desk = tablet
    invitation = SurveyInvitation.objects.get(ticket=desk.serve_one())
    assert client.post(desk.url, form_data(invitation.pk)).status_code == 200
    again = client.post(desk.url, form_data(invitation.pk, sex="L"))
    assert again.status_code == 409
    assert 'data-error="survey_already_answered"' in again.content.decode()
    assert SurveyResponse.objects.count() == 1


def test_skipping_waits_for_the_next_citizen(tablet):
    client, desk = tablet
    invitation = SurveyInvitation.objects.get(ticket=desk.serve_one())
    skipped = client.post(desk.url, {"undangan": invitation.pk, "lewati": "1"})
    assert skipped.status_code == 302 and skipped["Location"] == desk.url
    assert "<form" not in client.get(desk.url).content.decode()
    assert nothing_recorded(invitation)
    desk.serve_one()  # the next citizen is offered the survey again
    assert 'type="radio"' in client.get(desk.url).content.decode()


def test_another_agencys_officer_gets_403_and_sees_nothing(client):
    desk = CounterDesk()
    ticket = desk.serve_one()
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    client.force_login(make_officer(make_agency(desk.office)))
    page = client.get(desk.url)
    body = page.content.decode()
    assert page.status_code == 403
    assert "Perekaman KTP-el" not in body and 'type="radio"' not in body
    refused = client.post(desk.url, form_data(invitation.pk))
    assert refused.status_code == 403
    assert nothing_recorded(invitation)


def test_signed_out_goes_to_the_login_and_unknown_counter_is_404(client):
    desk = CounterDesk()
    assert client.get(desk.url)["Location"].startswith(reverse("queueing:login"))
    client.force_login(desk.officer)
    missing = reverse("feedback:tablet", kwargs={"counter_id": desk.counter.pk + 999})
    assert client.get(missing).status_code == 404
