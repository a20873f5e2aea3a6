"""Pages: the citizen reports and follows a report; the inspectorate lists and handles them.

Citizen pages are plain forms (no JavaScript). The tracking code is typed and POSTed, never
put in an address. Inspectorate pages ask `permissions.can_handle_reports` through the
selectors and services, so no other role reads a report, not even a national admin.
"""

import hashlib
import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from antrean.booking.views import OWNED_KEY
from antrean.core.errors import DomainError
from antrean.core.http import client_ip
from antrean.core.personal_data import decrypt_bytes
from antrean.queueing.models import Ticket
from antrean.queueing.views import staff_required
from antrean.reports import lapor, selectors
from antrean.reports.forms import ListFilterForm, MoveForm, NewReportForm, ReportForm, TrackForm
from antrean.reports.models import ReportChannel, ReportStatus
from antrean.reports.services import (
    AttachmentIn,
    report_file,
    report_file_from_booking,
    report_move,
)
from antrean.reports.services import report_track as report_track_lookup
from antrean.tenancy import permissions

RECEIPT_KEY = "report_receipt"


def _add_error(form, error: DomainError) -> None:
    field = {"booking_code": "code", "office": "office", "attachment": "attachment"}.get(
        error.field or "", error.field
    )
    form.add_error(field if field in form.fields else None, error.message)


def _file_from_form(request, form, *, ticket=None, office=None):
    return report_file(
        office=office or ticket.office,
        ticket=ticket,
        text=form.cleaned_data["text"],
        identity_to_office=form.cleaned_data["identity_to_office"],
        contact=form.cleaned_data["contact"],
        attachments=[AttachmentIn(data) for data in form.attachment_bytes()],
        channel=ReportChannel.WEB,
        client_key=client_ip(request),
    )


def _receipt(request, report) -> HttpResponse:
    # Post/redirect/get: a reload of the receipt never files the report twice.
    request.session[RECEIPT_KEY] = report.tracking_display
    return redirect("reports:receipt")


# --- Citizen pages -------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    """A report from anywhere: bound to a ticket by its code and NIK ending, or to an office."""
    initial = {}
    office_code = request.GET.get("kantor")
    if office_code:
        initial["office"] = office_code[:40]
    form = NewReportForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["code"]:
                report = report_file_from_booking(
                    code=data["code"],
                    nik_last4=data["nik_last4"],
                    client_key=client_ip(request),
                    text=data["text"],
                    identity_to_office=data["identity_to_office"],
                    contact=data["contact"],
                    attachments=[AttachmentIn(b) for b in form.attachment_bytes()],
                    channel=ReportChannel.WEB,
                )
            else:
                report = _file_from_form(request, form, office=data["office"])
        except DomainError as error:
            _add_error(form, error)
        else:
            return _receipt(request, report)
    status = 422 if form.errors else 200
    return render(request, "reports/form.html", {"form": form, "ticket": None}, status=status)


