"""The draw's pages, as a citizen uses them: the day's page offers the draw instead of the
slots, one form enters it, the entry's own page follows it, and the public record lets anyone
check the result and an entrant find their line."""

import pytest
from django.test import Client

from antrean.draws.models import DrawEntry
from antrean.draws.services import draw_close, draw_record, draw_verify
from antrean.draws.tests.test_draws import DAY, during, opened, service  # noqa: F401
from antrean.integrity.models import Audience
from antrean.integrity.services import pact_in_force
from antrean.testing.factories import make_nik, make_phone

pytestmark = pytest.mark.django_db


@pytest.fixture
def now_during(monkeypatch, opened):  # noqa: F811
    from django.utils import timezone

    moment = {"now": during(opened)}
    monkeypatch.setattr(timezone, "now", lambda: moment["now"])
    return moment


def form(service, **overrides):  # noqa: F811
    rendering = pact_in_force(office=service.office, audience=Audience.CITIZEN)
    return {
        "name": "Ni Made Ayu Lestari",
        "nik": make_nik(),
        "whatsapp": make_phone(),
        "pact_version": rendering.pact.version,
        "pact_sha256": rendering.sha256,
        "pact_agreed": "1",
    } | overrides


def test_a_citizen_enters_the_draw_and_follows_it(service, opened, now_during):  # noqa: F811
    client = Client()
    office = service.office
    day_page = client.get(f"/kantor/{office.code}/layanan/{service.pk}/{DAY.isoformat()}/")
    text = day_page.content.decode()
    assert "Kuota hari ini dibagikan lewat undian" in text and "Ikut undian" in text
    assert "/data-diri/" not in text  # no slot is offered first come
    # The window in the office's own time: 7 days ahead at 07.00 WITA to 6 days ahead.
    assert "11 Maret 2030, 07.00 – 12 Maret 2030, 07.00 WITA" in text
    enter_url = f"/kantor/{office.code}/layanan/{service.pk}/{DAY.isoformat()}/undian/"
    # The pact not agreed: refused, nothing written.
    refused = client.post(enter_url, form(service, pact_agreed=""))
    assert refused.status_code == 422 and not DrawEntry.objects.exists()
    nik = make_nik()
    response = client.post(enter_url, form(service, nik=nik))
    entry = DrawEntry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/undian/permintaan/{entry.code}/"
    page = client.get(response["Location"]).content.decode()
    assert entry.entry_hash in page and "Terdaftar" in page
    assert nik not in page
    # Another browser cannot read it.
    assert Client().get(response["Location"]).status_code == 403
    # The same NIK again: refused with the reason.
    again = client.post(enter_url, form(service, nik=nik))
    assert again.status_code == 409 and "sudah terdaftar dalam undian" in again.content.decode()

    # The public record: find one's line by the code (posted, never in the address).
    public = client.post(f"/undian/{opened.pk}/", {"kode": entry.code})
    assert entry.entry_hash in public.content.decode() and 'class="mine"' in public.content.decode()

    now_during["now"] = opened.closes_at
    draw_close(draw=opened, now=opened.closes_at)
    entry.refresh_from_db()
    page = client.get(response["Location"]).content.decode()
    assert "Menang" in page and f"/antrean/{entry.ticket.code}/" in page
    # The won booking's page is this browser's.
    booking = client.get(f"/antrean/{entry.ticket.code}/")
    assert booking.status_code == 200 and entry.ticket.number in booking.content.decode()
    public = client.get(f"/undian/{opened.pk}/").content.decode()
    opened.refresh_from_db()
    assert opened.seed in public and "menang" in public
    assert draw_verify(draw_record(opened)) == []


def test_outside_the_window_the_form_is_not_offered(service, opened, monkeypatch):  # noqa: F811
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: opened.closes_at)
    client = Client()
    url = f"/kantor/{service.office.code}/layanan/{service.pk}/{DAY.isoformat()}/undian/"
    page = client.get(url).content.decode()
    assert "sedang tidak dibuka" in page and 'name="nik"' not in page
    client.post(url, form(service))
    assert not DrawEntry.objects.exists()
