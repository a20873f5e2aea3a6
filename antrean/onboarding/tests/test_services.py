"""Export and import of an office's workbook (antrean.onboarding.services)."""

import datetime as dt

import pytest

from antrean.catalog.models import Counter, Service, Slot
from antrean.core.errors import DomainError, ErrorCode
from antrean.demo.data import OFFICES
from antrean.demo.seed import seed_demo
from antrean.display.models import Board
from antrean.onboarding.services import (
    PlanChanged,
    WorkbookRejected,
    office_export,
    office_import,
    office_rows,
    workbook_template,
)
from antrean.onboarding.tests.helpers import (
    NOW,
    add_row,
    badung,
    delete_rows,
    edit,
    row_of,
    sidoarjo,
    small_office,
)
from antrean.queueing.models import Ticket
from antrean.tenancy.models import Agency, Closure, Office, OpeningHours
from antrean.testing.factories import (
    make_agency,
    make_booking,
    make_national_admin,
    make_officer,
    make_regional_admin,
    make_service,
)

pytestmark = pytest.mark.django_db


def _import(data, *, actor=None, dry_run=False, **kwargs):
    return office_import(actor=actor, data=data, dry_run=dry_run, now=NOW, **kwargs)


def _snapshot() -> dict:
    """Everything an import could write, to compare before and after."""
    return {
        office.code: office_rows(office) for office in Office.objects.select_related("region")
    } | {
        "_counts": (
            Office.objects.count(),
            Agency.objects.count(),
            Service.objects.count(),
            Counter.objects.count(),
            OpeningHours.objects.count(),
            Closure.objects.count(),
            Slot.objects.count(),
            Board.objects.count(),
        )
    }


def _no_national(data: bytes) -> bytes:
    return edit(data, [("Kantor", 2, "national_holidays", "tidak")])


# --- The key test: an exported office, edited, is a new office that takes bookings ------------


def test_an_exported_demo_office_edited_to_a_new_code_takes_a_booking():
    seed_demo(offices=[OFFICES[0]], now=NOW)
    badung_office = Office.objects.get(code="mpp-badung")
    before = office_rows(badung_office)
    exported = office_export(actor=None, office=badung_office)
    workbook = edit(
        exported,
        [
            ("Kantor", 2, "code", "mpp-kuta"),
            ("Kantor", 2, "name", "Mal Pelayanan Publik Kuta"),
        ],
    )
    admin = make_regional_admin(badung_office.region)

    result = _import(workbook, actor=admin)

    assert result.applied and result.office_created
    kuta = Office.objects.get(code="mpp-kuta")
    assert kuta.name == "Mal Pelayanan Publik Kuta"
    assert kuta.region == badung_office.region and kuta.timezone == "Asia/Makassar"
    assert kuta.agencies.count() == badung_office.agencies.count()
    assert kuta.services.count() == badung_office.services.count()
    assert kuta.counters.count() == badung_office.counters.count()
    ktp = Service.objects.get(office=kuta, code="ktp-el")
    assert (
        ktp.requirement_list
        == Service.objects.get(office=badung_office, code="ktp-el").requirement_list
    )
    assert set(
        Counter.objects.get(office=kuta, number=1).services.values_list("code", flat=True)
    ) == {"ktp-el", "kia", "aktivasi-ikd"}
    assert result.slots_created > 0

    # The settings against brokers come along: the passport service's draw, proof of number.
    passport = Service.objects.get(office=kuta, code="paspor-baru")
    assert (passport.release_mode, passport.draw_open_days, passport.draw_close_days) == (
        "draw",
        14,
        2,
    )
    assert (kuta.number_proof_web, kuta.nik_registry_down) == ("auto", "accept")

    # A citizen books through the booking service, the day after the import.
    tomorrow = dt.date(2026, 5, 5)
    slot = Slot.objects.get(service=ktp, date=tomorrow, start=dt.time(9))
    booking = make_booking(slot, now=NOW)
    assert booking.ticket.office == kuta
    assert booking.ticket.number == "A-001"
    slot.refresh_from_db()
    assert slot.booked == 1
    # The office it came from is untouched.
    assert office_rows(badung_office) == before


