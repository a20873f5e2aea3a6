"""Walk-in: a ticket issued at the office straight into the queue, with the pact signed there."""

import datetime as dt

import pytest

from antrean.core.errors import DomainError, ErrorCode
from antrean.integrity.ledger import ledger_verify
from antrean.integrity.models import Audience, Certificate, PactSignature
from antrean.integrity.services import ClientInfo, pact_in_force
from antrean.queueing.models import Ticket, TicketEvent, TicketSequence
from antrean.queueing.services import ticket_walk_in
from antrean.queueing.states import Status
from antrean.tenancy.models import Closure, OpeningHours
from antrean.testing.factories import (
    kiosk_of,
    local_time,
    make_booking,
    make_office,
    make_service,
    make_slot,
    make_walk_in,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 3, 4)
KIOSK = ClientInfo(channel="kiosk", ip="192.0.2.20", user_agent="pytest")


@pytest.fixture
def office():
    return make_office()  # open 08:00–16:00 every day


@pytest.fixture
def service(office):
    return make_service(office, prefix="A", walkin_daily_quota=3)


def at(office, hour, minute=0, second=0, day=DAY):
    return local_time(office, day, hour, minute, second)


def state():
    """Everything a refused walk-in must leave untouched."""
    return (
        list(Ticket.objects.order_by("pk").values_list("pk", "number", "status")),
        list(
            TicketSequence.objects.order_by("pk").values_list("service", "date", "last", "walkins")
        ),
        PactSignature.objects.count(),
        Certificate.objects.count(),
        TicketEvent.objects.count(),
    )


def test_a_walk_in_waits_at_once_from_the_moment_it_arrived(office, service):
    now = at(office, 9, 12, 30)
    result = make_walk_in(service, now=now, name="  I Wayan   Sudarma ")
    ticket = Ticket.objects.get(pk=result.ticket.pk)

    assert ticket.status == Status.WAITING
    assert ticket.arrived_at == ticket.queue_key == now
    assert ticket.date == DAY
    assert ticket.slot is None
    assert (ticket.number, ticket.channel, ticket.priority) == ("A-001", "kiosk", "")
    assert ticket.name == "I Wayan Sudarma"
    assert ticket.nik == ""
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.move, event.from_status, event.to_status, event.at) == (
        "issue",
        "",
        Status.WAITING,
        now,
    )
    assert result.token and ticket.token_hash != result.token


def test_the_local_date_decides_the_day_of_the_number(office, service):
    # 07:30 UTC on 4 March is 15:30 in Makassar; 16:30 UTC on 3 March is 00:30 on the 4th
    # (closed then), so the day is the office's day, not UTC's.
    now = dt.datetime(2030, 3, 4, 7, 30, tzinfo=dt.UTC)
    assert make_walk_in(service, now=now).ticket.date == DAY


def test_a_walk_in_signs_the_pact_in_the_same_ledger_with_a_certificate(office, service):
    booked = make_booking(make_slot(service, date=DAY)).ticket
    walk_in = make_walk_in(service, now=at(office, 9)).ticket

    signature = PactSignature.objects.get(ticket=walk_in)
    rendering = pact_in_force(office=office, audience=Audience.CITIZEN)
    assert (signature.audience, signature.channel, signature.office) == (
        Audience.CITIZEN,
        "kiosk",
        office,
    )
    assert (signature.pact_version, signature.pact_sha256) == (
        rendering.pact.version,
        rendering.sha256,
    )
    assert signature.signed_at == at(office, 9)
    assert signature.client_ip == "192.0.2.20"
    # The chain continues from the online booking's signature and still verifies.
    assert PactSignature.objects.get(ticket=booked).ledger_seq == 1
    assert signature.ledger_seq == 2
    assert ledger_verify(office=office).ok
    assert Certificate.objects.filter(signature=signature).exists()


def test_booked_and_walk_in_numbers_come_from_one_sequence(office, service):
    slot = make_slot(service, date=DAY, start=dt.time(10), end=dt.time(11))
    first = make_booking(slot).ticket
    second = make_walk_in(service, now=at(office, 9)).ticket
    third = make_booking(slot, now=at(office, 9, 1)).ticket
    assert [first.number, second.number, third.number] == ["A-001", "A-002", "A-003"]
    row = TicketSequence.objects.get(service=service, date=DAY)
    assert (row.last, row.walkins) == (3, 1)


def test_the_walk_in_quota_gives_exactly_n_then_refuses_and_changes_nothing(office, service):
    tickets = [make_walk_in(service, now=at(office, 9, i)).ticket for i in range(3)]
    assert [t.number for t in tickets] == ["A-001", "A-002", "A-003"]

    before = state()
    with pytest.raises(DomainError) as exc:
        make_walk_in(service, now=at(office, 9, 5))
    assert (exc.value.code, exc.value.field) == (ErrorCode.WALKIN_FULL, "service_id")
    assert state() == before

    # Bookings do not count against the walk-in quota and keep the numbers gapless.
    booked = make_booking(
        make_slot(service, date=DAY, start=dt.time(10), end=dt.time(11)), now=at(office, 9, 6)
    )
    assert booked.ticket.number == "A-004"
    with pytest.raises(DomainError):
        make_walk_in(service, now=at(office, 9, 7))
    seqs = sorted(Ticket.objects.filter(service=service).values_list("seq", flat=True))
    assert seqs == [1, 2, 3, 4]


