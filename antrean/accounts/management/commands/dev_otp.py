"""`manage.py dev_otp [username]`: the current two-factor code of a development account.

Reads only the secrets `manage.py serve` kept in var/dev-totp-secrets for the accounts it
made (the development `admin` and the demo office admins): it cannot print a code for any
other account, and does nothing on an installation that never ran `serve`'s setup.
"""

import time
from base64 import b32decode
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from antrean.core.management.commands.serve import DEV_USERNAME, TOTP_SECRETS_FILE


def dev_secret(username: str, *, var_dir: Path) -> str | None:
    path = var_dir / TOTP_SECRETS_FILE
    if not path.exists():
        return None
    for line in path.read_text().splitlines():
        name, _space, secret = line.strip().partition(" ")
        if name == username and secret:
            return secret.strip()
    return None


def current_code(secret: str, *, now: float | None = None) -> tuple[str, int]:
    """The code and the seconds it has left."""
    key = b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time() if now is None else now
    left = totp.step - int(totp.time - totp.t0) % totp.step
    return f"{totp.token():06d}", left


class Command(BaseCommand):
    help = "Tampilkan kode verifikasi dua langkah saat ini untuk akun admin pengembangan."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default=DEV_USERNAME)

    def handle(self, *args, username, **options):
        secret = dev_secret(username, var_dir=Path(settings.VAR_DIR))
        if secret is None:
            raise CommandError(
                f"Tidak ada kunci pengembangan untuk {username} di "
                f"{Path(settings.VAR_DIR) / TOTP_SECRETS_FILE}. Hanya akun yang dibuat oleh "
                "`make run` (admin, admin-<kode kantor> dan inspektorat-<kode kantor>) yang "
                "punya kunci di sana."
            )
        code, left = current_code(secret)
        self.stdout.write(f"{code}  (berlaku {left} detik lagi; setiap kode hanya sekali pakai)")
