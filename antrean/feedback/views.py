"""The survey pages: the citizen's own link (`/survei/<token>/`), the exit kiosk and the
counter's feedback tablet.

Plain forms: no JavaScript is needed to answer. Nothing here shows which ticket a link
belongs to beyond the office and service the citizen was served at.
"""

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from antrean.core.errors import DomainError, ErrorCode
from antrean.display.kiosk_views import kiosk_device
from antrean.display.models import Kiosk
from antrean.feedback.models import Channel
from antrean.feedback.questionnaire import ELEMENTS, AgeBand, Education, Occupation, Sex
from antrean.feedback.selectors import counter_survey_current
from antrean.feedback.services import (
    SUGGESTION_MAX,
    survey_get,
    survey_kiosk_find,
    survey_problems,
    survey_submit,
    survey_submit_at_counter,
    tablet_survey_get,
)
from antrean.queueing import selectors as queue_selectors
from antrean.queueing.views import staff_required
from antrean.tenancy import permissions

KIOSK_SURVEY_KEY = "kiosk_survey"
KIOSK_SURVEY_TTL = dt.timedelta(minutes=10)
KIOSK_RETURN_SECONDS = 8


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _submitted(post) -> dict:
    return {
        "answers": {e.code: _int(post.get(e.code)) for e in ELEMENTS},
        "sex": post.get("sex", ""),
        "age_band": post.get("age_band", ""),
        "education": post.get("education", ""),
        "occupation": post.get("occupation", ""),
        "suggestion": post.get("suggestion", "")[: SUGGESTION_MAX + 1],
    }


def _form_context(values: dict | None, problems: list[str]) -> dict:
    """The questionnaire as the template walks it: questions, then the profile."""
    values = values or {"answers": {}}
    questions = [
        {
            "code": e.code,
            "number": e.number,
            "name": e.name,
            "question": e.question,
            "chosen": values["answers"].get(e.code),
            "error": e.code in problems,
            "options": list(zip((1, 2, 3, 4), e.answers, strict=True)),
        }
        for e in ELEMENTS
    ]
    profile = [
        {
            "code": code,
            "label": label,
            "chosen": values.get(code, ""),
            "error": code in problems,
            "options": choices.choices,
        }
        for code, label, choices in (
            ("sex", _label("sex"), Sex),
            ("age_band", _label("age_band"), AgeBand),
            ("education", _label("education"), Education),
            ("occupation", _label("occupation"), Occupation),
        )
    ]
    return {
        "questions": questions,
        "profile": profile,
        "suggestion": values.get("suggestion", ""),
        "suggestion_error": "suggestion" in problems,
        "suggestion_max": SUGGESTION_MAX,
        "problems": problems,
    }


def _label(field: str) -> str:
    from antrean.feedback.models import SurveyResponse

    return SurveyResponse._meta.get_field(field).verbose_name


def _answer(request: HttpRequest, *, token: str, channel: str, office=None):
    """Submit the posted form. Returns (response or None, problems, values, error)."""
    values = _submitted(request.POST)
    problems = survey_problems(**values)
    if problems:
        return None, problems, values, DomainError(ErrorCode.INVALID_ANSWER, field=problems[0])
    try:
        response = survey_submit(token=token, channel=channel, office=office, **values)
    except DomainError as exc:
        return None, [], values, exc
    return response, [], values, None


# --- the citizen's own link ----------------------------------------------------------------


def _closed(request: HttpRequest, code: ErrorCode, state=None) -> HttpResponse:
    return render(
        request,
        "feedback/survey_closed.html",
        {"error": code, "message": code.message, "state": state, "token": _token(request)},
        status=code.status,
    )


def _token(request: HttpRequest) -> str:
    return request.resolver_match.kwargs.get("token", "") if request.resolver_match else ""


@never_cache
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    try:
        state = survey_get(token=token)
    except DomainError as exc:
        return _closed(request, exc.code)
    refusal = state.refusal(timezone.now())
    if refusal is not None:
        return _closed(request, refusal, state)
    problems, values, error = [], None, None
    if request.method == "POST":
        done, problems, values, error = _answer(request, token=token, channel=Channel.WEB)
        if done is not None:
            return render(request, "feedback/survey_thanks.html", {"state": state, "token": token})
        if error.code != ErrorCode.INVALID_ANSWER:
            return _closed(request, error.code, state)
    return render(
        request,
        "feedback/survey_form.html",
        {"state": state, "token": token, "error": error, **_form_context(values, problems)},
        status=error.code.status if error else 200,
    )


# --- the exit kiosk ------------------------------------------------------------------------


def _kiosk_context(kiosk: Kiosk, **extra) -> dict:
    return {"kiosk": kiosk, "office": kiosk.office, **extra}


def _kiosk_token(request: HttpRequest) -> str | None:
    held = request.session.get(KIOSK_SURVEY_KEY)
    if not held:
        return None
    try:
        if timezone.now() - dt.datetime.fromisoformat(held["at"]) > KIOSK_SURVEY_TTL:
            raise ValueError("expired")
        return held["token"]
    except (KeyError, TypeError, ValueError):
        request.session.pop(KIOSK_SURVEY_KEY, None)
        return None


