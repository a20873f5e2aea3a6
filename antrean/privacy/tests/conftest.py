"""Fixtures of the privacy tests: files in a temporary folder, and bookings of a given age
made the way citizens make them."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from antrean.catalog.models import Slot
from antrean.integrity.certificates import certificate_render
from antrean.integrity.models import Certificate
from antrean.integrity.signing import signing_cache_clear
from antrean.notifications.gateway import reset_gateway
from antrean.testing.factories import make_booking, make_nik, make_phone, make_slot

NAME = "Ni Made Ayu Lestari"
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def files_in_tmp(settings, tmp_path):
    """Certificate PDFs and signing keys in a temporary folder; the console gateway."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANTREAN_KEY_DIR = tmp_path / "keys"
    settings.WHATSAPP_GATEWAY = "console"
    signing_cache_clear()
    reset_gateway()
    yield tmp_path
    signing_cache_clear()
    reset_gateway()


def days_ago(days: int) -> dt.date:
    return timezone.now().date() - dt.timedelta(days=days)


def book_on(service, date: dt.date, *, consent: bool = True, render: bool = True, **overrides):
    """A booking for `date` (made the day before), with its certificate rendered."""
    n = next(_serial)
    slot = Slot.objects.filter(service=service, date=date).first() or make_slot(
        service, date=date, capacity=50
    )
    values = {"nik": make_nik(n), "whatsapp": make_phone(n), "whatsapp_consent": consent}
    result = make_booking(slot, **(values | overrides))
    if render:
        certificate = Certificate.objects.get(signature__ticket=result.ticket)
        certificate_render(certificate_id=certificate.pk)
    return result
