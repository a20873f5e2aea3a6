"""The public verification page: anyone can check a certificate by its QR code or its PDF."""

import io

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from antrean.integrity.certificates import certificate_check_upload, certificate_pdf_bytes
from antrean.integrity.models import Certificate
from antrean.integrity.selectors import certificate_by_verification_code, certificate_public_facts

MAX_UPLOAD_BYTES = 2 * 1024 * 1024

REASONS = {
    "ok": "",
    "unsigned": _("Berkas ini tidak bertanda tangan elektronik."),
    "malformed": _("Berkas ini bukan PDF yang dapat dibaca."),
    "unknown_key": _("Tanda tangan berkas ini bukan dari kunci kantor mana pun di sistem ini."),
    "bad_signature": _("Tanda tangan tidak cocok: isi berkas telah diubah."),
    "modified": _("Berkas telah diubah setelah ditandatangani."),
    "unknown": _("Berkas bertanda tangan sah, tetapi tidak cocok dengan piagam yang tercatat."),
    "revoked": _("Piagam ini sudah dicabut."),
    "too_large": _("Berkas terlalu besar (maksimal 2 MB)."),
    "missing": _("Pilih berkas PDF piagam terlebih dahulu."),
}


def reason_message(reason: str) -> str:
    return str(REASONS.get(reason, REASONS["modified"]))


def pdf_response(certificate: Certificate) -> FileResponse:
    """The certificate's PDF as a download (the stored file is sealed: opened here)."""
    response = FileResponse(
        io.BytesIO(certificate_pdf_bytes(certificate)),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"piagam-{certificate.number}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


def check_uploaded_file(request: HttpRequest):
    """The check result of the PDF in the `file` field, or a reason it could not be checked."""
    upload = request.FILES.get("file")
    if upload is None:
        return None, "missing"
    if upload.size > MAX_UPLOAD_BYTES:
        return None, "too_large"
    result = certificate_check_upload(upload.read())
    return result, result.reason


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, code: str | None = None) -> HttpResponse:
    certificate = certificate_by_verification_code(code=code) if code else None
    context = {
        "code": code,
        "certificate": certificate,
        "facts": certificate_public_facts(certificate) if certificate else None,
    }
    status = 200 if (certificate or not code) else 404
    if request.method == "POST":
        result, reason = check_uploaded_file(request)
        context["upload"] = {
            "valid": bool(result and result.valid),
            "reason": reason,
            "message": reason_message(reason),
            "facts": certificate_public_facts(result.certificate)
            if result and result.certificate
            else None,
        }
        status = 200
    return render(request, "integrity/verify.html", context, status=status)
