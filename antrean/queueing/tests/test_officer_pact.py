"""Officers: the pact of the day before any counter move, and only their own counters."""

import datetime as dt
from types import SimpleNamespace

import pytest

from antrean.core.errors import DomainError, ErrorCode
from antrean.integrity.ledger import ledger_verify
from antrean.integrity.models import Audience, Certificate, PactSignature
from antrean.integrity.services import ClientInfo, pact_in_force
from antrean.queueing.models import AuditFlag, CallState, Ticket, TicketEvent
from antrean.queueing.services import (
    officer_pact_sign,
    officer_pact_signed_today,
    ticket_call_next,
    ticket_call_specific,
    ticket_cancel_at_counter,
    ticket_finish,
    ticket_hold,
    ticket_no_show,
    ticket_recall,
    ticket_resume,
    ticket_start,
    ticket_transfer,
)
from antrean.queueing.states import Status
from antrean.tenancy.permissions import can_operate_counter
from antrean.testing.factories import (
    local_time,
    make_agency,
    make_booking,
    make_counter,
    make_office,
    make_officer,
    make_service,
    make_slot,
    make_walk_in,
    sign_officer_pact,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 3, 4)
COUNTER_CLIENT = ClientInfo(channel="counter", ip="192.0.2.10", user_agent="pytest")


def at(office, hour, minute=0, second=0, day=DAY):
    return local_time(office, day, hour, minute, second)


@pytest.fixture
def desk():
    office = make_office()  # Asia/Makassar, UTC+8
    agency = make_agency(office)
    a = make_service(agency=agency, prefix="A")
    b = make_service(agency=agency, prefix="B")
    return SimpleNamespace(
        office=office,
        agency=agency,
        a=a,
        b=b,
        counter=make_counter(agency=agency, services=[a, b]),
        signed=make_officer(agency),  # signs at 07:30 in the tests that need it
        officer=make_officer(agency),  # signs only when a test says so
    )


def snapshot():
    return (
        list(Ticket.objects.order_by("pk").values()),
        list(TicketEvent.objects.order_by("pk").values()),
        list(AuditFlag.objects.order_by("pk").values()),
        list(CallState.objects.values()),
    )


def ticket_at_counter(desk, status):
    """A walk-in of service A in `status`, called and moved by the officer who signed."""
    office = desk.office
    sign_officer_pact(desk.signed, office, now=at(office, 7, 30))
    ticket = make_walk_in(desk.a, now=at(office, 9)).ticket
    args = {"ticket_id": ticket.pk, "counter": desk.counter, "officer": desk.signed}
    if status != Status.WAITING:
        ticket_call_next(counter=desk.counter, officer=desk.signed, now=at(office, 9, 1))
    if status in (Status.SERVING, Status.ON_HOLD):
        ticket_start(now=at(office, 9, 2), **args)
    if status == Status.ON_HOLD:
        ticket_hold(now=at(office, 9, 3), **args)
    ticket.refresh_from_db()
    assert ticket.status == status
    return ticket


def moves(desk, counter):
    """Each counter move, for a ticket in the status it needs."""
    return {
        "call_next": (Status.WAITING, lambda t, o, now: ticket_call_next(
            counter=counter, officer=o, now=now
        )),
        "call_specific": (Status.WAITING, lambda t, o, now: ticket_call_specific(
            ticket_id=t.pk, counter=counter, officer=o, reason="Warga disabilitas", now=now
        )),
        "recall": (Status.CALLED, lambda t, o, now: ticket_recall(
            ticket_id=t.pk, counter=counter, officer=o, now=now
        )),
        "start": (Status.CALLED, lambda t, o, now: ticket_start(
            ticket_id=t.pk, counter=counter, officer=o, now=now
        )),
        "no_show": (Status.CALLED, lambda t, o, now: ticket_no_show(
            ticket_id=t.pk, counter=counter, officer=o, now=now
        )),
        "finish": (Status.SERVING, lambda t, o, now: ticket_finish(
            ticket_id=t.pk, counter=counter, officer=o, now=now
        )),
        "hold": (Status.SERVING, lambda t, o, now: ticket_hold(
            ticket_id=t.pk, counter=counter, officer=o, now=now
        )),
        "transfer": (Status.SERVING, lambda t, o, now: ticket_transfer(
            ticket_id=t.pk, counter=counter, officer=o, service_id=desk.b.pk, now=now
        )),
        "resume": (Status.ON_HOLD, lambda t, o, now: ticket_resume(
            ticket_id=t.pk, counter=counter, officer=o, now=now
        )),
        "cancel": (Status.ON_HOLD, lambda t, o, now: ticket_cancel_at_counter(
            ticket_id=t.pk, counter=counter, officer=o, now=now
        )),
    }  # fmt: skip


