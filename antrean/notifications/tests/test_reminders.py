"""Reminders: the day before at the office's local reminder hour, and one hour before the
slot; once each, only for booked tickets whose holder agreed to WhatsApp messages."""

import datetime as dt

import pytest

from antrean.booking.services import booking_cancel
from antrean.notifications.models import Kind, Message, Status
from antrean.notifications.services import messages_send_due, reminders_queue
from antrean.notifications.tests.conftest import book
from antrean.testing.factories import make_office, make_service, make_slot, tomorrow

pytestmark = pytest.mark.django_db


def local(office, date: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A moment given in the office's own zone."""
    return dt.datetime.combine(date, dt.time(hour, minute), tzinfo=office.zone)


def reminders(kind=None):
    qs = Message.objects.filter(kind__in=[Kind.REMINDER_DAY, Kind.REMINDER_HOUR])
    return qs.filter(kind=kind) if kind else qs


@pytest.fixture
def office(db):
    return make_office(code="mpp-badung", timezone_name="Asia/Makassar", reminder_hour=16)


@pytest.fixture
def slot(office):
    return make_slot(make_service(office, name="Paspor", prefix="P"), capacity=10)  # 09–10


def test_day_reminder_at_the_offices_hour_the_day_before(office, slot):
    ticket = book(slot, consent=True).ticket
    eve = tomorrow(office) - dt.timedelta(days=1)

    assert reminders_queue(now=local(office, eve, 15, 59)) == 0
    assert reminders_queue(now=local(office, eve, 16, 0)) == 1

    message = reminders().get()
    assert (message.ticket, message.kind, message.status) == (
        ticket,
        Kind.REMINDER_DAY,
        Status.PENDING,
    )
    assert message.params[0] == ticket.number
    assert message.params[1] == "Paspor"
    assert message.params[2].endswith("09.00–10.00 WITA")
    assert message.params[3] == office.name
    assert message.template_name == "antrean_reminder_day"


def test_day_reminder_is_queued_once(office, slot):
    book(slot, consent=True)
    eve = tomorrow(office) - dt.timedelta(days=1)

    counts = [reminders_queue(now=local(office, eve, hour, 30)) for hour in (16, 17, 20, 23)]

    assert counts == [1, 0, 0, 0]
    assert reminders(Kind.REMINDER_DAY).count() == 1


def test_hour_reminder_within_the_hour_before_the_slot_once(office, slot):
    ticket = book(slot, consent=True).ticket
    day = tomorrow(office)

    assert reminders_queue(now=local(office, day, 7, 59)) == 0
    assert reminders_queue(now=local(office, day, 8, 0)) == 1
    assert reminders_queue(now=local(office, day, 8, 30)) == 0
    assert reminders_queue(now=local(office, day, 9, 0)) == 0  # started: nothing more

    message = reminders().get()
    assert (message.ticket, message.kind) == (ticket, Kind.REMINDER_HOUR)


def test_both_reminders_over_the_two_days(office, slot):
    book(slot, consent=True)
    day = tomorrow(office)
    eve = day - dt.timedelta(days=1)

    total = sum(
        reminders_queue(now=moment)
        for moment in (
            local(office, eve, 12),
            local(office, eve, 16, 5),
            local(office, eve, 22),
            local(office, day, 6),
            local(office, day, 8, 10),
            local(office, day, 8, 50),
        )
    )

    assert total == 2
    assert sorted(reminders().values_list("kind", flat=True)) == [
        Kind.REMINDER_DAY,
        Kind.REMINDER_HOUR,
    ]


def test_no_reminders_without_consent_or_after_cancelling(office, slot):
    book(slot, consent=False)
    cancelled = book(slot, consent=True).ticket
    booking_cancel(ticket=cancelled)
    day = tomorrow(office)

    assert reminders_queue(now=local(office, day - dt.timedelta(days=1), 16)) == 0
    assert reminders_queue(now=local(office, day, 8, 15)) == 0
    assert not reminders().exists()


def test_cancelling_after_the_day_reminder_was_queued_cancels_it(office, slot, console_gateway):
    ticket = book(slot, consent=True).ticket
    reminders_queue(now=local(office, tomorrow(office) - dt.timedelta(days=1), 16))

    booking_cancel(ticket=ticket)

    assert reminders().get().status == Status.CANCELLED
    # Only the cancellation goes: the confirmation still waiting was cancelled with it.
    assert messages_send_due(worker_id="uji").claimed == 1
    assert reminders().get().status == Status.CANCELLED


def test_a_slot_two_days_ahead_gets_no_day_reminder_yet(office, slot):
    later_slot = make_slot(slot.service, date=tomorrow(office) + dt.timedelta(days=1))
    book(later_slot, consent=True)

    assert reminders_queue(now=local(office, tomorrow(office) - dt.timedelta(days=1), 16)) == 0
    assert reminders_queue(now=local(office, tomorrow(office), 16)) == 1


def test_reminder_hour_is_the_offices_own_local_hour(db):
    jakarta = make_office(timezone_name="Asia/Jakarta", reminder_hour=18)
    makassar = make_office(timezone_name="Asia/Makassar", reminder_hour=16)
    for office in (jakarta, makassar):
        book(make_slot(make_service(office)), consent=True)
    # The same instant in UTC is 16:30 WITA and 15:30 WIB the day before.
    eve = tomorrow(makassar) - dt.timedelta(days=1)
    instant = local(makassar, eve, 16, 30)

    assert reminders_queue(now=instant) == 1
    assert reminders().get().office == makassar
    assert reminders_queue(now=local(jakarta, tomorrow(jakarta) - dt.timedelta(days=1), 18)) == 1
    assert set(reminders().values_list("office__code", flat=True)) == {
        jakarta.code,
        makassar.code,
    }
