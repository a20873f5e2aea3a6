"""Staff pages: login, the counter console (loket) and the fair-call audit page.

Every action is a plain POST form that works without JavaScript and redirects back with a
message; console.js only adds keyboard shortcuts and refreshes the queue panel. Views parse
input, call one service or selector and render: the rules live in queueing.services.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from antrean.catalog.models import Counter
from antrean.catalog.selectors import services_for_office
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.http import client_info
from antrean.integrity.models import Audience, Channel
from antrean.integrity.services import pact_in_force
from antrean.queueing import selectors, services
from antrean.queueing.forms import (
    AcknowledgeForm,
    AuditFilterForm,
    CallSpecificForm,
    CheckInForm,
    PactSignForm,
    TransferForm,
    WalkInForm,
)
from antrean.queueing.models import Ticket
from antrean.queueing.states import Move, can_move
from antrean.tenancy import permissions

LOGIN_URL = reverse_lazy("queueing:login")
AUDIT_PAGE_SIZE = 50


def staff_required(view):
    return login_required(view, login_url=LOGIN_URL)


# --- small responses -----------------------------------------------------------------------


def _error_page(request: HttpRequest, code: ErrorCode, message: str | None = None):
    return render(
        request,
        "queueing/error.html",
        {"error": code, "message": message or code.message},
        status=code.status,
    )


def _forbidden(request: HttpRequest, message: str | None = None) -> HttpResponse:
    return _error_page(
        request,
        ErrorCode.FORBIDDEN,
        message or _("Anda tidak berwenang membuka loket ini. Pilih loket instansi Anda."),
    )


def _counter_or_error(request: HttpRequest, counter_id: int) -> Counter | HttpResponse:
    counter = selectors.counter_get(counter_id=counter_id)
    if counter is None:
        return _error_page(request, ErrorCode.NOT_FOUND, _("Loket ini tidak ditemukan."))
    if not permissions.can_operate_counter(request.user, counter):
        return _forbidden(request)
    return counter


def _console_url(counter: Counter) -> str:
    return reverse("queueing:console", kwargs={"counter_id": counter.pk})


def _minutes(since: dt.datetime | None, until: dt.datetime | None) -> int | None:
    if since is None or until is None:
        return None
    return max(0, int((until - since).total_seconds() // 60))


def _signature_of(ticket: Ticket):
    try:
        return ticket.pact_signature
    except ObjectDoesNotExist:
        return None


# --- counters ------------------------------------------------------------------------------


@staff_required
@require_safe
def counter_list(request: HttpRequest) -> HttpResponse:
    from antrean.accounts.signin import staff_home_url

    home = staff_home_url(request.user)
    if home == reverse("reports:inspectorate_list"):
        # The inspectorate has no counters: its home is its reports. (Those who land on a
        # dashboard still reach the counters from here.)
        return redirect(home)
    counters = list(selectors.counters_for_user(user=request.user))
    offices: dict[int, dict] = {}
    for counter in counters:
        offices.setdefault(counter.office_id, {"office": counter.office, "counters": []})[
            "counters"
        ].append(counter)
    return render(
        request,
        "queueing/counter_list.html",
        {
            "offices": list(offices.values()),
            "can_audit": selectors.audit_offices_for_user(user=request.user).exists(),
        },
    )


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def pact(request: HttpRequest, counter_id: int) -> HttpResponse:
    """The officer pact of the day: read in full, ticked, signed once a day."""
    counter = _counter_or_error(request, counter_id)
    if isinstance(counter, HttpResponse):
        return counter
    office = counter.office
    user = request.user
    error: DomainError | None = None
    if request.method == "POST":
        form = PactSignForm(request.POST)
        form.is_valid()  # a malformed version or hash is simply not the pact in force
        data = form.cleaned_data
        try:
            signature = services.officer_pact_sign(
                user=user,
                office=office,
                pact_version=data.get("pact_version"),
                pact_sha256=data.get("pact_sha256") or "",
                pact_agreed=bool(data.get("pact_agreed")),
                client=client_info(request, channel=Channel.COUNTER),
            )
        except DomainError as exc:
            error = exc
        else:
            local = signature.signed_at.astimezone(office.zone)
            messages.success(
                request,
                _("Pakta Integritas Petugas ditandatangani pukul %(time)s %(zone)s.")
                % {"time": local.strftime("%H.%M"), "zone": office.zone_label},
            )
            return redirect(_console_url(counter))
    agency = services.officer_agency(user=user, office=office)
    context = {
        "counter": counter,
        "office": office,
        "rendering": pact_in_force(office=office, audience=Audience.OFFICER, agency=agency),
        "signature": services.officer_pact_signed_today(user=user, office=office),
        "error": error,
    }
    return render(
        request, "queueing/pact.html", context, status=error.code.status if error else 200
    )


# --- the console ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MoveButton:
    slug: str
    label: str
    key: str
    style: str = ""
    confirm: str = ""


# The moves the console offers on a ticket at the counter, in the order they are shown.
MOVE_BUTTONS = {
    Move.START: MoveButton("mulai", gettext_lazy("Mulai layani"), "S", "primary"),
    Move.RECALL: MoveButton("panggil-ulang", gettext_lazy("Panggil ulang"), "R"),
    Move.NO_SHOW: MoveButton(
        "tidak-hadir",
        gettext_lazy("Tidak hadir"),
        "X",
        "danger",
        gettext_lazy("Tandai antrean ini tidak hadir?"),
    ),
    Move.FINISH: MoveButton("selesai", gettext_lazy("Selesai"), "F", "primary"),
    Move.HOLD: MoveButton("tunda", gettext_lazy("Tunda"), "H"),
    Move.RESUME: MoveButton("lanjutkan", gettext_lazy("Lanjutkan"), "L", "primary"),
    Move.CANCEL: MoveButton(
        "batalkan",
        gettext_lazy("Batalkan"),
        "B",
        "danger",
        gettext_lazy("Batalkan antrean ini? Warga harus mengambil nomor baru."),
    ),
}


def _buttons(ticket: Ticket) -> list[MoveButton]:
    return [button for move, button in MOVE_BUTTONS.items() if can_move(ticket.status, move)]


def _ticket_card(ticket: Ticket, now: dt.datetime) -> dict:
    signature = _signature_of(ticket)
    return {
        "ticket": ticket,
        "signature": signature,
        "waited": _minutes(ticket.arrived_at, ticket.called_at),
        "serving": _minutes(ticket.started_at, now),
        "buttons": _buttons(ticket),
        "can_transfer": can_move(ticket.status, Move.TRANSFER),
    }


def _survey_card(user, counter: Counter, now: dt.datetime) -> dict | None:
    """The survey of the citizen just served here, to show them as a QR (or on the counter's
    tablet): the counter's last finished ticket, within ten minutes, not answered yet."""
    from antrean.display.printing import status_qr_svg
    from antrean.feedback.selectors import counter_survey_current
    from antrean.feedback.services import survey_token, survey_url

    state = counter_survey_current(user=user, counter=counter, now=now)
    if state is None:
        return None
    url = survey_url(survey_token(state.ticket))
    return {
        "ticket": state.ticket,
        "url": url,
        # segno escapes the title and writes the rest of the markup itself.
        "qr": mark_safe(status_qr_svg(url, _("Kode QR survei kepuasan"))),
    }


