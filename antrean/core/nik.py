"""NIK (Nomor Induk Kependudukan) format check, per shared/domain/REFERENCE.md.

Only the format is checked: a well-formed NIK may still not exist (that needs Dukcapil's data
access). python-stdnum's `id.nik` is not used because it rejects the 2022 Papua codes.
"""

import datetime as dt
import re

PROVINCE_CODES = frozenset(
    {
        *(11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53),
        *(61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96),
    }
)
_DIGITS = re.compile(r"[0-9]{16}")  # fullmatch: "$" would let a trailing newline in
_SEPARATORS = re.compile(r"[\s.\-]")


def normalize_nik(raw: str) -> str:
    """Drop the spaces, dots and dashes people type between digit groups."""
    return _SEPARATORS.sub("", raw or "")


def is_valid_nik(nik: str) -> bool:
    if not _DIGITS.fullmatch(nik):
        return False
    if int(nik[0:2]) not in PROVINCE_CODES:
        return False
    if nik[2:4] == "00" or nik[4:6] == "00":
        return False
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > 40:
        day -= 40  # women: day + 40
    if not 1 <= day <= 31:
        return False
    if nik[12:16] == "0000":
        return False
    # A real calendar date in 19YY or 20YY (29 February must exist in one of them).
    for century in (1900, 2000):
        try:
            dt.date(century + yy, month, day)
        except ValueError:
            continue
        return True
    return False
