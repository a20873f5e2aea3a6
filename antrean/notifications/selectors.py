"""Reads about messages."""

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from django.db.models import Count, Max
from django.utils import timezone

from antrean.integrity.models import Certificate
from antrean.notifications.models import (
    ErrorCategory,
    Kind,
    Message,
    Status,
    UnreachableNumber,
    staff_hidden_kinds,
)
from antrean.notifications.previews import preview_text
from antrean.tenancy import permissions
from antrean.tenancy.models import Office


def messages_visible(*, user):
    """The messages a staff account may read (tenancy.permissions.can_see_message): its
    offices' as office admin, its agency's tickets' as officer or agency admin."""
    # Report receipts (antrean.reports) go to a reporter: no staff reads them; nor one-time
    # codes, except on the console gateway's inbox (models.staff_hidden_kinds).
    return permissions.filter_in_scope(
        user,
        Message.objects.exclude(kind__in=staff_hidden_kinds()),
        office="office",
        agency="ticket__service__agency",
    )


def inbox_messages(*, user, office_code: str | None = None, limit: int = 300) -> list[Message]:
    """The newest messages with their text as the citizen reads it, grouped by recipient."""
    messages = (
        messages_visible(user=user)
        .select_related("office", "ticket__pact_signature__certificate")
        .order_by("-created_at")
    )
    if office_code:
        messages = messages.filter(office__code=office_code)
    rows = list(messages[:limit])
    for message in rows:
        message.preview = preview_text(message.kind, message.params)
    rows.sort(key=lambda m: (m.recipient_hash, m.created_at))
    return rows


# --- Staff inbox, admin warnings and the citizen's booking page ----------------------------


@dataclass
class Conversation:
    """The messages sent to one number, oldest first, as a phone shows them."""

    recipient: str  # masked: the full number is never shown
    offices: list[str]
    messages: list[Message]

    @property
    def last_at(self):
        return self.messages[-1].created_at


def inbox_conversations(
    *, user, office_code: str | None = None, limit: int = 300
) -> list[Conversation]:
    """The newest messages grouped by recipient, the most recently active conversation first."""
    conversations: list[Conversation] = []
    for _key, group in groupby(
        inbox_messages(user=user, office_code=office_code, limit=limit),
        key=lambda m: m.recipient_hash,
    ):
        messages = list(group)
        offices = list(dict.fromkeys(m.office.name for m in messages))
        conversations.append(
            Conversation(recipient=messages[0].masked_recipient, offices=offices, messages=messages)
        )
    conversations.sort(key=lambda c: c.last_at, reverse=True)
    return conversations


def inbox_offices(*, user):
    """Offices with messages this account may read, for the inbox's filter."""
    return Office.objects.filter(
        pk__in=messages_visible(user=user).values("office_id").distinct()
    ).order_by("name")


def message_certificate(*, user, message_id: int) -> Certificate | None:
    """The ready certificate of the ticket a message is about, if the account may read that
    message."""
    message = messages_visible(user=user).filter(pk=message_id).first()
    if message is None or message.ticket_id is None:
        return None
    return (
        Certificate.objects.filter(signature__ticket=message.ticket_id, pdf_erased_at=None)
        .exclude(pdf_sha256="")
        .first()
    )


@dataclass(frozen=True)
class ConfigFailure:
    code: str
    count: int
    last_at: object


def config_failures(*, days: int = 7) -> list[ConfigFailure]:
    """Messages refused for a configuration error (template, token) in the last days, by code:
    nothing will reach citizens until an admin fixes it."""
    since = timezone.now() - dt.timedelta(days=days)
    rows = (
        Message.objects.filter(
            status=Status.FAILED, error_category=ErrorCategory.CONFIG, created_at__gte=since
        )
        .values("error_code")
        .annotate(count=Count("pk"), last_at=Max("failed_at"))
        .order_by("error_code")
    )
    return [ConfigFailure(r["error_code"], r["count"], r["last_at"]) for r in rows]


@dataclass(frozen=True)
class Delivery:
    """What the booking page says about the WhatsApp copy of a booking."""

    message: Message | None  # the booking_confirmed message, if one was queued
    unreachable: bool  # the number is known not to be on WhatsApp

    @property
    def failed(self) -> bool:
        return self.message is not None and self.message.status == Status.FAILED


def ticket_delivery(*, ticket) -> Delivery:
    message = Message.objects.filter(ticket=ticket, kind=Kind.BOOKING_CONFIRMED).first()
    unreachable = bool(ticket.phone_hash) and (
        UnreachableNumber.objects.filter(phone_hash=ticket.phone_hash).exists()
    )
    return Delivery(message=message, unreachable=unreachable)
