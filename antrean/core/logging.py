"""Masking of personal data and secrets in everything the processes log.

Two layers:
- `MaskPersonalDataFilter` masks the message of a record (its `msg` and `args`), so whatever
  else reads the record sees it masked;
- `MaskingFormatter` masks the final line a handler writes: the message, the traceback
  (`exc_text`), the stack. It is the one that matters: a NIK in an exception's text, a token
  in an access log's request line, never reach a stream. Every handler the project configures
  uses it: Django's (settings.LOGGING, which uvicorn's loggers also reach, see
  antrean.core.serving) and gunicorn's (antrean.gunicorn_conf).

What is masked: NIK-shaped runs of 16 digits, Indonesian mobile numbers, the values of query
parameters that carry secrets (`t=` booking tokens, `device=` kiosk tokens, `token=`, …), any
other query value that looks like a generated secret, and Bearer tokens.

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


# Parameters whose value is a secret whatever it looks like (short ones too).
SECRET_PARAMETERS = (
    "t",  # booking token: /antrean/<code>/?t=
    "device",  # kiosk token: /kiosk/<office>/?device=
    "token",
    "access_token",
    "hub.verify_token",  # WhatsApp webhook verification
    "key",
    "secret",
    "password",
    "signature",
    "sig",
    "otp",
)
MASK = "***"
_VALUE = r"[^&;,()\[\]\s\"'#<>]+"
_VALUE_END = r"[&;,()\[\]\s\"'#<>]|$"
# `name=value` where the name stands alone (not the end of `cat=`), in a query string or in
# free text such as `token=…` in a message.
_SECRET_PARAMETER = re.compile(
    r"(?<![\w.\-])((?:" + "|".join(re.escape(n) for n in SECRET_PARAMETERS) + r")=)" + _VALUE,
    re.IGNORECASE,
)
# Any other query value that looks like a generated secret (token_urlsafe, hex digests).
_TOKEN_LIKE_VALUE = re.compile(r"([?&;][\w.\-\[\]]+=)[A-Za-z0-9_\-]{20,}(?=" + _VALUE_END + ")")
_BEARER = re.compile(r"(\bBearer\s+)[A-Za-z0-9_\-.~+/]+=*", re.IGNORECASE)


def mask_text(text: str) -> str:
    """`NIK 5103 0141 0190 0001, WA 0812-3456-7890, ?t=abc` →
    `NIK 5103********0001, WA 0812****890, ?t=***`."""
    if not text:
        return text
    text = _SECRET_PARAMETER.sub(r"\1" + MASK, text)
    text = _TOKEN_LIKE_VALUE.sub(r"\1" + MASK, text)
    text = _BEARER.sub(r"\1" + MASK, text)
    text = _NIK.sub(_nik_masked, text)
    return _PHONE.sub(_phone_masked, text)


class MaskPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class MaskingFormatter(logging.Formatter):
    """A Formatter whose every output line is masked: message, traceback and stack alike."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_text(super().format(record))

    @classmethod
    def wrapping(cls, formatter: logging.Formatter | None) -> "MaskingFormatter":
        """The same format as `formatter` (a server's own), masked."""
        if formatter is None:
            return cls()
        if isinstance(formatter, MaskingFormatter):
            return formatter
        return _MaskingWrapper(formatter)


class _MaskingWrapper(MaskingFormatter):
    """Masks what another formatter (of any class, e.g. with colours) writes."""

    def __init__(self, inner: logging.Formatter):
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return mask_text(self.inner.format(record))
