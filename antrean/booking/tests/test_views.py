"""The citizen's booking pages, driven through Django's test client on the real database."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from antrean.booking.views import IDENTITY_KEY
from antrean.catalog.models import Slot
from antrean.core.personal_data import mask_nik
from antrean.integrity.models import Audience, PactSignature, PactText
from antrean.integrity.services import pact_in_force, pact_next_version, pact_publish
from antrean.queueing.models import Ticket
from antrean.tenancy.models import Closure
from antrean.testing.factories import (
    make_agency,
    make_nik,
    make_office,
    make_phone,
    make_service,
    make_slot,
    tomorrow,
)

NIK = make_nik(1)  # 5103010101900001
PHONE = "0812 3456 7890"
PHONE_DIGITS = "81234567890"


def span(start: str, end: str, zone: str) -> str:
    """A slot's time as the pages show it, with an en dash between start and end."""
    return f"{start}\u2013{end} {zone}"


@pytest.fixture
def service(db):
    office = make_office(code="mpp-uji", name="Mal Pelayanan Publik Uji")
    agency = make_agency(office, short_name="Disdukcapil", name="Dinas Kependudukan Uji")
    return make_service(
        agency=agency,
        name="Perekaman KTP-el",
        prefix="A",
        fee=350000,
        requirements="Fotokopi Kartu Keluarga\nSurat pengantar desa",
        duration_minutes=20,
    )


@pytest.fixture
def slot(service):
    return make_slot(service, capacity=3)


def _identity_url(slot):
    return reverse(
        "booking:identity", kwargs={"office_code": slot.service.office.code, "slot_id": slot.pk}
    )


def _pact_url(slot):
    return reverse(
        "booking:pact", kwargs={"office_code": slot.service.office.code, "slot_id": slot.pk}
    )


def _identity(client, slot, **overrides):
    data = {"name": "Ni Made Ayu Lestari", "nik": NIK, "whatsapp": PHONE} | overrides
    return client.post(_identity_url(slot), data)


def _pact_fields(slot, **overrides):
    rendering = pact_in_force(office=slot.service.office, audience=Audience.CITIZEN)
    return {
        "pact_version": rendering.pact.version,
        "pact_sha256": rendering.sha256,
        "pact_agreed": "1",
    } | overrides


def _book(client, slot, **identity):
    assert _identity(client, slot, **identity).status_code == 302
    response = client.post(_pact_url(slot), _pact_fields(slot))
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def _booked_code(client) -> str:
    return client.session["booking_owned"][-1]


# --- steps 1-4: browsing ------------------------------------------------------------------


@pytest.mark.django_db
def test_office_list_shows_the_single_active_office(client, service):
    make_office(code="kantor-tutup", name="Kantor Nonaktif", is_active=False)
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Mal Pelayanan Publik Uji" in body
    assert "Kabupaten Badung" in body and "WITA" in body
    assert "Kantor Nonaktif" not in body
    assert reverse("booking:office", kwargs={"office_code": "mpp-uji"}) in body


@pytest.mark.django_db
def test_office_page_lists_agencies_services_fees_and_requirements(client, service):
    free = make_service(agency=service.agency, name="Akta Kelahiran", fee=0, prefix="B")
    response = client.get(reverse("booking:office", kwargs={"office_code": "mpp-uji"}))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Disdukcapil" in body
    assert "Perekaman KTP-el" in body and "Akta Kelahiran" in body
    assert "Rp 350.000" in body
    assert "Gratis" in body
    assert "Fotokopi Kartu Keluarga" in body and "Surat pengantar desa" in body
    assert "20 menit" in body
    for svc in (service, free):
        url = reverse("booking:service", kwargs={"office_code": "mpp-uji", "service_id": svc.pk})
        assert url in body


