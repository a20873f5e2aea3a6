"""The demo loader: what it creates, and that running it again changes nothing."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from antrean.catalog.models import Counter, Service, Slot
from antrean.core.management.commands.serve import (
    PASSWORD_ENV,
    PASSWORD_FILE,
    STAFF_PASSWORD_FILE,
    setup,
)
from antrean.demo.data import OFFICES
from antrean.demo.seed import demo_staff_ensure
from antrean.tenancy.models import Agency, Closure, Membership, Office, OpeningHours, Region
from antrean.tenancy.permissions import (
    can_handle_reports,
    can_operate_counter,
    can_see_dashboard,
    is_office_head,
)
from antrean.testing.factories import make_office, make_service

MODELS = [Region, Office, OpeningHours, Closure, Agency, Service, Slot, Counter]
STAFF_MODELS = [Counter, Membership, get_user_model()]


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


# --- Counters and demo staff (issue 5) ------------------------------------------------------


def _staff_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in STAFF_MODELS}


@pytest.mark.django_db
def test_every_demo_agency_has_counters_serving_its_own_services():
    _seed()
    for office in Office.objects.all():
        numbers = list(office.counters.values_list("number", flat=True))
        assert len(numbers) == len(set(numbers))
        for agency in office.agencies.all():
            counters = agency.counters.all()
            assert 1 <= counters.count() <= 3, agency.code
            for counter in counters:
                services = list(counter.services.all())
                assert services, counter
                assert {s.agency_id for s in services} == {agency.pk}
    disdukcapil = Counter.objects.get(office__code="mpp-badung", number=1)
    assert set(disdukcapil.services.values_list("code", flat=True)) == {
        "ktp-el",
        "kia",
        "aktivasi-ikd",
    }


@pytest.mark.django_db
def test_demo_officers_and_office_admins_can_log_in(client):
    _seed()
    report = demo_staff_ensure(password="sandi-demo-123")
    agencies = Agency.objects.all()
    # An officer per agency; an office admin, a head, an inspectorate account, a regency and a
    # province admin per office (the two demo offices are in different provinces); the
    # ministry's account once.
    assert len(report.accounts) == agencies.count() + 5 * Office.objects.count() + 1
    assert all(account.password is None for account in report.accounts)  # the admin's
    User = get_user_model()
    for agency in agencies.select_related("office"):
        officer = User.objects.get(username=agency.code)
        assert officer.is_staff and not officer.is_superuser
        membership = officer.memberships.get()
        assert (membership.role, membership.office, membership.agency) == (
            Membership.Role.OFFICER,
            agency.office,
            agency,
        )
        for counter in agency.counters.all():
            assert can_operate_counter(officer, counter)
    assert (
        User.objects.filter(username__endswith="-sda").count()
        == Agency.objects.filter(office__code="mpp-sidoarjo").count()
    )
    admin = User.objects.get(username="admin-mpp-badung")
    assert admin.memberships.get().role == Membership.Role.OFFICE_ADMIN
    for office in Office.objects.all():
        inspector = User.objects.get(username=f"inspektorat-{office.code}")
        membership = inspector.memberships.get()
        assert (membership.role, membership.region) == (
            Membership.Role.INSPECTORATE,
            office.region,
        )
        assert can_handle_reports(inspector, office.pk)
        head = User.objects.get(username=f"kepala-{office.code}")
        assert is_office_head(head, office.pk)
    # The governments above the offices: each reaches its own region's office only.
    badung = Office.objects.get(code="mpp-badung")
    sidoarjo = Office.objects.get(code="mpp-sidoarjo")
    for username, mine, other in [
        ("pemkab-badung", badung, sidoarjo),
        ("pemprov-bali", badung, sidoarjo),
        ("pemkab-sidoarjo", sidoarjo, badung),
        ("pemprov-jatim", sidoarjo, badung),
    ]:
        user = User.objects.get(username=username)
        assert can_see_dashboard(user, mine.pk) and not can_see_dashboard(user, other.pk)
    ministry = User.objects.get(username="kemenpanrb")
    assert all(can_see_dashboard(ministry, office.pk) for office in Office.objects.all())

    # Through the real login page (the sign-in lock in the way, as in production).
    response = client.post(
        reverse("queueing:login"), {"username": "disdukcapil", "password": "sandi-demo-123"}
    )
    assert response.status_code == 302
    page = client.get(reverse("queueing:counters")).content.decode()
    counter = Counter.objects.get(office__code="mpp-badung", number=3)
    assert reverse("queueing:console", args=[counter.pk]) in page
    client.logout()
    response = client.post(
        reverse("queueing:login"), {"username": "admin-mpp-badung", "password": "sandi-demo-123"}
    )
    # An office admin signs in with a second factor: without one yet, it is set up first
    # (`serve` gives the demo admins theirs: antrean/core/tests/test_serve.py).
    assert response["Location"] == reverse("accounts:setup")
    assert client.get(reverse("queueing:audit")).status_code == 302


@pytest.mark.django_db
def test_demo_staff_second_run_changes_nothing():
    _seed()
    demo_staff_ensure(password="sandi-demo-123")
    officer = get_user_model().objects.get(username="imigrasi")
    officer.set_password("diganti-sendiri-456")  # an officer's own change stays
    officer.save()
    before = _staff_counts()
    report = demo_staff_ensure(password="sandi-lain-789")
    assert not report.changed_anything
    assert _staff_counts() == before
    officer.refresh_from_db()
    assert officer.check_password("diganti-sendiri-456")
    output = _seed()
    assert "sudah lengkap" in output
    assert _staff_counts() == before


@pytest.mark.django_db
def test_serve_setup_makes_demo_staff_with_the_admin_password(
    tmp_path, monkeypatch, without_demo_history
):
    monkeypatch.setenv(PASSWORD_ENV, "sandi-dari-env-123")
    out = StringIO()
    setup(stdout=out, demo=True, var_dir=tmp_path)
    User = get_user_model()
    assert User.objects.get(username="disdukcapil-sda").check_password("sandi-dari-env-123")
    assert "akun staf contoh dibuat" in out.getvalue()
    assert "sandi-dari-env-123" not in out.getvalue()
    before = _staff_counts()
    out = StringIO()
    setup(stdout=out, demo=True, var_dir=tmp_path)
    assert _staff_counts() == before
    assert "akun staf contoh" not in out.getvalue()


@pytest.mark.django_db
def test_serve_setup_uses_the_generated_admin_password(tmp_path, monkeypatch, without_demo_history):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    setup(stdout=StringIO(), demo=True, var_dir=tmp_path)
    password = (tmp_path / PASSWORD_FILE).read_text().strip()
    assert get_user_model().objects.get(username="samsat").check_password(password)
    assert not (tmp_path / STAFF_PASSWORD_FILE).exists()


@pytest.mark.django_db
def test_serve_setup_generates_officer_passwords_when_the_admins_is_unknown(
    tmp_path, monkeypatch, django_user_model, without_demo_history
):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    django_user_model.objects.create_user("admin", password="sandi-sendiri-789")
    out = StringIO()
    setup(stdout=out, demo=True, var_dir=tmp_path)
    kept = dict(
        line.split(" ", 1) for line in (tmp_path / STAFF_PASSWORD_FILE).read_text().splitlines()
    )
    officer = django_user_model.objects.get(username="bpn")
    assert officer.check_password(kept["bpn"])
    assert f"bpn {kept['bpn']}" in out.getvalue()  # shown once
    assert len(set(kept.values())) == len(kept)  # each its own
    out = StringIO()
    setup(stdout=out, demo=True, var_dir=tmp_path)
    assert kept["bpn"] not in out.getvalue()


@pytest.mark.django_db
def test_serve_setup_adds_counters_to_an_older_demo_install_but_keeps_an_admins(
    tmp_path, monkeypatch, without_demo_history
):
    monkeypatch.setenv(PASSWORD_ENV, "sandi-dari-env-123")
    _seed()
    Counter.objects.filter(office__code="mpp-sidoarjo").delete()  # demo loaded before counters
    badung = Counter.objects.get(office__code="mpp-badung", number=1)
    badung.services.set([])  # an admin's change
    setup(stdout=StringIO(), demo=True, var_dir=tmp_path)
    assert Counter.objects.filter(office__code="mpp-sidoarjo").exists()
    assert not badung.services.exists()
