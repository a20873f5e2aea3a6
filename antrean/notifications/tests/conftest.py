"""Fixtures for the WhatsApp tests: the fake Cloud API with our gateway pointed at it, files
in a temporary folder, and bookings made the way citizens make them."""

import itertools

import pytest

from antrean.booking.services import BookingResult, booking_create
from antrean.integrity.certificates import certificate_render
from antrean.integrity.models import Certificate
from antrean.integrity.services import ClientInfo
from antrean.integrity.signing import signing_cache_clear
from antrean.notifications.gateway import reset_gateway
from antrean.testing.cloud_api import FakeCloudAPI
from antrean.testing.factories import booking_request, make_nik, make_phone

WEBHOOK_SECRET = "rahasia-aplikasi-uji"
VERIFY_TOKEN = "token-verifikasi-uji"


@pytest.fixture
def files_in_tmp(settings, tmp_path):
    """Certificate PDFs and signing keys in a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANTREAN_KEY_DIR = tmp_path / "keys"
    signing_cache_clear()
    yield tmp_path
    signing_cache_clear()


def point_gateway_at(settings, api: FakeCloudAPI, **overrides) -> None:
    for name, value in (api.settings() | overrides).items():
        setattr(settings, name, value)
    reset_gateway()


@pytest.fixture
def cloud_api(settings, files_in_tmp):
    """The fake Cloud API, running, with the cloud gateway pointed at it.

    Retries are fast (base 10 ms) and the client timeout short, so failure runs stay quick.
    """
    with FakeCloudAPI(app_secret=WEBHOOK_SECRET) as api:
        point_gateway_at(
            settings,
            api,
            WHATSAPP_TIMEOUT=2.0,
            WHATSAPP_RETRY_BASE_SECONDS=0.01,
            WHATSAPP_MAX_ATTEMPTS=8,
            WHATSAPP_VERIFY_TOKEN=VERIFY_TOKEN,
        )
        yield api
    reset_gateway()


@pytest.fixture
def console_gateway(settings):
    settings.WHATSAPP_GATEWAY = "console"
    reset_gateway()
    yield
    reset_gateway()


_serial = itertools.count(1)


def book(slot, *, consent: bool = True, phone: str | None = None, **overrides) -> BookingResult:
    """A booking of `slot` by a new citizen (a fresh NIK and number each time)."""
    n = next(_serial)
    request = booking_request(
        slot,
        nik=make_nik(n),
        whatsapp=phone or make_phone(n),
        whatsapp_consent=consent,
        **overrides,
    )
    return booking_create(request=request, client=ClientInfo())


def render_certificate_of(ticket) -> Certificate:
    return certificate_render(certificate_id=Certificate.objects.get(signature__ticket=ticket).pk)
