"""Parsing and checking the Cloud API's webhook calls (pure: no database)."""

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass


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


def _instant(value) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return dt.datetime.now(dt.UTC)


def parse(payload) -> tuple[list[StatusUpdate], list[Inbound]]:
    """The statuses and inbound messages of a webhook payload; anything else is ignored."""
    statuses: list[StatusUpdate] = []
    inbound: list[Inbound] = []
    if not isinstance(payload, dict):
        return statuses, inbound
    for entry in payload.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        for change in entry.get("changes") or []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            for item in value.get("statuses") or []:
                if isinstance(item, dict) and item.get("id") and item.get("status"):
                    statuses.append(
                        StatusUpdate(
                            provider_id=str(item["id"])[:128],
                            status=str(item["status"]),
                            at=_instant(item.get("timestamp")),
                            opaque=item.get("biz_opaque_callback_data"),
                            errors=item.get("errors") or [],
                        )
                    )
            for item in value.get("messages") or []:
                if isinstance(item, dict) and item.get("id") and item.get("from"):
                    text = item.get("text", {})
                    inbound.append(
                        Inbound(
                            provider_id=str(item["id"])[:128],
                            sender=str(item["from"])[:20],
                            kind=str(item.get("type", "unknown")),
                            text=str(text.get("body", "")) if isinstance(text, dict) else "",
                            at=_instant(item.get("timestamp")),
                        )
                    )
    return statuses, inbound