@require_http_methods(["GET", "POST"])
@kiosk_device
def kiosk_start(request: HttpRequest, kiosk: Kiosk) -> HttpResponse:
    """The exit kiosk's first screen: the booking code, or the printed ticket's QR."""
    request.session.pop(KIOSK_SURVEY_KEY, None)
    error = None
    if request.method == "POST":
        try:
            token = survey_kiosk_find(kiosk=kiosk, raw=request.POST.get("code", "")[:300])
        except DomainError as exc:
            error = exc
        else:
            request.session[KIOSK_SURVEY_KEY] = {
                "token": token,
                "at": timezone.now().isoformat(),
            }
            return redirect("feedback:kiosk_form", office_code=kiosk.office.code)
    response = render(
        request,
        "feedback/kiosk_start.html",
        _kiosk_context(kiosk, error=error),
        status=error.code.status if error else 200,
    )
    if error is not None and error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    return response


@require_http_methods(["GET", "POST"])
@kiosk_device
def kiosk_form(request: HttpRequest, kiosk: Kiosk) -> HttpResponse:
    token = _kiosk_token(request)
    if token is None:
        return redirect("feedback:kiosk_start", office_code=kiosk.office.code)
    try:
        state = survey_get(token=token)
    except DomainError:
        return redirect("feedback:kiosk_start", office_code=kiosk.office.code)
    problems, values, error = [], None, None
    if request.method == "POST":
        done, problems, values, error = _answer(
            request, token=token, channel=Channel.KIOSK, office=kiosk.office
        )
        if done is not None or error.code != ErrorCode.INVALID_ANSWER:
            request.session.pop(KIOSK_SURVEY_KEY, None)
            return render(
                request,
                "feedback/kiosk_thanks.html",
                _kiosk_context(kiosk, error=None if done else error, seconds=KIOSK_RETURN_SECONDS),
                status=200 if done else error.code.status,
            )
    return render(
        request,
        "feedback/kiosk_form.html",
        _kiosk_context(kiosk, state=state, error=error, **_form_context(values, problems)),
        status=error.code.status if error else 200,
    )


# --- the counter's feedback tablet ---------------------------------------------------------

TABLET_REFRESH_SECONDS = 5  # the waiting screen looks again this often (meta refresh)
TABLET_IDLE_SECONDS = 120  # kiosk.js: an untouched form goes back to the waiting screen
TABLET_SKIPPED_KEY = "tablet_skipped"


def _tablet_counter(request: HttpRequest, counter_id: int):
    """The counter, or the error page: 404 unknown, 403 outside the user's counters (the page
    then shows nothing of the counter)."""
    counter = queue_selectors.counter_get(counter_id=counter_id)
    if counter is None:
        code = ErrorCode.NOT_FOUND
    elif not permissions.can_operate_counter(request.user, counter):
        code = ErrorCode.FORBIDDEN
    else:
        return counter
    return render(
        request,
        "queueing/error.html",
        {"error": code, "message": code.message},
        status=code.status,
    )


def _tablet_context(counter, **extra) -> dict:
    return {
        "counter": counter,
        "office": counter.office,
        "refresh": TABLET_REFRESH_SECONDS,
        "idle": TABLET_IDLE_SECONDS,
        "seconds": KIOSK_RETURN_SECONDS,
        **extra,
    }


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def counter_tablet(request: HttpRequest, counter_id: int) -> HttpResponse:
    """A device on the counter, facing the citizen: the survey of the counter's last finished
    ticket, filled in on the device itself, else a calm waiting screen. The survey's token
    never reaches this page: the form names the invitation, the server finds the ticket."""
    counter = _tablet_counter(request, counter_id)
    if isinstance(counter, HttpResponse):
        return counter
    now = timezone.now()
    if request.method == "POST":
        return _tablet_answer(request, counter, now)
    state = counter_survey_current(user=request.user, counter=counter, now=now)
    if state is not None and request.session.get(TABLET_SKIPPED_KEY) == state.invitation.pk:
        state = None
    if state is None:
        return render(request, "feedback/tablet_wait.html", _tablet_context(counter))
    return render(
        request,
        "feedback/tablet_form.html",
        _tablet_context(counter, state=state, error=None, **_form_context(None, [])),
    )


def _tablet_answer(request: HttpRequest, counter, now) -> HttpResponse:
    invitation_id = _int(request.POST.get("undangan"))
    if request.POST.get("lewati"):
        # The citizen declined: wait for the next one instead of offering this one again.
        request.session[TABLET_SKIPPED_KEY] = invitation_id
        return redirect("feedback:tablet", counter_id=counter.pk)
    try:
        state = tablet_survey_get(
            user=request.user, counter=counter, invitation_id=invitation_id, now=now
        )
        values = _submitted(request.POST)
        survey_submit_at_counter(
            user=request.user, counter=counter, invitation_id=invitation_id, now=now, **values
        )
    except DomainError as exc:
        if exc.code == ErrorCode.INVALID_ANSWER:
            problems = survey_problems(**values)
            return render(
                request,
                "feedback/tablet_form.html",
                _tablet_context(counter, state=state, error=exc, **_form_context(values, problems)),
                status=exc.code.status,
            )
        return render(
            request,
            "feedback/tablet_done.html",
            _tablet_context(counter, error=exc),
            status=exc.code.status,
        )
    return render(request, "feedback/tablet_done.html", _tablet_context(counter, error=None))
