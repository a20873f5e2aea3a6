"""`manage.py serve`: the one command behind `make run`.

Prepares the installation (migrate, demo data when empty, a development admin, slots) and then
serves HTTP and WebSockets with uvicorn in this same process (configured by
antrean.core.serving: no proxy headers read by the server, masked logs), with the task worker
as a supervised child process. The preparation is `setup()`, testable without starting a
server.
"""

import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import connections

DEV_USERNAME = "admin"
PASSWORD_FILE = "dev-admin-password"  # noqa: S105 (a file name)
PASSWORD_ENV = "ANTREAN_DEV_PASSWORD"  # noqa: S105 (a variable name)
STAFF_PASSWORD_FILE = "dev-staff-passwords"  # noqa: S105 (a file name)
TOTP_SECRETS_FILE = "dev-totp-secrets"

logger = logging.getLogger("antrean.serve")


@dataclass(frozen=True)
class DevAdmin:
    created: bool
    source: str  # "env", "generated" or "existing"
    password: str | None  # only when just generated: the one time it is shown
    password_file: Path | None  # where a generated password is kept, if it is


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text + "\n")
    os.chmod(path, 0o600)  # in case the file was there before with looser rights


def dev_admin_ensure(*, var_dir: Path, env_password: str | None) -> DevAdmin:
    """Create the superuser `admin` unless a user of that name exists.

    The password is ANTREAN_DEV_PASSWORD when set; otherwise a generated one, kept in
    var/dev-admin-password (0600) so that later runs can say where it is without printing it.
    """
    path = var_dir / PASSWORD_FILE
    User = get_user_model()
    if User.objects.filter(username=DEV_USERNAME).exists():
        return DevAdmin(
            created=False,
            source="existing",
            password=None,
            password_file=path if path.exists() else None,
        )
    if env_password:
        User.objects.create_superuser(DEV_USERNAME, email="", password=env_password)
        # A file left from an earlier database would now be wrong.
        path.unlink(missing_ok=True)
        return DevAdmin(created=True, source="env", password=None, password_file=None)
    password = secrets.token_urlsafe(18)
    User.objects.create_superuser(DEV_USERNAME, email="", password=password)
    _write_private(path, password)
    return DevAdmin(created=True, source="generated", password=password, password_file=path)


def setup(*, stdout, demo: bool = True, var_dir: Path | None = None) -> DevAdmin:
    """Everything `serve` does before serving; each step is a no-op when already done."""
    if not isinstance(stdout, OutputWrapper):
        stdout = OutputWrapper(stdout)
    var_dir = var_dir or Path(settings.VAR_DIR)
    # WhiteNoise warns about a missing STATIC_ROOT even when it serves through the finders.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    stdout.write("Menyiapkan basis data…")
    call_command("migrate", interactive=False, verbosity=0, stdout=stdout)
    if demo:
        call_command("seed_demo", if_empty=True, stdout=stdout)
    dev_admin = dev_admin_ensure(var_dir=var_dir, env_password=os.environ.get(PASSWORD_ENV))
    _report_admin(stdout, dev_admin)
    if demo:
        demo_staff_setup(stdout, var_dir=var_dir)
        demo_survey_setup(stdout)
        demo_stats_setup(stdout)
    dev_two_factor_setup(stdout, var_dir=var_dir)
    call_command("ensure_slots", stdout=stdout)
    return dev_admin


def _dev_password(var_dir: Path) -> str | None:
    """The development admin's password, when this installation knows it."""
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    path = var_dir / PASSWORD_FILE
    if path.exists():
        return path.read_text().strip() or None
    return None


def demo_survey_setup(stdout) -> None:
    """Served citizens and survey answers of the previous quarter and the recent weeks (once
    per span)."""
    from antrean.demo.data import OFFICES
    from antrean.demo.survey import demo_survey_ensure
    from antrean.tenancy.models import Office

    offices = Office.objects.filter(code__in=[data["code"] for data in OFFICES])
    report = demo_survey_ensure(offices=offices)
    if report.responses:
        stdout.write(
            "Survei contoh (triwulan lalu dan empat minggu terakhir): "
            f"{report.tickets} antrean dilayani, "
            f"{report.responses} jawaban."
        )


def demo_stats_setup(stdout) -> None:
    """The demo offices' daily roll-ups, for dashboards and the transparency pages."""
    from antrean.demo.data import OFFICES
    from antrean.demo.stats import demo_rollups_ensure
    from antrean.tenancy.models import Office

    offices = Office.objects.filter(code__in=[data["code"] for data in OFFICES])
    days = demo_rollups_ensure(offices=offices)
    if days:
        stdout.write(f"Rekap harian contoh: {days} hari kantor dihitung.")