def test_bookings_taken_first_leave_the_whole_walk_in_quota(office, service):
    slot = make_slot(service, date=DAY, start=dt.time(10), end=dt.time(11), capacity=5)
    for _ in range(4):
        make_booking(slot)
    numbers = [make_walk_in(service, now=at(office, 9, i)).ticket.number for i in range(3)]
    assert numbers == ["A-005", "A-006", "A-007"]
    with pytest.raises(DomainError) as exc:
        make_walk_in(service, now=at(office, 9, 5))
    assert exc.value.code == ErrorCode.WALKIN_FULL


def test_the_quota_is_per_day(office, service):
    for i in range(3):
        make_walk_in(service, now=at(office, 9, i))
    tomorrow = make_walk_in(service, now=at(office, 9, day=DAY + dt.timedelta(days=1))).ticket
    assert (tomorrow.date, tomorrow.number) == (DAY + dt.timedelta(days=1), "A-001")


def test_a_zero_quota_takes_no_walk_ins_and_leaves_no_row(office):
    service = make_service(office, walkin_daily_quota=0)
    with pytest.raises(DomainError) as exc:
        make_walk_in(service, now=at(office, 9))
    assert exc.value.code == ErrorCode.WALKIN_FULL
    assert state() == ([], [], 0, 0, 0)


@pytest.mark.parametrize(
    ("hour", "minute", "second", "opened"),
    [
        (7, 59, 59, False),
        (8, 0, 0, True),
        (15, 59, 59, True),
        (16, 0, 0, False),
        (22, 0, 0, False),
    ],
)
def test_walk_ins_are_taken_only_during_opening_hours(
    office, service, hour, minute, second, opened
):
    now = at(office, hour, minute, second)
    if opened:
        assert make_walk_in(service, now=now).ticket.status == Status.WAITING
        return
    with pytest.raises(DomainError) as exc:
        make_walk_in(service, now=now)
    assert exc.value.code == ErrorCode.OFFICE_CLOSED
    assert state() == ([], [], 0, 0, 0)


def test_no_walk_ins_on_a_closed_day(office, service):
    Closure.objects.create(office=office, date=DAY, reason="Hari Raya Nyepi")
    with pytest.raises(DomainError) as exc:
        make_walk_in(service, now=at(office, 10))
    assert exc.value.code == ErrorCode.OFFICE_CLOSED
    OpeningHours.objects.filter(office=office, weekday=(DAY.weekday() + 1) % 7).delete()
    with pytest.raises(DomainError) as exc:  # a weekday without opening hours
        make_walk_in(service, now=at(office, 10, day=DAY + dt.timedelta(days=1)))
    assert exc.value.code == ErrorCode.OFFICE_CLOSED
    assert state() == ([], [], 0, 0, 0)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"pact_agreed": False}, ErrorCode.PACT_REQUIRED),
        ({"pact_version": 99}, ErrorCode.PACT_OUTDATED),
        ({"pact_version": None}, ErrorCode.PACT_OUTDATED),
        ({"pact_sha256": "0" * 64}, ErrorCode.PACT_OUTDATED),
        ({"pact_sha256": None}, ErrorCode.PACT_OUTDATED),
    ],
)
def test_a_walk_in_without_agreeing_to_the_pact_in_force_is_refused(office, service, change, code):
    rendering = pact_in_force(office=office, audience=Audience.CITIZEN)
    values = {
        "pact_version": rendering.pact.version,
        "pact_sha256": rendering.sha256,
        "pact_agreed": True,
    } | change
    with pytest.raises(DomainError) as exc:
        ticket_walk_in(
            service=service,
            name="Ni Luh Putu",
            client=KIOSK,
            kiosk=kiosk_of(office),
            now=at(office, 9),
            **values,
        )
    assert exc.value.code == code
    assert state() == ([], [], 0, 0, 0)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"priority": "vip"}, ErrorCode.INVALID_REQUEST),
        ({"name": "x"}, ErrorCode.INVALID_NAME),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(office, service, change, code):
    rendering = pact_in_force(office=office, audience=Audience.CITIZEN)
    values = {"name": "Ni Luh Putu", "priority": ""} | change
    with pytest.raises(DomainError) as exc:
        ticket_walk_in(
            service=service,
            pact_version=rendering.pact.version,
            pact_sha256=rendering.sha256,
            pact_agreed=True,
            client=KIOSK,
            kiosk=kiosk_of(office),
            now=at(office, 9),
            **values,
        )
    assert exc.value.code == code
    assert state() == ([], [], 0, 0, 0)


@pytest.mark.parametrize("priority", ["lansia", "disabilitas", "ibu_hamil", "anak"])
def test_a_priority_group_is_recorded(office, service, priority):
    ticket = make_walk_in(service, now=at(office, 9), priority=priority).ticket
    assert Ticket.objects.get(pk=ticket.pk).priority == priority


def test_an_inactive_service_takes_no_walk_ins(office, service):
    service.is_active = False
    service.save(update_fields=["is_active"])
    with pytest.raises(DomainError) as exc:
        make_walk_in(service, now=at(office, 9))
    assert exc.value.code == ErrorCode.NOT_FOUND
    assert state() == ([], [], 0, 0, 0)
