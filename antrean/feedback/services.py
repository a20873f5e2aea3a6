"""The survey's writes: opening a ticket's invitation and recording one answer per ticket.

The link's token is derived from the ticket by a keyed hash, so every page (status page,
booking page, printed ticket, WhatsApp) shows the same link without storing it; only its
sha256 is kept. Answers are copied into a `SurveyResponse` that has no way back to the ticket
(see models.py): the invitation only learns that it was answered.
"""

import base64
import datetime as dt
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from antrean.core.errors import DomainError, ErrorCode
from antrean.core.personal_data import lookup_hash
from antrean.core.ratelimit import rate_limit_take
from antrean.core.tokens import token_hash
from antrean.feedback.models import INVITATION_DAYS, Channel, SurveyInvitation, SurveyResponse
from antrean.feedback.questionnaire import (
    ANSWER_VALUES,
    ELEMENTS,
    AgeBand,
    Education,
    Occupation,
    Sex,
)
from antrean.queueing.states import Status
from antrean.tenancy import permissions

log = logging.getLogger(__name__)

SUGGESTION_MAX = 1000
TOKEN_BYTES = 18  # 144 bits: 24 base64url characters


def survey_token(ticket) -> str:
    """The ticket's survey token: the same every time, unguessable without the hash key."""
    digest = bytes.fromhex(lookup_hash(ticket.code, purpose="survey"))
    return base64.urlsafe_b64encode(digest[:TOKEN_BYTES]).decode().rstrip("=")


def survey_path(token: str) -> str:
    return reverse("feedback:survey", args=[token])


def survey_url(token: str) -> str:
    return settings.SITE_URL + survey_path(token)


_TOKEN_IN_ADDRESS = re.compile(r"/survei/([A-Za-z0-9_-]{16,64})(?:[/?#]|$)")


def token_from_address(raw: str) -> str | None:
    """The token of a survey link (as a scanner types the printed QR), else None."""
    found = _TOKEN_IN_ADDRESS.search((raw or "").strip())
    return found.group(1) if found else None


def survey_invitation_ensure(*, ticket) -> tuple[SurveyInvitation, str]:
    """The ticket's invitation (created on first need, race-safe) and its token.

    Made when a link is first printed or shown; it opens only when the ticket is done
    (`survey_invitation_open`)."""
    token = survey_token(ticket)
    invitation = SurveyInvitation.objects.filter(ticket=ticket).first()
    if invitation is None:
        try:
            with transaction.atomic():  # a savepoint: a concurrent twin must not spoil the caller
                invitation = SurveyInvitation.objects.create(
                    ticket=ticket, office_id=ticket.office_id, token_hash=token_hash(token)
                )
        except IntegrityError:
            invitation = SurveyInvitation.objects.get(ticket=ticket)
    if invitation.token_hash != token_hash(token):
        # ANTREAN_HASH_KEY was rotated: the link shown from now on is the one that works.
        invitation.token_hash = token_hash(token)
        invitation.save(update_fields=["token_hash"])
    return invitation, token


def survey_invitation_open(*, ticket, served_at: dt.datetime) -> tuple[SurveyInvitation, str]:
    """At finish, in the finishing transaction: valid `INVITATION_DAYS` from `served_at`."""
    invitation, token = survey_invitation_ensure(ticket=ticket)
    if invitation.expires_at is None:
        invitation.expires_at = served_at + dt.timedelta(days=INVITATION_DAYS)
        invitation.save(update_fields=["expires_at"])
    return invitation, token


def survey_link_for(ticket) -> str | None:
    """The absolute survey link of a done ticket (None before): for read-backs and pages.

    A ticket finished before invitations existed gets its invitation here, dated from its
    own finish."""
    if ticket.status != Status.DONE:
        return None
    served_at = ticket.finished_at or timezone.now()
    _, token = survey_invitation_open(ticket=ticket, served_at=served_at)
    return survey_url(token)


@dataclass(frozen=True)
class SurveyState:
    """What a survey link leads to, for pages and the API."""

    invitation: SurveyInvitation
    ticket: object  # queueing.Ticket, with office and service loaded

    def refusal(self, now: dt.datetime | None = None) -> ErrorCode | None:
        return survey_refusal(self.invitation, self.ticket, now=now or timezone.now())


def survey_refusal(invitation, ticket, *, now: dt.datetime) -> ErrorCode | None:
    """Why the survey cannot be answered now, or None when it can."""
    if ticket.status != Status.DONE or invitation.expires_at is None:
        return ErrorCode.SURVEY_NOT_OPEN
    if invitation.answered:
        return ErrorCode.SURVEY_ALREADY_ANSWERED
    if now >= invitation.expires_at:
        return ErrorCode.SURVEY_EXPIRED
    return None