def demo_staff_setup(stdout, *, var_dir: Path) -> None:
    """Counters and the demo officers and office admins, with the admin's password (each its
    own generated one when that is unknown, shown once and kept in var/dev-staff-passwords)."""
    from antrean.demo.seed import demo_staff_ensure

    report = demo_staff_ensure(password=_dev_password(var_dir))
    if report.counters:
        stdout.write(f"{report.counters} loket contoh dibuat.")
    if not report.accounts:
        return
    generated = [account for account in report.accounts if account.password]
    if not generated:
        stdout.write(
            f"{len(report.accounts)} akun staf contoh dibuat (petugas: nama pengguna = kode "
            "instansi, mis. disdukcapil; admin kantor: admin-<kode kantor>; kepala kantor: "
            "kepala-<kode kantor>; inspektorat: inspektorat-<kode kantor>; pemerintah daerah: "
            "pemkab-badung, pemprov-bali, …; nasional: kemenpanrb), kata sandi sama dengan "
            "akun admin."
        )
        return
    path = var_dir / STAFF_PASSWORD_FILE
    lines = [f"{account.username} {account.password}" for account in generated]
    kept = path.read_text().splitlines() if path.exists() else []
    _write_private(path, "\n".join([*kept, *lines]))
    stdout.write("")
    stdout.write("  Akun staf contoh dibuat (kata sandi hanya ditampilkan sekali):")
    for line in lines:
        stdout.write(f"    {line}")
    stdout.write(f"    tersimpan di:  {path}")
    stdout.write("")


def dev_two_factor_accounts() -> list:
    """The development admin and the demo admins: the accounts `serve` made that must sign in
    with a second factor."""
    from antrean.demo.seed import demo_admin_usernames

    usernames = [DEV_USERNAME, *demo_admin_usernames()]
    users = get_user_model().objects.filter(username__in=usernames, is_active=True)
    return sorted(users, key=lambda user: usernames.index(user.username))


def dev_two_factor_setup(stdout, *, var_dir: Path) -> list[tuple[str, str]]:
    """Give each development admin account that must use a second factor and has none an
    authenticator; print each secret once and keep it in var/dev-totp-secrets (0600), where
    `manage.py dev_otp <username>` reads it to print the current code. Returns the pairs
    (username, secret) made now."""
    from antrean.accounts.services import (
        has_two_factor,
        totp_device_provision,
        totp_secret,
        two_factor_mandatory,
    )

    path = var_dir / TOTP_SECRETS_FILE
    made = []
    for user in dev_two_factor_accounts():
        if two_factor_mandatory(user) and not has_two_factor(user):
            made.append((user.username, totp_secret(totp_device_provision(user=user))))
    if made:
        names = {username for username, _secret in made}
        kept = [
            line
            for line in (path.read_text().splitlines() if path.exists() else [])
            if line.split(" ", 1)[0] not in names
        ]
        _write_private(path, "\n".join([*kept, *(f"{u} {s}" for u, s in made)]))
        width = max(len(username) for username, _secret in made)
        stdout.write("")
        stdout.write(
            "  Verifikasi dua langkah akun admin (kunci rahasia hanya ditampilkan sekali):"
        )
        for username, secret in made:
            stdout.write(f"    {username.ljust(width)}  {secret}")
        stdout.write(f"    tersimpan di:  {path}")
        stdout.write("    kode saat ini: .venv/bin/python manage.py dev_otp <nama pengguna>")
        stdout.write(
            "    (atau ketik kunci di aplikasi autentikator: Google Authenticator, Aegis …)"
        )
        stdout.write("")
    elif path.exists():
        stdout.write(
            "Kode verifikasi akun admin: .venv/bin/python manage.py dev_otp <nama pengguna> "
            f"(kunci di {path})."
        )
    return made


def _report_admin(stdout, dev_admin: DevAdmin) -> None:
    if dev_admin.source == "generated":
        stdout.write("")
        stdout.write("  Akun admin pengembangan dibuat (hanya ditampilkan sekali):")
        stdout.write(f"    nama pengguna: {DEV_USERNAME}")
        stdout.write(f"    kata sandi:    {dev_admin.password}")
        stdout.write(f"    tersimpan di:  {dev_admin.password_file}")
        stdout.write("")
    elif dev_admin.source == "env":
        stdout.write(f"Akun admin pengembangan dibuat dengan kata sandi dari {PASSWORD_ENV}.")
    elif dev_admin.password_file is not None:
        stdout.write(
            f"Akun admin: {DEV_USERNAME} (kata sandi tersimpan di {dev_admin.password_file})."
        )
    else:
        stdout.write(f"Akun admin: {DEV_USERNAME} (sudah ada).")