@pytest.mark.django_db
def test_unknown_office_and_foreign_service_are_not_found(client, service):
    assert client.get("/kantor/tidak-ada/").status_code == 404
    other = make_service(make_office(code="lain"))
    url = reverse("booking:service", kwargs={"office_code": "mpp-uji", "service_id": other.pk})
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_date_picker_shows_closed_full_and_open_days(client, service):
    office = service.office
    first = tomorrow(office)
    closed, full, open_ = first, first + dt.timedelta(days=1), first + dt.timedelta(days=2)
    Closure.objects.create(office=office, date=closed, reason="Hari Raya Galungan")
    url = reverse("booking:service", kwargs={"office_code": office.code, "service_id": service.pk})
    client.get(url)  # makes the horizon's slots
    Slot.objects.filter(service=service, date=full).update(booked=service.slot_capacity)

    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Rp 350.000" in body and "Fotokopi Kartu Keluarga" in body

    items = re.findall(r'<li class="day day-(\w+)">(.*?)</li>', body, re.S)
    assert len(items) == office.booking_horizon_days + 1  # today and the horizon

    def day_item(date):
        url = reverse(
            "booking:day",
            kwargs={"office_code": office.code, "service_id": service.pk, "day": date},
        )
        return url, items[(date - office.local_today()).days]

    url_closed, (state, text) = day_item(closed)
    assert state == "closed"
    assert "Tutup" in text and "Hari Raya Galungan" in text
    assert url_closed not in body
    url_full, (state, text) = day_item(full)
    assert state == "full" and "Penuh" in text
    assert url_full not in body
    url_open, (state, text) = day_item(open_)
    assert state == "open" and url_open in text
    remaining = 8 * service.slot_capacity  # 08:00-16:00 in 60-minute slots
    assert f"{remaining} tempat" in text


@pytest.mark.django_db
def test_day_page_lists_slots_with_zone_and_marks_full_and_past(client, service):
    office = service.office
    today = office.local_today()
    date = tomorrow(office)
    open_slot = make_slot(service, date=date, start=dt.time(9), end=dt.time(10), capacity=4)
    full_slot = make_slot(service, date=date, start=dt.time(10), end=dt.time(11), capacity=2)
    Slot.objects.filter(pk=full_slot.pk).update(booked=2)
    url = reverse(
        "booking:day", kwargs={"office_code": office.code, "service_id": service.pk, "day": date}
    )
    body = client.get(url).content.decode()
    assert span("09:00", "10:00", "WITA") in body and "4 tempat tersisa" in body
    assert _identity_url(open_slot) in body
    assert span("10:00", "11:00", "WITA") in body and "Penuh" in body
    assert _identity_url(full_slot) not in body

    # A slot that has already started today is shown, but not offered.
    past = make_slot(service, date=today, start=dt.time(0, 5), end=dt.time(0, 30), capacity=2)
    url_today = reverse(
        "booking:day", kwargs={"office_code": office.code, "service_id": service.pk, "day": today}
    )
    body = client.get(url_today).content.decode()
    assert span("00:05", "00:30", "WITA") in body and "Sudah lewat" in body
    assert _identity_url(past) not in body


@pytest.mark.django_db
def test_day_page_times_follow_the_office_zone(client):
    office = make_office(code="mpp-jakarta", timezone_name="Asia/Jakarta")
    service = make_service(office)
    date = tomorrow(office)
    make_slot(service, date=date, start=dt.time(8), end=dt.time(9))
    url = reverse(
        "booking:day", kwargs={"office_code": office.code, "service_id": service.pk, "day": date}
    )
    body = client.get(url).content.decode()
    assert span("08:00", "09:00", "WIB") in body
    assert "WITA" not in body


@pytest.mark.django_db
def test_closed_day_page_says_closed_with_reason(client, service):
    office = service.office
    date = tomorrow(office)
    Closure.objects.create(office=office, date=date, reason="Hari Suci Nyepi")
    url = reverse(
        "booking:day", kwargs={"office_code": office.code, "service_id": service.pk, "day": date}
    )
    body = client.get(url).content.decode()
    assert "Kantor tutup pada tanggal ini." in body and "Hari Suci Nyepi" in body
    assert "tempat tersisa" not in body


