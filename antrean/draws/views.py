"""The draw's pages (docs/draws.md): entering a day's draw, one's own entry, and the public
record of a draw that anyone can check. Plain HTML forms, no JavaScript needed."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from antrean.booking import selectors as booking_selectors
from antrean.booking.forms import IdentityForm, PactForm
from antrean.booking.views import OWNED_KEY, OWNED_MAX, _forbidden, _not_found
from antrean.core.errors import DomainError
from antrean.core.http import client_info
from antrean.draws.models import Draw, DrawStatus
from antrean.draws.services import (
    DrawEntryRequest,
    draw_enter,
    draw_record,
    draw_window,
    entry_get,
    entry_hash_of,
    waitlist_position,
)
from antrean.integrity.models import Audience, Channel
from antrean.integrity.services import pact_in_force

ENTRIES_KEY = "draw_entries"  # {entry code: token}, this browser's own
ENTRIES_MAX = 10


def _draw_of(service, date):
    return Draw.objects.filter(service=service, date=date).first()


@never_cache
@require_http_methods(["GET", "POST"])
def enter(request: HttpRequest, office_code: str, service_id: int, day) -> HttpResponse:
    """Identity, pact and consent on one page; one request per NIK."""
    office = booking_selectors.office_get(code=office_code)
    service = office and booking_selectors.office_service_get(office=office, service_id=service_id)
    if not service or service.release_mode != "draw":
        return _not_found(request)
    draw = _draw_of(service, day)
    now = timezone.now()
    opens_at, closes_at = (draw.opens_at, draw.closes_at) if draw else draw_window(service, day)
    is_open = bool(draw and draw.status == DrawStatus.OPEN and opens_at <= now < closes_at)
    rendering = pact_in_force(office=office, audience=Audience.CITIZEN)
    form = IdentityForm(request.POST or None)
    error = None
    status = 200
    if request.method == "POST" and is_open:
        pact = PactForm(request.POST)
        pact.is_valid()
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = draw_enter(
                    request=DrawEntryRequest(
                        service_id=service.pk,
                        date=day,
                        name=data["name"],
                        nik=data["nik"],
                        whatsapp=data["whatsapp"],
                        pact_version=pact.cleaned_data.get("pact_version"),
                        pact_sha256=pact.cleaned_data.get("pact_sha256") or "",
                        pact_agreed=bool(pact.cleaned_data.get("pact_agreed")),
                        whatsapp_consent=bool(data.get("whatsapp_consent")),
                    ),
                    client=client_info(request, channel=Channel.WEB),
                )
            except DomainError as exc:
                error = exc
            else:
                entries = dict(request.session.get(ENTRIES_KEY, {}))
                entries[result.entry.code] = result.token
                request.session[ENTRIES_KEY] = dict(list(entries.items())[-ENTRIES_MAX:])
                return redirect("draws:entry", code=result.entry.code)
        status = error.code.status if error else 422
    return render(
        request,
        "draws/enter.html",
        {
            "office": office,
            "service": service,
            "day": day,
            "draw": draw,
            "opens_at": opens_at,
            "closes_at": closes_at,
            "is_open": is_open,
            "form": form,
            "rendering": rendering,
            "error": error,
            "error_field": error.field if error else None,
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET"])
def entry(request: HttpRequest, code: str) -> HttpResponse:
    """One's own entry: its code and public hash, then the outcome."""
    code = (code or "").upper().replace("-", "")
    token = request.session.get(ENTRIES_KEY, {}).get(code)
    if token is None:
        return _forbidden(request)
    try:
        found = entry_get(code=code, token=token)
    except DomainError:
        return _forbidden(request)
    if found.ticket_id:
        # A won entry's booking is this browser's too (its token is the entry's).
        owned = [c for c in request.session.get(OWNED_KEY, []) if c != found.ticket.code]
        request.session[OWNED_KEY] = [*owned, found.ticket.code][-OWNED_MAX:]
    return render(
        request,
        "draws/entry.html",
        {
            "entry": found,
            "draw": found.draw,
            "office": found.draw.service.office,
            "service": found.draw.service,
            "position": waitlist_position(found),
        },
    )


@require_http_methods(["GET", "POST"])
def public(request: HttpRequest, draw_id: int) -> HttpResponse:
    """A draw's public record; an entrant finds their line by their request code (posted,
    never in the address)."""
    draw = Draw.objects.select_related("office", "service").filter(pk=draw_id).first()
    if draw is None:
        return _not_found(request)
    record = draw_record(draw)
    mine = None
    if request.method == "POST":
        code = (request.POST.get("kode") or "").strip()[:20]
        if code:
            mine = entry_hash_of(draw.pk, code)
    return render(
        request,
        "draws/public.html",
        {
            "draw": draw,
            "record": record,
            "office": draw.office,
            "mine": mine,
            "mine_found": mine in record["entries"] if mine else None,
        },
    )
