"""The only way a message leaves: the configured gateway (`WHATSAPP_GATEWAY`).

- `console` (default): nothing leaves the machine; messages are kept as sent and shown on the
  staff inbox page (`/staf/kotak-pesan/`), so a demo shows the whole flow.
- `cloud`: the official WhatsApp Business Cloud API (notifications/gateways/cloud.py).
"""

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from antrean.notifications.models import ErrorCategory


@dataclass(frozen=True)
class Document:
    """The certificate PDF to send as the template's document header."""

    filename: str
    content: bytes
    cache_key: int  # certificate id: the media id is reused while the provider keeps it


@dataclass(frozen=True)
class OutgoingMessage:
    message_id: int  # our id, sent as biz_opaque_callback_data to reconcile crashes
    to: str  # E.164
    template: str
    language: str
    params: list[str]
    document_media_id: str | None = None
    document_filename: str | None = None
    # An authentication template's one-time code: also the parameter of its copy-code button.
    code_button: str | None = None


@dataclass(frozen=True)
class SendResult:
    provider_id: str


class GatewayError(Exception):
    """A refused or failed send, classified so the worker knows whether to try again."""

    def __init__(self, category: ErrorCategory, code: str, detail: str, *, sent: bool = False):
        self.category = category
        self.code = code
        self.detail = detail[:2000]
        # True when the request may have reached the provider (a read timeout): retrying is
        # allowed for transient errors, and the possible duplicate is counted if it happens.
        self.sent = sent
        super().__init__(f"{category} {code}: {detail[:200]}")


class Gateway:
    name = "base"

    def send(self, message: OutgoingMessage) -> SendResult:
        raise NotImplementedError

    def upload_media(self, document: Document) -> str:
        raise NotImplementedError


GATEWAYS = {
    "console": "antrean.notifications.gateways.console.ConsoleGateway",
    "cloud": "antrean.notifications.gateways.cloud.CloudGateway",
}


@cache
def _gateway(name: str) -> Gateway:
    return import_string(GATEWAYS[name])()


def get_gateway() -> Gateway:
    return _gateway(settings.WHATSAPP_GATEWAY)


def reset_gateway() -> None:
    """Forget the configured gateway (tests that change WHATSAPP_* settings call this)."""
    _gateway.cache_clear()
