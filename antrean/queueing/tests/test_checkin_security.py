"""Check-in cannot be brute-forced, probed or done across offices (security issue, defect 1
and 4): one attempt counter shared by the kiosk, the console and the API; the same answer for
right and wrong digits while check-in is not open; staff only for their own scope."""

import datetime as dt
import threading

import pytest
from django.db import connection

from antrean.core.errors import DomainError, ErrorCode
from antrean.queueing.models import CheckInAttempts, Ticket, TicketEvent
from antrean.queueing.services import CHECKIN_ATTEMPTS, ticket_check_in
from antrean.queueing.states import Status
from antrean.testing.factories import (
    kiosk_of,
    local_time,
    make_agency,
    make_booking,
    make_counter,
    make_nik,
    make_office,
    make_officer,
    make_service,
    make_slot,
)

DAY = dt.date(2030, 3, 4)
NIK = make_nik(4321)
WRONG = [f"{n:04d}" for n in range(CHECKIN_ATTEMPTS + 3)]


def at(office, hour, minute=0):
    return local_time(office, DAY, hour, minute)


def state(ticket):
    """Everything a check-in can change."""
    row = Ticket.objects.filter(pk=ticket.pk).values("status", "arrived_at", "queue_key").get()
    events = list(TicketEvent.objects.filter(ticket=ticket).values_list("move", flat=True))
    attempts = list(CheckInAttempts.objects.filter(ticket=ticket).values_list("date", "failures"))
    return row, events, attempts


def refusal(call):
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value.code, exc.value.field, exc.value.message


@pytest.fixture
def desk(db):
    office = make_office(code="mpp-uji")
    agency = make_agency(office, code="dukcapil")
    service = make_service(agency=agency, prefix="A")
    slot = make_slot(service, date=DAY, start=dt.time(9), end=dt.time(10))
    counter = make_counter(agency=agency, services=[service])
    return {
        "office": office,
        "agency": agency,
        "service": service,
        "booking": make_booking(slot, nik=NIK).ticket,
        "counter": counter,
        "officer": make_officer(agency),
        "kiosk": kiosk_of(office),
    }


# --- Brute force -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_five_wrong_endings_lock_the_code_even_for_the_right_one(desk):
    office, booking, kiosk = desk["office"], desk["booking"], desk["kiosk"]
    now = at(office, 9)
    for digits in WRONG[:CHECKIN_ATTEMPTS]:
        code, *_ = refusal(
            lambda d=digits: ticket_check_in(code=booking.code, nik_last4=d, kiosk=kiosk, now=now)
        )
        assert code == ErrorCode.CHECKIN_REFUSED
    before = state(booking)
    locked = refusal(
        lambda: ticket_check_in(code=booking.code, nik_last4="4321", kiosk=kiosk, now=now)
    )
    assert locked[0] == ErrorCode.TOO_MANY_ATTEMPTS
    assert state(booking) == before
    assert before[0]["status"] == Status.BOOKED


@pytest.mark.django_db
def test_a_code_locked_at_the_kiosk_is_locked_at_the_console_and_over_the_api(desk, client):
    from antrean.api.tests.staff_setup import bearer

    office, booking = desk["office"], desk["booking"]
    now = at(office, 9)
    for digits in WRONG[:CHECKIN_ATTEMPTS]:
        with pytest.raises(DomainError):
            ticket_check_in(code=booking.code, nik_last4=digits, kiosk=desk["kiosk"], now=now)
    at_counter = refusal(
        lambda: ticket_check_in(
            code=booking.code,
            nik_last4="4321",
            officer=desk["officer"],
            counter=desk["counter"],
            now=now,
        )
    )
    by_staff = refusal(
        lambda: ticket_check_in(
            code=booking.code, nik_last4="4321", officer=desk["officer"], now=now
        )
    )
    assert at_counter[0] == by_staff[0] == ErrorCode.TOO_MANY_ATTEMPTS
    # The API answers with the real clock: the lock is of the office's today, so record it
    # for today too.
    CheckInAttempts.objects.filter(ticket=booking).update(date=office.local_today())
    response = client.post(
        "/api/v1/checkin",
        {"code": booking.code, "nik_last4": "4321"},
        content_type="application/json",
        **bearer(desk["officer"]),
    )
    assert response.status_code == 429
    assert response.json()["error"] == "too_many_attempts"
    booking.refresh_from_db()
    assert booking.status == Status.BOOKED


