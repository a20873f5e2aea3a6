"""Kiosks (anjungan): registered devices that issue walk-in tickets and check bookings in.

A kiosk works only with its own secret token; only the token's sha256 is stored. A walk-in
ticket is counted as issued only once it was printed or the citizen took it on screen: the
kiosk first shows a preview (no ticket yet), then `kiosk_issue` creates the ticket and, when
printing, sends the job inside the same transaction, so a printer failure rolls the ticket
(and its number) back.
"""

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from antrean.catalog.models import Service
from antrean.catalog.selectors import service_get
from antrean.core.errors import DomainError, ErrorCode
from antrean.core.identity import clean_name
from antrean.core.tokens import token_hash
from antrean.display import printing
from antrean.display.models import Kiosk
from antrean.integrity.models import Audience
from antrean.integrity.services import ClientInfo, pact_check_agreement, pact_in_force
from antrean.queueing.models import Priority, Ticket, TicketSequence
from antrean.queueing.services import WalkIn, ticket_check_in, ticket_walk_in
from antrean.tenancy.models import Office
from antrean.tenancy.selectors import office_day_status

TOKEN_BYTES = 32
# last_seen_at is written at most this often: a kiosk makes a request every few seconds.
SEEN_EVERY = dt.timedelta(minutes=1)
# After a failed print the kiosk offers only "take it on screen" for a while, so a dead
# printer does not hold the numbering lock on every citizen's attempt.
PRINTER_DOWN_SECONDS = 60


# --- devices ---------------------------------------------------------------------------------