def _queue_context(counter: Counter, now: dt.datetime) -> dict:
    lengths = []
    for row in selectors.counter_queue_lengths(counter=counter, now=now):
        estimate = selectors.service_wait_estimate(service=row["service"], now=now)
        lengths.append({"service": row["service"], "waiting": row["waiting"], "estimate": estimate})
    waiting = [
        {
            "ticket": ticket,
            "waited": _minutes(ticket.arrived_at, now),
            "booked": ticket.slot_id is not None,
        }
        for ticket in selectors.counter_waiting_tickets(counter=counter, now=now)
    ]
    return {
        "counter": counter,
        "lengths": lengths,
        "waiting": waiting,
        "waiting_total": sum(row["waiting"] for row in lengths),
    }


def _render_console(
    request: HttpRequest,
    counter: Counter,
    *,
    checkin_form: CheckInForm | None = None,
    walkin_form: WalkInForm | None = None,
    status: int = 200,
) -> HttpResponse:
    office = counter.office
    signature = services.officer_pact_signed_today(user=request.user, office=office)
    if signature is None:
        return redirect("queueing:pact", counter_id=counter.pk)
    now = timezone.now()
    tickets = selectors.counter_tickets(counter=counter)
    current = _ticket_card(tickets.current, now) if tickets.current else None
    context = {
        "counter": counter,
        "office": office,
        "signature": signature,
        "current": current,
        # Once the citizen has left the chair (no ticket at the counter), not before.
        "survey": None if current else _survey_card(request.user, counter, now),
        "held": [_ticket_card(ticket, now) for ticket in tickets.held],
        "transfer_services": services_for_office(office=office),
        "queue": _queue_context(counter, now),
        "checkin_form": checkin_form or CheckInForm(),
        "walkin_form": walkin_form or WalkInForm(counter=counter),
        "citizen_pact": pact_in_force(office=office, audience=Audience.CITIZEN),
        "can_audit": permissions.can_review_audit(request.user, office.pk),
        "tablet_url": reverse("feedback:tablet", kwargs={"counter_id": counter.pk}),
    }
    return render(request, "queueing/console.html", context, status=status)


