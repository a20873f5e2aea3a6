"""Gratification reports over the API: filing one and following it by its tracking code
(anyone), and handling them (the inspectorate of the office's region only).

Filing from a ticket needs its booking code and the last 4 digits of its NIK; a wrong code
and a wrong ending get the same answer. Following a report by its code answers its status
and outcome, never its text. Staff of any other role get 403 `forbidden` on the handling
endpoints: not the office's admins, not national admins.
"""

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from antrean.api.auth import staff_auth
from antrean.api.schemas import ErrorOut, PlainText, Text
from antrean.api.staff import _staff
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.http import client_ip
from antrean.reports import selectors
from antrean.reports.models import ReportChannel
from antrean.reports.services import (
    office_for_report,
    report_file,
    report_file_from_booking,
    report_move,
    report_track,
)
from antrean.tenancy import permissions

router = Router(tags=["Reports"])


class ReportIn(Schema):
    booking_code: Text | None = Field(
        None, max_length=40, description="The ticket's booking code (with `nik_last4`)."
    )
    nik_last4: Text | None = Field(
        None, max_length=8, description="The last 4 digits of the booker's NIK."
    )
    office: Text | None = Field(
        None, max_length=40, description="Office code, for a report without a ticket."
    )
    text: Text = Field(max_length=5000, description="What happened (10 to 5,000 characters).")
    anonymous: bool = Field(
        True,
        description="True (default): the office is not told who reported. The inspectorate "
        "always sees the ticket the report came from.",
    )


class ReportCreatedOut(Schema):
    tracking_code: str = Field(examples=["ABCD-2345-WXYZ"])


class ReportStatusOut(Schema):
    tracking_code: str
    status: str = Field(description="received | under_review | closed")
    status_label: str
    outcome: str = Field(
        description="Empty until closed; then substantiated | not_substantiated | "
        "referred_lapor | referred_saber_pungli | referred_kpk"
    )
    outcome_label: str
    updated_at: str


class InspectorateReportOut(Schema):
    tracking_code: str
    office: str
    status: str
    outcome: str
    channel: str
    created_at: str
    updated_at: str
    ticket_number: str
    service: str | None
    counter: int | None
    officer: str | None = Field(description="Username of the officer on duty, if any.")
    identity_to_office: bool
    text: str
    erased: bool = Field(description="The text, contact and attachments were erased.")


class MoveIn(Schema):
    to: Literal["under_review", "closed"]
    outcome: Literal[
        "",
        "substantiated",
        "not_substantiated",
        "referred_lapor",
        "referred_saber_pungli",
        "referred_kpk",
    ] = Field("", description="Required to close; empty otherwise.")
    reason: Text = Field("", max_length=5000, description="Required to close (10+ characters).")


def _status_out(report) -> dict:
    # The latest chained step, not the row's copy (which the ledger does not cover).
    state = report.chained
    return {
        "tracking_code": report.tracking_display,
        "status": state.status,
        "status_label": state.status_label,
        "outcome": state.outcome,
        "outcome_label": state.outcome_label,
        "updated_at": state.at.isoformat() if state.at else report.updated_at.isoformat(),
    }