def survey_get(*, token: str) -> SurveyState:
    """The invitation behind a token; NOT_FOUND for anything else."""
    if not token or len(token) > 64 or not token.isascii():
        raise DomainError(ErrorCode.NOT_FOUND)
    invitation = (
        SurveyInvitation.objects.select_related("ticket__office", "ticket__service__agency")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    return SurveyState(invitation=invitation, ticket=invitation.ticket)


def _choice_ok(value, choices) -> bool:
    return isinstance(value, str) and value in choices.values


def survey_problems(*, answers, sex, age_band, education, occupation, suggestion) -> list[str]:
    """The fields whose value is missing or not allowed, in the questionnaire's order."""
    if not isinstance(answers, dict):
        return ["answers"]
    problems = sorted(set(answers) - {e.code for e in ELEMENTS})
    for element in ELEMENTS:
        value = answers.get(element.code)
        # bool is an int in Python: `true` is not an answer.
        if isinstance(value, bool) or not isinstance(value, int) or value not in ANSWER_VALUES:
            problems.append(element.code)
    for field, value, choices in (
        ("sex", sex, Sex),
        ("age_band", age_band, AgeBand),
        ("education", education, Education),
        ("occupation", occupation, Occupation),
    ):
        if not _choice_ok(value, choices):
            problems.append(field)
    if suggestion is not None and (
        not isinstance(suggestion, str) or len(suggestion) > SUGGESTION_MAX or "\x00" in suggestion
    ):
        problems.append("suggestion")
    return problems


def survey_validate(
    *, answers, sex, age_band, education, occupation, suggestion
) -> dict[str, object]:
    """Every value checked before anything is locked; returns the response's fields."""
    problems = survey_problems(
        answers=answers,
        sex=sex,
        age_band=age_band,
        education=education,
        occupation=occupation,
        suggestion=suggestion,
    )
    if problems:
        raise DomainError(ErrorCode.INVALID_ANSWER, field=problems[0])
    fields: dict[str, object] = {e.key: answers[e.code] for e in ELEMENTS}
    fields.update(
        sex=sex,
        age_band=age_band,
        education=education,
        occupation=occupation,
        suggestion=(suggestion or "").strip(),
    )
    return fields


def survey_submit(
    *,
    token: str,
    answers: dict,
    sex: str,
    age_band: str,
    education: str,
    occupation: str,
    suggestion: str = "",
    channel: str = Channel.WEB,
    now: dt.datetime | None = None,
    office=None,
) -> SurveyResponse:
    """Record the one response of a served ticket.

    `office`, when given (the exit kiosk), limits the token to that office's tickets: another
    office's token is NOT_FOUND there. Refusals: INVALID_ANSWER (with `field`), NOT_FOUND,
    SURVEY_NOT_OPEN, SURVEY_EXPIRED, SURVEY_ALREADY_ANSWERED; nothing is written then.
    """
    now = now or timezone.now()
    if channel not in Channel.values:
        raise DomainError(ErrorCode.INVALID_REQUEST, field="channel")
    fields = survey_validate(
        answers=answers,
        sex=sex,
        age_band=age_band,
        education=education,
        occupation=occupation,
        suggestion=suggestion,
    )
    found = survey_get(token=token)
    if office is not None and found.invitation.office_id != office.pk:
        raise DomainError(ErrorCode.NOT_FOUND)
    with transaction.atomic():
        # The lock makes two submissions of one link wait for each other: one response.
        invitation = (
            SurveyInvitation.objects.select_for_update()
            .select_related("ticket__service")
            .get(pk=found.invitation.pk)
        )
        ticket = invitation.ticket
        refusal = survey_refusal(invitation, ticket, now=now)
        if refusal is not None:
            raise DomainError(refusal)
        response = SurveyResponse.objects.create(
            office_id=ticket.office_id,
            agency_id=ticket.service.agency_id,
            service_id=ticket.service_id,
            counter_id=ticket.counter_id,
            officer_id=ticket.officer_id,
            served_on=ticket.date,
            channel=channel,
            **fields,
        )
        invitation.answered = True
        invitation.save(update_fields=["answered"])
    return response


# --- the exit kiosk -------------------------------------------------------------------------

# Wrong codes one exit kiosk may take per window before it stops looking codes up for the rest
# of a window: booking codes must not be enumerable there (each found code would let anyone
# answer a stranger's survey). Every refused code counts; found codes never do.
KIOSK_WRONG_CODES = 10
KIOSK_WRONG_WINDOW = 600  # seconds
KIOSK_LOCKED = gettext_lazy(
    "Terlalu banyak kode yang salah di anjungan ini. Silakan coba lagi dalam 10 menit atau "
    "minta bantuan petugas."
)


def _kiosk_lock_key(kiosk) -> str:
    return f"kiosk-survey-locked:{kiosk.pk}"


def _kiosk_locked(kiosk) -> bool:
    try:
        return bool(cache.get(_kiosk_lock_key(kiosk)))
    except Exception:  # as rate_limit_take: a cache outage must not stop the kiosk
        log.warning("kiosk survey lock unavailable", exc_info=True)
        return False


def _kiosk_refused(kiosk) -> DomainError:
    return DomainError(
        ErrorCode.RATE_LIMITED,
        field="code",
        message=str(KIOSK_LOCKED),
        retry_after=KIOSK_WRONG_WINDOW,
    )


def survey_kiosk_find(*, kiosk, raw: str, now: dt.datetime | None = None) -> str:
    """The survey token behind what was typed or scanned at an exit kiosk: a booking code or
    the printed ticket's survey link, for that kiosk's office only (another office's ticket
    gets the same answer as an unknown code).

    Refusals: NOT_FOUND, SURVEY_NOT_OPEN, SURVEY_EXPIRED, SURVEY_ALREADY_ANSWERED (each
    counted against the kiosk); RATE_LIMITED once the kiosk has taken `KIOSK_WRONG_CODES`
    wrong codes in a window, then for a whole window, before anything is looked up."""
    from antrean.display.kiosk import normalise_code
    from antrean.queueing.models import Ticket

    now = now or timezone.now()
    if _kiosk_locked(kiosk):
        raise _kiosk_refused(kiosk)
    try:
        token = token_from_address(raw)
        if token is None:
            code = normalise_code(raw)
            ticket = (
                Ticket.objects.filter(code=code, office=kiosk.office_id).first()
                if code and len(code) <= 16
                else None
            )
            if ticket is None:
                raise DomainError(ErrorCode.NOT_FOUND, field="code")
            _, token = survey_invitation_ensure(ticket=ticket)
        state = survey_get(token=token)
        if state.invitation.office_id != kiosk.office_id:
            raise DomainError(ErrorCode.NOT_FOUND, field="code")
        refusal = state.refusal(now)
        if refusal is not None:
            raise DomainError(refusal, field="code")
    except DomainError as wrong:
        if not rate_limit_take(
            scope="kiosk-survey-code",
            key=str(kiosk.pk),
            limit=KIOSK_WRONG_CODES,
            window=KIOSK_WRONG_WINDOW,
        ):
            try:
                cache.set(_kiosk_lock_key(kiosk), 1, timeout=KIOSK_WRONG_WINDOW)
            except Exception:
                log.warning("kiosk survey lock unavailable", exc_info=True)
            raise _kiosk_refused(kiosk) from None
        if wrong.code == ErrorCode.NOT_FOUND:
            wrong.field = "code"
        raise
    return token


# --- the counter's feedback tablet -----------------------------------------------------------

# An answer begun on the tablet is accepted this long after the finish (the form is shown for
# ten minutes; a slow reader may take longer to finish it).
TABLET_ANSWER = dt.timedelta(minutes=30)
TABLET_TOO_LATE = gettext_lazy(
    "Waktu mengisi survei di tablet loket sudah habis. Anda masih dapat mengisinya lewat "
    "kode QR pada tiket atau tautan di WhatsApp."
)


def tablet_survey_get(*, user, counter, invitation_id, now: dt.datetime) -> SurveyState:
    """The survey a tablet form was opened for (the form carries the invitation's id, never
    its token): a ticket finished at `counter` within `TABLET_ANSWER`.

    FORBIDDEN outside the user's counters; NOT_FOUND for another counter's invitation;
    SURVEY_EXPIRED once the tablet's time is over (the citizen's own link still works)."""
    permissions.require(permissions.can_operate_counter(user, counter))
    invitation = None
    if isinstance(invitation_id, int):
        invitation = (
            SurveyInvitation.objects.select_related("ticket__office", "ticket__service__agency")
            .filter(pk=invitation_id, ticket__counter=counter)
            .first()
        )
    if invitation is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    ticket = invitation.ticket
    if ticket.status != Status.DONE or ticket.finished_at is None:
        raise DomainError(ErrorCode.SURVEY_NOT_OPEN)
    if now - ticket.finished_at > TABLET_ANSWER:
        raise DomainError(ErrorCode.SURVEY_EXPIRED, message=str(TABLET_TOO_LATE))
    return SurveyState(invitation=invitation, ticket=ticket)


def survey_submit_at_counter(
    *,
    user,
    counter,
    invitation_id,
    answers: dict,
    sex: str,
    age_band: str,
    education: str,
    occupation: str,
    suggestion: str = "",
    now: dt.datetime | None = None,
) -> SurveyResponse:
    """Record the answer given on `counter`'s tablet, with channel `tablet`.

    The ticket is resolved here from the invitation the form was opened for; its token is
    derived server-side and never leaves the server. Refusals as `tablet_survey_get` and
    `survey_submit`; nothing is written then."""
    now = now or timezone.now()
    state = tablet_survey_get(user=user, counter=counter, invitation_id=invitation_id, now=now)
    return survey_submit(
        token=survey_token(state.ticket),
        answers=answers,
        sex=sex,
        age_band=age_band,
        education=education,
        occupation=occupation,
        suggestion=suggestion,
        channel=Channel.TABLET,
        now=now,
        office=counter.office,
    )