@staff_required
@never_cache
@require_safe
def console(request: HttpRequest, counter_id: int) -> HttpResponse:
    counter = _counter_or_error(request, counter_id)
    if isinstance(counter, HttpResponse):
        return counter
    return _render_console(request, counter)


@staff_required
@never_cache
@require_safe
def queue_fragment(request: HttpRequest, counter_id: int) -> HttpResponse:
    """The queue panel alone, fetched every few seconds by console.js."""
    counter = _counter_or_error(request, counter_id)
    if isinstance(counter, HttpResponse):
        return counter
    context = {"queue": _queue_context(counter, timezone.now()), "office": counter.office}
    return render(request, "queueing/_queue.html", context)


def _move_failed(request: HttpRequest, counter: Counter, error: DomainError) -> HttpResponse:
    if error.code == ErrorCode.OFFICER_PACT_REQUIRED:
        messages.warning(request, error.message)
        return redirect("queueing:pact", counter_id=counter.pk)
    if error.code == ErrorCode.QUEUE_EMPTY:
        messages.info(request, error.message)
    else:
        messages.error(request, error.message)
    return redirect(_console_url(counter))


@staff_required
@require_POST
def call_next(request: HttpRequest, counter_id: int) -> HttpResponse:
    counter = _counter_or_error(request, counter_id)
    if isinstance(counter, HttpResponse):
        return counter
    try:
        ticket = services.ticket_call_next(counter=counter, officer=request.user)
    except DomainError as exc:
        return _move_failed(request, counter, exc)
    messages.success(
        request,
        _("Memanggil %(number)s ke %(counter)s.") % {"number": ticket.number, "counter": counter},
    )
    return redirect(_console_url(counter))


MOVES = {
    "mulai": (services.ticket_start, gettext_lazy("%(number)s mulai dilayani.")),
    "panggil-ulang": (services.ticket_recall, gettext_lazy("%(number)s dipanggil ulang.")),
    "tidak-hadir": (services.ticket_no_show, gettext_lazy("%(number)s ditandai tidak hadir.")),
    "selesai": (services.ticket_finish, gettext_lazy("%(number)s selesai dilayani.")),
    "tunda": (services.ticket_hold, gettext_lazy("%(number)s ditunda.")),
    "lanjutkan": (services.ticket_resume, gettext_lazy("%(number)s dilayani kembali.")),
    "batalkan": (services.ticket_cancel_at_counter, gettext_lazy("%(number)s dibatalkan.")),
}


@staff_required
@require_POST
def ticket_move(request: HttpRequest, counter_id: int, ticket_id: int, move: str) -> HttpResponse:
    counter = _counter_or_error(request, counter_id)
    if isinstance(counter, HttpResponse):
        return counter
    officer = request.user
    try:
        if move == "alihkan":
            form = TransferForm(request.POST)
            form.is_valid()
            ticket = services.ticket_transfer(
                ticket_id=ticket_id,
                counter=counter,
                officer=officer,
                service_id=form.cleaned_data.get("service_id") or 0,
            )
            message = _("%(number)s dialihkan ke %(service)s.") % {
                "number": ticket.number,
                "service": ticket.service.name,
            }
        elif move == "panggil":
            form = CallSpecificForm(request.POST)
            form.is_valid()
            ticket = services.ticket_call_specific(
                ticket_id=ticket_id,
                counter=counter,
                officer=officer,
                reason=form.cleaned_data.get("reason", ""),
            )
            message = _("Memanggil %(number)s di luar urutan; alasan dicatat.") % {
                "number": ticket.number
            }
        elif move in MOVES:
            action, text = MOVES[move]
            ticket = action(ticket_id=ticket_id, counter=counter, officer=officer)
            message = text % {"number": ticket.number}
        else:
            return _error_page(request, ErrorCode.NOT_FOUND)
    except DomainError as exc:
        return _move_failed(request, counter, exc)
    messages.success(request, message)
    return redirect(_console_url(counter))


def _form_error(form, error: DomainError, fields: dict[str, str]) -> None:
    form.add_error(fields.get(error.field or ""), error.message)


