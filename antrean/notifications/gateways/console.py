"""The development gateway: nothing leaves the machine.

A message "sent" here is kept as sent; the staff inbox page shows it like a phone would.
"""

import secrets

from antrean.notifications.gateway import Document, Gateway, OutgoingMessage, SendResult


class ConsoleGateway(Gateway):
    name = "console"

    def send(self, message: OutgoingMessage) -> SendResult:
        return SendResult(provider_id=f"console.{secrets.token_hex(12)}")

    def upload_media(self, document: Document) -> str:
        return f"console-media.{document.cache_key}"