# --- step 4: identity ---------------------------------------------------------------------


@pytest.mark.django_db
def test_identity_form_has_numeric_nik_and_unticked_consent(client, slot):
    body = client.get(_identity_url(slot)).content.decode()
    assert re.search(r'<input[^>]*name="nik"[^>]*inputmode="numeric"', body)
    consent = re.search(r'<input[^>]*name="whatsapp_consent"[^>]*>', body).group(0)
    assert 'type="checkbox"' in consent and "checked" not in consent
    assert "Kirim piagam dan pemberitahuan ke WhatsApp saya" in body
    assert 'method="post"' in body


@pytest.mark.django_db
def test_identity_errors_are_shown_per_field_all_at_once(client, slot):
    response = _identity(client, slot, name="A", nik="1234", whatsapp="0361 123456")
    body = response.content.decode()
    assert response.status_code == 422
    for field, message in (
        ("name", "Nama harus 2 sampai 100 karakter."),
        ("nik", "NIK tidak sah."),
        ("whatsapp", "Nomor WhatsApp tidak sah."),
    ):
        block = re.search(rf'<p class="error" id="id_{field}_error">(.*?)</p>', body, re.S)
        assert block and message in block.group(1), field
    assert IDENTITY_KEY not in client.session
    assert Ticket.objects.count() == 0
    # The next step cannot be reached without an identity.
    response = client.get(_pact_url(slot))
    assert response.status_code == 302 and response["Location"] == _identity_url(slot)


@pytest.mark.django_db
def test_identity_is_kept_encrypted_in_the_session(client, slot):
    response = _identity(client, slot, whatsapp_consent="on")
    assert response.status_code == 302 and response["Location"] == _pact_url(slot)
    stored = str(dict(client.session))
    assert NIK not in stored and PHONE_DIGITS not in stored and "Lestari" not in stored
    assert client.session[IDENTITY_KEY]["sealed"].startswith("enc1:")


# --- step 5: pact -------------------------------------------------------------------------


@pytest.mark.django_db
def test_pact_page_shows_pact_in_full_with_version_hash_and_masked_summary(client, slot):
    _identity(client, slot)
    response = client.get(_pact_url(slot))
    body = response.content.decode()
    rendering = pact_in_force(office=slot.service.office, audience=Audience.CITIZEN)
    assert response.status_code == 200
    assert rendering.pact.title in body
    assert "Tidak akan memberi, menjanjikan, atau menawarkan uang" in body
    assert slot.service.office.name in body  # {kantor} filled in
    assert '<li value="5">' in body  # every numbered point
    assert f"Versi {rendering.pact.version}" in body and rendering.sha256[:12] in body
    assert f'name="pact_sha256" value="{rendering.sha256}"' in body
    assert f'name="pact_version" value="{rendering.pact.version}"' in body
    agree = re.search(r'<input type="checkbox" id="pact_agreed"[^>]*>', body).group(0)
    assert "checked" not in agree
    assert "5103********0001" in body and "+62812****7890" in body
    assert NIK not in body and PHONE_DIGITS not in body
    assert span("09:00", "10:00", "WITA") in body and "Rp 350.000" in body


@pytest.mark.django_db
def test_pact_not_ticked_creates_nothing(client, slot):
    _identity(client, slot)
    fields = _pact_fields(slot)
    del fields["pact_agreed"]
    response = client.post(_pact_url(slot), fields)
    body = response.content.decode()
    assert response.status_code == 422
    assert re.search(r'<p class="error" id="pact_agreed_error">[^<]*menyetujui Pakta', body)
    assert Ticket.objects.count() == 0 and PactSignature.objects.count() == 0
    slot.refresh_from_db()
    assert slot.booked == 0
    assert IDENTITY_KEY in client.session  # the citizen may still tick and go on


