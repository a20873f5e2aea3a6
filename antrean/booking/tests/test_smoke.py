import pytest

from antrean.booking.services import booking_create
from antrean.integrity.services import ClientInfo
from antrean.testing.factories import booking_request, make_slot


@pytest.mark.django_db
def test_booking_gives_first_number():
    slot = make_slot(capacity=2)
    result = booking_create(request=booking_request(slot), client=ClientInfo())
    assert result.ticket.number == f"{slot.service.prefix}-001"
    assert result.ticket.pact_signature.pact_sha256
