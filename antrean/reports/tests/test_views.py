"""The citizen's pages (no JavaScript) and the inspectorate's pages."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from antrean.booking.views import OWNED_KEY
from antrean.display.printing import ticket_content
from antrean.reports.models import Report, ReportStatus, ReportStep
from antrean.reports.services import AttachmentIn, report_file
from antrean.tenancy.models import Membership
from antrean.testing.factories import make_officer, make_superuser
from antrean.testing.signin import sign_in

TEXT = "Petugas meminta uang agar berkas saya didahulukan."
PDF = b"%PDF-1.7\n" + b"x" * 100


def own(client, code):
    session = client.session
    session[OWNED_KEY] = [code]
    session.save()


def test_report_from_the_booking_page_and_track_it(client, desk):
    own(client, desk.ticket.code)
    page = client.get(reverse("booking:booking", args=[desk.ticket.code]))
    assert reverse("reports:from_booking", args=[desk.ticket.code]) in page.content.decode()
    url = reverse("reports:from_booking", args=[desk.ticket.code])
    assert client.get(url).status_code == 200
    response = client.post(url, {"text": TEXT, "identity_to_office": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("reports:receipt")
    report = Report.objects.get()
    assert report.ticket == desk.ticket and report.identity_to_office is True
    receipt = client.get(reverse("reports:receipt")).content.decode()
    assert report.tracking_display in receipt
    tracked = client.post(reverse("reports:track"), {"code": report.tracking_display.lower()})
    body = tracked.content.decode()
    assert tracked.status_code == 200 and "Diterima" in body and TEXT not in body


def test_the_booking_report_page_needs_the_booking_session(client, desk):
    url = reverse("reports:from_booking", args=[desk.ticket.code])
    assert client.get(url).status_code == 403
    assert client.post(url, {"text": TEXT}).status_code == 403
    assert not Report.objects.exists()


def test_the_general_form_binds_a_ticket_by_code_and_nik_ending(client, desk):
    upload = SimpleUploadedFile("bukti.png", PDF, content_type="image/png")  # a PDF in fact
    response = client.post(
        reverse("reports:new"),
        {"code": desk.ticket.code, "nik_last4": "4321", "text": TEXT, "attachment": upload},
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.officer == desk.officer
    assert report.attachments.get().content_type == "application/pdf"


def test_the_general_form_refuses_a_wrong_ending_and_a_bad_file(client, desk):
    wrong = client.post(
        reverse("reports:new"), {"code": desk.ticket.code, "nik_last4": "0000", "text": TEXT}
    )
    assert wrong.status_code == 422
    upload = SimpleUploadedFile("x.jpg", b"GIF89a....", content_type="image/jpeg")
    bad = client.post(
        reverse("reports:new"), {"office": desk.office.code, "text": TEXT, "attachment": upload}
    )
    assert bad.status_code == 422 and "5 MB" in bad.content.decode()
    nothing = client.post(reverse("reports:new"), {"text": TEXT})
    assert nothing.status_code == 422
    assert not Report.objects.exists()


def test_an_office_level_report_from_the_form(client, desk):
    page = client.get(reverse("reports:new") + f"?kantor={desk.office.code}")
    assert f'value="{desk.office.code}" selected' in page.content.decode()
    response = client.post(reverse("reports:new"), {"office": desk.office.code, "text": TEXT})
    assert response.status_code == 302 and Report.objects.get().ticket is None


def test_tracking_an_unknown_code(client, db):
    assert client.post(reverse("reports:track"), {"code": "ABCD-EFGH-JKMN"}).status_code == 404


def test_the_printed_ticket_names_the_report_address(desk):
    assert "/lapor/" in ticket_content(desk.ticket, "t").pact_line


@pytest.fixture
def filed(desk):
    return report_file(
        office=desk.office, ticket=desk.ticket, text=TEXT, attachments=[AttachmentIn(PDF)]
    )


def test_the_inspectorate_lists_reads_moves_downloads_and_exports(client, desk, filed):
    sign_in(client, desk.inspector)
    listing = client.get(reverse("reports:inspectorate_list"))
    assert listing.status_code == 200 and filed.tracking_display in listing.content.decode()
    url = reverse("reports:inspectorate_detail", args=[filed.tracking_code])
    detail = client.get(url).content.decode()
    assert TEXT in detail and desk.officer.username in detail and "lapor.go.id" in detail
    attachment = filed.attachments.get()
    file = client.get(
        reverse("reports:inspectorate_attachment", args=[filed.tracking_code, attachment.pk])
    )
    assert file.content == PDF and file["Content-Type"] == "application/pdf"
    moved = client.post(url, {"to": "closed", "outcome": "substantiated", "reason": "pendek"})
    assert moved.status_code == 422 and Report.objects.get().status == ReportStatus.RECEIVED
    moved = client.post(
        url, {"to": "closed", "outcome": "substantiated", "reason": "Dua saksi membenarkan."}
    )
    assert moved.status_code == 302 and Report.objects.get().outcome == "substantiated"
    export = client.get(reverse("reports:inspectorate_export", args=[filed.tracking_code]))
    fields = json.loads(export.content)
    assert set(fields) >= {
        "title",
        "text",
        "category",
        "location",
        "date",
        "attachments",
        "anonymous",
        "confidential",
    }
    assert fields["anonymous"] is True and fields["attachments"][0]["sha256"] == attachment.sha256
    assert TEXT in fields["text"] and desk.office.name in fields["location"]


def test_no_other_staff_reaches_the_inspectorate_pages(client, desk, filed):
    national = make_officer(desk.agency, username="nasional-web")
    Membership.objects.filter(user=national).update(
        role=Membership.Role.NATIONAL_ADMIN, office=None, agency=None
    )
    for user in [
        desk.officer,
        make_officer(desk.agency, role=Membership.Role.OFFICE_ADMIN),
        national,
        make_superuser(),
    ]:
        sign_in(client, user)
        for name, args in [
            ("reports:inspectorate_list", []),
            ("reports:inspectorate_detail", [filed.tracking_code]),
            ("reports:inspectorate_export", [filed.tracking_code]),
        ]:
            assert client.get(reverse(name, args=args)).status_code == 403, (user, name)
        url = reverse("reports:inspectorate_detail", args=[filed.tracking_code])
        assert client.post(url, {"to": "under_review"}).status_code == 403
        client.logout()
    assert Report.objects.get().status == ReportStatus.RECEIVED
    assert ReportStep.objects.count() == 1


def test_reports_are_not_in_the_django_admin(admin_client, filed):
    assert admin_client.get("/admin/reports/report/").status_code == 404


def test_an_edited_status_copy_is_not_shown_anywhere(client, desk):
    """The tracking page, the API and the inspectorate's pages read the latest chained step."""
    report = report_file(office=desk.office, ticket=desk.ticket, text=TEXT, now=desk.now)
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.CLOSED, outcome="not_substantiated"
    )

    tracked = client.post(reverse("reports:track"), {"code": report.tracking_display})
    body = tracked.content.decode()
    assert "Diterima" in body and "Selesai" not in body and "Tidak terbukti" not in body
    api = client.get(f"/api/v1/reports/{report.tracking_display}").json()
    assert (api["status"], api["outcome"], api["status_label"]) == ("received", "", "Diterima")

    sign_in(client, desk.inspector)
    listed = client.get(reverse("reports:inspectorate_list")).content.decode()
    assert "Tidak terbukti" not in listed and "Diterima" in listed
    assert (
        report.tracking_display
        in client.get(reverse("reports:inspectorate_list"), {"status": "received"}).content.decode()
    )
    assert (
        report.tracking_display
        not in client.get(
            reverse("reports:inspectorate_list"), {"status": "closed"}
        ).content.decode()
    )
    detail = client.get(reverse("reports:inspectorate_detail", args=[report.tracking_code]))
    assert "<strong>Diterima</strong></p>" in detail.content.decode()
    assert 'name="to"' in detail.content.decode()  # still open: the move form is there
