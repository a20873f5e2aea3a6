"""The satisfaction survey (SKM) for API clients: read the questionnaire, answer it once.

The token is the one in `survey_url` (booking read-back, staff ticket read-back). Nothing
here tells which ticket a token belongs to beyond its office and service.
"""

import re

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from antrean.api.schemas import (
    ErrorOut,
    PlainText,
    SurveyIn,
    SurveyOut,
    SurveyRecordedOut,
)
from antrean.core.errors import DomainError, ErrorCode
from antrean.feedback.models import Channel
from antrean.feedback.questionnaire import ELEMENTS, AgeBand, Education, Occupation, Sex
from antrean.feedback.services import SUGGESTION_MAX, survey_get, survey_submit

router = Router(tags=["Survey"])

_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _state(token: str):
    if not _TOKEN.fullmatch(token):
        raise DomainError(ErrorCode.NOT_FOUND)
    return survey_get(token=token)


def _choices(choices) -> list[dict]:
    return [{"value": value, "label": str(label)} for value, label in choices.choices]


@router.get(
    "/surveys/{token}",
    response={200: SurveyOut, 404: ErrorOut},
    operation_id="getSurvey",
    summary="The questionnaire of a survey link",
    description="The nine elements (U1–U9) in the official order with the labels of their "
    "four answers, and the allowed profile values. `status` says whether it can be answered "
    "now. Labels follow `Accept-Language` (Indonesian by default).",
)
def get_survey(request, token: PlainText):
    state = _state(token)
    refusal = state.refusal(timezone.now())
    ticket = state.ticket
    return {
        "status": refusal.value if refusal else "open",
        "message": refusal.message if refusal else None,
        "office": {"code": ticket.office.code, "name": ticket.office.name},
        "service": {
            "id": ticket.service.pk,
            "code": ticket.service.code,
            "name": ticket.service.name,
        },
        "expires_at": state.invitation.expires_at,
        "questions": [
            {
                "code": e.code,
                "name": str(e.name),
                "question": str(e.question),
                "answers": [
                    {"value": value, "label": str(label)}
                    for value, label in zip((1, 2, 3, 4), e.answers, strict=True)
                ],
            }
            for e in ELEMENTS
        ],
        "profile": {
            "sex": _choices(Sex),
            "age_band": _choices(AgeBand),
            "education": _choices(Education),
            "occupation": _choices(Occupation),
        },
        "suggestion_max_length": SUGGESTION_MAX,
    }


@router.post(
    "/surveys/{token}",
    response={201: SurveyRecordedOut, 404: ErrorOut, 409: ErrorOut, 410: ErrorOut, 422: ErrorOut},
    operation_id="answerSurvey",
    summary="Answer a survey, once",
    description="201 when recorded. 409 `survey_not_open` before the service is done, 409 "
    "`survey_already_answered` the second time, 410 `survey_expired` 7 days after service, "
    "422 `invalid_answer` (with `field`) for a missing or disallowed value. Nothing is "
    "recorded on a refusal. The answers are stored without any link to the ticket.",
)
def answer_survey(request, token: PlainText, payload: SurveyIn):
    _state(token)
    survey_submit(
        token=token,
        answers=payload.answers,
        sex=payload.sex,
        age_band=payload.age_band,
        education=payload.education,
        occupation=payload.occupation,
        suggestion=payload.suggestion,
        channel=Channel.API,
    )
    return Status(201, {"status": "answered", "message": _("Terima kasih atas penilaian Anda.")})
