"""Development keys, made once on first run and kept under var/keys/.

Production sets its keys through the environment; these files only exist so that a fresh
clone runs with nothing configured. They are created with mode 0600 and never committed.
"""

import base64
import os
import secrets
from pathlib import Path


def _write_new(path: Path, value: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process made it first: use theirs, so every process shares one key.
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def dev_secret(path: Path, *, nbytes: int = 32) -> str:
    """A random url-safe secret stored at `path`, created on first use."""
    if path.exists():
        return path.read_text().strip()
    return _write_new(path, secrets.token_urlsafe(nbytes))


def dev_key_b64(path: Path) -> str:
    """A random 32-byte key, base64, stored at `path`, created on first use."""
    if path.exists():
        return path.read_text().strip()
    return _write_new(path, base64.b64encode(secrets.token_bytes(32)).decode())
