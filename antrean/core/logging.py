"""A logging filter that masks NIKs and phone numbers that slip into log messages."""

import logging
import re

_NIK = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{4})(?!\d)")
_PHONE = re.compile(r"(?<![\d])(\+?62|0)(8\d{2})\d{3,6}(\d{3})(?!\d)")


def mask_text(text: str) -> str:
    text = _NIK.sub(r"\1********\2", text)
    return _PHONE.sub(r"\1\2****\3", text)


class MaskPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
