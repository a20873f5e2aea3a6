"""Production refuses development keys (security issue): without DEBUG, missing SECRET_KEY,
ANTREAN_DATA_KEYS or ANTREAN_HASH_KEY stop the start with a clear message, and nothing is
generated under var/. `make run` writes its own development keys to .env instead."""

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
KEY = base64.b64encode(b"k" * 32).decode()
NAMES = ["SECRET_KEY", "ANTREAN_DATA_KEYS", "ANTREAN_HASH_KEY"]


def start(tmp_path, **env) -> subprocess.CompletedProcess:
    """`manage.py check` in a bare environment: no .env, no keys unless given."""
    clean = {k: v for k, v in os.environ.items() if k not in NAMES and k != "DEBUG"}
    clean.update(
        DJANGO_SETTINGS_MODULE="antrean.settings",
        ANTREAN_ENV_FILE=str(tmp_path / "no-such.env"),
        ANTREAN_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    clean.update(env)
    return subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), "check"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def test_without_debug_missing_keys_stop_the_start(tmp_path):
    result = start(tmp_path)
    assert result.returncode != 0
    for name in NAMES:
        assert name in result.stderr
    assert "ImproperlyConfigured" in result.stderr
    assert not (tmp_path / "var" / "keys").exists()


@pytest.mark.parametrize("missing", NAMES)
def test_each_key_is_required(tmp_path, missing):
    keys = {"SECRET_KEY": "s" * 60, "ANTREAN_DATA_KEYS": KEY, "ANTREAN_HASH_KEY": KEY}
    del keys[missing]
    result = start(tmp_path, **keys)
    assert result.returncode != 0
    assert missing in result.stderr
    assert not (tmp_path / "var" / "keys").exists()


def test_with_its_keys_production_starts(tmp_path):
    result = start(tmp_path, SECRET_KEY="s" * 60, ANTREAN_DATA_KEYS=KEY, ANTREAN_HASH_KEY=KEY)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "var" / "keys").exists()


def test_with_debug_development_keys_are_made_under_var(tmp_path):
    result = start(tmp_path, DEBUG="true")
    assert result.returncode == 0, result.stderr
    made = sorted(p.name for p in (tmp_path / "var" / "keys").iterdir())
    assert made == ["data.key", "hash.key", "secret_key"]


# --- scripts/dev_env.py: what `make run` does ----------------------------------------------------


def _dev_env():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import dev_env
    finally:
        sys.path.pop(0)
    return dev_env


def test_make_run_writes_development_keys_to_a_private_env_file_once(tmp_path, monkeypatch):
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    dev_env = _dev_env()
    env_file = tmp_path / ".env"
    assert sorted(dev_env.ensure(env_file, tmp_path / "var")) == sorted(NAMES)
    first = env_file.read_text()
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert dev_env.ensure(env_file, tmp_path / "var") == []
    assert env_file.read_text() == first
    values = dict(
        line.split("=", 1) for line in first.splitlines() if line and not line.startswith("#")
    )
    assert len(base64.b64decode(values["ANTREAN_DATA_KEYS"])) == 32
    assert len(base64.b64decode(values["ANTREAN_HASH_KEY"])) == 32
    # The keys work: production settings start with exactly this file.
    result = start(tmp_path, ANTREAN_ENV_FILE=str(env_file))
    assert result.returncode == 0, result.stderr


def test_make_run_takes_over_keys_an_earlier_version_kept_under_var(tmp_path, monkeypatch):
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    keys = tmp_path / "var" / "keys"
    keys.mkdir(parents=True)
    (keys / "data.key").write_text(KEY + "\n")
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=8001\nANTREAN_HASH_KEY=" + KEY)
    written = _dev_env().ensure(env_file, tmp_path / "var")
    assert sorted(written) == ["ANTREAN_DATA_KEYS", "SECRET_KEY"]
    text = env_file.read_text()
    assert "PORT=8001\n" in text
    assert f"ANTREAN_DATA_KEYS={KEY}\n" in text
    assert text.count("ANTREAN_HASH_KEY") == 1
