"""The fair-call audit's flag for the inspectorate: a report naming an officer shows, with the
officer's audit flags, on the inspectorate's pages of that region only; never on the office
admin's audit page nor on the officer's own pages."""

import pytest
from django.urls import reverse

from antrean.queueing.models import AuditFlag
from antrean.reports.services import report_file
from antrean.tenancy.models import Membership
from antrean.testing.factories import make_inspector, make_office, make_officer, make_region
from antrean.testing.signin import sign_in

TEXT = "Petugas di loket meminta uang agar berkas saya didahulukan."
NAMED = "Petugas yang disebut dalam laporan"
NAMING = "laporan menyebut petugas ini"


@pytest.fixture
def named(desk):
    AuditFlag.objects.create(
        office=desk.office,
        kind=AuditFlag.Kind.OUT_OF_ORDER,
        ticket=desk.ticket,
        officer=desk.officer,
        counter=desk.counter,
        at=desk.now,
        detail="Dipanggil sebelum 3 antrean yang lebih dulu.",
    )
    return report_file(office=desk.office, ticket=desk.ticket, text=TEXT, now=desk.now)


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_regions_inspectorate_sees_the_officer_named_with_the_audit_flags(client, desk, named):
    sign_in(client, desk.inspector)

    listed = page(client, reverse("reports:inspectorate_list"))
    detail = page(client, reverse("reports:inspectorate_detail", args=[named.tracking_code]))

    assert NAMED in listed and desk.officer.username in listed
    assert f"1 {NAMING}" in detail
    assert "Dipanggil tidak berurutan: 1" in detail


def test_another_regions_inspectorate_sees_no_flag(client, desk, named):
    elsewhere = make_inspector(
        make_office(region=make_region(code="51.71", name="Kota Denpasar")).region
    )
    sign_in(client, elsewhere)

    listed = page(client, reverse("reports:inspectorate_list"))

    assert desk.officer.username not in listed and named.tracking_display not in listed
    detail = reverse("reports:inspectorate_detail", args=[named.tracking_code])
    assert client.get(detail).status_code == 404


def test_the_office_admins_audit_page_shows_the_flag_but_no_report(client, desk, named):
    admin = make_officer(desk.agency, role=Membership.Role.OFFICE_ADMIN, username="admin-kantor")
    sign_in(client, admin)

    audit = page(client, reverse("queueing:audit"))
    by_officer = page(client, reverse("queueing:audit") + f"?petugas={desk.officer.pk}")

    for body in (audit, by_officer):
        assert "Dipanggil tidak berurutan" in body  # its own audit is there
        assert named.tracking_display not in body and named.tracking_code not in body
        assert NAMED not in body and NAMING not in body and "Laporan gratifikasi" not in body
    assert client.get(reverse("reports:inspectorate_list")).status_code == 403


def test_the_officers_pages_show_no_report(client, desk, named):
    sign_in(client, desk.officer)

    for url in (
        reverse("queueing:counters"),
        reverse("queueing:console", args=[desk.counter.pk]),
        reverse("accounts:overview"),
    ):
        body = page(client, url)
        assert named.tracking_display not in body and NAMING not in body, url
        assert NAMED not in body and "Laporan gratifikasi" not in body, url
    assert client.get(reverse("queueing:audit")).status_code == 403