def kiosk_token_rotate(*, kiosk: Kiosk) -> str:
    """Give the kiosk a new secret token (the old one stops working) and return it once."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    kiosk.token_hash = token_hash(token)
    if kiosk.pk:
        kiosk.save(update_fields=["token_hash"])
    else:
        kiosk.save()
    return token


def kiosk_register(
    *,
    office: Office,
    name: str,
    printer_host: str = "",
    printer_port: int = 9100,
    paper: int = Kiosk.Paper.MM80,
) -> tuple[Kiosk, str]:
    """Register a kiosk device of `office`; the token is returned here and never again."""
    if paper not in Kiosk.Paper.values:
        raise DomainError(ErrorCode.INVALID_REQUEST, field="paper")
    if not 0 < printer_port < 65536:
        raise DomainError(ErrorCode.INVALID_REQUEST, field="printer_port")
    kiosk = Kiosk(
        office=office,
        name=name.strip()[:80],
        printer_host=printer_host.strip(),
        printer_port=printer_port,
        paper=paper,
    )
    token = kiosk_token_rotate(kiosk=kiosk)
    return kiosk, token


def kiosk_authenticate(token: str | None) -> Kiosk | None:
    """The active kiosk that `token` belongs to (of an active office), or None."""
    if not token or len(token) > 200:
        return None
    return (
        Kiosk.objects.filter(token_hash=token_hash(token), is_active=True, office__is_active=True)
        .select_related("office")
        .first()
    )


def kiosk_url(kiosk: Kiosk, token: str) -> str:
    """The one-time setup address: opening it on the device stores the token there."""
    return f"{settings.SITE_URL}/kiosk/{kiosk.office.code}/?device={token}"


def kiosk_seen(*, kiosk: Kiosk, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    if kiosk.last_seen_at is None or now - kiosk.last_seen_at >= SEEN_EVERY:
        Kiosk.objects.filter(pk=kiosk.pk).update(last_seen_at=now)
        kiosk.last_seen_at = now


def kiosk_has_printer(kiosk: Kiosk) -> bool:
    return bool(kiosk.printer_host)


def kiosk_printer_ready(kiosk: Kiosk) -> bool:
    """A printer is configured and did not just fail."""
    return kiosk_has_printer(kiosk) and not cache.get(_printer_down_key(kiosk))


def _printer_down_key(kiosk: Kiosk) -> str:
    return f"kiosk:{kiosk.pk}:printer-down"


# --- walk-in ---------------------------------------------------------------------------------


def kiosk_service(*, kiosk: Kiosk, service_id: int) -> Service | None:
    service = service_get(service_id=service_id)
    if service is None or service.office_id != kiosk.office_id:
        return None
    return service


@dataclass(frozen=True)
class KioskPreview:
    """A walk-in the citizen has validated but not yet taken: nothing is stored for it."""

    service_id: int
    name: str
    priority: str
    pact_version: int
    pact_sha256: str


def kiosk_preview(
    *,
    kiosk: Kiosk,
    service_id: int,
    name: str,
    priority: str,
    pact_version: int | None,
    pact_sha256: str | None,
    now: dt.datetime | None = None,
) -> KioskPreview:
    """Check everything a walk-in needs, without taking a number: the pact in force, the
    name, the priority group, the office open now and walk-in places left today."""
    now = now or timezone.now()
    service = kiosk_service(kiosk=kiosk, service_id=service_id)
    if service is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="service_id")
    office = kiosk.office
    rendering = pact_check_agreement(
        rendering=pact_in_force(office=office, audience=Audience.CITIZEN),
        version=pact_version,
        sha256=pact_sha256,
        agreed=True,
    )
    name = clean_name(name)
    if priority not in Priority.values:
        raise DomainError(ErrorCode.INVALID_REQUEST, field="priority")
    local = office.local_now(now)
    day = office_day_status(office=office, date=local.date())
    if not day.open or not (day.hours.opens <= local.time() < day.hours.closes):
        raise DomainError(ErrorCode.OFFICE_CLOSED)
    taken = (
        TicketSequence.objects.filter(service=service, date=local.date())
        .values_list("walkins", flat=True)
        .first()
    )
    if service.walkin_daily_quota == 0 or (taken or 0) >= service.walkin_daily_quota:
        raise DomainError(ErrorCode.WALKIN_FULL, field="service_id")
    return KioskPreview(
        service_id=service.pk,
        name=name,
        priority=priority,
        pact_version=rendering.pact.version,
        pact_sha256=rendering.sha256,
    )


def kiosk_issue(
    *,
    kiosk: Kiosk,
    preview: KioskPreview,
    client: ClientInfo,
    print_ticket: bool,
    now: dt.datetime | None = None,
) -> WalkIn:
    """Issue the walk-in ticket of `preview`: printed, or taken on screen.

    Printing runs inside the transaction that creates the ticket: the service's number
    sequence row stays locked while the job goes to the printer (about a second), and if the
    printer cannot be reached the ticket, its pact signature and its number are rolled back.
    Raises printing.PrinterUnavailable then.
    """
    service = kiosk_service(kiosk=kiosk, service_id=preview.service_id)
    if service is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="service_id")
    if print_ticket and not kiosk_has_printer(kiosk):
        raise DomainError(ErrorCode.INVALID_REQUEST)
    try:
        with transaction.atomic():
            walk_in = ticket_walk_in(
                service=service,
                name=preview.name,
                pact_version=preview.pact_version,
                pact_sha256=preview.pact_sha256,
                pact_agreed=True,
                client=client,
                priority=preview.priority,
                kiosk=kiosk,
                now=now,
            )
            if print_ticket:
                printing.ticket_print(
                    printing.ticket_content(walk_in.ticket, walk_in.token),
                    host=kiosk.printer_host,
                    port=kiosk.printer_port,
                    paper=kiosk.paper,
                    timeout=getattr(settings, "ANTREAN_KIOSK_PRINTER_TIMEOUT", 3.0),
                )
    except printing.PrinterUnavailable:
        cache.set(_printer_down_key(kiosk), True, PRINTER_DOWN_SECONDS)
        raise
    if print_ticket:
        cache.delete(_printer_down_key(kiosk))
    return walk_in


def kiosk_ticket(*, kiosk: Kiosk, code: str) -> Ticket | None:
    return (
        Ticket.objects.filter(code=code, office=kiosk.office_id)
        .select_related("office", "service__agency")
        .first()
    )


# --- check-in --------------------------------------------------------------------------------


_CODE_IN_ADDRESS = re.compile(r"/antrean/([0-9A-Za-z]{8})(?:[/?#]|$)")


def normalise_code(raw: str) -> str:
    """A typed or scanned booking code: `k7m2-qx9p`, `K7M2QX9P`, or an address holding it."""
    raw = (raw or "").strip()
    found = _CODE_IN_ADDRESS.search(raw)
    if found:
        raw = found.group(1)
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def kiosk_check_in(
    *, kiosk: Kiosk, code: str, nik_last4: str, now: dt.datetime | None = None
) -> Ticket:
    """Check a booking of this kiosk's office in (code + the NIK's last 4 digits).

    A booking of another office gets the same refusal as a wrong code. Wrong NIK endings are
    counted by the one check-in service, shared with the console and the API: after a few,
    the code is locked for the day everywhere.
    """
    code = normalise_code(code)
    if not code or len(code) > 16:
        raise DomainError(ErrorCode.CHECKIN_REFUSED, field="code")
    return ticket_check_in(code=code, nik_last4=(nik_last4 or "").strip(), kiosk=kiosk, now=now)
