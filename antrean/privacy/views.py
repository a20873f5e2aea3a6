"""The citizen's "Data saya" pages: ask with booking code and full NIK, see everything held
about that booking, take it away as JSON.

The NIK travels only in the POST body. A request that matches leaves a short grant sealed in
the session (the ticket, for ACCESS_TTL), so the result, the JSON and the certificate are
plain GETs with nothing personal in their URLs; "Selesai" removes the grant at once.
"""

import datetime as dt
import json

from cryptography.exceptions import InvalidTag
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from antrean.core.errors import DomainError
from antrean.core.http import client_ip
from antrean.core.personal_data import decrypt, encrypt, mask_nik, mask_phone
from antrean.integrity.views import pdf_response
from antrean.privacy.forms import DataAccessForm
from antrean.privacy.selectors import ERASED_ITEMS, KEPT_ITEMS, personal_data_export
from antrean.privacy.services import personal_data_access_check
from antrean.queueing.models import Ticket

GRANT_KEY = "privacy_access"
GRANT_PURPOSE = "privacy-access"
ACCESS_TTL = dt.timedelta(minutes=15)


def _grant(request: HttpRequest, ticket: Ticket) -> None:
    request.session.cycle_key()  # a fresh session id for what follows
    request.session[GRANT_KEY] = {
        "sealed": encrypt(json.dumps({"ticket": ticket.pk}), purpose=GRANT_PURPOSE),
        "at": timezone.now().isoformat(),
    }


def _granted(request: HttpRequest) -> Ticket | None:
    stored = request.session.get(GRANT_KEY)
    if not stored:
        return None
    try:
        if timezone.now() - dt.datetime.fromisoformat(stored["at"]) > ACCESS_TTL:
            raise ValueError("expired")
        pk = json.loads(decrypt(stored["sealed"], purpose=GRANT_PURPOSE))["ticket"]
    except (KeyError, TypeError, ValueError, InvalidTag):
        request.session.pop(GRANT_KEY, None)
        return None
    return Ticket.objects.filter(pk=pk).first()


def _expired(request: HttpRequest) -> HttpResponse:
    messages.info(
        request, _("Waktu melihat data sudah habis. Masukkan lagi kode pemesanan dan NIK Anda.")
    )
    return redirect("privacy:my_data")


@never_cache
@require_http_methods(["GET", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = DataAccessForm(request.POST)
        if form.is_valid():
            try:
                ticket = personal_data_access_check(
                    code=form.cleaned_data["code"],
                    nik=form.cleaned_data["nik"],
                    client_ip=client_ip(request),
                )
            except DomainError as error:
                form.add_error("nik" if error.field == "nik" else None, error.message)
                status = error.code.status
            else:
                _grant(request, ticket)
                return redirect("privacy:my_data_result")
        else:
            status = 422
    else:
        form = DataAccessForm()
    return render(request, "privacy/my_data.html", {"form": form}, status=status)


@never_cache
@require_safe
def my_data_result(request: HttpRequest) -> HttpResponse:
    ticket = _granted(request)
    if ticket is None:
        return _expired(request)
    export = personal_data_export(ticket=ticket)
    data = export["ticket"]
    context = {
        "data": export,
        "nik_masked": mask_nik(data["nik"]) if data["nik"] else "",
        "whatsapp_masked": mask_phone(data["whatsapp"]) if data["whatsapp"] else "",
        "erased_items": [label for _key, label in ERASED_ITEMS],
        "kept_items": KEPT_ITEMS,
    }
    return render(request, "privacy/my_data_result.html", context)


@never_cache
@require_safe
def my_data_json(request: HttpRequest) -> HttpResponse:
    ticket = _granted(request)
    if ticket is None:
        return _expired(request)
    response = JsonResponse(
        personal_data_export(ticket=ticket), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="data-saya-{ticket.code}.json"'
    return response


@never_cache
@require_safe
def my_data_certificate(request: HttpRequest) -> HttpResponse:
    ticket = _granted(request)
    if ticket is None:
        return _expired(request)
    signature = getattr(ticket, "pact_signature", None) if ticket else None
    certificate = getattr(signature, "certificate", None) if signature else None
    if certificate is None or not certificate.is_ready:
        messages.info(request, _("Berkas piagam tidak tersedia."))
        return redirect("privacy:my_data_result")
    return pdf_response(certificate)


@never_cache
@require_POST
def my_data_done(request: HttpRequest) -> HttpResponse:
    request.session.pop(GRANT_KEY, None)
    messages.success(request, _("Data Anda sudah ditutup di peramban ini."))
    return redirect("privacy:my_data")