def test_settings_against_brokers_round_trip_through_the_workbook():
    office = small_office()
    office.number_proof_web, office.nik_registry_down = "on", "refuse"
    office.save()
    service = Service.objects.filter(office=office).first()
    service.release_mode, service.release_times = "draw", "07:00, 13:00"
    service.draw_time = dt.time(8, 30)
    service.save()
    workbook = edit(
        office_export(actor=None, office=office),
        [("Kantor", 2, "code", "mpp-salinan"), ("Kantor", 2, "name", "MPP Salinan")],
    )
    assert _import(workbook).applied
    copy = Office.objects.get(code="mpp-salinan")
    assert (copy.number_proof_web, copy.number_proof_api, copy.nik_registry_down) == (
        "on",
        "off",  # as the exported office had it
        "refuse",
    )
    twin = Service.objects.get(office=copy, code=service.code)
    assert (twin.release_mode, twin.release_times, twin.draw_time) == (
        "draw",
        "07:00, 13:00",
        dt.time(8, 30),
    )
    # A choice not in the list is an error naming the cell, and nothing is written.
    bad = edit(workbook, [("Kantor", 2, "number_proof_web", "kadang")])
    before = _snapshot()
    with pytest.raises(WorkbookRejected) as rejected:
        _import(bad)
    assert any("Pilihan tidak dikenal" in str(issue) for issue in rejected.value.issues)
    assert _snapshot() == before


def test_an_unchanged_export_imports_with_no_change():
    seed_demo(offices=[OFFICES[0]], now=NOW)
    office = Office.objects.get(code="mpp-badung")
    before = _snapshot()

    result = _import(office_export(actor=None, office=office))

    assert result.changes == 0
    assert all(sheet.unchanged for sheet in result.sheets)
    assert _snapshot() == before


def test_importing_the_same_workbook_twice_changes_nothing_the_second_time():
    office = small_office()
    workbook = edit(
        office_export(actor=None, office=office),
        [("Kantor", 2, "code", "mpp-baru"), ("Kantor", 2, "name", "MPP Baru")],
    )
    first = _import(workbook)
    assert first.office_created and first.changes > 0
    after_first = _snapshot()

    second = _import(workbook)

    assert second.changes == 0
    assert not second.office_created
    assert second.slots_created == 0
    assert _snapshot() == after_first


def test_a_blank_template_filled_in_makes_an_office_with_national_holidays():
    badung()
    workbook = workbook_template()
    workbook = add_row(
        workbook,
        "Kantor",
        {"code": "upt-samsat", "name": "UPT Samsat", "region": "51.03", "timezone": "WITA"},
    )
    workbook = add_row(
        workbook,
        "Instansi",
        {"code": "samsat", "name": "Samsat Bali", "short_name": "Samsat"},
    )
    workbook = add_row(
        workbook,
        "Layanan",
        {"code": "pkb", "agency": "samsat", "name": "Pajak Kendaraan", "prefix": "P"},
    )
    workbook = add_row(workbook, "Loket", {"number": 1, "agency": "samsat"})
    for day in ("Senin", "Selasa", "Rabu", "Kamis", "Jumat"):
        workbook = add_row(
            workbook, "Jam layanan", {"weekday": day, "opens": "08:00", "closes": "14:00"}
        )

    result = _import(workbook)

    office = Office.objects.get(code="upt-samsat")
    assert office.timezone == "Asia/Makassar"
    assert office.booking_horizon_days == 14  # the model's default for an empty cell
    service = Service.objects.get(office=office, code="pkb")
    assert (service.slot_minutes, service.slot_capacity, service.fee) == (60, 10, 0)
    assert list(Counter.objects.get(office=office).services.all()) == [service]
    assert Closure.objects.filter(office=office, date=dt.date(2026, 8, 17)).exists()
    assert Closure.objects.filter(office=office, date__year=2027).exists()
    assert Board.objects.get(office=office).running_text
    assert result.slots_created > 0
    assert _import(workbook).changes == 0


