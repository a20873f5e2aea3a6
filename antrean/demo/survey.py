"""The demo's past: citizens really served, and their survey answers.

So that the IKM page and the SKM report have something to show, each demo office gets, for
the last complete quarter before the seeding day (`now`), a few walk-in tickets on some of
its open days, taken, called, served and finished through the real queue services at past
moments (pacts signed and chained like any other), and a survey response for most of them,
with the same office, service, counter, officer and day but no link to the ticket.
The weeks just before today get the same (`RECENT_DAYS`, within the current quarter), so that
a dashboard as first opened (the last 30 days) and the transparency page's "this month" show
figures on a fresh `make run` rather than empty charts.
Answers are drawn from a seeded random generator (reproducible) leaning to "good" (IKM
around B). Idempotent: a span that already has responses for an office is left alone.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone

from antrean.catalog.models import Counter
from antrean.feedback.models import Channel, SurveyResponse
from antrean.feedback.periods import period_dates, previous_quarter
from antrean.feedback.questionnaire import ELEMENTS, AgeBand, Education, Occupation, Sex
from antrean.integrity.models import Audience
from antrean.integrity.services import ClientInfo, pact_in_force
from antrean.queueing.services import (
    officer_agency,
    officer_pact_sign,
    ticket_call_next,
    ticket_finish,
    ticket_start,
    ticket_walk_in,
)
from antrean.tenancy.models import Office
from antrean.tenancy.selectors import office_day_status

DAYS_PER_QUARTER = 10  # open days with service in the quarter, spread evenly
RECENT_DAYS = 28  # the span before today that also gets served citizens (up to 10 days)
COUNTERS_PER_OFFICE = 3
TICKETS_PER_COUNTER_DAY = 2
RESPONSE_SHARE = 0.85  # most served citizens answer

# Answer weights for 1, 2, 3, 4: mostly "good", some "very good": IKM lands around B.
_WEIGHTS = (2, 8, 55, 35)
_SUGGESTIONS = (
    "Ruang tunggu perlu ditambah kipas angin.",
    "Petugas ramah, pelayanan cepat. Terima kasih.",
    "Mohon informasi persyaratan dipasang lebih jelas di depan loket.",
    "Parkir motor sering penuh pada pagi hari.",
    "Antrean daring sangat membantu.",
)
_CLIENT = ClientInfo(channel="kiosk", ip="192.0.2.1", user_agent="antrean-demo")


@dataclass
class SurveyDemoReport:
    tickets: int = 0
    responses: int = 0


def _open_days(office: Office, start: dt.date, end: dt.date) -> list[dt.date]:
    days = []
    day = start
    while day <= end:
        if office_day_status(office=office, date=day).open:
            days.append(day)
        day += dt.timedelta(days=1)
    step = max(1, len(days) // DAYS_PER_QUARTER)
    return days[::step][:DAYS_PER_QUARTER]


def _officer_of(counter: Counter):
    """The demo officer of the counter's agency (username = agency code)."""
    return get_user_model().objects.filter(username=counter.agency.code).first()


def _answers(rng: random.Random) -> dict[str, int]:
    return {e.key: rng.choices((1, 2, 3, 4), weights=_WEIGHTS)[0] for e in ELEMENTS}


def _serve(*, counter, officer, service, at: dt.datetime, rendering) -> None:
    ticket_walk_in(
        service=service,
        name="Warga Contoh",
        pact_version=rendering.pact.version,
        pact_sha256=rendering.sha256,
        pact_agreed=True,
        client=_CLIENT,
        officer=officer,
        now=at,
    )
    ticket = ticket_call_next(counter=counter, officer=officer, now=at + dt.timedelta(minutes=1))
    ticket_start(ticket_id=ticket.pk, counter=counter, officer=officer, now=ticket.called_at)
    finished = ticket.called_at + dt.timedelta(minutes=service.duration_minutes or 10)
    ticket_finish(ticket_id=ticket.pk, counter=counter, officer=officer, now=finished)


def _spans(office: Office, now: dt.datetime) -> list[tuple[dt.date, dt.date]]:
    """The previous quarter, and the recent weeks of the current one (before today)."""
    today = office.local_today(now)
    key, year = previous_quarter(today)
    previous = period_dates(key, year)
    recent = (
        max(today - dt.timedelta(days=RECENT_DAYS), previous[1] + dt.timedelta(days=1)),
        today - dt.timedelta(days=1),
    )
    return [previous, recent] if recent[0] <= recent[1] else [previous]


def demo_survey_ensure(*, offices, now: dt.datetime | None = None) -> SurveyDemoReport:
    """Fill the previous quarter and the recent weeks of each office in `offices` (see the
    module's docstring)."""
    now = now or timezone.now()
    report = SurveyDemoReport()
    for office in offices:
        counters = [
            c
            for c in Counter.objects.filter(office=office).select_related("agency", "office")
            if c.services.exists() and _officer_of(c) is not None
        ][:COUNTERS_PER_OFFICE]
        if not counters:
            continue
        for start, end in _spans(office, now):
            if SurveyResponse.objects.filter(office=office, served_on__range=(start, end)).exists():
                continue
            _fill(office, counters, _open_days(office, start, end), report)
    return report


def _fill(office: Office, counters: list[Counter], days: list[dt.date], report) -> None:
    if not days:
        return
    # Seeded by office and span: the same demo on every machine.
    rng = random.Random(f"{office.code}-{days[0].isoformat()}")  # noqa: S311 (demo data)
    citizen_pact = pact_in_force(office=office, audience=Audience.CITIZEN)
    for day in days:
        hours = office_day_status(office=office, date=day).hours
        opens = dt.datetime.combine(day, hours.opens, tzinfo=office.zone)
        for n, counter in enumerate(counters):
            officer = _officer_of(counter)
            officer_pact = pact_in_force(
                office=office,
                audience=Audience.OFFICER,
                agency=officer_agency(user=officer, office=office),
            )
            officer_pact_sign(
                user=officer,
                office=office,
                pact_version=officer_pact.pact.version,
                pact_sha256=officer_pact.sha256,
                pact_agreed=True,
                client=ClientInfo(channel="counter", ip="192.0.2.1", user_agent="antrean-demo"),
                now=opens + dt.timedelta(minutes=5 + n),
            )
            services = list(counter.services.all())
            for i in range(TICKETS_PER_COUNTER_DAY):
                service = services[(i + day.day) % len(services)]
                at = opens + dt.timedelta(minutes=30 + 40 * i + n)
                _serve(
                    counter=counter,
                    officer=officer,
                    service=service,
                    at=at,
                    rendering=citizen_pact,
                )
                report.tickets += 1
                if rng.random() > RESPONSE_SHARE:
                    continue
                SurveyResponse.objects.create(
                    office=office,
                    agency=counter.agency,
                    service=service,
                    counter=counter,
                    officer=officer,
                    served_on=day,
                    channel=rng.choice([Channel.WEB, Channel.KIOSK, Channel.TABLET]),
                    sex=rng.choice(Sex.values),
                    age_band=rng.choice(AgeBand.values),
                    education=rng.choice(Education.values),
                    occupation=rng.choice(Occupation.values),
                    suggestion=rng.choice(_SUGGESTIONS) if rng.random() < 0.2 else "",
                    **_answers(rng),
                )
                report.responses += 1
