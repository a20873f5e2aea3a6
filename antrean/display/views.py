"""The hall's TV board and a ticket's live status page, with their polling fallbacks.

Both pages start from the same state the WebSocket consumers send on connect (a board
snapshot, a ticket status), embedded in the page, so the first paint needs no round trip.
The `.json` views return that state again for browsers that cannot keep a WebSocket open.
"""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from antrean.booking import selectors as booking_selectors
from antrean.booking.services import booking_get
from antrean.booking.views import _forbidden, _normalise_code, _not_found, _own, _owns
from antrean.core.errors import DomainError, ErrorCode
from antrean.display.selectors import board_snapshot, office_by_code
from antrean.display.status import status_public, ticket_status
from antrean.feedback.services import survey_link_for

POLL_SECONDS = 2


def _board_strings() -> dict:
    return {
        "counter": _("Loket %(counter)s"),
        "recall": _("Panggilan ulang"),
        "pledged": _("Petugas berpakta"),
        "status": {
            "called": _("Dipanggil"),
            "serving": _("Sedang dilayani"),
            "on_hold": _("Ditunda"),
        },
        "modes": {
            "connecting": _("Menyambung…"),
            "reconnecting": _("Sambungan terputus, menyambung ulang…"),
            "polling": _("Mode cadangan: diperbarui tiap %(seconds)s detik")
            % {"seconds": POLL_SECONDS},
            "refused": _("Layar tidak tersambung ke server."),
        },
    }


def _status_strings() -> dict:
    return {
        "go_to": _("Silakan ke loket %(counter)s"),
        "title_called": _("Giliran Anda: loket %(counter)s"),
        "pledged": _("Petugas di loket ini sudah menandatangani Pakta Integritas hari ini."),
        "notes": {
            "booked": _("Lakukan check-in di loket atau anjungan saat Anda tiba."),
            "waiting": "",
            "called": _("Nomor Anda sedang dipanggil. Segera menuju loket."),
            "serving": _("Anda sedang dilayani."),
            "on_hold": _("Layanan Anda ditunda sebentar. Tunggu panggilan petugas."),
            "done": _("Layanan selesai. Terima kasih."),
            "no_show": _("Anda tidak hadir saat dipanggil. Ambil nomor baru bila masih perlu."),
            "cancelled": _("Antrean ini sudah dibatalkan."),
            "expired": _("Antrean ini sudah kedaluwarsa."),
        },
        "modes": {
            "connecting": _("Menyambung…"),
            "reconnecting": _("Sambungan terputus, menyambung ulang…"),
            "polling": _("Diperbarui tiap %(seconds)s detik.") % {"seconds": POLL_SECONDS},
            "refused": _("Halaman tidak dapat diperbarui. Muat ulang halaman."),
        },
    }


@never_cache
@require_safe
def board(request: HttpRequest, office_code: str) -> HttpResponse:
    office = office_by_code(office_code)
    if office is None:
        raise Http404
    return render(
        request,
        "display/board.html",
        {
            "office": office,
            "snapshot": board_snapshot(office=office),
            "strings": _board_strings(),
            "poll": POLL_SECONDS,
        },
    )


@never_cache
@require_safe
def board_state(request: HttpRequest, office_code: str) -> JsonResponse:
    office = office_by_code(office_code)
    if office is None:
        return _json_error(ErrorCode.NOT_FOUND)
    return JsonResponse(board_snapshot(office=office))


@never_cache
@require_safe
def status(request: HttpRequest, code: str) -> HttpResponse:
    """The owner's live view of a ticket; `?t=<token>` proves ownership once, as on the
    booking page, and leaves the address bar at once."""
    code = _normalise_code(code)
    token = request.GET.get("t")
    if token is not None:
        if not _owns(request, code):
            try:
                booking_get(code=code, token=token)
            except DomainError:
                return _forbidden(request)
            _own(request, code)
        return redirect("display:status", code=code)
    if not _owns(request, code):
        return _forbidden(request)
    ticket = booking_selectors.ticket_for_owner(code=code)
    if ticket is None:
        return _not_found(request)
    current = status_public(ticket_status(ticket_id=ticket.pk))
    strings = _status_strings()
    return render(
        request,
        "display/status.html",
        {
            "ticket": ticket,
            "office": ticket.office,
            "service": ticket.service,
            "status": current,
            "note": strings["notes"].get(current["status"], ""),
            "strings": strings,
            "poll": POLL_SECONDS,
            "survey_url": survey_link_for(ticket),
        },
    )


@never_cache
@require_safe
def status_state(request: HttpRequest, code: str) -> JsonResponse:
    code = _normalise_code(code)
    if not _owns(request, code):
        return _json_error(ErrorCode.FORBIDDEN)
    ticket = booking_selectors.ticket_for_owner(code=code)
    if ticket is None:
        return _json_error(ErrorCode.NOT_FOUND)
    return JsonResponse(status_public(ticket_status(ticket_id=ticket.pk)))


def _json_error(code: ErrorCode) -> JsonResponse:
    return JsonResponse({"error": code.value, "message": code.message}, status=code.status)