# --- Validation: every problem, nothing written --------------------------------------------------


def test_a_workbook_with_errors_on_several_sheets_writes_nothing_and_names_each():
    office = small_office()
    exported = office_export(actor=None, office=office)
    ktp_row = row_of(exported, "Layanan", "code", "ktp-el")
    pkb_row = row_of(exported, "Layanan", "code", "pkb")
    workbook = edit(
        exported,
        [
            ("Kantor", 2, "timezone", "Asia/Tokyo"),
            ("Kantor", 2, "reminder_hour", 24),
            ("Instansi", 3, "name", None),
            ("Layanan", ktp_row, "prefix", "a1"),
            ("Layanan", pkb_row, "agency", "tidak-ada"),
            ("Layanan", pkb_row, "slot_minutes", 3),
            ("Loket", 2, "services", "ktp-el, kia"),
            ("Jam layanan", 2, "closes", "07:00"),
            ("Hari tutup", 2, "date", "31-02-2026"),
        ],
    )
    workbook = add_row(
        workbook,
        "Layanan",
        {"code": "kartu-keluarga", "agency": "disdukcapil", "name": "KK", "prefix": "K"},
    )
    before = _snapshot()

    with pytest.raises(WorkbookRejected) as rejected:
        _import(workbook)

    assert _snapshot() == before
    found = {(i.sheet, i.row, i.column): i.message for i in rejected.value.issues}
    assert found[("Kantor", 2, "D")].startswith("Zona waktu tidak dikenal")
    assert ("Kantor", 2, "I") in found  # reminder hour above 23 (the model's validator)
    assert found[("Instansi", 3, "B")] == "Wajib diisi."
    assert ("Layanan", ktp_row, "D") in found  # prefix pattern
    assert "tidak ada di lembar Instansi" in found[("Layanan", pkb_row, "B")]
    assert found[("Layanan", pkb_row, "J")] == "Panjang jadwal paling sedikit 5 menit."
    assert "sudah dipakai di baris" in found[("Layanan", 5, "A")]
    assert found[("Loket", 2, "D")] == "Layanan kia tidak ada di lembar Layanan."
    assert found[("Jam layanan", 2, "C")] == "Jam tutup harus setelah jam buka."
    assert found[("Hari tutup", 2, "A")].startswith("Tulis tanggal")
    assert len(rejected.value.issues) == 10
    located = str(rejected.value.issues[0])
    assert located.startswith("lembar Kantor, baris 2, kolom D (Zona waktu): ")


def test_errors_are_reported_in_english_when_english_is_active():
    from django.utils import translation

    office = small_office()
    workbook = edit(
        office_export(actor=None, office=office), [("Jam layanan", 2, "closes", "07:00")]
    )
    with translation.override("en"), pytest.raises(WorkbookRejected) as rejected:
        _import(workbook)
    (issue,) = rejected.value.issues
    assert (issue.sheet, issue.row, issue.column) == ("Jam layanan", 2, "C")
    assert issue.message == "Closing time must be after opening time."


def test_an_unknown_region_is_named():
    office = small_office()
    workbook = edit(office_export(actor=None, office=office), [("Kantor", 2, "region", "99.99")])
    with pytest.raises(WorkbookRejected) as rejected:
        _import(workbook)
    (issue,) = rejected.value.issues
    assert (issue.sheet, issue.row, issue.column) == ("Kantor", 2, "C")
    assert issue.message == "Wilayah dengan kode 99.99 tidak terdaftar."


def test_references_between_sheets_and_counter_services_of_another_agency():
    office = small_office()
    workbook = edit(office_export(actor=None, office=office), [("Loket", 3, "services", "ktp-el")])
    with pytest.raises(WorkbookRejected) as rejected:
        _import(workbook)
    (issue,) = rejected.value.issues
    assert (issue.sheet, issue.row, issue.column) == ("Loket", 3, "D")
    assert "milik instansi disdukcapil" in issue.message


