"""The onboarding page /staf/kantor/impor/: download, upload for a preview, apply."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from antrean.onboarding.services import office_export
from antrean.onboarding.tests.helpers import badung, edit, sidoarjo, small_office
from antrean.onboarding.views import PENDING_KEY
from antrean.onboarding.workbook import XLSX_CONTENT_TYPE
from antrean.tenancy.models import Office
from antrean.testing.factories import make_agency, make_officer, make_regional_admin
from antrean.testing.signin import sign_in

pytestmark = pytest.mark.django_db

PAGE = "/staf/kantor/impor/"
APPLY = "/staf/kantor/impor/terapkan/"


def _upload(data: bytes, name: str = "kantor.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX_CONTENT_TYPE)


@pytest.fixture
def office():
    return small_office()


@pytest.fixture
def pemkab(office):
    return sign_in(Client(), make_regional_admin(office.region))


def _new_office_workbook(office, code="mpp-baru") -> bytes:
    return edit(
        office_export(actor=None, office=office),
        [("Kantor", 2, "code", code), ("Kantor", 2, "name", "MPP Baru")],
    )


def test_only_national_and_regional_admins_reach_the_page(office):
    assert Client().get(PAGE).status_code == 302  # to the sign-in page
    agency = make_agency(office)
    for role in ("officer", "office_admin"):
        client = sign_in(Client(), make_officer(agency, role=role))
        response = client.get(PAGE)
        assert response.status_code == 403
        assert "Kantor dari lembar kerja" not in response.content.decode()
    for path in ("/staf/kantor/templat.xlsx", f"/staf/kantor/ekspor/?kantor={office.code}"):
        assert client.get(path).status_code == 403


def test_a_regional_admin_without_the_second_step_is_not_signed_in(office):
    client = Client()
    client.force_login(make_regional_admin(office.region))
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/staf/masuk/" in response["Location"]


def test_the_page_lists_the_offices_of_the_admins_region_only(office, pemkab):
    other = small_office(code="mpp-sidoarjo", region=sidoarjo())
    response = pemkab.get(PAGE)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'value="{office.code}"' in page
    assert f'value="{other.code}"' not in page
    assert 'href="/staf/kantor/impor/"' in page  # in the staff navigation


def test_downloads_the_template_and_an_office_in_scope_only(office, pemkab):
    template = pemkab.get("/staf/kantor/templat.xlsx")
    assert template.status_code == 200
    assert template["Content-Type"] == XLSX_CONTENT_TYPE
    assert "templat-kantor.xlsx" in template["Content-Disposition"]
    assert load_workbook(io.BytesIO(template.content)).sheetnames[0] == "Petunjuk"
    exported = pemkab.get(f"/staf/kantor/ekspor/?kantor={office.code}")
    assert exported.status_code == 200
    workbook = load_workbook(io.BytesIO(exported.content))
    assert workbook["Kantor"]["A2"].value == office.code
    other = small_office(code="mpp-sidoarjo", region=sidoarjo())
    assert pemkab.get(f"/staf/kantor/ekspor/?kantor={other.code}").status_code == 403
    assert pemkab.get("/staf/kantor/ekspor/?kantor=tidak-ada").status_code == 404


def test_upload_shows_a_preview_then_apply_creates_the_office(office, pemkab):
    response = pemkab.post(PAGE, {"workbook": _upload(_new_office_workbook(office))})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Pratinjau — belum ada yang disimpan" in page
    assert "kantor baru" in page
    assert "Terapkan" in page
    assert not Office.objects.filter(code="mpp-baru").exists()
    digest = pemkab.session[PENDING_KEY]["digest"]

    applied = pemkab.post(APPLY, {"digest": digest})

    page = applied.content.decode()
    assert applied.status_code == 200
    assert "Lembar kerja diterapkan" in page
    assert 'href="/kantor/mpp-baru/"' in page
    created = Office.objects.get(code="mpp-baru")
    assert created.services.count() == 3
    assert PENDING_KEY not in pemkab.session
    # The booking page of the new office offers its services.
    assert "KTP-el" in Client().get("/kantor/mpp-baru/").content.decode()


def test_an_unchanged_workbook_has_nothing_to_apply(office, pemkab):
    workbook = edit(
        office_export(actor=None, office=office), [("Kantor", 2, "national_holidays", "tidak")]
    )
    page = pemkab.post(PAGE, {"workbook": _upload(workbook)}).content.decode()
    assert "Tidak ada perubahan" in page
    assert 'action="/staf/kantor/impor/terapkan/"' not in page
    assert PENDING_KEY not in pemkab.session


def test_a_workbook_with_errors_lists_each_and_writes_nothing(office, pemkab):
    workbook = edit(
        _new_office_workbook(office),
        [("Kantor", 2, "timezone", "Asia/Tokyo"), ("Loket", 2, "agency", "tidak-ada")],
    )
    response = pemkab.post(PAGE, {"workbook": _upload(workbook)})
    page = response.content.decode()
    assert response.status_code == 422
    assert "Lembar kerja belum dapat diimpor: 2 kesalahan" in page
    assert "<td>Kantor</td><td>2</td><td>D" in page
    assert "<td>Loket</td><td>2</td><td>B" in page
    assert "Instansi tidak-ada tidak ada di lembar Instansi." in page
    assert not Office.objects.filter(code="mpp-baru").exists()
    assert PENDING_KEY not in pemkab.session


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("kantor.csv", b"kode,nama\n", "Hanya berkas .xlsx yang diterima"),
        ("kantor.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Hanya berkas .xlsx yang diterima"),
        ("kantor.xlsx", b"kode,nama\n", "bukan lembar kerja .xlsx"),
        ("kantor.xlsx", b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024), "terlalu besar"),
    ],
)
def test_other_files_are_refused_with_a_clear_error(office, pemkab, name, data, message):
    response = pemkab.post(PAGE, {"workbook": _upload(data, name)})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Office.objects.count() == 1


def test_no_file_chosen(office, pemkab):
    response = pemkab.post(PAGE, {})
    assert response.status_code == 422
    assert "Pilih berkas lembar kerja" in response.content.decode()


def test_another_regencys_workbook_is_refused_and_changes_nothing(pemkab):
    other = small_office(code="mpp-sidoarjo", region=sidoarjo())
    workbook = edit(office_export(actor=None, office=other), [("Kantor", 2, "name", "Diubah")])
    response = pemkab.post(PAGE, {"workbook": _upload(workbook)})
    assert response.status_code == 403
    assert Office.objects.get(code="mpp-sidoarjo").name == "MPP mpp-sidoarjo"
    assert PENDING_KEY not in pemkab.session


def test_apply_without_a_pending_preview_or_with_another_digest(office, pemkab):
    response = pemkab.post(APPLY, {"digest": "0" * 64})
    assert response.status_code == 302 and response["Location"] == PAGE
    pemkab.post(PAGE, {"workbook": _upload(_new_office_workbook(office))})
    assert pemkab.post(APPLY, {"digest": "0" * 64}).status_code == 302
    assert not Office.objects.filter(code="mpp-baru").exists()


def test_apply_after_the_office_changed_shows_the_new_preview(office, pemkab):
    workbook = edit(
        office_export(actor=None, office=office),
        [("Kantor", 2, "name", "MPP Nama Baru"), ("Kantor", 2, "national_holidays", "tidak")],
    )
    pemkab.post(PAGE, {"workbook": _upload(workbook)})
    digest = pemkab.session[PENDING_KEY]["digest"]
    Office.objects.filter(pk=office.pk).update(phone="0361 000")

    page = pemkab.post(APPLY, {"digest": digest}).content.decode()

    assert "Data kantor berubah sejak pratinjau" in page
    office.refresh_from_db()
    assert office.name == "MPP mpp-contoh"
    new_digest = pemkab.session[PENDING_KEY]["digest"]
    assert new_digest != digest
    pemkab.post(APPLY, {"digest": new_digest})
    office.refresh_from_db()
    assert office.name == "MPP Nama Baru"


def test_posting_without_the_csrf_token_is_refused(office):
    client = sign_in(Client(enforce_csrf_checks=True), make_regional_admin(badung()))
    response = client.post(PAGE, {"workbook": _upload(_new_office_workbook(office))})
    assert response.status_code == 403
    assert not Office.objects.filter(code="mpp-baru").exists()
