"""The demo loader: what it creates, and that running it again changes nothing."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from antrean.catalog.models import Service, Slot
from antrean.demo.data import OFFICES
from antrean.tenancy.models import Agency, Closure, Office, OpeningHours, Region
from antrean.testing.factories import make_office, make_service

MODELS = [Region, Office, OpeningHours, Closure, Agency, Service, Slot]


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_demo_loads_badung_and_a_wib_office():
    _seed()
    badung = Office.objects.get(code="mpp-badung")
    assert badung.name == "Mal Pelayanan Publik Kabupaten Badung"
    assert badung.timezone == "Asia/Makassar"
    assert badung.zone_label == "WITA"
    assert badung.region.code == "51.03"
    assert badung.region.level == Region.Level.REGENCY
    assert badung.region.parent.code == "51"  # the province row from the migration
    assert Region.objects.filter(code="51").count() == 1
    assert badung.daily_cutoff == dt.time(12)
    assert Agency.objects.filter(office=badung).count() >= 8
    services = Service.objects.filter(office=badung)
    assert services.count() >= 20
    assert services.filter(fee=0).count() > services.count() / 2  # most are free
    assert all(service.requirement_list for service in services)
    assert badung.opening_hours.count() == 5
    assert Office.objects.filter(timezone="Asia/Jakarta").exists()
    for office in Office.objects.all():
        assert Slot.objects.filter(service__office=office).exists()


@pytest.mark.django_db
def test_seed_demo_seeds_national_and_regional_closures():
    _seed()
    badung = Office.objects.get(code="mpp-badung")
    year = badung.local_today().year
    national = badung.closures.filter(kind=Closure.Kind.NATIONAL)
    assert national.filter(date__year=year).exists()
    assert national.filter(date__year=year + 1).exists()
    data = next(o for o in OFFICES if o["code"] == "mpp-badung")
    for date, _reason in data["regional_closures"]:
        # Present once, as regional or as the national holiday already on that date.
        assert badung.closures.filter(date=dt.date.fromisoformat(date)).count() == 1
    assert badung.closures.filter(kind=Closure.Kind.REGIONAL).exists()
    # No slot on a closed day.
    closed = badung.closures.values_list("date", flat=True)
    assert not Slot.objects.filter(service__office=badung, date__in=closed).exists()


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing():
    _seed()
    before = _counts()
    slot = Slot.objects.filter(service__office__code="mpp-badung").first()
    Slot.objects.filter(pk=slot.pk).update(capacity=3)  # an admin's change to a slot
    output = _seed()
    assert _counts() == before
    assert "sudah lengkap" in output
    slot.refresh_from_db()
    assert slot.capacity == 3


@pytest.mark.django_db
def test_seed_demo_restores_an_edited_demo_row_without_duplicating():
    _seed()
    service = Service.objects.get(office__code="mpp-badung", code="ktp-el")
    Service.objects.filter(pk=service.pk).update(name="Diubah")
    before = _counts()
    output = _seed()
    assert _counts() == before
    service.refresh_from_db()
    assert service.name == "Perekaman dan Pencetakan KTP-el"
    assert "1 layanan diperbarui" in output


@pytest.mark.django_db
def test_if_empty_skips_when_any_office_exists():
    make_office(code="kantor-sendiri")
    output = _seed("--if-empty")
    assert "dilewati" in output
    assert not Office.objects.filter(code="mpp-badung").exists()


@pytest.mark.django_db
def test_if_empty_loads_on_an_empty_installation():
    _seed("--if-empty")
    assert Office.objects.filter(code="mpp-badung").exists()


@pytest.mark.django_db
def test_seed_closures_command():
    office = make_office(code="mpp-uji")
    out = StringIO()
    call_command("seed_closures", "--office", "mpp-uji", "--years", "2030", stdout=out)
    added = office.closures.filter(date__year=2030).count()
    assert added > 10
    assert f"mpp-uji: {added} hari tutup ditambahkan (2030)." in out.getvalue()
    out = StringIO()
    call_command("seed_closures", "--office", "mpp-uji", "--years", "2030", stdout=out)
    assert "mpp-uji: 0 hari tutup" in out.getvalue()
    assert office.closures.filter(date__year=2030).count() == added


@pytest.mark.django_db
def test_ensure_slots_command_creates_what_is_missing():
    office = make_office()
    service = make_service(office, slot_minutes=60)
    out = StringIO()
    call_command("ensure_slots", stdout=out)
    created = Slot.objects.filter(service=service).count()
    assert created > 0
    assert f"{created} jadwal baru dibuat." in out.getvalue()
    out = StringIO()
    call_command("ensure_slots", stdout=out)
    assert "0 jadwal baru dibuat." in out.getvalue()
