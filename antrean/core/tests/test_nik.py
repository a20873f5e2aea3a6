"""NIK format checks, per shared/domain/REFERENCE.md."""

import pytest

from antrean.core.errors import DomainError, ErrorCode
from antrean.core.identity import clean_nik
from antrean.core.nik import is_valid_nik, normalize_nik
from antrean.core.personal_data import mask_nik

# REFERENCE.md: {11-19, 21, 31-36, 51-53, 61-65, 71-76, 81, 82, 91-96}; 92, 93, 95, 96 are the
# Papua codes of 2022, which python-stdnum refuses.
PROVINCES = (
    set(range(11, 20))
    | {21}
    | set(range(31, 37))
    | set(range(51, 54))
    | set(range(61, 66))
    | set(range(71, 77))
    | {81, 82}
    | set(range(91, 97))
)


@pytest.mark.parametrize(
    "nik",
    [
        "5103011208850002",  # Badung, man born 12 Aug 1985
        "5103015208850002",  # the same date for a woman: day + 40
        "5103014101900001",  # woman born 1 Jan 1990
        "5103017101900001",  # woman born 31 Jan (71 = 31 + 40)
        "3171011505100003",  # Jakarta, born 15 May 2010 (20YY)
        "3171011505990003",  # born 15 May 1999 (19YY)
        "9201011505990001",  # Papua codes of 2022
        "9301011505990001",
        "9501011505990001",
        "9601011505990001",
        "9101011505990001",  # and the old ones
        "9401011505990001",
        "3273012902000001",  # 29 Feb 2000, a leap year
        "3273012902040001",  # 29 Feb 1904 / 2004
        "3273016902040001",  # 29 Feb 2004, woman
        "1101011505999999",
    ],
)
def test_valid_niks(nik):
    assert is_valid_nik(nik)
    assert clean_nik(nik) == nik


@pytest.mark.parametrize(
    ("nik", "why"),
    [
        ("510301410190001", "15 digits"),
        ("51030141019000011", "17 digits"),
        ("", "empty"),
        ("51030141019000A1", "a letter"),
        ("5103O14101900001", "letter O for zero"),
        ("".join(chr(0xFF10 + int(d)) for d in "5103011208850002"), "full-width digits"),
        ("1003014101900001", "province 10"),
        ("2003014101900001", "province 20"),
        ("3703014101900001", "province 37"),
        ("9903014101900001", "province 99"),
        ("0003014101900001", "province 00"),
        ("5100014101900001", "regency 00"),
        ("5103004101900001", "district 00"),
        ("5103010001900001", "day 00"),
        ("5103013201900001", "day 32"),
        ("5103014001900001", "day 40"),
        ("5103017201900001", "day 72 (32 + 40)"),
        ("5103011500900001", "month 00"),
        ("5103011513900001", "month 13"),
        ("5103013102900001", "31 February"),
        ("5103013002900001", "30 February"),
        ("5103017002900001", "30 February, woman"),
        ("5103012902010001", "29 February 1901/2001"),
        ("5103013104900001", "31 April"),
        ("5103011208850000", "serial 0000"),
    ],
)
def test_invalid_niks(nik, why):
    assert not is_valid_nik(nik), why
    with pytest.raises(DomainError) as caught:
        clean_nik(nik)
    assert caught.value.code == ErrorCode.INVALID_NIK
    assert caught.value.field == "nik"


@pytest.mark.parametrize("code", range(100))
def test_every_province_code(code):
    nik = f"{code:02d}03011208850002"
    assert is_valid_nik(nik) is (code in PROVINCES)


def test_is_valid_nik_wants_exactly_sixteen_digits():
    # A trailing newline must not slip past the pattern.
    assert not is_valid_nik("5103011208850002\n")


@pytest.mark.parametrize(
    "raw",
    [
        "5103 0112 0885 0002",
        "5103.0112.0885.0002",
        "5103-0112-0885-0002",
        " 51.03.01 120885 0002 ",
        "5103011208850002\n",
        "5103\t0112-0885.0002",
    ],
)
def test_separators_are_dropped(raw):
    assert normalize_nik(raw) == "5103011208850002"
    assert clean_nik(raw) == "5103011208850002"


def test_normalize_keeps_other_characters():
    # Only separators go; anything else stays and makes the NIK invalid.
    assert normalize_nik("5103/0112/0885/0002") == "5103/0112/0885/0002"
    with pytest.raises(DomainError):
        clean_nik("5103/0112/0885/0002")


def test_mask_nik_hides_the_birth_date():
    assert mask_nik("5103014101900001") == "5103********0001"
    assert mask_nik("3171011505100003") == "3171********0003"
