"""Bearer secrets (booking tokens, staff API tokens, kiosk device tokens): only their sha256
is stored, so a leaked database grants nothing."""

import hashlib


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
