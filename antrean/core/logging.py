"""Masking of NIK- and phone-shaped numbers in free text, and the logging filter that uses it.

`mask_text` is the one masking function for free text: log lines, provider error details,
and what citizens write to the office's WhatsApp number (shown in the admin). People write
numbers grouped ("5103 0141 0190 0001", "0812-3456-7890", "+62 812 3456 7890", "(0812) 3456
7890"), so one space, dot or dash between digits is allowed inside a run.
"""

import logging
import re

# One separator: a dot, a dash, or a space (after a closing bracket: "(0812) 3456 7890").
_SEP = r"(?:[.\-]|\)? )"
# Not right after a digit, nor after a digit and a dot or dash ("2026-01-05" is one run);
# a digit and a space may end something else ("slot 3 0812…").
_START = r"(?<!\d)(?<!\d[.\-])"
_NIK = re.compile(rf"{_START}\d(?:{_SEP}?\d){{15}}(?!{_SEP}?\d)")
# 08…, 628… or +628…, then 8 to 11 more digits: an Indonesian mobile number.
_PHONE = re.compile(rf"{_START}(\+?62|0){_SEP}?8(?:{_SEP}?\d){{8,11}}(?!{_SEP}?\d)")
_NOT_DIGIT = re.compile(r"\D")


def _nik_masked(match: re.Match) -> str:
    digits = _NOT_DIGIT.sub("", match.group())
    return f"{digits[:4]}********{digits[-4:]}"


def _phone_masked(match: re.Match) -> str:
    prefix = match.group(1)
    digits = _NOT_DIGIT.sub("", match.group()[len(prefix) :])
    return f"{prefix}{digits[:3]}****{digits[-3:]}"


def mask_text(text: str) -> str:
    """`NIK 5103 0141 0190 0001, WA 0812-3456-7890` → `NIK 5103********0001, WA 0812****890`."""
    if not text:
        return text
    text = _NIK.sub(_nik_masked, text)
    return _PHONE.sub(_phone_masked, text)


class MaskPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
