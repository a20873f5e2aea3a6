"""Indonesian mobile numbers, stored as E.164 (`+62812…`)."""

import phonenumbers
from phonenumbers import PhoneNumberType


def normalize_mobile(raw: str) -> str | None:
    """E.164 for a valid mobile number (0812…, 62812…, +62 812-…), else None.

    Landlines (0361…) are refused: they cannot receive WhatsApp.
    """
    raw = (raw or "").strip()
    if not raw or len(raw) > 32:
        return None
    if raw.startswith("62"):
        raw = "+" + raw
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 62 or not phonenumbers.is_valid_number(number):
        return None  # a foreign number is valid in its country, but not an Indonesian mobile
    if phonenumbers.number_type(number) not in (
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
