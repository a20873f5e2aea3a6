"""The Django admin as an office admin uses it: every page renders, published pacts stay
frozen, slot capacity never drops below bookings, and tickets never show personal data."""

import datetime as dt

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from antrean.booking.services import booking_create
from antrean.catalog.models import Service, Slot
from antrean.integrity.models import Audience, PactSignature, PactText
from antrean.integrity.services import ClientInfo, pact_text_in_force
from antrean.tenancy.models import Closure, Office
from antrean.testing.factories import (
    booking_request,
    make_agency,
    make_office,
    make_service,
    make_slot,
)

NIK = "5103014101900007"
PHONE_LOCAL = "081234567890"
PHONE_E164 = "+6281234567890"
NAME = "Ni Made Ayu Lestari"

# Rows that only the system creates: the admin shows them, nobody adds them by hand.
NO_ADD = {
    "catalog.slot",
    "queueing.ticket",
    "queueing.auditflag",
    "api.apitoken",
    # django-axes keeps login attempts; its admin only lists them.
    "axes.accessattempt",
    "axes.accessfailurelog",
    "axes.accesslog",
    "integrity.pactrendering",
    "integrity.pactsignature",
    "integrity.certificate",
    "integrity.signingkey",
    "integrity.ledgerhead",
    "django_tasks_database.dbtaskresult",
    "notifications.message",
    "notifications.inboundmessage",
    "notifications.unreachablenumber",
}
REGISTERED = sorted(model._meta.label_lower for model in admin.site._registry)


def _url(model_label: str, view: str, *args) -> str:
    app, model = model_label.split(".")
    return reverse(f"admin:{app}_{model}_{view}", args=args)


@pytest.fixture
def booked():
    """An office with one service, one slot of capacity 5 and one booking in it."""
    office = make_office(code="mpp-uji")
    service = make_service(office, prefix="A")
    slot = make_slot(service, capacity=5)
    request = booking_request(slot, nik=NIK, whatsapp=PHONE_LOCAL, name=NAME)
    result = booking_create(request=request, client=ClientInfo())
    Closure.objects.create(office=office, date=dt.date(2030, 1, 1), reason="Tahun Baru")
    PactText.objects.create(
        office=office, audience=Audience.CITIZEN, version=1, title="Draf", body="Isi draf"
    )
    return result.ticket


@pytest.mark.django_db
@pytest.mark.parametrize("label", REGISTERED)
def test_every_admin_page_renders(admin_client, booked, label):
    assert admin_client.get(_url(label, "changelist")).status_code == 200
    add = admin_client.get(_url(label, "add"))
    assert add.status_code == (403 if label in NO_ADD else 200)
    model = next(m for m in admin.site._registry if m._meta.label_lower == label)
    first = model._default_manager.order_by("pk").first()
    if first is not None:
        assert admin_client.get(_url(label, "change", first.pk)).status_code == 200


def test_registered_models_cover_the_issue():
    for label in [
        "tenancy.region",
        "tenancy.office",
        "tenancy.closure",
        "tenancy.agency",
        "catalog.service",
        "catalog.slot",
        "integrity.pacttext",
        "integrity.pactrendering",
        "integrity.pactsignature",
        "queueing.ticket",
    ]:
        assert label in REGISTERED


@pytest.mark.django_db
def test_admin_speaks_indonesian(admin_client):
    response = admin_client.get(reverse("admin:index"))
    content = response.content.decode()
    assert "Administrasi Antrean" in content
    assert "Tambah" in content


# --- Pact texts -------------------------------------------------------------------------


