"""The onboarding page: download a workbook (blank, or an office's), upload one for a preview of
what would change, then apply it.

Thin: the service decides scope (`permissions.can_onboard`) and everything about the workbook.
The previewed file waits in the session (at most 2 MB) with the preview's fingerprint, so the
apply step writes exactly what was shown or, if the office changed meanwhile, shows the new
preview instead.
"""

import base64

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from antrean.core.errors import DomainError, ErrorCode
from antrean.onboarding.forms import WorkbookForm
from antrean.onboarding.selectors import offices_exportable
from antrean.onboarding.services import (
    PlanChanged,
    WorkbookRejected,
    office_export,
    office_import,
    workbook_template,
)
from antrean.onboarding.workbook import XLSX_CONTENT_TYPE
from antrean.queueing.views import staff_required
from antrean.tenancy import permissions
from antrean.tenancy.models import Office

PENDING_KEY = "onboarding_pending"


def _error_page(request: HttpRequest, code: ErrorCode, message: str | None = None):
    return render(
        request,
        "queueing/error.html",
        {"error": code, "message": message or code.message},
        status=code.status,
    )


def _page(request: HttpRequest, *, status: int = 200, **context) -> HttpResponse:
    context.setdefault("form", WorkbookForm())
    context["offices"] = offices_exportable(request.user)
    return render(request, "onboarding/import.html", context, status=status)


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    if not permissions.may_onboard(request.user):
        return _error_page(request, ErrorCode.FORBIDDEN)
    if request.method == "GET":
        return _page(request)
    request.session.pop(PENDING_KEY, None)
    form = WorkbookForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form=form, status=422)
    data = form.workbook_bytes()
    try:
        result = office_import(actor=request.user, data=data, dry_run=True)
    except WorkbookRejected as rejected:
        return _page(request, form=form, issues=rejected.issues, status=422)
    except DomainError as refused:
        return _error_page(request, refused.code, refused.message)
    if result.changes:
        request.session[PENDING_KEY] = {
            "data": base64.b64encode(data).decode("ascii"),
            "digest": result.digest,
            "name": form.cleaned_data["workbook"].name[:120],
        }
    return _page(request, result=result, preview=True, filename=form.cleaned_data["workbook"].name)


@never_cache
@staff_required
@require_POST
def import_apply(request: HttpRequest) -> HttpResponse:
    if not permissions.may_onboard(request.user):
        return _error_page(request, ErrorCode.FORBIDDEN)
    pending = request.session.get(PENDING_KEY)
    digest = request.POST.get("digest", "")
    if not isinstance(pending, dict) or pending.get("digest") != digest:
        messages.error(
            request, _("Tidak ada pratinjau yang menunggu. Unggah lembar kerja sekali lagi.")
        )
        return redirect("onboarding:import")
    data = base64.b64decode(pending["data"])
    try:
        result = office_import(actor=request.user, data=data, dry_run=False, expect_digest=digest)
    except PlanChanged as changed:
        pending["digest"] = changed.result.digest
        request.session[PENDING_KEY] = pending
        return _page(
            request, result=changed.result, preview=True, changed=True, filename=pending["name"]
        )
    except WorkbookRejected as rejected:
        request.session.pop(PENDING_KEY, None)
        return _page(request, issues=rejected.issues, status=422)
    except DomainError as refused:
        request.session.pop(PENDING_KEY, None)
        return _error_page(request, refused.code, refused.message)
    request.session.pop(PENDING_KEY, None)
    return _page(request, result=result, applied=True, filename=pending["name"])


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
@require_safe
def template_download(request: HttpRequest) -> HttpResponse:
    if not permissions.may_onboard(request.user):
        return _error_page(request, ErrorCode.FORBIDDEN)
    return _xlsx(workbook_template(), "templat-kantor.xlsx")


@staff_required
@require_safe
def office_download(request: HttpRequest) -> HttpResponse:
    if not permissions.may_onboard(request.user):
        return _error_page(request, ErrorCode.FORBIDDEN)
    office = Office.objects.select_related("region").filter(code=request.GET.get("kantor")).first()
    if office is None:
        raise Http404
    try:
        data = office_export(actor=request.user, office=office)
    except DomainError as refused:
        return _error_page(request, refused.code, refused.message)
    return _xlsx(data, f"kantor-{office.code}.xlsx")
