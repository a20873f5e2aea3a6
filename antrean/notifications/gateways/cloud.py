"""The WhatsApp Business Cloud API, through httpx.

Requests go to `{WHATSAPP_API_BASE}/{WHATSAPP_API_VERSION}/{WHATSAPP_PHONE_NUMBER_ID}/messages`
and `/media` with the access token; answers and errors are classified for the worker:
transient (retry with backoff), permanent, configuration (an admin must act), or the number
not being on WhatsApp.
"""

import httpx
from django.conf import settings

from antrean.notifications.gateway import (
    Document,
    Gateway,
    GatewayError,
    OutgoingMessage,
    SendResult,
)
from antrean.notifications.models import ErrorCategory

TRANSIENT_CODES = {130429, 131000, 131016, 131056, 1, 2, 4, 80007}
NOT_ON_WHATSAPP = 131026
TOKEN_EXPIRED = 190


def classify(code: int | None, http_status: int) -> ErrorCategory:
    """Which kind of failure a Cloud API error is (REFERENCE.md, "Errors to handle")."""
    if code == NOT_ON_WHATSAPP:
        return ErrorCategory.NOT_ON_WHATSAPP
    if code in TRANSIENT_CODES:
        return ErrorCategory.TRANSIENT
    if code == TOKEN_EXPIRED or (code is not None and 132000 <= code <= 132016):
        return ErrorCategory.CONFIG
    if http_status == 429 or http_status >= 500:
        return ErrorCategory.TRANSIENT
    if http_status in (401, 403):
        return ErrorCategory.CONFIG
    return ErrorCategory.PERMANENT


class CloudGateway(Gateway):
    name = "cloud"

    def __init__(self):
        base = settings.WHATSAPP_API_BASE.rstrip("/")
        self.url = f"{base}/{settings.WHATSAPP_API_VERSION}/{settings.WHATSAPP_PHONE_NUMBER_ID}"
        self.client = httpx.Client(
            headers={"Authorization": f"Bearer {settings.WHATSAPP_ACCESS_TOKEN}"},
            timeout=httpx.Timeout(settings.WHATSAPP_TIMEOUT, connect=5.0),
        )

    def _post(self, path: str, **kwargs) -> dict:
        try:
            response = self.client.post(f"{self.url}/{path}", **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise GatewayError(ErrorCategory.TRANSIENT, "network", repr(exc)) from exc
        except httpx.TimeoutException as exc:
            raise GatewayError(ErrorCategory.TRANSIENT, "timeout", repr(exc), sent=True) from exc
        except httpx.HTTPError as exc:
            raise GatewayError(ErrorCategory.TRANSIENT, "network", repr(exc), sent=True) from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.is_success:
            return body
        error = body.get("error") if isinstance(body, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        if not isinstance(code, int):
            code = None
        detail = (
            f"HTTP {response.status_code}: {error.get('message', '')}"
            if isinstance(error, dict)
            else f"HTTP {response.status_code}"
        )
        raise GatewayError(
            classify(code, response.status_code),
            str(code) if code is not None else str(response.status_code),
            detail,
        )

    def send(self, message: OutgoingMessage) -> SendResult:
        components = []
        if message.document_media_id:
            components.append(
                {
                    "type": "header",
                    "parameters": [
                        {
                            "type": "document",
                            "document": {
                                "id": message.document_media_id,
                                "filename": message.document_filename or "piagam.pdf",
                            },
                        }
                    ],
                }
            )
        if message.params:
            components.append(
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": p} for p in message.params],
                }
            )
        if message.code_button:
            # Authentication templates carry the code twice: in the body and in the
            # copy-code button (WhatsApp's "one-tap"/"copy code" button, index 0).
            components.append(
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": message.code_button}],
                }
            )
        payload = {
            "messaging_product": "whatsapp",
            "to": message.to,
            "type": "template",
            "biz_opaque_callback_data": str(message.message_id),
            "template": {
                "name": message.template,
                "language": {"code": message.language},
                "components": components,
            },
        }
        body = self._post("messages", json=payload)
        try:
            return SendResult(provider_id=body["messages"][0]["id"])
        except (KeyError, IndexError, TypeError) as exc:
            raise GatewayError(
                ErrorCategory.TRANSIENT,
                "bad_response",
                f"unexpected answer {body!r}"[:500],
                sent=True,
            ) from exc

    def upload_media(self, document: Document) -> str:
        body = self._post(
            "media",
            data={"messaging_product": "whatsapp", "type": "application/pdf"},
            files={"file": (document.filename, document.content, "application/pdf")},
        )
        media_id = body.get("id") if isinstance(body, dict) else None
        if not media_id:
            raise GatewayError(ErrorCategory.TRANSIENT, "bad_response", f"no media id: {body!r}")
        return str(media_id)
