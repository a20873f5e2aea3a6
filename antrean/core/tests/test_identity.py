"""What a citizen types about themselves: the name check (NIK and phone have their own files)."""

import pytest

from antrean.core.errors import DomainError, ErrorCode
from antrean.core.identity import NAME_MAX, NAME_MIN, clean_name


@pytest.mark.parametrize(
    "name",
    [
        "Ni Made Ayu Lestari",
        "I Gusti Ngurah Rai",
        "ᬅᬓ᭄ᬱᬭ",  # Balinese script, with the adeg-adeg vowel killer
        "محمد عبد الله",  # Arabic
        "王伟",  # Chinese, two characters
        "Nguyễn Thị Minh Khai",
        "O'Neil Siregar-Simanjuntak",
        "Raden Ajeng Kartini, S.H.",
        "Bp. 2",  # digits are fine beside letters
        "Al",  # the shortest allowed
    ],
)
def test_names_in_any_script_are_accepted_as_they_are(name):
    assert clean_name(name) == name


def test_whitespace_is_collapsed_and_trimmed():
    assert clean_name("  Made \t\t Wirawan\n ") == "Made Wirawan"
    assert clean_name("Made\u00a0\u00a0Wirawan") == "Made Wirawan"  # no-break spaces


def test_name_is_normalised_to_nfc():
    # "e" + combining acute becomes the single "é": the same name is stored the same way.
    assert clean_name("Rene\u0301 Sitompul") == "Ren\u00e9 Sitompul"


def test_length_limits_count_after_collapsing():
    assert NAME_MIN == 2 and NAME_MAX == 100
    assert clean_name("A" * 100) == "A" * 100
    assert clean_name("  " + "A" * 100 + "  ") == "A" * 100
    assert clean_name("A" + " " * 50 + "B") == "A B"


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("", "empty"),
        ("   ", "blank"),
        ("A", "one character"),
        ("  A  ", "one character once trimmed"),
        ("A" * 101, "101 characters"),
        ("12345", "digits only"),
        ("0812 3456 7890", "a phone number"),
        ("--", "punctuation only"),
        ("Made\x00Wirawan", "NUL"),
        ("Made\x07Wirawan", "bell"),
        ("Made\x1b[31mWirawan", "terminal escape"),
        ("Made\u202eWirawan", "right-to-left override, a spoofing trick"),
        ("Made\x7fWirawan", "DEL"),
    ],
)
def test_refused_names(raw, why):
    with pytest.raises(DomainError) as caught:
        clean_name(raw)
    assert caught.value.code == ErrorCode.INVALID_NAME, why
    assert caught.value.field == "name"


def test_none_is_refused():
    with pytest.raises(DomainError):
        clean_name(None)


def test_markup_is_kept_as_text():
    # Escaping is the template's job; the name is stored exactly as typed.
    raw = "<script>alert('x')</script> Wayan"
    assert clean_name(raw) == raw
    assert clean_name("Made & <b>Ketut</b>") == "Made & <b>Ketut</b>"
