"""Indonesian mobile numbers: accepted in the forms people type, stored as E.164."""

import pytest

from antrean.core.errors import DomainError, ErrorCode
from antrean.core.identity import clean_phone
from antrean.core.personal_data import mask_phone
from antrean.core.phone import normalize_mobile


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("081234567890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("+6281234567890", "+6281234567890"),
        ("+62 812-3456-7890", "+6281234567890"),
        ("0812 3456 7890", "+6281234567890"),
        ("62 812 3456 7890", "+6281234567890"),
        ("+62 (812) 3456 7890", "+6281234567890"),
        ("  0812-3456-7890  ", "+6281234567890"),
        ("0811 2345 678", "+628112345678"),
        ("0856 1234 5678", "+6285612345678"),
        ("0899 1234 5678", "+6289912345678"),
    ],
)
def test_mobile_numbers_become_e164(raw, e164):
    assert normalize_mobile(raw) == e164
    assert clean_phone(raw) == e164


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("0361 234567", "Denpasar landline"),
        ("0361234567", "Denpasar landline, no spaces"),
        ("+62 361 234567", "landline in international form"),
        ("021 5551234", "Jakarta landline"),
        ("+1 650 253 0000", "United States"),
        ("+44 7911 123456", "United Kingdom mobile"),
        ("+60 12-345 6789", "Malaysian mobile"),
        ("+65 8123 4567", "Singapore mobile"),
        ("abc", "letters"),
        ("", "empty"),
        ("   ", "blank"),
        ("0812", "too short"),
        ("+62", "country code only"),
        ("081234567", "one digit short"),
        ("08123456789012", "too many digits"),
        ("0812" + "3" * 40, "far too long"),
        ("0812" + " " * 30 + "34567890", "over 32 characters, even if mostly spaces"),
    ],
)
def test_refused_numbers(raw, why):
    assert normalize_mobile(raw) is None, why
    with pytest.raises(DomainError) as caught:
        clean_phone(raw)
    assert caught.value.code == ErrorCode.INVALID_PHONE
    assert caught.value.field == "whatsapp"


def test_none_is_refused():
    assert normalize_mobile(None) is None


def test_mask_phone():
    assert mask_phone("+6281234567890") == "+62812****7890"
    assert mask_phone("+628112345678") == "+62811***5678"