def _ticket_form(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = _file_from_form(request, form, ticket=ticket)
        except DomainError as error:
            _add_error(form, error)
        else:
            return _receipt(request, report)
    status = 422 if form.errors else 200
    return render(
        request,
        "reports/form.html",
        {"form": form, "ticket": ticket, "office": ticket.office},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def report_from_booking(request: HttpRequest, code: str) -> HttpResponse:
    """From the booking page: allowed to whoever may open that page (the same session)."""
    code = (code or "").upper().replace("-", "").strip()
    if code not in request.session.get(OWNED_KEY, []):
        return render(request, "reports/no_ticket.html", status=403)
    ticket = Ticket.objects.select_related("office", "service").filter(code=code).first()
    if ticket is None:
        raise Http404
    return _ticket_form(request, ticket)


def survey_ticket(token: str) -> Ticket | None:
    """The ticket of a survey link (antrean.feedback): its token's sha256 is the invitation's
    `token_hash`. Expired invitations still lead to their ticket: a report has no deadline."""
    from antrean.feedback.models import SurveyInvitation

    digest = hashlib.sha256((token or "")[:200].encode()).hexdigest()
    invitation = (
        SurveyInvitation.objects.select_related("ticket__office", "ticket__service")
        .filter(token_hash=digest)
        .first()
    )
    return invitation.ticket if invitation else None


@never_cache
@require_http_methods(["GET", "POST"])
def report_from_survey(request: HttpRequest, token: str) -> HttpResponse:
    ticket = survey_ticket(token)
    if ticket is None:
        return render(request, "reports/no_ticket.html", status=404)
    return _ticket_form(request, ticket)


@never_cache
@require_safe
def report_receipt(request: HttpRequest) -> HttpResponse:
    tracking = request.session.get(RECEIPT_KEY)
    if not tracking:
        return redirect("reports:track")
    return render(request, "reports/receipt.html", {"tracking": tracking})


@never_cache
@require_http_methods(["GET", "POST"])
def report_track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.POST or None)
    report = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            report = report_track_lookup(
                code=form.cleaned_data["code"], client_key=client_ip(request)
            )
        except DomainError as error:
            form.add_error("code", error.message)
            status = error.code.status
        else:
            if report is None:
                form.add_error("code", _("Kode pelacakan tidak dikenal. Periksa kembali kodenya."))
    if request.method == "POST" and form.errors and status == 200:
        status = 404
    return render(request, "reports/track.html", {"form": form, "report": report}, status=status)


# --- Inspectorate pages --------------------------------------------------------------------


def _inspector(request: HttpRequest):
    if not permissions.scope_of(request.user).is_inspector:
        raise PermissionDenied
    return request.user


@staff_required
@never_cache
@require_safe
def inspectorate_list(request: HttpRequest) -> HttpResponse:
    user = _inspector(request)
    offices = list(permissions.offices_inspected(user).order_by("name"))
    form = ListFilterForm(request.GET or None, offices=offices)
    office_code = status = None
    if form.is_valid():
        office_code = form.cleaned_data["kantor"] or None
        status = form.cleaned_data["status"] or None
    reports = selectors.reports_for_inspector(user=user, office_code=office_code, status=status)
    return render(
        request,
        "reports/inspectorate_list.html",
        {
            "form": form,
            "reports": list(reports[:300]),
            "named": selectors.officers_named(user=user),
            "open_count": selectors.reports_for_inspector(user=user)
            .exclude(chain_status=ReportStatus.CLOSED)
            .count(),
        },
    )


def _report_or_404(request, tracking_code):
    user = _inspector(request)
    report = selectors.report_for_inspector(user=user, tracking_code=tracking_code)
    if report is None:
        raise Http404
    return user, report


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def inspectorate_detail(request: HttpRequest, tracking_code: str) -> HttpResponse:
    user, report = _report_or_404(request, tracking_code)
    form = MoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report_move(
                report=report,
                by=user,
                to=form.cleaned_data["to"],
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Langkah laporan dicatat di buku besar kantor."))
            return redirect("reports:inspectorate_detail", tracking_code=report.tracking_code)
    return render(
        request,
        "reports/inspectorate_detail.html",
        {
            "report": report,
            "ticket": report.ticket,
            "steps": list(report.steps.all()),
            "attachments": list(report.attachments.all()),
            "signals": selectors.officer_signals(report=report),
            "form": form,
            "can_move": not report.chained.is_closed,
            "lapor_link": lapor.adapter().link(report),
        },
        status=422 if form.errors else 200,
    )


@staff_required
@never_cache
@require_safe
def inspectorate_attachment(
    request: HttpRequest, tracking_code: str, attachment_id: int
) -> HttpResponse:
    _user, report = _report_or_404(request, tracking_code)
    attachment = next((a for a in report.attachments.all() if a.pk == attachment_id), None)
    if attachment is None or report.is_erased:  # erased: only its sha256 is left
        raise Http404
    data = decrypt_bytes(bytes(attachment.data), purpose="report-attachment")
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise Http404  # the stored file is not the one filed: never serve it as such
    response = HttpResponse(data, content_type=attachment.content_type)
    name = f"laporan-{report.tracking_code}-{attachment.pk}.{attachment.extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser rendered it (a polyglot file opened inline), nothing in it may run.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@staff_required
@never_cache
@require_safe
def inspectorate_export(request: HttpRequest, tracking_code: str) -> HttpResponse:
    """The report in SP4N-LAPOR!'s fields, as a JSON file to upload or retype there."""
    _user, report = _report_or_404(request, tracking_code)
    if report.is_erased:  # nothing left to send on: the text went with the retention period
        raise Http404
    body = json.dumps(lapor.export_fields(report, now=timezone.now()), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"sp4n-lapor-{report.tracking_code}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
