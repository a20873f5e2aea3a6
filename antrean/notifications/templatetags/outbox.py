"""Display helpers for messages: the booking page's delivery line, the admin's configuration
warning, and masking of numbers that might hide in a provider's error text."""

from django import template

from antrean.core.logging import mask_text
from antrean.notifications import selectors
from antrean.notifications.error_codes import config_error_text
from antrean.tenancy import permissions

register = template.Library()


@register.simple_tag
def ticket_delivery(ticket) -> selectors.Delivery:
    return selectors.ticket_delivery(ticket=ticket)


@register.simple_tag
def whatsapp_config_failures(user) -> list[dict]:
    """Configuration errors of the installation's WhatsApp account, counted over every office:
    for those who see every office."""
    if not permissions.scope_of(user).everything:
        return []
    return [
        {"text": config_error_text(f.code), "count": f.count, "last_at": f.last_at}
        for f in selectors.config_failures()
    ]


@register.filter
def masked(text) -> str:
    """Provider error texts are not ours: mask any NIK or phone number in them."""
    return mask_text(str(text or ""))


@register.filter
def error_text(message) -> str:
    """`132001 (templat salah: …)` for a configuration error, otherwise the code alone."""
    if message.error_category == "config":
        return config_error_text(message.error_code)
    return message.error_code
