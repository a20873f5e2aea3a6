"""Personal data at rest: encryption, keyed look-up hashes and masking.

NIK, WhatsApp numbers and names are stored encrypted (AES-256-GCM, a fresh nonce each time, the
field's purpose as associated data so a NIK ciphertext cannot be passed off as a phone). Look-ups
and uniqueness use an HMAC-SHA256 of the normalised value under a separate key, so the database
alone reveals neither. Keys rotate: the first key of ANTREAN_DATA_KEYS encrypts, all decrypt.
Files that carry personal data (certificate PDFs) are sealed with the same keys
(`encrypt_bytes`), their key id in the file's header.
"""

import base64
import functools
import hashlib
import hmac
import secrets

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_PREFIX = "enc1"
# Files (certificate PDFs) sealed with the same keys: this header, the key id (8 ASCII hex
# characters), the 12-byte nonce, then the AES-GCM ciphertext and tag. A PDF starts with
# `%PDF-`, so a sealed file and a plain one are told apart by their first bytes.
FILE_MAGIC = b"ANTREAN-SEALED-1\n"
_KEY_ID_BYTES = 8


@functools.cache
def _data_keys() -> tuple[tuple[str, AESGCM], ...]:
    raw = list(settings.ANTREAN_DATA_KEYS)
    if not raw:
        raise ImproperlyConfigured("ANTREAN_DATA_KEYS is empty.")
    keys = []
    for item in raw:
        key = base64.b64decode(item)
        if len(key) != 32:
            raise ValueError("Each ANTREAN_DATA_KEYS entry must be 32 bytes, base64-encoded.")
        key_id = hashlib.sha256(key).hexdigest()[:8]
        keys.append((key_id, AESGCM(key)))
    return tuple(keys)


@functools.cache
def _hash_key() -> bytes:
    raw = settings.ANTREAN_HASH_KEY
    if not raw:
        raise ImproperlyConfigured("ANTREAN_HASH_KEY is empty.")
    return base64.b64decode(raw)


def reset_key_cache() -> None:
    """Forget loaded keys (tests that change the key settings call this)."""
    _data_keys.cache_clear()
    _hash_key.cache_clear()


def encrypt(plaintext: str, *, purpose: str) -> str:
    key_id, aead = _data_keys()[0]
    nonce = secrets.token_bytes(12)
    sealed = aead.encrypt(nonce, plaintext.encode(), purpose.encode())
    return f"{_PREFIX}:{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, purpose: str) -> str:
    prefix, key_id, payload = token.split(":", 2)
    if prefix != _PREFIX:
        raise ValueError("Not an Antrean ciphertext.")
    for candidate_id, aead in _data_keys():
        if candidate_id == key_id:
            blob = base64.urlsafe_b64decode(payload)
            return aead.decrypt(blob[:12], blob[12:], purpose.encode()).decode()
    raise ValueError(f"No data key with id {key_id} is configured.")


def encrypt_bytes(data: bytes, *, purpose: str) -> bytes:
    """Seal a file's bytes with the current data key; `purpose` is the associated data."""
    key_id, aead = _data_keys()[0]
    nonce = secrets.token_bytes(12)
    return FILE_MAGIC + key_id.encode() + nonce + aead.encrypt(nonce, data, purpose.encode())


def is_encrypted_bytes(blob: bytes) -> bool:
    return blob.startswith(FILE_MAGIC)


def encrypted_bytes_key_id(blob: bytes) -> str:
    """The id of the key a sealed file was made with (to find files left on a retired key)."""
    if not is_encrypted_bytes(blob):
        raise ValueError("Not an Antrean sealed file.")
    start = len(FILE_MAGIC)
    return blob[start : start + _KEY_ID_BYTES].decode("ascii")


def decrypt_bytes(blob: bytes, *, purpose: str) -> bytes:
    """Open a sealed file; InvalidTag when it was changed or sealed for another purpose."""
    key_id = encrypted_bytes_key_id(blob)
    body = blob[len(FILE_MAGIC) + _KEY_ID_BYTES :]
    for candidate_id, aead in _data_keys():
        if candidate_id == key_id:
            return aead.decrypt(body[:12], body[12:], purpose.encode())
    raise ValueError(f"No data key with id {key_id} is configured.")


def current_key_id() -> str:
    """The id of the key that encrypts now (the first of ANTREAN_DATA_KEYS)."""
    return _data_keys()[0][0]


def lookup_hash(value: str, *, purpose: str) -> str:
    """Keyed hash of a normalised value: the only form in which NIK and phone are searched."""
    message = f"{purpose}:{value}".encode()
    return hmac.new(_hash_key(), message, hashlib.sha256).hexdigest()


def mask_nik(nik: str) -> str:
    """`5103014101900001` → `5103********0001`: region and serial stay, the birth date goes."""
    if len(nik) < 8:
        return "*" * len(nik)
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]


def mask_phone(e164: str) -> str:
    """`+6281234567890` → `+62812****7890`."""
    if len(e164) < 10:
        return "*" * len(e164)
    return e164[:6] + "*" * (len(e164) - 10) + e164[-4:]


def mask_name(name: str) -> str:
    """`Made Wirawan` → `M*** W******`: enough for its owner to recognise, no more."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())