@pytest.mark.django_db
def test_wrong_endings_of_an_earlier_day_do_not_lock_today(desk):
    office, booking = desk["office"], desk["booking"]
    CheckInAttempts.objects.create(
        ticket=booking, date=DAY - dt.timedelta(days=1), failures=CHECKIN_ATTEMPTS
    )
    ticket = ticket_check_in(
        code=booking.code, nik_last4="4321", kiosk=desk["kiosk"], now=at(office, 9)
    )
    assert ticket.status == Status.WAITING


@pytest.mark.django_db
def test_the_count_is_per_code(desk):
    office, kiosk = desk["office"], desk["kiosk"]
    other = make_booking(desk["booking"].slot, nik=make_nik(8765)).ticket
    now = at(office, 9)
    for digits in WRONG[:CHECKIN_ATTEMPTS]:
        with pytest.raises(DomainError):
            ticket_check_in(code=desk["booking"].code, nik_last4=digits, kiosk=kiosk, now=now)
    ticket = ticket_check_in(code=other.code, nik_last4="8765", kiosk=kiosk, now=now)
    assert ticket.status == Status.WAITING


# --- No oracle while check-in is not open -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [(8, 0, ErrorCode.CHECKIN_TOO_EARLY), (11, 0, ErrorCode.CHECKIN_TOO_LATE)],
    ids=["too-early", "too-late"],
)
def test_right_and_wrong_endings_get_the_same_answer_while_check_in_is_closed(
    desk, hour, minute, expected
):
    office, booking, kiosk = desk["office"], desk["booking"], desk["kiosk"]
    now = at(office, hour, minute)
    before = state(booking)
    answers = {
        refusal(
            lambda d=digits: ticket_check_in(code=booking.code, nik_last4=d, kiosk=kiosk, now=now)
        )
        for digits in ["4321", *WRONG]
    }
    assert answers == {(expected, "code", expected.message)}
    # Nothing was counted either: a count that moved only for wrong digits would be the
    # oracle again (the sixth try of the right digits would still say "too early").
    assert state(booking) == before
    if expected == ErrorCode.CHECKIN_TOO_EARLY:
        opened = ticket_check_in(
            code=booking.code, nik_last4="4321", kiosk=kiosk, now=at(office, 9)
        )
        assert opened.status == Status.WAITING


@pytest.mark.django_db
def test_a_locked_code_gives_one_answer_to_everything(desk):
    office, booking, kiosk = desk["office"], desk["booking"], desk["kiosk"]
    CheckInAttempts.objects.create(ticket=booking, date=DAY, failures=CHECKIN_ATTEMPTS)
    before = state(booking)
    answers = {
        refusal(
            lambda d=digits, t=when: ticket_check_in(
                code=booking.code, nik_last4=d, kiosk=kiosk, now=t
            )
        )
        for digits in ["4321", "0000"]
        for when in [at(office, 8, 0), at(office, 9), at(office, 11)]
    }
    assert {code for code, _field, _message in answers} == {ErrorCode.TOO_MANY_ATTEMPTS}
    assert len(answers) == 1
    assert state(booking) == before


# --- Scope: offices and agencies ------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_of_another_office_or_agency_are_refused_and_nothing_changes(desk):
    office, booking = desk["office"], desk["booking"]
    now = at(office, 9)
    other_office = make_office(code="mpp-lain")
    other_agency = make_agency(office, code="imigrasi")
    outsiders = {
        "officer-other-office": make_officer(make_agency(other_office)),
        "admin-other-office": make_officer(make_agency(other_office), role="office_admin"),
        "officer-other-agency": make_officer(other_agency),
        "agency-admin-other-agency": make_officer(other_agency, role="agency_admin"),
    }
    before = state(booking)
    for name, user in outsiders.items():
        code, *_ = refusal(
            lambda u=user: ticket_check_in(code=booking.code, nik_last4="4321", officer=u, now=now)
        )
        assert code == ErrorCode.FORBIDDEN, name
    assert state(booking) == before
    admin = make_officer(desk["agency"], role="office_admin")
    assert ticket_check_in(code=booking.code, nik_last4="4321", officer=admin, now=now).status == (
        Status.WAITING
    )