MOVES = [
    "call_next",
    "call_specific",
    "recall",
    "start",
    "no_show",
    "finish",
    "hold",
    "transfer",
    "resume",
    "cancel",
]


@pytest.mark.parametrize("name", MOVES)
def test_without_todays_pact_every_counter_move_is_refused_then_works_after_signing(desk, name):
    status, make_move = moves(desk, desk.counter)[name]
    ticket = ticket_at_counter(desk, status)
    now = at(desk.office, 9, 30)

    before = snapshot()
    with pytest.raises(DomainError) as exc:
        make_move(ticket, desk.officer, now)
    assert exc.value.code == ErrorCode.OFFICER_PACT_REQUIRED
    assert snapshot() == before

    sign_officer_pact(desk.officer, desk.office, now=at(desk.office, 9, 29))
    make_move(ticket, desk.officer, now)
    ticket.refresh_from_db()
    assert ticket.status != status or name == "recall"
    assert TicketEvent.objects.filter(ticket=ticket).last().officer == desk.officer


def test_the_pact_is_signed_once_per_local_day_not_per_utc_day(desk):
    office = desk.office
    # 07:30 in Makassar on DAY is 23:30 UTC the day before; 09:00 is 01:00 UTC on DAY.
    first = sign_officer_pact(desk.officer, office, now=at(office, 7, 30))
    assert first.signed_at.astimezone(dt.UTC).date() == DAY - dt.timedelta(days=1)
    again = sign_officer_pact(desk.officer, office, now=at(office, 15))
    assert again.pk == first.pk
    assert officer_pact_signed_today(user=desk.officer, office=office, now=at(office, 23, 59)) == (
        first
    )
    assert PactSignature.objects.filter(officer=desk.officer).count() == 1

    # 00:30 the next local day is 16:30 UTC on DAY, the same UTC day as the signature at
    # 09:00: still a new day at the office, so a new pact.
    next_day = at(office, 0, 30, day=DAY + dt.timedelta(days=1))
    assert next_day.astimezone(dt.UTC).date() == DAY
    assert officer_pact_signed_today(user=desk.officer, office=office, now=next_day) is None
    make_walk_in(desk.a, now=at(office, 9))
    with pytest.raises(DomainError) as exc:
        ticket_call_next(counter=desk.counter, officer=desk.officer, now=next_day)
    assert exc.value.code == ErrorCode.OFFICER_PACT_REQUIRED
    second = sign_officer_pact(desk.officer, office, now=next_day)
    assert second.pk != first.pk
    assert PactSignature.objects.filter(officer=desk.officer).count() == 2


def test_the_officer_pact_joins_the_citizens_ledger_and_gets_a_certificate(desk):
    office = desk.office
    slot = make_slot(desk.a, date=DAY)
    citizens = [make_booking(slot).ticket for _ in range(2)]
    make_walk_in(desk.a, now=at(office, 8, 10))
    signature = sign_officer_pact(desk.officer, office, now=at(office, 8, 15))

    citizen_seqs = sorted(
        PactSignature.objects.filter(audience=Audience.CITIZEN).values_list("ledger_seq", flat=True)
    )
    assert citizen_seqs == [1, 2, 3]
    assert signature.ledger_seq == 4
    assert signature.prev_hash == PactSignature.objects.get(ledger_seq=3, office=office).entry_hash
    report = ledger_verify(office=office)
    assert (report.ok, report.entries) == (True, 4)

    rendering = pact_in_force(office=office, audience=Audience.OFFICER, agency=desk.agency)
    assert (signature.audience, signature.officer, signature.ticket) == (
        Audience.OFFICER,
        desk.officer,
        None,
    )
    assert (signature.pact_version, signature.pact_sha256) == (
        rendering.pact.version,
        rendering.sha256,
    )
    assert desk.agency.name in signature.rendering.text  # the agency's own wording
    assert signature.channel == "counter"
    assert Certificate.objects.filter(signature=signature).exists()
    assert all(Certificate.objects.filter(signature__ticket=t).exists() for t in citizens)
    # Signing again the same day adds nothing to the chain.
    sign_officer_pact(desk.officer, office, now=at(office, 12))
    assert ledger_verify(office=office).entries == 4


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"pact_agreed": False}, ErrorCode.PACT_REQUIRED),
        ({"pact_version": 99}, ErrorCode.PACT_OUTDATED),
        ({"pact_sha256": "f" * 64}, ErrorCode.PACT_OUTDATED),
    ],
)
def test_the_officer_pact_must_be_the_text_in_force_and_agreed(desk, change, code):
    rendering = pact_in_force(office=desk.office, audience=Audience.OFFICER, agency=desk.agency)
    values = {
        "pact_version": rendering.pact.version,
        "pact_sha256": rendering.sha256,
        "pact_agreed": True,
    } | change
    with pytest.raises(DomainError) as exc:
        officer_pact_sign(
            user=desk.officer,
            office=desk.office,
            client=COUNTER_CLIENT,
            now=at(desk.office, 8),
            **values,
        )
    assert exc.value.code == code
    assert not PactSignature.objects.exists()


