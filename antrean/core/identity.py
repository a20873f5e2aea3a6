"""Checks of what a citizen types about themselves, shared by the pages and the API.

Each returns the normalised value or raises DomainError naming the field.
"""

import unicodedata

from antrean.core.errors import DomainError, ErrorCode
from antrean.core.nik import is_valid_nik, normalize_nik
from antrean.core.phone import normalize_mobile

NAME_MIN, NAME_MAX = 2, 100


def clean_name(raw: str) -> str:
    """Any script is welcome; control characters are not. Whitespace runs become one space."""
    name = " ".join(unicodedata.normalize("NFC", raw or "").split())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise DomainError(ErrorCode.INVALID_NAME, field="name")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise DomainError(ErrorCode.INVALID_NAME, field="name")
    if not any(ch.isalpha() for ch in name):
        raise DomainError(ErrorCode.INVALID_NAME, field="name")
    return name


def clean_nik(raw: str) -> str:
    nik = normalize_nik(raw)
    if not is_valid_nik(nik):
        raise DomainError(ErrorCode.INVALID_NIK, field="nik")
    return nik


def clean_phone(raw: str) -> str:
    phone = normalize_mobile(raw)
    if phone is None:
        raise DomainError(ErrorCode.INVALID_PHONE, field="whatsapp")
    return phone
