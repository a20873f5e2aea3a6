"""One office day made through the real services at fixed moments, whose roll-up the tests
work out by hand (see `test_rollup.py` for the arithmetic).

Service A (counter A), service B (counter B), service C (survey answers only), on DAY:

| ticket | how | times (local)                                   | ends       |
| ------ | --- | ----------------------------------------------- | ---------- |
| t1     | A walk-in | arrives 09:00, called 09:10, 09:10–09:25  | done       |
| t2     | A walk-in | arrives 09:02, called 09:25, 09:25–09:30  | done       |
| t3     | A walk-in | arrives 09:05, called 09:30, no-show 09:35 | no-show    |
| t4     | A online  | slot 10–11, checks in 09:50, called 10:00, 10:00–10:05 | done |
| t5     | A online  | slot 10–11, never comes, expired 11:20    | expired    |
| t6     | A online  | cancelled the day before                  | cancelled  |
| u1     | B walk-in | arrives 11:00, called (B) 11:03, to A 11:06,    | done in A  |
|        |           | called (A) 11:20, 11:20–11:40                   |            |
| v1     | B walk-in | arrives 12:00, called 12:30 by an officer not   | called     |
|        |           | yet pledged (a hand-made event)                 |            |

Officer 1 pledges at 07:30; officer 2 at 13:00 (after its call). Flags: one on t1, one on no
ticket. Reports: one received 10:30 and closed (substantiated) 15:00; one received the day
before and closed (referred to the KPK) on DAY.
"""

import datetime as dt
from types import SimpleNamespace

from antrean.booking.services import booking_cancel
from antrean.feedback.models import SurveyResponse
from antrean.feedback.questionnaire import ELEMENTS
from antrean.queueing.models import AuditFlag, Ticket, TicketEvent
from antrean.queueing.services import (
    ticket_call_next,
    ticket_finish,
    ticket_no_show,
    ticket_start,
    ticket_transfer,
    tickets_expire,
)
from antrean.queueing.states import Status
from antrean.reports.models import Outcome, ReportStatus
from antrean.reports.services import report_file, report_move
from antrean.testing.factories import (
    check_in,
    local_time,
    make_agency,
    make_booking,
    make_counter,
    make_inspector,
    make_nik,
    make_office,
    make_officer,
    make_service,
    make_slot,
    make_walk_in,
    sign_officer_pact,
)

# In the past, whatever day the tests run: a day is rolled up only once it has begun.
DAY = dt.date(2025, 3, 4)


def at(office, hour, minute=0, day=DAY):
    return local_time(office, day, hour, minute)


def answer(*, office, service, value: int, day=DAY) -> SurveyResponse:
    """A response giving `value` to every element."""
    return SurveyResponse.objects.create(
        office=office,
        agency=service.agency,
        service=service,
        served_on=day,
        channel="web",
        sex="L",
        age_band="21-30",
        education="sma",
        occupation="swasta",
        **{element.key: value for element in ELEMENTS},
    )


def serve(*, counter, officer, call_at, start_at, finish_at):
    ticket = ticket_call_next(counter=counter, officer=officer, now=call_at)
    ticket_start(ticket_id=ticket.pk, counter=counter, officer=officer, now=start_at)
    if finish_at is not None:
        ticket_finish(ticket_id=ticket.pk, counter=counter, officer=officer, now=finish_at)
    return ticket


