"""How the TV reads numbers aloud: Indonesian number words and the announcement."""

import pytest

from antrean.display.speech import announcement_text, number_words, spoken_number

TABLE = {
    0: "nol",
    1: "satu",
    7: "tujuh",
    10: "sepuluh",
    11: "sebelas",
    12: "dua belas",
    15: "lima belas",
    19: "sembilan belas",
    20: "dua puluh",
    21: "dua puluh satu",
    45: "empat puluh lima",
    99: "sembilan puluh sembilan",
    100: "seratus",
    101: "seratus satu",
    105: "seratus lima",
    110: "seratus sepuluh",
    111: "seratus sebelas",
    119: "seratus sembilan belas",
    120: "seratus dua puluh",
    200: "dua ratus",
    305: "tiga ratus lima",
    999: "sembilan ratus sembilan puluh sembilan",
    1000: "seribu",
    1001: "seribu satu",
    1011: "seribu sebelas",
    1100: "seribu seratus",
    1999: "seribu sembilan ratus sembilan puluh sembilan",
    2000: "dua ribu",
    2024: "dua ribu dua puluh empat",
    10_000: "sepuluh ribu",
    11_000: "sebelas ribu",
    100_000: "seratus ribu",
    101_000: "seratus satu ribu",
    999_999: "sembilan ratus sembilan puluh sembilan ribu sembilan ratus sembilan puluh sembilan",
    1_000_000: "satu juta",
    2_500_000: "dua juta lima ratus ribu",
    1_000_000_000: "satu miliar",
    3_000_000_000_000: "tiga triliun",
}


@pytest.mark.parametrize(("n", "words"), TABLE.items())
def test_number_words(n, words):
    assert number_words(n) == words


UNITS = {
    "nol": 0, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
    "delapan": 8, "sembilan": 9, "sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000,
}  # fmt: skip
MULTIPLIERS = {"belas": None, "puluh": 10, "ratus": 100}


def read_back(words: str) -> int:
    """An independent reader of Indonesian numbers below a million, for the round trip."""
    total, group, last = 0, 0, 0
    for word in words.split():
        if word == "belas":
            group += 10  # "dua belas": the unit already counted, plus ten
        elif word in ("puluh", "ratus"):
            group += last * (MULTIPLIERS[word] - 1)
        elif word == "ribu":
            total += group * 1000
            group = 0
        elif word == "seribu":
            total += 1000
        else:
            last = UNITS[word]
            group += last
    return total + group


def test_every_number_up_to_two_thousand_reads_back_to_itself_and_uses_only_real_words():
    seen = set()
    allowed = set(UNITS) | {"belas", "puluh", "ratus", "ribu"}
    for n in range(2001):
        words = number_words(n)
        assert read_back(words) == n, (n, words)
        assert set(words.split()) <= allowed, words
        assert "satu puluh" not in words and "satu ratus" not in words and "satu ribu" not in words
        assert "  " not in words and words == words.strip()
        seen.add(words)
    assert len(seen) == 2001  # no two numbers are read alike


@pytest.mark.parametrize(
    ("number", "spoken"),
    [
        ("A-007", "A tujuh"),
        ("A-012", "A dua belas"),
        ("B-105", "B seratus lima"),
        ("C-011", "C sebelas"),
        ("D-100", "D seratus"),
        ("E-1000", "E seribu"),
        ("F-021", "F dua puluh satu"),
        ("G-1999", "G seribu sembilan ratus sembilan puluh sembilan"),
        ("a-000", "A nol"),
        ("AB-010", "A B sepuluh"),
        ("42", "empat puluh dua"),
        ("VIP", "VIP"),
        ("", ""),
    ],
)
def test_spoken_number(number, spoken):
    assert spoken_number(number) == spoken


def test_announcement_text():
    assert announcement_text(number="A-007", counter=3) == (
        "Nomor antrean A tujuh, silakan ke loket tiga"
    )
    assert announcement_text(number="B-105", counter=12) == (
        "Nomor antrean B seratus lima, silakan ke loket dua belas"
    )
    assert announcement_text(number="A-012", counter=21) == (
        "Nomor antrean A dua belas, silakan ke loket dua puluh satu"
    )
    assert announcement_text(number="K-100", counter=11) == (
        "Nomor antrean K seratus, silakan ke loket sebelas"
    )


def test_announcement_without_a_counter_names_the_number_only():
    assert announcement_text(number="A-007", counter=None) == "Nomor antrean A tujuh"
