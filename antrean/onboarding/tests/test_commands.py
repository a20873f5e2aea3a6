"""`manage.py office_export` and `manage.py office_import [--dry-run]`."""

import io

import pytest
from django.core.management import CommandError, call_command

from antrean.onboarding.services import office_export
from antrean.onboarding.tests.helpers import edit, small_office
from antrean.tenancy.models import Office

pytestmark = pytest.mark.django_db


def _run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_export_then_dry_run_then_import_then_import_again(tmp_path):
    office = small_office()
    path = tmp_path / "kantor.xlsx"
    out, _err = _run("office_export", office.code, str(path))
    assert "ditulis" in out
    path.write_bytes(
        edit(path.read_bytes(), [("Kantor", 2, "code", "mpp-baru"), ("Kantor", 2, "name", "B")])
    )

    out, _err = _run("office_import", str(path), "--dry-run")
    assert "Pratinjau: tidak ada yang disimpan." in out
    assert "Kantor baru mpp-baru (B) akan dibuat." in out
    assert "Layanan: 3 baru, 0 diubah, 0 tetap" in out
    assert not Office.objects.filter(code="mpp-baru").exists()

    out, _err = _run("office_import", str(path))
    assert "Kantor baru mpp-baru (B) dibuat." in out
    assert "Jadwal pemesanan dibuat:" in out
    assert Office.objects.filter(code="mpp-baru").exists()

    out, _err = _run("office_import", str(path))
    assert "Jumlah perubahan: 0." in out
    assert "Jadwal pemesanan dibuat: 0." in out


def test_an_update_lists_each_changed_field(tmp_path):
    office = small_office()
    path = tmp_path / "kantor.xlsx"
    path.write_bytes(
        edit(
            office_export(actor=None, office=office),
            [("Kantor", 2, "phone", "(0361) 123"), ("Kantor", 2, "national_holidays", "tidak")],
        )
    )
    out, _err = _run("office_import", str(path), "--dry-run")
    assert "  ~ mpp-contoh (MPP mpp-contoh)" in out
    assert "      Telepon: — → (0361) 123" in out


def test_a_workbook_with_errors_prints_each_and_fails(tmp_path):
    office = small_office()
    path = tmp_path / "kantor.xlsx"
    path.write_bytes(
        edit(
            office_export(actor=None, office=office),
            [("Kantor", 2, "timezone", "GMT"), ("Loket", 2, "number", "satu")],
        )
    )
    with pytest.raises(CommandError, match=r"2 kesalahan\. Tidak ada yang disimpan\."):
        _run("office_import", str(path))


def test_errors_go_to_stderr_with_their_place(tmp_path):
    office = small_office()
    path = tmp_path / "kantor.xlsx"
    path.write_bytes(edit(office_export(actor=None, office=office), [("Loket", 2, "number", "x")]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("office_import", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().startswith("lembar Loket, baris 2, kolom A (Nomor loket): Tulis")


def test_unknown_office_missing_file_and_wrong_extension(tmp_path):
    with pytest.raises(CommandError, match="tidak ada"):
        _run("office_export", "tidak-ada", str(tmp_path / "x.xlsx"))
    office = small_office()
    with pytest.raises(CommandError, match=r"\.xlsx"):
        _run("office_export", office.code, str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="tidak ada"):
        _run("office_import", str(tmp_path / "nothing.xlsx"))
    csv = tmp_path / "kantor.xlsx"
    csv.write_text("kode,nama\n")
    with pytest.raises(CommandError):
        _run("office_import", str(csv))