@pytest.mark.django_db
def test_pact_published_between_steps_is_outdated(client, slot):
    office = slot.service.office
    _identity(client, slot)
    old = pact_in_force(office=office, audience=Audience.CITIZEN)
    client.get(_pact_url(slot))
    new = PactText.objects.create(
        office=office,
        audience=Audience.CITIZEN,
        version=pact_next_version(office=office, audience=Audience.CITIZEN),
        title="Pakta Integritas Pengguna Layanan Kantor Uji",
        body="Saya berjanji tidak memberi imbalan kepada petugas {kantor}.",
    )
    pact_publish(pact=new, by=None)

    response = client.post(
        _pact_url(slot),
        {"pact_version": old.pact.version, "pact_sha256": old.sha256, "pact_agreed": "1"},
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "Pakta Integritas telah diperbarui" in body
    assert Ticket.objects.count() == 0
    # The page now shows the new text, ready to be agreed to.
    assert "Saya berjanji tidak memberi imbalan kepada petugas Mal Pelayanan Publik Uji." in body
    assert f'name="pact_version" value="{new.version}"' in body
    assert client.post(_pact_url(slot), _pact_fields(slot)).status_code == 302


@pytest.mark.django_db
def test_full_slot_says_so_and_offers_another_slot(client, slot):
    _identity(client, slot)
    Slot.objects.filter(pk=slot.pk).update(booked=slot.capacity)
    response = client.post(_pact_url(slot), _pact_fields(slot))
    body = response.content.decode()
    assert response.status_code == 409
    assert "Kuota jadwal ini sudah penuh" in body
    day_url = reverse(
        "booking:day",
        kwargs={
            "office_code": slot.service.office.code,
            "service_id": slot.service.pk,
            "day": slot.date,
        },
    )
    assert f'href="{day_url}">Pilih jadwal lain' in body
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_duplicate_booking_is_shown_next_to_the_nik(client, slot):
    _book(client, slot)
    other = make_slot(slot.service, date=slot.date, start=dt.time(10), end=dt.time(11))
    _identity(client, other)
    response = client.post(_pact_url(other), _pact_fields(other))
    body = response.content.decode()
    assert response.status_code == 409
    row = re.search(r'<div class="field-error" id="nik">(.*?)</div>', body, re.S)
    assert row and "sudah memiliki antrean aktif" in row.group(1)


# --- the whole journey and the booking page -------------------------------------------------


@pytest.mark.django_db
def test_successful_journey_never_shows_or_sends_the_nik(client, service):
    office = service.office
    date = tomorrow(office)
    urls = [
        "/",
        reverse("booking:office", kwargs={"office_code": office.code}),
        reverse("booking:service", kwargs={"office_code": office.code, "service_id": service.pk}),
        reverse(
            "booking:day",
            kwargs={"office_code": office.code, "service_id": service.pk, "day": date},
        ),
    ]
    bodies = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        bodies.append(response.content.decode())
    slot = Slot.objects.get(service=service, date=date, start=dt.time(9))
    assert _identity_url(slot) in bodies[-1]
    phone = make_phone(77)

    requested = [*urls]
    for method, url, data in (
        ("get", _identity_url(slot), None),
        ("post", _identity_url(slot), {"name": "Ni Made Ayu", "nik": NIK, "whatsapp": phone}),
        ("get", _pact_url(slot), None),
        ("post", _pact_url(slot), _pact_fields(slot)),
    ):
        response = client.generic(method.upper(), url) if data is None else client.post(url, data)
        requested.append(url)
        bodies.append(response.content.decode())
        if response.status_code == 302:
            requested.append(response["Location"])
    booking_url = requested[-1]
    ticket = Ticket.objects.get()
    assert booking_url == reverse("booking:booking", kwargs={"code": ticket.code})
    response = client.get(booking_url)
    body = response.content.decode()
    bodies.append(body)

    assert response.status_code == 200
    assert ticket.number == "A-001" and "A-001" in body
    assert IDENTITY_KEY not in client.session
    assert client.session["booking_owned"] == [ticket.code]
    assert "Terpesan" in body
    assert f"{ticket.code[:4]}-{ticket.code[4:]}" in body
    assert "<svg" in body and 'class="qr"' in body
    assert span("09:00", "10:00", "WITA") in body
    assert "Ni Made Ayu" in body and mask_nik(NIK) in body
    assert "Fotokopi Kartu Keluarga" in body and "Rp 350.000" in body
    assert "Pakta Integritas versi 1" in body
    assert "?t=" in body  # the private link, shown once
    assert "?t=" not in client.get(booking_url).content.decode()
    for page in bodies:
        assert NIK not in page
        assert phone[1:] not in page
    for url in requested:
        assert NIK not in url and phone[1:] not in url


@pytest.mark.django_db
def test_token_link_grants_access_and_drops_the_token(client, slot):
    from antrean.booking.services import booking_create
    from antrean.integrity.services import ClientInfo
    from antrean.testing.factories import booking_request

    result = booking_create(request=booking_request(slot), client=ClientInfo())
    url = reverse("booking:booking", kwargs={"code": result.ticket.code})
    assert client.get(url).status_code == 403
    response = client.get(url, {"t": result.token})
    assert response.status_code == 302 and response["Location"] == url
    response = client.get(url)
    assert response.status_code == 200 and result.ticket.number in response.content.decode()
    # Dashed and lower-case codes as typed from paper also work.
    dashed = reverse(
        "booking:booking",
        kwargs={"code": f"{result.ticket.code[:4].lower()}-{result.ticket.code[4:]}"},
    )
    assert client.get(dashed).status_code == 200


@pytest.mark.django_db
def test_stranger_gets_403_and_no_details(client, slot):
    from antrean.booking.services import booking_create
    from antrean.integrity.services import ClientInfo
    from antrean.testing.factories import booking_request

    result = booking_create(
        request=booking_request(slot, name="Ketut Rahasia"), client=ClientInfo()
    )
    ticket = result.ticket
    url = reverse("booking:booking", kwargs={"code": ticket.code})
    for response in (
        client.get(url),
        client.get(url, {"t": "tebakan-salah"}),
        client.get(reverse("booking:cancel", kwargs={"code": ticket.code})),
        client.post(reverse("booking:cancel", kwargs={"code": ticket.code})),
    ):
        body = response.content.decode()
        assert response.status_code == 403
        assert "Token pemesanan tidak sah" in body
        for secret in ("Ketut", ticket.number, ticket.masked_nik, slot.service.name):
            assert secret not in body
    # An unknown code looks exactly the same as someone else's.
    assert client.get(reverse("booking:booking", kwargs={"code": "ZZZZZZZZ"})).status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == "booked"


@pytest.mark.django_db
def test_cancel_frees_the_place_and_retires_the_number(client, slot):
    _book(client, slot, nik=make_nik(11), whatsapp=make_phone(11))
    code = _booked_code(client)
    slot.refresh_from_db()
    assert slot.booked == 1
    page = client.get(reverse("booking:booking", kwargs={"code": code})).content.decode()
    cancel_url = reverse("booking:cancel", kwargs={"code": code})
    assert cancel_url in page
    confirm = client.get(cancel_url)
    assert confirm.status_code == 200 and 'method="post"' in confirm.content.decode()
    slot.refresh_from_db()
    assert slot.booked == 1  # looking at the confirmation changes nothing

    response = client.post(cancel_url, follow=True)
    body = response.content.decode()
    assert "Dibatalkan" in body and "tidak akan dipakai lagi" in body
    assert cancel_url not in body
    slot.refresh_from_db()
    assert slot.booked == 0

    _book(client, slot, nik=make_nik(12), whatsapp=make_phone(12))
    numbers = dict(Ticket.objects.values_list("code", "number"))
    assert numbers[code] == "A-001"
    assert numbers[_booked_code(client)] == "A-002"


@pytest.mark.django_db
def test_language_switch_is_a_post_form_in_the_footer(client, service):
    body = client.get("/").content.decode()
    form = re.search(r'<form class="lang" action="([^"]+)" method="post">(.*?)</form>', body, re.S)
    assert form and form.group(1) == reverse("set_language")
    assert 'value="en"' in form.group(2) and 'value="id"' in form.group(2)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.get("/").content.decode().startswith('<!doctype html>\n<html lang="en">')


@pytest.mark.django_db
def test_names_in_any_script_are_escaped(client, slot):
    name = 'Wayan <script>alert("x")</script> ᬯᬬᬦ᭄'
    _identity(client, slot, name=name)
    body = client.get(_pact_url(slot)).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;" in body and "ᬯᬬᬦ᭄" in body


# --- the certificate on the booking page ----------------------------------------------------


@pytest.fixture
def certificate_files(settings, tmp_path):
    """Keys and PDFs in the test's own directory."""
    from antrean.integrity.signing import signing_cache_clear

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANTREAN_KEY_DIR = tmp_path / "keys"
    signing_cache_clear()
    yield tmp_path
    signing_cache_clear()


@pytest.mark.django_db
def test_booking_page_says_the_certificate_is_coming_then_offers_it(
    client, slot, certificate_files
):
    from antrean.integrity.certificates import certificate_pdf_bytes, certificate_render
    from antrean.integrity.models import Certificate

    _book(client, slot, nik=make_nik(21), whatsapp=make_phone(21))
    code = _booked_code(client)
    page_url = reverse("booking:booking", kwargs={"code": code})
    pdf_url = reverse("booking:certificate", kwargs={"code": code})
    assert pdf_url == f"/antrean/{code}/piagam.pdf"

    # The first view shows the private link once: no automatic refresh may take it away.
    body = client.get(page_url).content.decode()
    assert "?t=" in body
    assert "Piagam Pakta Integritas Anda sedang disiapkan" in body
    assert 'http-equiv="refresh"' not in body
    assert f'href="{page_url}"' in body  # refreshing is the citizen's choice there
    # Later views refresh by themselves until the PDF is there.
    body = client.get(page_url).content.decode()
    assert "Piagam Pakta Integritas Anda sedang disiapkan" in body
    assert re.search(r'<meta http-equiv="refresh" content="\d+">', body)
    assert pdf_url not in body
    assert client.get(pdf_url).status_code == 404  # not yet

    certificate = Certificate.objects.get(signature__ticket__code=code)
    certificate_render(certificate_id=certificate.pk)
    body = client.get(page_url).content.decode()
    assert "sedang disiapkan" not in body and 'http-equiv="refresh"' not in body
    assert f'href="{pdf_url}"' in body
    assert certificate.number in body
    assert reverse("integrity:verify", args=[certificate.verification_code]) in body

    response = client.get(pdf_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == certificate_pdf_bytes(
        Certificate.objects.get(pk=certificate.pk)
    )


@pytest.mark.django_db
def test_a_stranger_cannot_download_the_certificate(client, slot, certificate_files):
    from django.test import Client

    from antrean.integrity.certificates import certificate_render
    from antrean.integrity.models import Certificate

    _book(client, slot, nik=make_nik(22), whatsapp=make_phone(22))
    code = _booked_code(client)
    certificate_render(certificate_id=Certificate.objects.get(signature__ticket__code=code).pk)
    pdf_url = reverse("booking:certificate", kwargs={"code": code})
    stranger = Client()
    response = stranger.get(pdf_url)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert b"%PDF" not in response.content
    assert stranger.get("/antrean/ZZZZZZZZ/piagam.pdf").status_code == 403
    assert client.get(pdf_url).status_code == 200  # the owner still can