@staff_required
@require_POST
def check_in(request: HttpRequest, counter_id: int) -> HttpResponse:
    counter = _counter_or_error(request, counter_id)
    if isinstance(counter, HttpResponse):
        return counter
    form = CheckInForm(request.POST)
    if form.is_valid():
        try:
            ticket = services.ticket_check_in(
                code=form.cleaned_data["code"],
                nik_last4=form.cleaned_data["nik_last4"],
                officer=request.user,
                counter=counter,
            )
        except DomainError as exc:
            _form_error(form, exc, {"code": "code"})
            status = exc.code.status
        else:
            messages.success(
                request,
                _("Check-in berhasil: %(number)s · %(service)s, status %(status)s.")
                % {
                    "number": ticket.number,
                    "service": ticket.service.name,
                    "status": ticket.get_status_display(),
                },
            )
            return redirect(_console_url(counter))
    else:
        status = 422
    return _render_console(request, counter, checkin_form=form, status=status)


@staff_required
@require_POST
def walk_in(request: HttpRequest, counter_id: int) -> HttpResponse:
    counter = _counter_or_error(request, counter_id)
    if isinstance(counter, HttpResponse):
        return counter
    form = WalkInForm(request.POST, counter=counter)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = services.ticket_walk_in(
                service=data["service"],
                name=data["name"],
                priority=data.get("priority") or "",
                pact_version=data.get("pact_version"),
                pact_sha256=data.get("pact_sha256") or "",
                pact_agreed=bool(data.get("pact_agreed")),
                client=client_info(request, channel=Channel.COUNTER),
                officer=request.user,
            )
        except DomainError as exc:
            _form_error(
                form,
                exc,
                {
                    "name": "name",
                    "priority": "priority",
                    "pact_agreed": "pact_agreed",
                    "service_id": "service",
                },
            )
        else:
            ticket = result.ticket
            messages.success(
                request,
                _("Antrean langsung %(number)s dibuat untuk %(name)s (%(service)s).")
                % {
                    "number": ticket.number,
                    "name": ticket.masked_name,
                    "service": ticket.service.name,
                },
            )
            return redirect(_console_url(counter))
    return _render_console(request, counter, walkin_form=form, status=422)


# --- audit ---------------------------------------------------------------------------------


@staff_required
@never_cache
@require_safe
def audit(request: HttpRequest) -> HttpResponse:
    offices = selectors.audit_offices_for_user(user=request.user)
    office = offices.filter(code=request.GET.get("kantor") or "").first() or offices.first()
    if office is None:
        return _forbidden(request, _("Halaman audit hanya untuk admin kantor."))
    form = AuditFilterForm(request.GET, offices=offices, office=office)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "kind": data.get("jenis") or None,
            "counter_id": data["loket"].pk if data.get("loket") else None,
            "officer_id": data["petugas"].pk if data.get("petugas") else None,
            "date_from": data.get("dari"),
            "date_to": data.get("sampai"),
            "acknowledged": {"sudah": True, "belum": False}.get(data.get("status") or ""),
        }
    flags = selectors.audit_flags(office=office, **filters)
    page = Paginator(flags, AUDIT_PAGE_SIZE).get_page(request.GET.get("halaman"))
    query = request.GET.copy()
    query.pop("halaman", None)
    return render(
        request,
        "queueing/audit.html",
        {
            "office": office,
            "several_offices": offices.count() > 1,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "here": request.get_full_path(),
            "unacknowledged": selectors.audit_flags(office=office, acknowledged=False).count(),
        },
    )


@staff_required
@require_POST
def audit_acknowledge(request: HttpRequest, flag_id: int) -> HttpResponse:
    form = AcknowledgeForm(request.POST)
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = ""
    back = back or reverse("queueing:audit")
    if not form.is_valid():
        messages.error(request, _("Tulis catatan tanggapan sebelum menandai tanda ini."))
        return redirect(back)
    try:
        _flag, changed = services.audit_flag_acknowledge(
            flag_id=flag_id, user=request.user, note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        if exc.code == ErrorCode.FORBIDDEN:
            return _forbidden(request, _("Halaman audit hanya untuk admin kantor."))
        if exc.code == ErrorCode.NOT_FOUND:
            return _error_page(request, exc.code)
        messages.error(request, exc.message)
        return redirect(back)
    if changed:
        messages.success(request, _("Tanggapan dicatat. Tanda audit tetap tersimpan."))
    else:
        messages.info(request, _("Tanda ini sudah ditanggapi sebelumnya; tanggapan awal tetap."))
    return redirect(back)
