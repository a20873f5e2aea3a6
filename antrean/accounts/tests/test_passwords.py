"""Staff passwords (ASVS 2.1): at least 12 characters, no composition rules, long ones fine."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


def test_eleven_characters_are_too_few_and_twelve_enough():
    with pytest.raises(ValidationError):
        validate_password("kTq9-wzrv7L")
    validate_password("kTq9-wzrv7Lm")


def test_a_long_passphrase_of_any_script_is_fine():
    validate_password("pagi ini antre di MPP Badung tanpa calo ᬅᬓ᭄ᬱᬭ " * 5)