def test_a_missing_sheet_and_a_missing_required_column_are_reported():
    from io import BytesIO

    from openpyxl import load_workbook

    office = small_office()
    workbook = load_workbook(BytesIO(office_export(actor=None, office=office)))
    del workbook["Loket"]
    workbook["Layanan"].delete_cols(4)  # prefix
    out = BytesIO()
    workbook.save(out)
    with pytest.raises(WorkbookRejected) as rejected:
        _import(out.getvalue())
    messages = [(i.sheet, i.row, i.message) for i in rejected.value.issues]
    assert any(s is None and "Lembar Loket tidak ada" in m for s, _r, m in messages)
    assert any(
        s == "Layanan" and r == 1 and "Huruf awalan nomor (prefix)" in m for s, r, m in messages
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"kode,nama\nmpp-baru,MPP Baru\n", "bukan lembar kerja .xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "format .xls lama"),
        (b"PK\x03\x04 not really a zip", "bukan lembar kerja .xlsx"),
        (b"", "Berkas kosong"),
        (b"PK\x03\x04" + b"x" * (2 * 1024 * 1024), "terlalu besar"),
    ],
)
def test_files_that_are_not_xlsx_workbooks_are_refused_clearly(data, expected):
    with pytest.raises(WorkbookRejected) as rejected:
        _import(data)
    (issue,) = rejected.value.issues
    assert expected in issue.message
    assert issue.sheet is None


def test_a_zip_that_is_not_a_workbook_and_one_with_a_dtd_are_refused():
    import io
    import zipfile

    def zipped(parts: dict[str, bytes]) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, body in parts.items():
                archive.writestr(name, body)
        return buffer.getvalue()

    plain = zipped({"readme.txt": b"hello"})
    bomb = zipped(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x/>',
            "xl/workbook.xml": b"<workbook/>",
        }
    )
    for data in (plain, bomb):
        with pytest.raises(WorkbookRejected) as rejected:
            _import(data)
        assert "bukan lembar kerja .xlsx" in rejected.value.issues[0].message


# --- Dry run -----------------------------------------------------------------------------------


def test_a_dry_run_writes_nothing_and_shows_field_level_changes():
    office = small_office()
    exported = _no_national(office_export(actor=None, office=office))
    ktp_row = row_of(exported, "Layanan", "code", "ktp-el")
    workbook = edit(
        exported,
        [
            ("Layanan", ktp_row, "slot_capacity", 12),
            ("Layanan", ktp_row, "fee", "Rp 10.000"),
            ("Kantor", 2, "daily_cutoff", "12:00"),
        ],
    )
    workbook = add_row(
        workbook, "Instansi", {"code": "bpjs", "name": "BPJS Kesehatan", "short_name": "BPJS"}
    )
    before = _snapshot()

    result = _import(workbook, dry_run=True)

    assert _snapshot() == before
    assert not result.applied
    sheets = {sheet.title: sheet for sheet in result.sheets}
    assert [c.key for c in sheets["Instansi"].created] == ["bpjs"]
    (updated,) = sheets["Layanan"].updated
    assert updated.key == "ktp-el"
    assert {(f.header, f.old, f.new) for f in updated.fields} == {
        ("Kuota daring per jadwal", 8, 12),
        ("Biaya resmi (Rp)", 0, 10000),
    }
    (office_change,) = sheets["Kantor"].updated
    assert [(f.header, f.old, f.new) for f in office_change.fields] == [
        ("Batas pemesanan hari yang sama", None, "12:00")
    ]
    assert sheets["Layanan"].unchanged == 2
    assert result.changes == 3
    assert any("Kuota jadwal yang sudah ada" in w for w in result.warnings)


def test_a_dry_run_of_a_new_office_creates_nothing():
    office = small_office()
    workbook = edit(office_export(actor=None, office=office), [("Kantor", 2, "code", "mpp-lain")])
    result = _import(workbook, dry_run=True)
    assert result.office_created
    assert not Office.objects.filter(code="mpp-lain").exists()


# --- Updates and what the workbook leaves out ---------------------------------------------------