def _pact_post(**overrides) -> dict:
    data = {
        "office": "",
        "audience": Audience.CITIZEN,
        "language": "id",
        "version": "",
        "title": "Pakta Integritas Pengguna Layanan",
        "body": "Saya tidak akan memberi imbalan kepada petugas {kantor}.",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_published_pact_cannot_be_edited(admin_client):
    national = PactText.objects.get(office=None, audience=Audience.CITIZEN, version=1)
    body = national.body
    response = admin_client.post(
        _url("integrity.pacttext", "change", national.pk), _pact_post(version="1", body="Diubah")
    )
    assert response.status_code == 403
    national.refresh_from_db()
    assert national.body == body
    # The page is a read-only view that offers a new version instead.
    page = admin_client.get(_url("integrity.pacttext", "change", national.pk)).content.decode()
    assert "Buat versi baru dari teks ini" in page
    assert 'name="body"' not in page
    assert admin_client.post(_url("integrity.pacttext", "delete", national.pk)).status_code == 403
    assert PactText.objects.filter(pk=national.pk).exists()


@pytest.mark.django_db
def test_new_version_is_prefilled_from_the_one_in_force(admin_client):
    national = PactText.objects.get(office=None, audience=Audience.CITIZEN, version=1)
    page = admin_client.get(_url("integrity.pacttext", "add") + f"?dari={national.pk}")
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert form.initial["version"] == 2
    assert form.initial["body"] == national.body
    assert form.initial["audience"] == Audience.CITIZEN


@pytest.mark.django_db
def test_new_version_action_redirects_to_the_prefilled_form(admin_client):
    national = PactText.objects.get(office=None, audience=Audience.CITIZEN, version=1)
    response = admin_client.post(
        _url("integrity.pacttext", "changelist"),
        {"action": "new_version", "_selected_action": [national.pk]},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"?dari={national.pk}")


@pytest.mark.django_db
def test_draft_then_publish_action_puts_the_version_in_force(admin_client):
    office = make_office()
    # The office's own full text (a national admin's decision: this is the superuser).
    response = admin_client.post(
        _url("integrity.pacttext", "add"),
        _pact_post(office=office.pk, kind="full", body="Versi kantor"),
    )
    assert response.status_code == 302
    draft = PactText.objects.get(office=office)
    assert draft.version == 1  # left empty: the next version of this office
    assert draft.published_at is None
    assert pact_text_in_force(office=office, audience=Audience.CITIZEN).office_id is None

    # A draft is still editable.
    admin_client.post(
        _url("integrity.pacttext", "change", draft.pk),
        _pact_post(office=office.pk, version="1", body="Versi kantor, diperbaiki"),
    )
    draft.refresh_from_db()
    assert draft.body == "Versi kantor, diperbaiki"

    response = admin_client.post(
        _url("integrity.pacttext", "changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.published_at is not None
    assert pact_text_in_force(office=office, audience=Audience.CITIZEN) == draft


@pytest.mark.django_db
def test_save_and_publish_button(admin_client):
    response = admin_client.post(
        _url("integrity.pacttext", "add"), _pact_post(body="Teks nasional baru", _terbitkan="1")
    )
    assert response.status_code == 302
    pact = PactText.objects.get(office=None, audience=Audience.CITIZEN, version=2)
    assert pact.is_published
    assert pact_text_in_force(office=make_office(), audience=Audience.CITIZEN) == pact


@pytest.mark.django_db
def test_pact_version_must_be_new(admin_client):
    response = admin_client.post(_url("integrity.pacttext", "add"), _pact_post(version="1"))
    assert response.status_code == 200
    assert "Versi ini sudah ada." in response.content.decode()
    assert PactText.objects.filter(office=None, audience=Audience.CITIZEN).count() == 1


# --- Slots ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_slot_capacity_below_booked_is_refused(admin_client):
    slot = make_slot(capacity=5)
    for _ in range(2):
        booking_create(request=booking_request(slot), client=ClientInfo())
    slot.refresh_from_db()
    assert slot.booked == 2

    response = admin_client.post(_url("catalog.slot", "change", slot.pk), {"capacity": "1"})
    assert response.status_code == 200
    assert "Kuota tidak boleh lebih kecil dari jumlah yang sudah terpesan (2)." in (
        response.content.decode()
    )
    slot.refresh_from_db()
    assert (slot.capacity, slot.booked) == (5, 2)

    response = admin_client.post(_url("catalog.slot", "change", slot.pk), {"capacity": "2"})
    assert response.status_code == 302
    slot.refresh_from_db()
    assert (slot.capacity, slot.booked) == (2, 2)


@pytest.mark.django_db
def test_slot_capacity_in_the_list_is_checked_too(admin_client):
    slot = make_slot(capacity=5)
    booking_create(request=booking_request(slot), client=ClientInfo())
    url = _url("catalog.slot", "changelist") + f"?service={slot.service_id}"
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(slot.pk),
        "form-0-capacity": "0",
        "_save": "Simpan",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Kuota tidak boleh lebih kecil" in response.content.decode()
    slot.refresh_from_db()
    assert slot.capacity == 5

    data["form-0-capacity"] = "8"
    assert admin_client.post(url, data).status_code == 302
    slot.refresh_from_db()
    assert (slot.capacity, slot.booked) == (8, 1)


@pytest.mark.django_db
def test_slots_cannot_be_added_or_deleted(admin_client):
    slot = make_slot()
    assert admin_client.get(_url("catalog.slot", "add")).status_code == 403
    assert admin_client.post(_url("catalog.slot", "delete", slot.pk)).status_code == 403
    assert Slot.objects.filter(pk=slot.pk).exists()


# --- Tickets ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_ticket_pages_never_show_nik_or_phone(admin_client, booked):
    signature = PactSignature.objects.get(ticket=booked)
    pages = [
        _url("queueing.ticket", "changelist"),
        _url("queueing.ticket", "changelist") + f"?q={booked.code.lower()}",
        _url("queueing.ticket", "change", booked.pk),
        _url("queueing.ticket", "history", booked.pk),
        _url("integrity.pactsignature", "changelist"),
        _url("integrity.pactsignature", "change", signature.pk),
    ]
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        for secret in (NIK, PHONE_E164, PHONE_E164[1:], PHONE_LOCAL, NAME):
            assert secret not in content, (url, secret)
    listing = admin_client.get(_url("queueing.ticket", "changelist") + f"?q={booked.code.lower()}")
    assert booked.masked_nik in listing.content.decode()
    assert list(listing.context["cl"].result_list) == [booked]
    detail = admin_client.get(_url("queueing.ticket", "change", booked.pk)).content.decode()
    assert booked.masked_nik in detail
    assert booked.masked_phone in detail


@pytest.mark.django_db
def test_tickets_are_neither_added_changed_nor_deleted(admin_client, booked):
    assert admin_client.get(_url("queueing.ticket", "add")).status_code == 403
    response = admin_client.post(
        _url("queueing.ticket", "change", booked.pk), {"status": "cancelled"}
    )
    assert response.status_code == 403
    assert admin_client.post(_url("queueing.ticket", "delete", booked.pk)).status_code == 403
    booked.refresh_from_db()
    assert booked.status == "booked"


@pytest.mark.django_db
def test_ticket_filters(admin_client, booked):
    other = make_office(code="mpp-lain")
    url = _url("queueing.ticket", "changelist")
    mine = admin_client.get(url + f"?office__id__exact={booked.office_id}&status__exact=booked")
    assert list(mine.context["cl"].result_list) == [booked]
    theirs = admin_client.get(url + f"?office__id__exact={other.pk}")
    assert list(theirs.context["cl"].result_list) == []


# --- Services, offices ------------------------------------------------------------------


def _service_post(agency, **overrides) -> dict:
    data = {
        "agency": str(agency.pk),
        "code": "paspor-baru",
        "name": "Paspor Baru",
        "description": "",
        "is_active": "on",
        "position": "0",
        "requirements": "KTP-el\nKartu Keluarga",
        "fee": "350000",
        "fee_note": "PP 45/2024",
        "duration_minutes": "20",
        "prefix": "P",
        "slot_minutes": "60",
        "slot_capacity": "10",
        "walkin_daily_quota": "30",
        "release_mode": "first_come",
        "draw_open_days": "7",
        "draw_close_days": "6",
        "draw_time": "07:00",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_add_service_with_its_standard(admin_client):
    agency = make_agency(make_office())
    response = admin_client.post(_url("catalog.service", "add"), _service_post(agency))
    assert response.status_code == 302
    service = Service.objects.get(code="paspor-baru")
    assert service.office_id == agency.office_id
    assert service.requirement_list == ["KTP-el", "Kartu Keluarga"]
    assert service.fee == 350000


@pytest.mark.django_db
def test_service_prefix_taken_in_the_office_is_a_form_error(admin_client):
    office = make_office()
    make_service(office, prefix="P")
    agency = make_agency(office)
    response = admin_client.post(_url("catalog.service", "add"), _service_post(agency))
    assert response.status_code == 200
    assert "Awalan ini sudah dipakai layanan lain di kantor yang sama." in (
        response.content.decode()
    )
    assert not Service.objects.filter(code="paspor-baru").exists()
    # Another office may use the same letter.
    elsewhere = make_agency(make_office())
    assert (
        admin_client.post(_url("catalog.service", "add"), _service_post(elsewhere)).status_code
        == 302
    )


@pytest.mark.django_db
def test_service_list_filters_by_office_and_agency(admin_client):
    office = make_office()
    agency = make_agency(office)
    mine = make_service(agency=agency)
    make_service(office)  # another agency, same office
    make_service(make_office())  # another office
    url = _url("catalog.service", "changelist")
    by_agency = admin_client.get(url + f"?office__id__exact={office.pk}&agency={agency.pk}")
    assert list(by_agency.context["cl"].result_list) == [mine]
    by_office = admin_client.get(url + f"?office__id__exact={office.pk}")
    assert {s.office_id for s in by_office.context["cl"].result_list} == {office.pk}
    assert len(by_office.context["cl"].result_list) == 2


def _inline_management(prefix: str, total: int, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _office_post(region, **hours) -> dict:
    data = {
        "code": "mpp-baru",
        "name": "Mal Pelayanan Publik Baru",
        "region": str(region.pk),
        "address": "",
        "phone": "",
        "is_active": "on",
        "timezone": "Asia/Jayapura",
        "booking_horizon_days": "14",
        "daily_cutoff": "",
        "nik_registry_down": "accept",
        "number_proof_web": "auto",
        "number_proof_api": "auto",
        "checkin_before_minutes": "30",
        "checkin_after_minutes": "15",
        "ontime_grace_minutes": "10",
        "priority_streak_limit": "2",
        "turn_near_ahead": "3",
        "noshow_strikes": "3",
        "noshow_window_days": "30",
        "noshow_block_days": "30",
        "reminder_hour": "16",
        **_inline_management("opening_hours", 1),
        "opening_hours-0-weekday": "0",
        "opening_hours-0-opens": hours.get("opens", "08:00"),
        "opening_hours-0-closes": hours.get("closes", "15:00"),
        "opening_hours-0-break_start": hours.get("break_start", ""),
        "opening_hours-0-break_end": hours.get("break_end", ""),
        **_inline_management("closures", 1),
        "closures-0-date": (timezone.now().date() + dt.timedelta(days=10)).isoformat(),
        "closures-0-reason": "Hari jadi kabupaten",
        "closures-0-kind": Closure.Kind.REGIONAL,
    }
    return data


@pytest.mark.django_db
def test_add_office_with_hours_and_a_closure(admin_client):
    region = make_office().region
    response = admin_client.post(_url("tenancy.office", "add"), _office_post(region))
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    office = Office.objects.get(code="mpp-baru")
    assert office.zone_label == "WIT"
    assert office.opening_hours.get().closes == dt.time(15)
    assert office.closures.get().reason == "Hari jadi kabupaten"
    listing = admin_client.get(_url("tenancy.office", "changelist")).content.decode()
    assert "WIT" in listing


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"opens": "15:00", "closes": "08:00"}, "Jam tutup harus setelah jam buka."),
        ({"break_start": "12:00"}, "Isi jam mulai dan selesai istirahat, atau kosongkan keduanya."),
        (
            {"break_start": "16:00", "break_end": "17:00"},
            "Istirahat harus berada di dalam jam layanan dan selesai setelah mulai.",
        ),
    ],
)
def test_wrong_opening_hours_are_explained(admin_client, hours, message):
    region = make_office().region
    response = admin_client.post(_url("tenancy.office", "add"), _office_post(region, **hours))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Office.objects.filter(code="mpp-baru").exists()


@pytest.mark.django_db
def test_office_actions_seed_closures_and_slots(admin_client):
    office = make_office()
    make_service(office)
    url = _url("tenancy.office", "changelist")
    admin_client.post(url, {"action": "seed_national_closures", "_selected_action": [office.pk]})
    year = office.local_today().year
    assert office.closures.filter(date__year=year + 1, kind=Closure.Kind.NATIONAL).exists()
    admin_client.post(url, {"action": "ensure_slots", "_selected_action": [office.pk]})
    assert Slot.objects.filter(service__office=office).exists()


@pytest.mark.django_db
def test_slot_save_never_writes_back_a_stale_booked_count(rf, admin_user):
    slot = make_slot(capacity=5)
    stale = Slot.objects.get(pk=slot.pk)  # the admin's copy, booked = 0
    booking_create(request=booking_request(slot), client=ClientInfo())  # a booking meanwhile
    stale.capacity = 8
    request = rf.post("/")
    request.user = admin_user
    admin.site._registry[Slot].save_model(request, stale, form=None, change=True)
    slot.refresh_from_db()
    assert (slot.capacity, slot.booked) == (8, 1)
