"""What is held about one booking, for the person it is about (UU PDP right of access).

`personal_data_export` gathers everything stored about a ticket: the ticket itself, its
history, its pact signature and place in the ledger, its certificate, the WhatsApp messages
about it (as sent), and what the retention job has erased. Full values: it is the person's
own data, shown only after the booking code and the full NIK matched
(services.personal_data_access_check). Nothing of any other booking is read.
"""

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from antrean.integrity.models import Certificate, PactSignature
from antrean.notifications.models import Message
from antrean.notifications.previews import preview_text
from antrean.privacy.services import retention_days, ticket_erase_from
from antrean.queueing.models import Ticket, TicketEvent

MOVE_LABELS = {
    "book": _("Dipesan daring"),
    "issue": _("Diambil di kantor"),
    "check_in": _("Check-in"),
    "call": _("Dipanggil ke loket"),
    "recall": _("Dipanggil ulang"),
    "start": _("Mulai dilayani"),
    "finish": _("Selesai dilayani"),
    "no_show": _("Tidak hadir"),
    "transfer": _("Dipindahkan ke layanan lain"),
    "hold": _("Ditunda"),
    "resume": _("Dilanjutkan"),
    "cancel": _("Dibatalkan"),
    "expire": _("Kedaluwarsa"),
}

# What the retention job empties (keys of the export) and what it keeps, in words.
ERASED_ITEMS = [
    ("ticket.name", _("nama")),
    ("ticket.nik", _("NIK")),
    ("ticket.whatsapp", _("nomor WhatsApp")),
    ("pact_signature.client_ip", _("alamat IP dan peramban saat menyetujui pakta")),
    ("certificate.file", _("berkas PDF piagam")),
    ("messages.recipient", _("nomor tujuan dan isi pesan WhatsApp")),
    ("events.note", _("catatan petugas")),
]
KEPT_ITEMS = [
    _("kode pemesanan, nomor antrean, layanan, tanggal, waktu, dan status"),
    _("sidik (hash berkunci) NIK dan nomor WhatsApp, yang tidak dapat dibalik menjadi nomornya"),
    _("posisi dan hash buku besar pakta, nomor dan sidik piagam: piagam tetap dapat diverifikasi"),
]


def _at(moment: dt.datetime | None, zone) -> str | None:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else None


def _ticket(ticket: Ticket, zone) -> dict:
    slot = ticket.slot
    return {
        "code": ticket.code,
        "number": ticket.number,
        "status": ticket.status,
        "status_label": str(ticket.get_status_display()),
        "channel": ticket.channel,
        "priority": ticket.priority,
        "office": {"code": ticket.office.code, "name": ticket.office.name},
        "agency": ticket.service.agency.name,
        "service": {"code": ticket.service.code, "name": ticket.service.name},
        "date": ticket.date.isoformat(),
        "slot": {"start": slot.start.strftime("%H:%M"), "end": slot.end.strftime("%H:%M")}
        if slot
        else None,
        "zone": ticket.office.zone_label,
        "name": ticket.name,
        "nik": ticket.nik,
        "whatsapp": ticket.phone,
        "whatsapp_consent": ticket.whatsapp_consent,
        # Kept after erasure: keyed hashes (HMAC), not reversible without the office's key.
        "nik_hash": ticket.nik_hash,
        "whatsapp_hash": ticket.phone_hash,
        "created_at": _at(ticket.created_at, zone),
        "arrived_at": _at(ticket.arrived_at, zone),
        "called_at": _at(ticket.called_at, zone),
        "started_at": _at(ticket.started_at, zone),
        "finished_at": _at(ticket.finished_at, zone),
        "cancelled_at": _at(ticket.cancelled_at, zone),
        "counter": ticket.counter.number if ticket.counter_id else None,
    }


def _events(ticket: Ticket, zone) -> list[dict]:
    events = (
        TicketEvent.objects.filter(ticket=ticket)
        .select_related("counter", "service")
        .order_by("at", "pk")
    )
    return [
        {
            "move": event.move,
            "move_label": str(MOVE_LABELS.get(event.move, event.move)),
            "from_status": event.from_status,
            "to_status": event.to_status,
            "at": _at(event.at, zone),
            "service": event.service.name,
            "counter": event.counter.number if event.counter_id else None,
            "note": event.note,
        }
        for event in events
    ]


def _signature(signature: PactSignature | None, zone) -> dict | None:
    if signature is None:
        return None
    rendering = signature.rendering
    return {
        "pact_title": rendering.pact.title,
        "pact_version": signature.pact_version,
        "pact_sha256": signature.pact_sha256,
        "pact_text": rendering.text,
        "signed_at": _at(signature.signed_at, zone),
        "channel": signature.channel,
        "client_ip": signature.client_ip,
        "user_agent": signature.user_agent,
        "ledger": {
            "office": signature.office.code,
            "seq": signature.ledger_seq,
            "prev_hash": signature.prev_hash,
            "entry_hash": signature.entry_hash,
        },
    }


def _certificate(certificate: Certificate | None, zone) -> dict | None:
    if certificate is None:
        return None
    if certificate.is_erased:
        file = "erased"
    elif certificate.is_ready:
        file = "available"
    else:
        file = "pending"
    return {
        "number": certificate.number,
        "status": certificate.status,
        "verification_url": settings.SITE_URL
        + reverse("integrity:verify", args=[certificate.verification_code]),
        "pdf_sha256": certificate.pdf_sha256,
        "rendered_at": _at(certificate.rendered_at, zone),
        "file": file,
        "file_erased_at": _at(certificate.pdf_erased_at, zone),
        "revoked_at": _at(certificate.revoked_at, zone),
        "revoked_reason": certificate.revoked_reason,
    }


def _messages(ticket: Ticket, zone) -> list[dict]:
    messages = Message.objects.filter(ticket=ticket).order_by("created_at", "pk")
    return [
        {
            "kind": message.kind,
            "kind_label": str(message.get_kind_display()),
            "to": message.recipient,
            "text": preview_text(message.kind, message.params) if message.params else "",
            "with_certificate": message.with_certificate,
            "status": message.status,
            "status_label": str(message.get_status_display()),
            "created_at": _at(message.created_at, zone),
            "sent_at": _at(message.sent_at, zone),
            "delivered_at": _at(message.delivered_at, zone),
            "read_at": _at(message.read_at, zone),
            "failed_at": _at(message.failed_at, zone),
        }
        for message in messages
    ]


def personal_data_export(*, ticket: Ticket, now: dt.datetime | None = None) -> dict:
    """Everything stored about `ticket`, JSON-ready (times in the office's zone, ISO 8601)."""
    ticket = Ticket.objects.select_related("office", "service__agency", "slot", "counter").get(
        pk=ticket.pk
    )
    zone = ticket.office.zone
    signature = (
        PactSignature.objects.select_related("rendering__pact", "office")
        .filter(ticket=ticket)
        .first()
    )
    certificate = Certificate.objects.filter(signature=signature).first() if signature else None
    erased = ticket.is_erased
    return {
        "generated_at": _at(now or timezone.now(), zone),
        "ticket": _ticket(ticket, zone),
        "events": _events(ticket, zone),
        "pact_signature": _signature(signature, zone),
        "certificate": _certificate(certificate, zone),
        "messages": _messages(ticket, zone),
        "retention": {
            "days": retention_days(),
            "erase_from": ticket_erase_from(ticket).isoformat(),
            "erased_at": _at(ticket.erased_at, zone),
            "erased": [key for key, _label in ERASED_ITEMS] if erased else [],
        },
    }