def test_the_citizen_pact_is_not_the_officer_pact(desk):
    citizen = pact_in_force(office=desk.office, audience=Audience.CITIZEN)
    with pytest.raises(DomainError) as exc:
        officer_pact_sign(
            user=desk.officer,
            office=desk.office,
            pact_version=citizen.pact.version,
            pact_sha256=citizen.sha256,
            pact_agreed=True,
            client=COUNTER_CLIENT,
            now=at(desk.office, 8),
        )
    assert exc.value.code == ErrorCode.PACT_OUTDATED


def outsiders(desk):
    """Officers who signed their pact today but may not touch this desk's counter."""
    office = desk.office
    other_agency = make_agency(office)
    neighbour = make_officer(other_agency)
    sign_officer_pact(neighbour, office, now=at(office, 7))
    other_office = make_office()
    far = make_officer(make_agency(other_office))
    sign_officer_pact(far, other_office, now=at(other_office, 7))
    # (Signing the pact at this office is refused to them too: test_scoped_actions.py.)
    return {"other agency": neighbour, "other office": far}


@pytest.mark.parametrize("name", MOVES)
@pytest.mark.parametrize("who", ["other agency", "other office"])
def test_an_officer_of_another_agency_or_office_is_forbidden_and_nothing_changes(desk, name, who):
    status, make_move = moves(desk, desk.counter)[name]
    ticket = ticket_at_counter(desk, status)
    stranger = outsiders(desk)[who]
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        make_move(ticket, stranger, at(desk.office, 9, 30))
    assert exc.value.code == ErrorCode.FORBIDDEN
    assert snapshot() == before


@pytest.mark.parametrize("name", [n for n in MOVES if n != "call_next"])
def test_a_ticket_of_another_office_or_of_a_service_the_counter_lacks_is_forbidden(desk, name):
    status, _ = moves(desk, desk.counter)[name]
    ticket = ticket_at_counter(desk, status)
    # Their own counter, their pact signed: but this ticket is not theirs to move.
    other = make_office()
    far_agency = make_agency(other)
    far_counter = make_counter(agency=far_agency, services=[make_service(agency=far_agency)])
    far = make_officer(far_agency)
    sign_officer_pact(far, other, now=at(other, 7))
    c_counter = make_counter(
        agency=desk.agency, services=[make_service(agency=desk.agency, prefix="C")]
    )
    for counter, officer in [(far_counter, far), (c_counter, desk.signed)]:
        _, make_move = moves(desk, counter)[name]
        before = snapshot()
        with pytest.raises(DomainError) as exc:
            make_move(ticket, officer, at(desk.office, 9, 30))
        assert exc.value.code == ErrorCode.FORBIDDEN
        assert snapshot() == before


def test_who_may_operate_a_counter(desk):
    from django.contrib.auth import get_user_model

    office_admin = make_officer(desk.agency, role="office_admin")
    agency_admin = make_officer(desk.agency, role="agency_admin")
    other_admin = make_officer(make_agency(make_office()), role="office_admin")
    nobody = get_user_model().objects.create_user(username="tamu", password=None)
    superuser = get_user_model().objects.create_superuser(username="root", password=None)
    assert can_operate_counter(desk.officer, desk.counter)
    assert can_operate_counter(office_admin, desk.counter)
    assert can_operate_counter(agency_admin, desk.counter)
    assert can_operate_counter(superuser, desk.counter)
    assert not can_operate_counter(other_admin, desk.counter)
    assert not can_operate_counter(nobody, desk.counter)