@pytest.mark.django_db
def test_the_console_refuses_a_booking_of_another_agency_or_office(desk):
    office, booking = desk["office"], desk["booking"]
    now = at(office, 9)
    other_agency = make_agency(office, code="imigrasi")
    their_service = make_service(agency=other_agency, prefix="P")
    their_counter = make_counter(agency=other_agency, services=[their_service])
    their_officer = make_officer(other_agency)
    other_office = make_office(code="mpp-lain")
    far_agency = make_agency(other_office)
    far_counter = make_counter(
        agency=far_agency, services=[make_service(agency=far_agency, prefix="F")]
    )
    far_officer = make_officer(far_agency)
    # An office admin operates any counter of the office, but a counter of another agency
    # must not be recorded against this booking.
    office_admin = make_officer(desk["agency"], role="office_admin")
    before = state(booking)
    for officer, counter in [
        (their_officer, their_counter),
        (far_officer, far_counter),
        (office_admin, their_counter),
        (desk["officer"], their_counter),  # not allowed to operate that counter at all
    ]:
        code, *_ = refusal(
            lambda o=officer, c=counter: ticket_check_in(
                code=booking.code, nik_last4="4321", officer=o, counter=c, now=now
            )
        )
        assert code == ErrorCode.FORBIDDEN
    assert state(booking) == before


@pytest.mark.django_db
def test_a_kiosk_of_another_office_gets_the_answer_of_an_unknown_code_and_counts_nothing(desk):
    booking = desk["booking"]
    elsewhere = kiosk_of(make_office(code="mpp-lain"))
    before = state(booking)
    answers = {
        refusal(
            lambda d=digits: ticket_check_in(
                code=booking.code, nik_last4=d, kiosk=elsewhere, now=at(desk["office"], 9)
            )
        )
        for digits in ["4321", *WRONG]
    }
    unknown = refusal(
        lambda: ticket_check_in(
            code="ZZZZZZZZ", nik_last4="4321", kiosk=elsewhere, now=at(desk["office"], 9)
        )
    )
    assert answers == {unknown}
    assert state(booking) == before


@pytest.mark.django_db
def test_nobody_checks_in_without_being_someone(desk):
    code, *_ = refusal(
        lambda: ticket_check_in(
            code=desk["booking"].code, nik_last4="4321", now=at(desk["office"], 9)
        )
    )
    assert code == ErrorCode.FORBIDDEN


# --- Under concurrency ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_guesses_are_counted_exactly_and_stop_at_the_limit():
    """Twenty guesses at the same instant: on PostgreSQL each waits for the ticket's row lock,
    so at most CHECKIN_ATTEMPTS of them are ever compared with the NIK."""
    office = make_office(code="mpp-uji")
    service = make_service(office)
    slot = make_slot(service, date=DAY, start=dt.time(9), end=dt.time(10))
    booking = make_booking(slot, nik=NIK).ticket
    kiosk = kiosk_of(office)
    guesses = [f"{n:04d}" for n in range(20)]
    assert "4321" not in guesses
    barrier = threading.Barrier(len(guesses))
    answers, crashes = [], []

    def guess(digits):
        try:
            barrier.wait(timeout=30)
            ticket_check_in(code=booking.code, nik_last4=digits, kiosk=kiosk, now=at(office, 9))
        except DomainError as exc:
            answers.append(exc.code)
        except BaseException as exc:
            crashes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(d,)) for d in guesses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not crashes, crashes
    assert sorted(answers) == sorted(
        [ErrorCode.CHECKIN_REFUSED] * CHECKIN_ATTEMPTS
        + [ErrorCode.TOO_MANY_ATTEMPTS] * (len(guesses) - CHECKIN_ATTEMPTS)
    )
    assert CheckInAttempts.objects.get(ticket=booking).failures == CHECKIN_ATTEMPTS
    with pytest.raises(DomainError) as exc:
        ticket_check_in(code=booking.code, nik_last4="4321", kiosk=kiosk, now=at(office, 9))
    assert exc.value.code == ErrorCode.TOO_MANY_ATTEMPTS
