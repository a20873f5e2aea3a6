"""Parsing and checking the Cloud API's webhook calls (pure: no database)."""

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from antrean.core.errors import ErrorCode


def signature_valid(*, app_secret: str, body: bytes, header: str | None) -> bool:
    """`X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`, compared in
    constant time, before anything parses the body."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256=") :].strip().lower())


@dataclass(frozen=True)
class StatusUpdate:
    provider_id: str
    status: str
    at: dt.datetime
    opaque: str | None
    errors: list


@dataclass(frozen=True)
class Inbound:
    provider_id: str
    sender: str
    kind: str
    text: str
    at: dt.datetime


class WebhookRefused(Exception):
    """A payload that is JSON but not what the Cloud API sends; answered with a coded 4xx."""

    def __init__(self, code: ErrorCode = ErrorCode.INVALID_REQUEST):
        self.code = code
        super().__init__(str(code))


def _instant(value) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return dt.datetime.now(dt.UTC)


def _holds_nul(payload) -> bool:
    """Whether any string of the document, key or value, holds U+0000 (which PostgreSQL
    cannot store). Iterative: the document may be as deep as the JSON parser allowed."""
    stack = [payload]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _objects(container: dict, key: str) -> list[dict]:
    """`container[key]`: absent or null is an empty list; anything but a list of objects is
    refused."""
    items = container.get(key)
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise WebhookRefused
    return items


def _text(item: dict, key: str, *, required: bool = True) -> str | None:
    value = item.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise WebhookRefused
    return value


def parse(payload) -> tuple[list[StatusUpdate], list[Inbound]]:
    """The statuses and inbound messages of a webhook payload.

    Total over JSON values: a payload shaped as the Cloud API documents it gives its
    statuses and messages (fields we do not use, and kinds of change we do not handle, are
    ignored); anything else, and any text holding a NUL character, raises WebhookRefused.
    """
    if not isinstance(payload, dict) or _holds_nul(payload):
        raise WebhookRefused
    statuses: list[StatusUpdate] = []
    inbound: list[Inbound] = []
    for entry in _objects(payload, "entry"):
        for change in _objects(entry, "changes"):
            value = change.get("value")
            if value is None:
                continue
            if not isinstance(value, dict):
                raise WebhookRefused
            for item in _objects(value, "statuses"):
                errors = item.get("errors")
                if errors is not None and not isinstance(errors, list):
                    raise WebhookRefused
                statuses.append(
                    StatusUpdate(
                        provider_id=_text(item, "id")[:128],
                        status=_text(item, "status"),
                        at=_instant(item.get("timestamp")),
                        opaque=_text(item, "biz_opaque_callback_data", required=False),
                        errors=errors or [],
                    )
                )
            for item in _objects(value, "messages"):
                text = item.get("text")
                if text is not None and not isinstance(text, dict):
                    raise WebhookRefused
                inbound.append(
                    Inbound(
                        provider_id=_text(item, "id")[:128],
                        sender=_text(item, "from")[:20],
                        kind=_text(item, "type", required=False) or "unknown",
                        text=(_text(text, "body", required=False) or "") if text else "",
                        at=_instant(item.get("timestamp")),
                    )
                )
    return statuses, inbound
