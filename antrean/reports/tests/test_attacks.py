"""An attacker against the report endpoints: tracking codes enumerated, oversized and
malformed uploads, a PNG signature in front of a script, another region's report, and a
forged move form (CSRF). Each refusal changes nothing."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from antrean.reports.models import Report, ReportAttachment, ReportStatus, ReportStep
from antrean.reports.services import AttachmentIn, report_file, sniff_content_type
from antrean.testing.factories import make_inspector, make_office, make_region
from antrean.testing.signin import sign_in

TEXT = "Petugas meminta uang agar berkas saya didahulukan."
IHDR = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def filed(desk):
    return report_file(office=desk.office, ticket=desk.ticket, text=TEXT, now=desk.now)


# --- Tracking codes -------------------------------------------------------------------------


def test_tracking_lookups_are_limited_per_address_on_the_api(client, filed, settings):
    settings.ANTREAN_REPORTS_TRACK_PER_ADDRESS = 3
    for n in range(3):
        assert client.get(f"/api/v1/reports/AAAA-AAAA-AAA{n}").status_code == 404
    refused = client.get(f"/api/v1/reports/{filed.tracking_display}")
    # Over the limit even the right code is refused: guessing is no faster with a hit.
    assert (refused.status_code, refused.json()["error"]) == (429, "rate_limited")
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.get(f"/api/v1/reports/{filed.tracking_display}").status_code == 200


def test_tracking_lookups_are_limited_per_address_on_the_page(client, filed, settings):
    settings.ANTREAN_REPORTS_TRACK_PER_ADDRESS = 2
    url = reverse("reports:track")
    assert client.post(url, {"code": "AAAA-AAAA-AAAA"}).status_code == 404
    assert client.post(url, {"code": filed.tracking_display}).status_code == 200
    refused = client.post(url, {"code": filed.tracking_display})
    assert refused.status_code == 429 and "Terlalu banyak" in refused.content.decode()
    assert "Diterima" not in refused.content.decode()


def test_malformed_tracking_codes_are_plain_not_found(client, filed):
    for code in ("%27%20OR%201=1--", "A" * 300, "..%2F..%2Fetc", "ABCD%00EFGH"):
        response = client.get(f"/api/v1/reports/{code}")
        assert response.status_code in (400, 404), code


# --- Uploads --------------------------------------------------------------------------------


def test_an_oversized_upload_is_refused_before_it_is_parsed(client, desk, settings):
    settings.ANTREAN_PAGE_UPLOAD_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("bukti.png", IHDR + b"\x00" * (2 * 1024 * 1024))

    response = client.post(
        reverse("reports:new"), {"office": desk.office.code, "text": TEXT, "attachment": upload}
    )

    assert response.status_code == 413
    assert not Report.objects.exists()


def test_an_attachment_over_5_mb_under_the_body_limit_is_refused_clearly(client, desk):
    upload = SimpleUploadedFile("bukti.pdf", b"%PDF-1.7\n" + b"x" * (5 * 1024 * 1024))

    response = client.post(
        reverse("reports:new"), {"office": desk.office.code, "text": TEXT, "attachment": upload}
    )

    assert response.status_code == 422
    assert not Report.objects.exists() and not ReportAttachment.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n<script>alert(document.cookie)</script>",  # a signature, then HTML
        b"\xff\xd8\xff<html><script>alert(1)</script>",
        b"%PDF-<script>alert(1)</script>",
        b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
        b"",
    ],
)
def test_a_signature_in_front_of_a_script_is_not_an_image(client, desk, data):
    assert sniff_content_type(data) is None
    upload = SimpleUploadedFile("bukti.png", data, content_type="image/png")

    response = client.post(
        reverse("reports:new"), {"office": desk.office.code, "text": TEXT, "attachment": upload}
    )

    assert response.status_code == 422
    assert not Report.objects.exists()


def test_a_polyglot_that_passes_is_served_only_as_a_sandboxed_download(client, desk):
    polyglot = IHDR + b"\x00" * 17 + b"<html><script>alert(document.cookie)</script></html>"
    report = report_file(
        office=desk.office,
        ticket=desk.ticket,
        text=TEXT,
        attachments=[AttachmentIn(polyglot)],
        now=desk.now,
    )
    attachment = report.attachments.get()
    sign_in(client, desk.inspector)

    response = client.get(
        reverse("reports:inspectorate_attachment", args=[report.tracking_code, attachment.pk])
    )

    assert response.status_code == 200 and response.content == polyglot
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_a_malformed_multipart_body_is_a_400_and_files_nothing(client, desk):
    response = client.generic(
        "POST",
        reverse("reports:new"),
        b'--xyz\r\nContent-Disposition: form-data; name="text"\r\n\r\nabc',  # never closed
        content_type="multipart/form-data; boundary=xyz",
    )
    assert response.status_code in (400, 403, 422)
    assert not Report.objects.exists()


# --- Another region; CSRF -------------------------------------------------------------------


def test_an_inspector_of_another_region_gets_not_found_and_moves_nothing(client, desk, filed):
    elsewhere = make_inspector(
        make_office(region=make_region(code="51.71", name="Kota Denpasar")).region
    )
    sign_in(client, elsewhere)
    detail = reverse("reports:inspectorate_detail", args=[filed.tracking_code])
    export = reverse("reports:inspectorate_export", args=[filed.tracking_code])

    assert client.get(detail).status_code == 404
    assert client.get(export).status_code == 404
    assert client.post(detail, {"to": "under_review"}).status_code == 404
    assert ReportStep.objects.filter(report=filed).count() == 1
    filed.refresh_from_db()
    assert filed.status == ReportStatus.RECEIVED


def test_the_move_form_needs_its_csrf_token(desk, filed):
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser, desk.inspector)
    detail = reverse("reports:inspectorate_detail", args=[filed.tracking_code])

    forged = browser.post(detail, {"to": "under_review"})

    assert forged.status_code == 403
    assert ReportStep.objects.filter(report=filed).count() == 1
    # The page's own form carries the token and works.
    page = browser.get(detail)
    token = page.context["csrf_token"]
    moved = browser.post(detail, {"to": "under_review", "csrfmiddlewaretoken": str(token)})
    assert moved.status_code == 302
    assert ReportStep.objects.filter(report=filed).count() == 2