def test_rows_left_out_are_deactivated_or_removed_as_documented():
    office = small_office()
    # A closure already past, and one to come that the workbook leaves out.
    exported = _no_national(office_export(actor=None, office=office))
    pkb_row = row_of(exported, "Layanan", "code", "pkb")
    samsat_row = row_of(exported, "Instansi", "code", "samsat")
    sunday_row = row_of(exported, "Jam layanan", "weekday", "Minggu")
    workbook = delete_rows(exported, "Layanan", pkb_row)
    workbook = delete_rows(workbook, "Instansi", samsat_row)
    workbook = delete_rows(workbook, "Loket", 3)  # counter 2, Samsat's
    workbook = delete_rows(workbook, "Jam layanan", sunday_row)
    workbook = delete_rows(
        workbook,
        "Hari tutup",
        row_of(workbook, "Hari tutup", "date", "2026-06-17"),
        row_of(workbook, "Hari tutup", "date", "2026-03-19"),
    )

    result = _import(workbook)

    sheets = {sheet.title: sheet for sheet in result.sheets}
    assert [c.key for c in sheets["Instansi"].deactivated] == ["samsat"]
    assert [c.key for c in sheets["Layanan"].deactivated] == ["pkb"]
    assert [c.key for c in sheets["Loket"].deactivated] == ["2"]
    assert [c.key for c in sheets["Jam layanan"].removed] == ["Minggu"]
    assert [c.key for c in sheets["Hari tutup"].removed] == ["2026-06-17"]
    assert not Agency.objects.get(office=office, code="samsat").is_active
    assert not Service.objects.get(office=office, code="pkb").is_active
    assert not Counter.objects.get(office=office, number=2).is_active
    assert not OpeningHours.objects.filter(office=office, weekday=6).exists()
    assert not Closure.objects.filter(office=office, date=dt.date(2026, 6, 17)).exists()
    assert Closure.objects.filter(office=office, date=dt.date(2026, 3, 19)).exists()  # past: kept
    # Imported again: what is already inactive is not reported again.
    assert _import(workbook).changes == 0


def test_two_services_swap_prefixes_and_a_service_moves_agency():
    office = small_office()
    exported = _no_national(office_export(actor=None, office=office))
    ktp_row = row_of(exported, "Layanan", "code", "ktp-el")
    kk_row = row_of(exported, "Layanan", "code", "kartu-keluarga")
    workbook = edit(
        exported,
        [
            ("Layanan", ktp_row, "prefix", "B"),
            ("Layanan", kk_row, "prefix", "A"),
            ("Layanan", kk_row, "agency", "samsat"),
            ("Loket", 2, "services", "ktp-el"),
            ("Loket", 3, "services", "pkb, kartu-keluarga"),
        ],
    )
    result = _import(workbook)
    assert result.changes == 4
    ktp = Service.objects.get(office=office, code="ktp-el")
    kk = Service.objects.get(office=office, code="kartu-keluarga")
    assert (ktp.prefix, kk.prefix, kk.agency.code) == ("B", "A", "samsat")
    assert set(Counter.objects.get(office=office, number=2).services.all()) == {
        Service.objects.get(office=office, code="pkb"),
        kk,
    }


def test_a_prefix_still_held_by_a_service_left_out_is_refused():
    office = small_office()
    exported = office_export(actor=None, office=office)
    workbook = delete_rows(exported, "Layanan", row_of(exported, "Layanan", "code", "pkb"))
    workbook = delete_rows(workbook, "Loket", 3)
    workbook = add_row(
        workbook, "Layanan", {"code": "kia", "agency": "disdukcapil", "name": "KIA", "prefix": "C"}
    )
    with pytest.raises(WorkbookRejected) as rejected:
        _import(workbook)
    (issue,) = rejected.value.issues
    assert issue.sheet == "Layanan" and issue.column == "D"
    assert "masih dipakai layanan pkb" in issue.message


