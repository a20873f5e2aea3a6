"""Personal data that slips into a log message is masked before it is written."""

import io
import logging

import pytest

from antrean.core.logging import MaskPersonalDataFilter, mask_text

NIK = "5103014101900001"


@pytest.fixture
def log():
    """A logger that writes through the mask filter into a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskPersonalDataFilter())
    logger = logging.getLogger("antrean.tests.masking")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    yield logger, stream
    logger.removeHandler(handler)


def test_nik_in_arguments_is_masked(log):
    logger, stream = log
    logger.info("booking refused for NIK %s", NIK)
    out = stream.getvalue()
    assert NIK not in out
    assert "booking refused for NIK 5103********0001" in out


def test_nik_in_the_message_itself_is_masked(log):
    logger, stream = log
    logger.warning(f"nik={NIK};")
    assert stream.getvalue().strip() == "nik=5103********0001;"


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+6281234567890", "+62812****890"),
        ("6281234567890", "62812****890"),
        ("081234567890", "0812****890"),
        ("08112345678", "0811****678"),
    ],
)
def test_phone_numbers_are_masked(log, phone, masked):
    logger, stream = log
    logger.info("sending to %s now", phone)
    out = stream.getvalue()
    assert phone not in out
    assert "34567" not in out  # the middle digits are what must go
    assert f"sending to {masked} now" in out


def test_both_in_one_message(log):
    logger, stream = log
    logger.error("nik %s phone %s slot %d", NIK, "+6281234567890", 42)
    assert stream.getvalue().strip() == "nik 5103********0001 phone +62812****890 slot 42"


def test_other_numbers_are_left_alone(log):
    logger, stream = log
    logger.info("slot %s booked %d of %d at %s", 1234, 7, 10, "2026-01-05 08:00:00")
    assert stream.getvalue().strip() == "slot 1234 booked 7 of 10 at 2026-01-05 08:00:00"


def test_longer_digit_runs_are_not_taken_for_a_nik():
    assert mask_text("12345678901234567") == "12345678901234567"


def test_the_console_handler_is_configured_with_the_filter():
    from django.conf import settings

    handler = settings.LOGGING["handlers"]["console"]
    assert "mask_personal_data" in handler["filters"]
    root = logging.getLogger()
    filtered = [
        h for h in root.handlers if any(isinstance(f, MaskPersonalDataFilter) for f in h.filters)
    ]
    assert filtered, "the root logger's console handler must mask personal data"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("NIK saya 5103 0141 0190 0001.", "NIK saya 5103********0001."),
        ("nik: 5103-0141-0190-0001", "nik: 5103********0001"),
        ("5103.0141.0190.0001", "5103********0001"),
        ("WA 0812-3456-7890 ya", "WA 0812****890 ya"),
        ("hubungi +62 812 3456 7890", "hubungi +62812****890"),
        ("(0812) 3456 7890", "(0812****890"),
        ("antrean 3 0812 3456 7890", "antrean 3 0812****890"),
    ],
)
def test_grouped_numbers_are_masked(text, masked):
    """What citizens type into WhatsApp is grouped the way the card or phone shows it."""
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "A-007 dipanggil ke loket 3 pada 2026-01-05 09.15",
        "Biaya Rp 150.000, dibayar 12-01-2026",
        "kode ABCD-2345, antrean 12 dari 40",
        "",
    ],
)
def test_grouped_ordinary_numbers_are_left_alone(text):
    assert mask_text(text) == text
