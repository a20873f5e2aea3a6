"""Write development keys to .env, once, for `make run` (and `make bench`, `make rush`).

Production sets SECRET_KEY, ANTREAN_DATA_KEYS and ANTREAN_HASH_KEY itself and never runs
this; without them the settings refuse to start (DEBUG off). On a laptop these keys must
still outlive restarts (the database holds NIKs encrypted with them), so they are kept in .env
(mode 0600, never committed). Keys an earlier version generated under var/keys/ are taken
over, so an existing development database stays readable. Standard library only: it runs
before anything is installed.
"""

import base64
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEYS = {
    # name: (file an earlier version kept it in under var/keys/, how to make a new one)
    "SECRET_KEY": ("secret_key", lambda: secrets.token_urlsafe(48)),
    "ANTREAN_DATA_KEYS": ("data.key", lambda: base64.b64encode(secrets.token_bytes(32)).decode()),
    "ANTREAN_HASH_KEY": ("hash.key", lambda: base64.b64encode(secrets.token_bytes(32)).decode()),
}


def _names_in(path: Path) -> set[str]:
    if not path.exists():
        return set()
    names = set()
    for line in path.read_text().splitlines():
        name, sep, _value = line.strip().partition("=")
        if sep and not name.startswith("#"):
            names.add(name.strip().removeprefix("export "))
    return names


def ensure(env_file: Path = ROOT / ".env", var_dir: Path | None = None) -> list[str]:
    """Append the missing keys to `env_file`; returns the names written."""
    var_dir = var_dir or Path(os.environ.get("ANTREAN_VAR_DIR") or ROOT / "var")
    present = _names_in(env_file)
    lines = []
    for name, (old_file, make) in KEYS.items():
        if name in present or os.environ.get(name):
            continue
        old = var_dir / "keys" / old_file
        value = old.read_text().strip() if old.exists() else make()
        lines.append(f"{name}={value}")
    if not lines:
        return []
    header = [] if env_file.exists() else ["# Local settings (never committed). See .env.example."]
    text = "\n".join(
        [
            *header,
            "# Development keys written by `make run` (scripts/dev_env.py): for this machine",
            "# only. Production sets its own and keeps them apart from the database's backups.",
            *lines,
        ]
    )
    existing = env_file.read_text() if env_file.exists() else ""
    if existing and not existing.endswith("\n"):
        existing += "\n"
    fd = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(existing + text + "\n")
    os.chmod(env_file, 0o600)
    return [line.partition("=")[0] for line in lines]


if __name__ == "__main__":
    written = ensure()
    if written:
        print(f"Kunci pengembangan ditulis ke .env: {', '.join(written)}", file=sys.stderr)
