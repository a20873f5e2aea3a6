"""Personal data and secrets that slip into a log line are masked before it is written: in
the message, in a traceback, in a server's access line."""

import io
import logging
import os
import subprocess
import sys

import pytest

from antrean.core.logging import MaskingFormatter, MaskPersonalDataFilter, mask_text

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


# --- tokens and other secrets ------------------------------------------------------------------

TOKEN = "Zq3v8Hn2Kp0Lr5Tw7Yx1Bc4Df6Gh9Jk2"


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        (f"GET /antrean/A-7K2/?t={TOKEN} HTTP/1.1", "GET /antrean/A-7K2/?t=*** HTTP/1.1"),
        (f"/kiosk/mpp-badung/?device={TOKEN}&lang=en", "/kiosk/mpp-badung/?device=***&lang=en"),
        (f"/ws/status/A-7K2/?t={TOKEN}", "/ws/status/A-7K2/?t=***"),
        ("/x?token=abc&page=2", "/x?token=***&page=2"),
        (
            "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=rahasia&hub.challenge=42",
            "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=***&hub.challenge=42",
        ),
        # A value that looks generated is masked whatever its name.
        (f"/v/?kode={TOKEN}", "/v/?kode=***"),
        ("Authorization: Bearer abc.DEF-123_x", "Authorization: Bearer ***"),
        # Left alone: ordinary parameters, short values, words that end in t.
        ("/loket/?kantor=mpp-badung&halaman=2", "/loket/?kantor=mpp-badung&halaman=2"),
        ("/?next=/loket/1/", "/?next=/loket/1/"),
        ("sent=3 cat=4", "sent=3 cat=4"),
    ],
)
def test_secrets_in_query_strings_are_masked(line, masked):
    assert mask_text(line) == masked


def test_the_formatter_masks_the_traceback_too():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(MaskingFormatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("antrean.tests.masking.traceback")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        raise ValueError(f"no such NIK {NIK} (t={TOKEN})")
    except ValueError:
        logger.exception("lookup failed")
    finally:
        logger.removeHandler(handler)

    out = stream.getvalue()
    assert "Traceback (most recent call last)" in out
    assert "ValueError: no such NIK 5103********0001 (t=***)" in out
    assert NIK not in out and TOKEN not in out


CHECK_HANDLERS = """
import logging, django
django.setup()
from antrean.core.logging import MaskingFormatter
from antrean.core.serving import uvicorn_config
uvicorn_config(host="127.0.0.1", port=0)
root = logging.getLogger().handlers
assert root and all(isinstance(h.formatter, MaskingFormatter) for h in root), root
for name in ("django", "django.server", "django.request", "uvicorn.error", "uvicorn.access"):
    logger = logging.getLogger(name)
    own = [h for h in logger.handlers if not isinstance(h.formatter, MaskingFormatter)]
    assert not own, f"{name} writes through {own}"
    assert logger.propagate or not logger.handlers, name
print("ok")
"""


def test_every_handler_of_the_process_masks_what_it_writes():
    """In a fresh process configured as `manage.py serve` configures it (this one has
    pytest's handlers, and other tests' uvicorn configs): the root's handler masks; Django's
    loggers have no handlers of their own left (they write through the root's); uvicorn's
    neither."""
    from django.conf import settings

    env = os.environ | {"DJANGO_SETTINGS_MODULE": "antrean.settings"}
    done = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", CHECK_HANDLERS],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip() == "ok", done.stderr[-3000:]


def test_gunicorn_writes_its_logs_masked(capsys):
    from gunicorn.config import Config

    from antrean.gunicorn_conf import MaskedLogger

    config = Config()
    config.set("accesslog", "-")
    config.set("errorlog", "-")
    logger = MaskedLogger(config)
    logger.error("worker failed for %s", f"/antrean/{NIK}/?t={TOKEN}")
    logger.access_log.info('"GET /?device=%s HTTP/1.1" 200', TOKEN)

    out = capsys.readouterr()
    text = out.out + out.err
    assert "worker failed for /antrean/5103********0001/?t=***" in text
    assert '"GET /?device=*** HTTP/1.1" 200' in text
    assert NIK not in text and TOKEN not in text


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