@router.post(
    "/reports",
    response={201: ReportCreatedOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    operation_id="createReport",
    summary="Report solicited gratification (pungli)",
    description='Either `{"booking_code", "nik_last4", "text", "anonymous"}` (the report '
    'carries the ticket\'s service, counter, officer and times) or `{"office", "text"}` '
    "without a ticket. Answers the tracking code. 404 `not_found` for an unknown office, or "
    "when the booking code and the NIK ending do not match (the same answer for either); 422 "
    "`report_text_required`, `invalid_request`; 429 `rate_limited` after too many reports "
    "from one address or for one ticket.",
)
def create_report(request, payload: ReportIn):
    ip = client_ip(request)
    fields = {
        "text": payload.text,
        "identity_to_office": not payload.anonymous,
        "channel": ReportChannel.API,
    }
    if payload.booking_code is not None or payload.nik_last4 is not None:
        report = report_file_from_booking(
            code=payload.booking_code or "",
            nik_last4=payload.nik_last4 or "",
            client_key=ip,
            **fields,
        )
    elif payload.office is not None:
        report = report_file(office=office_for_report(payload.office), client_key=ip, **fields)
    else:
        raise DomainError(
            ErrorCode.INVALID_REQUEST,
            field="office",
            message=_("Sebutkan kode pemesanan dan 4 angka terakhir NIK, atau kode kantor."),
        )
    return Status(201, {"tracking_code": report.tracking_display})


@router.get(
    "/reports/{tracking_code}",
    response={200: ReportStatusOut, 404: ErrorOut, 429: ErrorOut},
    operation_id="getReportStatus",
    summary="A report's status and outcome, by its tracking code",
    description="Only the status, the outcome (from the report's latest step in the office's "
    "ledger) and when it last changed: never the text. 429 `rate_limited` after "
    "ANTREAN_REPORTS_TRACK_PER_ADDRESS look-ups from one address in the window.",
)
def report_status(request, tracking_code: PlainText):
    report = report_track(code=tracking_code, client_key=client_ip(request))
    if report is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    return _status_out(report)


def _inspector_report(user, tracking_code: str):
    # Only among the reports this account handles: a code of another region answers 404 as an
    # unknown one (a 403 would tell it exists). report_move checks the office again.
    report = selectors.report_for_inspector(user=user, tracking_code=tracking_code)
    if report is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    return report


def _inspector(request):
    user = _staff(request)
    if not permissions.scope_of(user).is_inspector:
        raise DomainError(ErrorCode.FORBIDDEN)
    return user


def _report_out(report) -> dict:
    return {
        "tracking_code": report.tracking_display,
        "office": report.office.code,
        "status": report.chained.status,
        "outcome": report.chained.outcome,
        "channel": report.channel,
        "created_at": report.created_at.isoformat(),
        "updated_at": report.updated_at.isoformat(),
        "ticket_number": report.ticket_number,
        "service": report.service.name if report.service_id else None,
        "counter": report.counter.number if report.counter_id else None,
        "officer": report.officer.get_username() if report.officer_id else None,
        "identity_to_office": report.identity_to_office,
        "text": report.text,  # empty once the retention job erased it (`erased`)
        "erased": report.is_erased,
    }


@router.get(
    "/inspectorate/reports",
    auth=staff_auth,
    response={200: list[InspectorateReportOut], 401: ErrorOut, 403: ErrorOut},
    tags=["Inspectorate"],
    operation_id="listReports",
    summary="The reports of the offices the inspectorate handles",
    description="Inspectorate accounts only (any other staff: 403 `forbidden`). Filter by "
    "`office` (code) and `status`; newest first, at most 200.",
)
def list_reports(
    request,
    office: PlainText = Query(None, max_length=40),
    status: PlainText = Query(None, max_length=20),
):
    user = _inspector(request)
    reports = selectors.reports_for_inspector(user=user, office_code=office, status=status)
    return [_report_out(r) for r in reports[:200]]


@router.post(
    "/inspectorate/reports/{tracking_code}/move",
    auth=staff_auth,
    response={
        200: ReportStatusOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    tags=["Inspectorate"],
    operation_id="moveReport",
    summary="Move a report: to review, or closed with an outcome and a reason",
    description="Inspectorate of the report's office's region only (other staff: 403 "
    "`forbidden`; a report of another region: 404 `not_found`, as an unknown code). "
    "received → under_review → closed; closed is final (409 "
    "`invalid_transition`). Closing needs `outcome` and a `reason` (422 `reason_required`). "
    "Each move is appended to the office's ledger.",
)
def move_report(request, tracking_code: PlainText, payload: MoveIn):
    user = _inspector(request)
    report = _inspector_report(user, tracking_code)
    report_move(
        report=report, by=user, to=payload.to, outcome=payload.outcome, reason=payload.reason
    )
    return _status_out(report)