def test_a_closure_added_over_bookings_is_warned_about():
    office = small_office()
    ktp = Service.objects.get(office=office, code="ktp-el")
    from antrean.catalog.services import office_slots_ensure

    office_slots_ensure(office=office, now=NOW)
    slot = Slot.objects.get(service=ktp, date=dt.date(2026, 5, 6), start=dt.time(9))
    make_booking(slot, now=NOW)
    workbook = add_row(
        _no_national(office_export(actor=None, office=office)),
        "Hari tutup",
        {"date": "06-05-2026", "reason": "Rapat kerja", "kind": "Kebijakan kantor"},
    )
    result = _import(workbook, dry_run=True)
    assert any(w.startswith("1 antrean aktif") for w in result.warnings)
    _import(workbook)
    assert Ticket.objects.get().status == "booked"  # not cancelled behind anyone's back


def test_the_apply_step_refuses_a_plan_that_is_no_longer_the_previewed_one():
    office = small_office()
    exported = _no_national(office_export(actor=None, office=office))
    workbook = edit(exported, [("Kantor", 2, "name", "MPP Nama Baru")])
    preview = _import(workbook, dry_run=True)
    Office.objects.filter(pk=office.pk).update(phone="0361 000")  # someone edits meanwhile
    before = _snapshot()

    with pytest.raises(PlanChanged) as changed:
        _import(workbook, expect_digest=preview.digest)

    assert _snapshot() == before
    assert changed.value.result.digest != preview.digest
    applied = _import(workbook, expect_digest=changed.value.result.digest)
    assert applied.applied


# --- Scope --------------------------------------------------------------------------------------


def test_a_regency_admin_cannot_import_into_another_regency():
    office = small_office(region=sidoarjo())
    pemkab_badung = make_regional_admin(badung())
    new_office = edit(
        office_export(actor=None, office=office), [("Kantor", 2, "code", "mpp-porong")]
    )
    moved = edit(office_export(actor=None, office=office), [("Kantor", 2, "region", "51.03")])
    before = _snapshot()

    for workbook in (new_office, moved):
        for dry_run in (True, False):
            with pytest.raises(DomainError) as refused:
                _import(workbook, actor=pemkab_badung, dry_run=dry_run)
            assert refused.value.code == ErrorCode.FORBIDDEN

    assert _snapshot() == before
    with pytest.raises(DomainError):
        office_export(actor=pemkab_badung, office=office)


def test_who_may_import_where():
    office = small_office()  # in Badung, Bali
    workbook = edit(office_export(actor=None, office=office), [("Kantor", 2, "name", "MPP Baru")])
    pemprov_bali = make_regional_admin(office.region.parent)
    pemkab_sidoarjo = make_regional_admin(sidoarjo())
    office_admin = make_officer(make_agency(office), role="office_admin")
    national = make_national_admin()
    for actor in (office_admin, pemkab_sidoarjo):
        with pytest.raises(DomainError):
            _import(workbook, actor=actor, dry_run=True)
    assert _import(workbook, actor=pemprov_bali, dry_run=True).changes
    assert _import(workbook, actor=national, dry_run=True).changes
    assert _import(workbook, actor=make_regional_admin(office.region), dry_run=True).changes


def test_a_forbidden_region_is_refused_before_other_errors_are_shown():
    office = small_office(region=sidoarjo())
    make_service(office=office, code="rahasia", prefix="R")
    workbook = edit(office_export(actor=None, office=office), [("Layanan", 2, "prefix", "R")])
    with pytest.raises(DomainError):
        _import(workbook, actor=make_regional_admin(badung()), dry_run=True)


def test_a_time_zone_change_is_warned_about():
    office = small_office()
    workbook = edit(
        _no_national(office_export(actor=None, office=office)), [("Kantor", 2, "timezone", "WIB")]
    )
    result = _import(workbook, dry_run=True)
    (change,) = result.sheets[0].updated
    assert [(f.header, f.old, f.new) for f in change.fields] == [
        ("Zona waktu", "Asia/Makassar", "Asia/Jakarta")
    ]
    assert any(w.startswith("Zona waktu kantor berubah") for w in result.warnings)