def build_day(*, finish_t1: bool = True, **office_fields) -> SimpleNamespace:
    office = make_office(**office_fields)
    agency = make_agency(office, code="disdukcapil")
    a = make_service(agency=agency, code="ktp-el", prefix="A")
    b = make_service(agency=agency, code="kk", prefix="B")
    c = make_service(agency=agency, code="akta", prefix="C")
    counter_a = make_counter(agency=agency, services=[a])
    counter_b = make_counter(agency=agency, services=[b])
    officer = make_officer(agency)
    late_officer = make_officer(agency)
    sign_officer_pact(officer, office, now=at(office, 7, 30))

    def walk_in(service, hour, minute):
        return make_walk_in(service, now=at(office, hour, minute)).ticket

    t1 = walk_in(a, 9, 0)
    walk_in(a, 9, 2)  # t2
    t3 = walk_in(a, 9, 5)
    slot = make_slot(a, date=DAY, start=dt.time(10), end=dt.time(11), capacity=5)
    nik4 = make_nik(4104)
    t4 = make_booking(slot, nik=nik4).ticket
    make_booking(slot)  # t5
    t6 = make_booking(slot).ticket
    booking_cancel(ticket=t6, now=at(office, 18, day=DAY - dt.timedelta(days=1)))

    serve(
        counter=counter_a,
        officer=officer,
        call_at=at(office, 9, 10),
        start_at=at(office, 9, 10),
        finish_at=at(office, 9, 25) if finish_t1 else None,
    )
    if finish_t1:
        serve(
            counter=counter_a,
            officer=officer,
            call_at=at(office, 9, 25),
            start_at=at(office, 9, 25),
            finish_at=at(office, 9, 30),
        )
        called = ticket_call_next(counter=counter_a, officer=officer, now=at(office, 9, 30))
        assert called.pk == t3.pk
        ticket_no_show(ticket_id=t3.pk, counter=counter_a, officer=officer, now=at(office, 9, 35))
        check_in(code=t4.code, nik_last4=nik4[-4:], now=at(office, 9, 50))
        serve(
            counter=counter_a,
            officer=officer,
            call_at=at(office, 10),
            start_at=at(office, 10),
            finish_at=at(office, 10, 5),
        )
        tickets_expire(now=at(office, 11, 20))

        u1 = walk_in(b, 11, 0)
        serve(
            counter=counter_b,
            officer=officer,
            call_at=at(office, 11, 3),
            start_at=at(office, 11, 3),
            finish_at=None,
        )
        ticket_transfer(
            ticket_id=u1.pk, counter=counter_b, officer=officer, service_id=a.pk,
            now=at(office, 11, 6),
        )  # fmt: skip
        serve(
            counter=counter_a,
            officer=officer,
            call_at=at(office, 11, 20),
            start_at=at(office, 11, 20),
            finish_at=at(office, 11, 40),
        )

        v1 = walk_in(b, 12, 0)
        # A call by an officer who had not pledged yet: the services refuse one, so it is
        # written by hand (as an import from another system could).
        Ticket.objects.filter(pk=v1.pk).update(
            status=Status.CALLED,
            counter=counter_b,
            officer=late_officer,
            called_at=at(office, 12, 30),
        )
        TicketEvent.objects.create(
            ticket=v1,
            move="call",
            from_status="waiting",
            to_status="called",
            at=at(office, 12, 30),
            officer=late_officer,
            counter=counter_b,
            service=b,
        )
        sign_officer_pact(late_officer, office, now=at(office, 13))

        AuditFlag.objects.create(
            office=office, kind=AuditFlag.Kind.OUT_OF_ORDER, ticket=t1, at=at(office, 9, 10)
        )
        AuditFlag.objects.create(
            office=office,
            kind=AuditFlag.Kind.REPEATED_NO_SHOW,
            officer=officer,
            at=at(office, 12),
        )

        for value in (4, 3, 3):
            answer(office=office, service=a, value=value)
        answer(office=office, service=b, value=2)
        answer(office=office, service=c, value=4)
        answer(office=office, service=a, value=1, day=DAY + dt.timedelta(days=1))

        inspector = make_inspector(office.region)
        before = report_file(
            office=office,
            text="Petugas meminta uang untuk mempercepat berkas.",
            now=at(office, 16, day=DAY - dt.timedelta(days=1)),
        )
        today = report_file(
            office=office,
            text="Ada calo menawarkan nomor antrean di parkiran.",
            now=at(office, 10, 30),
        )
        for report, outcome, hour in (
            (today, Outcome.SUBSTANTIATED, 15),
            (before, Outcome.REFERRED_KPK, 15),
        ):
            report_move(
                report=report,
                by=inspector,
                to=ReportStatus.CLOSED,
                outcome=outcome,
                reason="Sudah ditelaah dan ditindaklanjuti.",
                now=at(office, hour),
            )
    return SimpleNamespace(
        office=office,
        agency=agency,
        a=a,
        b=b,
        c=c,
        counter_a=counter_a,
        officer=officer,
        t1=t1,
        evening=at(office, 20),
    )