class Command(BaseCommand):
    help = "Siapkan basis data, data contoh, dan akun admin, lalu jalankan server (uvicorn)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=None, help="Bawaan: $PORT atau 8000.")
        parser.add_argument("--no-demo", action="store_true", help="Jangan muat data contoh.")
        parser.add_argument(
            "--no-worker", action="store_true", help="Jangan jalankan pekerja latar belakang."
        )

    def handle(self, *args, host, port, no_demo=False, no_worker=False, **options):
        if port is None:
            try:
                port = int(os.environ.get("PORT", "8000"))
            except ValueError as exc:
                raise CommandError("PORT harus berupa angka.") from exc
        setup(stdout=self.stdout, demo=not no_demo)
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        base = f"http://{shown}:{port}"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Antrean siap:"))
        self.stdout.write(f"  Situs warga:  {base}/")
        self.stdout.write(f"  Admin:        {base}/admin/")
        self.stdout.write(f"  Konsol loket: {base}/loket/")
        self.stdout.write(f"  API:          {base}/api/docs")
        self.stdout.write("")
        supervisor = None if no_worker else WorkerSupervisor(worker_command()).start()
        try:
            on_exit = supervisor.stop_restarting if supervisor else None
            run_server(host=host, port=port, on_exit=on_exit)
        finally:
            if supervisor is not None:
                supervisor.stop()


def _pdeathsig():
    """prctl(PR_SET_PDEATHSIG, SIGTERM), resolved here in the parent: the child calls it
    between fork and exec, where importing or loading a library could deadlock on a lock
    another thread of the server held at the fork."""
    try:
        import ctypes

        prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None  # not Linux: stop() still ends the worker on a clean exit

    def set_pdeathsig() -> None:
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return set_pdeathsig


def worker_command() -> list[str]:
    manage = Path(settings.BASE_DIR) / "manage.py"
    return [sys.executable, str(manage), "worker"]


class WorkerSupervisor:
    """Keeps one task worker running beside the server, as a child process.

    A worker that exits while the server runs (a crash, the OOM killer, `kill -9`) is started
    again, with a log line each time; the pause before the restart doubles while new workers
    keep dying soon after they start (BACKOFF_FIRST up to BACKOFF_MAX seconds), so a crash
    loop does not spin. What the dead worker left half-done is taken up by the new one
    (antrean.core.tasks.tasks_recover_stale, messages_recover_stale).

    The child asks Linux for SIGTERM when the thread that started it ends (PR_SET_PDEATHSIG):
    that thread is the supervisor's, which lives as long as the server, and the process dying
    however it dies (uvicorn re-raises SIGTERM after its shutdown, so a `finally` in the server
    never runs) ends it too. It runs in its own session, so a Ctrl+C in the terminal reaches
    only the server, which then stops it.
    """

    BACKOFF_FIRST = 1.0
    BACKOFF_MAX = 60.0
    STABLE_AFTER = 60.0  # a worker that ran this long resets the pause

    def __init__(self, command: list[str], *, backoff_first: float | None = None):
        self.command = command
        self.backoff_first = backoff_first if backoff_first is not None else self.BACKOFF_FIRST
        self.process: subprocess.Popen | None = None
        self.delays: list[float] = []  # the pause before each restart so far
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-supervisor", daemon=True)
        self._preexec = _pdeathsig()

    def start(self) -> "WorkerSupervisor":
        self._thread.start()
        return self

    def stop_restarting(self) -> None:
        """The server is shutting down: a worker that exits now stays down."""
        self._stopping.set()

    def stop(self, timeout: float = 10) -> None:
        """Stop supervising, then stop the worker (it finishes the task in hand)."""
        self._stopping.set()
        self._thread.join(timeout=timeout)  # no new child after this
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _spawn(self) -> subprocess.Popen:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
            self.command, preexec_fn=self._preexec, start_new_session=True
        )
        logger.info("Background worker started (pid %d)", process.pid)
        return process

    def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            self.process = None
            try:
                started = time.monotonic()
                self.process = self._spawn()
                while self.process.poll() is None:
                    if self._stopping.wait(0.2):
                        return  # stop() ends the child (as does this thread's end)
                ran = time.monotonic() - started
            except Exception:
                logger.exception("Could not run the background worker")
                ran = 0.0
            if self._stopping.is_set():
                return
            failures = 1 if ran >= self.STABLE_AFTER else failures + 1
            delay = min(self.BACKOFF_MAX, self.backoff_first * 2 ** (failures - 1))
            self.delays.append(delay)
            process = self.process
            logger.error(
                "Background worker (pid %s) stopped after %.0f s (%s); starting a new one in "
                "%.1f s",
                process.pid if process else "-",
                ran,
                _exit_reason(process.returncode if process else None),
                delay,
            )
            if self._stopping.wait(delay):
                return


def _exit_reason(code: int | None) -> str:
    if code is None:
        return "did not start"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def run_server(*, host: str, port: int, on_exit=None) -> None:
    """uvicorn with the project's configuration (antrean.core.serving), in this process."""
    import uvicorn

    from antrean.core.serving import uvicorn_config

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame) -> None:
            if on_exit is not None:
                on_exit()
            super().handle_exit(sig, frame)

    # Connections opened by the setup steps belong to this thread; requests use their own.
    connections.close_all()
    config = uvicorn_config(host=host, port=port, log_level=settings.LOG_LEVEL.lower())
    Server(config).run()
