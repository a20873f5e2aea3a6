"""Seeding an office's closure calendar with national holidays and cuti bersama."""

import datetime as dt

import pytest

from antrean.tenancy.models import Closure
from antrean.tenancy.services import closures_seed_national
from antrean.testing.factories import make_office

pytestmark = pytest.mark.django_db


def test_seeds_2026_national_holidays_and_cuti_bersama():
    office = make_office()
    created = closures_seed_national(office=office, years=[2026])
    rows = {c.date: c for c in Closure.objects.filter(office=office)}
    assert created == len(rows) >= 20

    new_year = rows[dt.date(2026, 1, 1)]
    assert new_year.kind == Closure.Kind.NATIONAL
    assert new_year.reason == "Tahun Baru Masehi"
    independence = rows[dt.date(2026, 8, 17)]
    assert independence.kind == Closure.Kind.NATIONAL
    assert "Kemerdekaan" in independence.reason
    assert rows[dt.date(2026, 12, 25)].kind == Closure.Kind.NATIONAL

    cuti = rows[dt.date(2026, 12, 24)]
    assert cuti.kind == Closure.Kind.CUTI_BERSAMA
    assert cuti.reason.startswith("Cuti Bersama")
    kinds = {c.kind for c in rows.values()}
    assert kinds == {Closure.Kind.NATIONAL, Closure.Kind.CUTI_BERSAMA}
    # Every cuti bersama is marked as such, and nothing else is.
    for closure in rows.values():
        is_cuti = "cuti bersama" in closure.reason.lower()
        assert (closure.kind == Closure.Kind.CUTI_BERSAMA) is is_cuti
    # Only 2026 was asked for.
    assert {d.year for d in rows} == {2026}


def test_keeps_the_admins_rows():
    office = make_office()
    mine = Closure.objects.create(
        office=office, date=dt.date(2026, 1, 1), reason="Rapat kerja", kind=Closure.Kind.OFFICE
    )
    nyepi_eve = Closure.objects.create(
        office=office, date=dt.date(2026, 3, 18), reason="Pengerupukan", kind=Closure.Kind.REGIONAL
    )
    closures_seed_national(office=office, years=[2026])
    mine.refresh_from_db()
    nyepi_eve.refresh_from_db()
    assert (mine.reason, mine.kind) == ("Rapat kerja", Closure.Kind.OFFICE)
    assert (nyepi_eve.reason, nyepi_eve.kind) == ("Pengerupukan", Closure.Kind.REGIONAL)
    assert Closure.objects.filter(office=office, date=dt.date(2026, 1, 1)).count() == 1


def test_idempotent():
    office = make_office()
    first = closures_seed_national(office=office, years=[2026])
    count = Closure.objects.filter(office=office).count()
    assert first == count
    assert closures_seed_national(office=office, years=[2026]) == 0
    assert Closure.objects.filter(office=office).count() == count


def test_reports_only_what_it_added():
    office = make_office()
    Closure.objects.create(office=office, date=dt.date(2026, 1, 1), reason="Tutup")
    everything = closures_seed_national(office=make_office(), years=[2026])
    assert closures_seed_national(office=office, years=[2026]) == everything - 1


def test_offices_are_seeded_separately():
    badung, jakarta = make_office(), make_office(timezone_name="Asia/Jakarta")
    closures_seed_national(office=badung, years=[2026])
    assert not Closure.objects.filter(office=jakarta).exists()
    closures_seed_national(office=jakarta, years=[2026, 2027])
    assert Closure.objects.filter(office=jakarta, date__year=2027).exists()
    assert not Closure.objects.filter(office=badung, date__year=2027).exists()
