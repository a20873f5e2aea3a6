"""Queue numbers: per service and local date, counting 1, 2, 3... without gaps."""

import datetime as dt

import pytest
from django.db import transaction

from antrean.queueing.models import TicketSequence
from antrean.queueing.services import format_number, ticket_number_next
from antrean.testing.factories import make_office, make_service

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 1, 7)


def take(service, date=DAY):
    with transaction.atomic():
        return ticket_number_next(service=service, date=date)


def test_counts_up_from_one():
    service = make_service()
    assert [take(service) for _ in range(5)] == [1, 2, 3, 4, 5]
    assert TicketSequence.objects.get(service=service, date=DAY).last == 5


def test_each_service_counts_on_its_own():
    office = make_office()
    a, b = make_service(office), make_service(office)
    assert [take(a), take(a), take(b), take(a), take(b)] == [1, 2, 1, 3, 2]


def test_each_date_counts_on_its_own():
    service = make_service()
    next_day = DAY + dt.timedelta(days=1)
    assert [take(service), take(service), take(service, next_day), take(service)] == [1, 2, 1, 3]
    assert TicketSequence.objects.filter(service=service).count() == 2


def test_a_rolled_back_number_is_given_again():
    service = make_service()
    assert take(service) == 1

    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        assert ticket_number_next(service=service, date=DAY) == 2
        raise Refused
    assert take(service) == 2


@pytest.mark.parametrize(
    ("prefix", "seq", "number"),
    [("A", 1, "A-001"), ("A", 7, "A-007"), ("B", 42, "B-042"), ("KT", 999, "KT-999")],
)
def test_format_number(prefix, seq, number):
    assert format_number(prefix, seq) == number


def test_format_number_beyond_999_keeps_every_digit():
    assert format_number("A", 1000) == "A-1000"
