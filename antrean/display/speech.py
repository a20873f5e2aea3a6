"""What the hall's TV says when it calls a number, in Indonesian.

The same rules are in static/display/speech.js (the browser speaks); the server also sends its
own wording with every event, so both say the same. The text is Indonesian whatever the page
language: it is read aloud by an Indonesian (id-ID) voice to the people in the hall.
"""

import re

ONES = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]
# (value, word): "satu juta" and "satu miliar", but "seribu" and "seratus" (below).
SCALES = [(10**12, "triliun"), (10**9, "miliar"), (10**6, "juta")]

_NUMBER = re.compile(r"^\s*([A-Za-z]*)[\s-]*(\d+)\s*$")


def _with_rest(head: str, rest: int) -> str:
    return f"{head} {number_words(rest)}" if rest else head


def number_words(n: int) -> str:
    """11 → "sebelas", 21 → "dua puluh satu", 105 → "seratus lima", 1000 → "seribu"."""
    if n < 0:
        return f"minus {number_words(-n)}"
    if n < 10:
        return ONES[n]
    if n == 10:
        return "sepuluh"
    if n == 11:
        return "sebelas"
    if n < 20:
        return f"{ONES[n - 10]} belas"
    if n < 100:
        return _with_rest(f"{ONES[n // 10]} puluh", n % 10)
    if n < 200:
        return _with_rest("seratus", n - 100)
    if n < 1000:
        return _with_rest(f"{ONES[n // 100]} ratus", n % 100)
    if n < 2000:
        return _with_rest("seribu", n - 1000)
    if n < 10**6:
        return _with_rest(f"{number_words(n // 1000)} ribu", n % 1000)
    for value, word in SCALES:
        if n >= value:
            return _with_rest(f"{number_words(n // value)} {word}", n % value)
    raise AssertionError("unreachable")  # pragma: no cover


def spoken_number(number: str) -> str:
    """A queue number as it is read: "A-007" → "A tujuh", "B-105" → "B seratus lima".

    The prefix letters are read one by one; leading zeros are not read. Anything that is not
    a letter prefix and digits is read as written.
    """
    match = _NUMBER.match(number or "")
    if not match:
        return (number or "").strip()
    letters, digits = match.groups()
    words = number_words(int(digits))
    spelled = " ".join(letters.upper())
    return f"{spelled} {words}" if spelled else words


def announcement_text(*, number: str, counter: int | None) -> str:
    """ "Nomor antrean A tujuh, silakan ke loket tiga"."""
    text = f"Nomor antrean {spoken_number(number)}"
    if counter is not None:
        text += f", silakan ke loket {number_words(int(counter))}"
    return text
