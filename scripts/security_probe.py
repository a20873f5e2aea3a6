"""The outside security probe of issue 11, repeated against the real server (`make probe`).

Usage: .venv/bin/python scripts/security_probe.py [--database postgres://…] [--steps 1,2,…]
                                                  [--output FILE] [--keep]

Starts `manage.py serve` as `make run` does (a subprocess on a free port, DEBUG off, fresh
keys in its environment, a temporary ANTREAN_VAR_DIR, the demo seeded by serve itself, the
supervised worker), with WHATSAPP_APP_SECRET set so that webhooks can be signed; on SQLite in
the temporary directory, or on the PostgreSQL database given (created when missing, refused
when it holds tables; dropped at the end when the probe created it). Everything the server
prints is captured in one file.

The probe prepares what it needs directly in the database through Django (the two demo offices
open all day every day, probe services with slots whose check-in window is open now and one
whose window opens later, bookings, staff accounts of both offices with known passwords and,
for the office admins, an authenticator whose codes it computes with django-otp, a kiosk), and
then acts only over HTTP, as an attacker would. It reads the database again only to see what
an attack changed (a ticket's status, the address on a pact signature, a task's state).

Prints a markdown table (step, what the original probe saw, what the server answers now,
PASS/FAIL) and exits 1 on any FAIL. See docs/security-notes/probe.md.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "manage.py"

B, S = "mpp-badung", "mpp-sidoarjo"  # the demo offices
BOOKINGS_PER_ADDRESS = 30  # the default of ANTREAN_BOOKINGS_PER_ADDRESS, as make run has it
SIGNIN_FAILURE_LIMIT = 5  # the default of ANTREAN_SIGNIN_FAILURE_LIMIT
CHECKIN_ATTEMPTS = 5  # wrong NIK endings that lock a booking code for the day
WRONG_CHECKINS = 300
# Server settings the probe leaves at their defaults, as `make run` does: none of these may
# come in from the caller's environment.
DROPPED_ENV = (
    "ANTREAN_",
    "ALLOWED_HOSTS",
    "BEHIND_TLS_PROXY",
    "CONN_MAX_AGE",
    "CSRF_TRUSTED_ORIGINS",
    "DATA_UPLOAD_",
    "DATABASE_URL",
    "DB_POOL",
    "DEBUG",
    "DJANGO_SETTINGS_MODULE",
    "HOST",
    "LOG_LEVEL",
    "OTP_",
    "PORT",
    "REDIS_URL",
    "SECRET_KEY",
    "SECURE_",
    "SITE_URL",
    "TASKS_BACKEND",
    "WHATSAPP_",
)
STEPS = {
    "1": "Check-in brute force",
    "2": "Forged X-Forwarded-For",
    "3": "Cross-office inbox and console",
    "4": "Personal data in the access log",
    "5": "Server errors (500)",
    "6": "Worker kill -9",
    "7": "Headers and error pages",
    "8": "Admin scoped by role",
}
STEP_NAMES = {"checkin": "1", "forwarded": "2", "cross-office": "3", "log": "4", "errors": "5"}
STEP_NAMES |= {"worker": "6", "headers": "7", "admin": "8"}


# --- results ---------------------------------------------------------------------------------


@dataclass
class Row:
    step: str  # "1.2"
    what: str  # what the probe does
    before: str  # what the original probe saw (issue 11)
    now: str  # what the server answers now
    ok: bool


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)

    def add(self, step: str, what: str, before: str, now: str, ok: bool) -> bool:
        self.rows.append(Row(step, what, before, now, bool(ok)))
        print(f"  {'PASS' if ok else 'FAIL'} {step} {what}: {now}", flush=True)
        return bool(ok)

    @property
    def failed(self) -> list[Row]:
        return [row for row in self.rows if not row.ok]

    def markdown(self) -> str:
        def cell(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        def key(row: Row):
            return [int(part) for part in row.step.split(".")]

        lines = [
            "| step | what the probe does | original probe (issue 11) | now | result |",
            "| --- | --- | --- | --- | --- |",
        ]
        for row in sorted(self.rows, key=key):
            result = "PASS" if row.ok else "**FAIL**"
            lines.append(
                f"| {row.step} | {cell(row.what)} | {cell(row.before)} | {cell(row.now)} | "
                f"{result} |"
            )
        return "\n".join(lines)


def error_code(response: httpx.Response) -> str:
    """The coded answer: the API's `error`, or a page's `data-error` (the site's error pages)."""
    kind = response.headers.get("content-type", "")
    if "json" in kind:
        with contextlib.suppress(ValueError):
            data = response.json()
            if isinstance(data, dict):
                return str(data.get("error") or "")
        return ""
    if "html" in kind:
        found = re.search(r'data-error="([a-z_]+)"', response.text)
        return found.group(1) if found else ""
    return ""


def answer(response: httpx.Response) -> str:
    if response.is_redirect:
        return f"{response.status_code} → `{response.headers.get('location', '')}`"
    return f"{response.status_code} {error_code(response)}".strip()


def tally(answers: Iterable[str]) -> str:
    """Runs of equal answers: `5×422 checkin_refused, 295×429 too_many_attempts`."""
    runs: list[list] = []
    for item in answers:
        if runs and runs[-1][0] == item:
            runs[-1][1] += 1
        else:
            runs.append([item, 1])
    return ", ".join(f"{n}×{item}" if n > 1 else item for item, n in runs)


def still(status: str) -> str:
    """How a ticket that an attack must not have changed ended up."""
    return "ticket still `booked`" if status == "booked" else f"ticket NOW `{status}`"


def wait_until(condition: Callable, *, limit: float, every: float = 0.1):
    deadline = time.monotonic() + limit
    while True:
        result = condition()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(every)


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def b64_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def server_env(*, database_url: str, var_dir: Path, env_file: Path, app_secret: str) -> dict:
    """What `make run` gives `manage.py serve`, with keys made for this run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(DROPPED_ENV)}
    env.update(
        ANTREAN_ENV_FILE=str(env_file),  # an empty file: nothing from the repository's .env
        ANTREAN_VAR_DIR=str(var_dir),
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(48),
        ANTREAN_DATA_KEYS=b64_key(),
        ANTREAN_HASH_KEY=b64_key(),
        WHATSAPP_APP_SECRET=app_secret,
        PYTHONUNBUFFERED="1",
    )
    return env


class Server:
    """`manage.py serve` in a subprocess; its whole stdout and stderr (and its worker's) in
    one file."""

    def __init__(self, *, env: dict, log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._out = log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
            [sys.executable, str(MANAGE), "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def answers(self) -> bool:
        if self.process.poll() is not None:
            raise SystemExit(f"manage.py serve exited:\n{self.output()[-4000:]}")
        try:
            return httpx.get(self.base + "/", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def wait_ready(self, limit: float = 180.0) -> None:
        if not wait_until(self.answers, limit=limit, every=0.2):
            raise SystemExit(f"manage.py serve did not answer:\n{self.output()[-4000:]}")

    def children(self) -> list[int]:
        """The live child processes of the server (Linux: each thread's children file)."""
        found = []
        task_dir = Path(f"/proc/{self.process.pid}/task")
        for task in task_dir.iterdir() if task_dir.exists() else []:
            with contextlib.suppress(FileNotFoundError):
                found += [int(child) for child in (task / "children").read_text().split()]
        return [pid for pid in found if running(pid)]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._out.close()


def running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def cmdline(pid: int) -> list[str]:
    with contextlib.suppress(FileNotFoundError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    return []


# --- PostgreSQL: a database of the probe's own ---------------------------------------------


def postgres_prepare(url: str) -> bool:
    """Create the database when missing (True: the probe made it and drops it at the end);
    refuse one that holds tables, since the probe changes what it finds."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit("--database needs a database name: postgres://…/<name>")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()[0]
    if tables:
        raise SystemExit(
            f"The database {name} holds {tables} tables: the probe changes what it finds, so it "
            "needs an empty database (or a name that does not exist yet, which it creates)."
        )
    return False


def postgres_drop(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


# --- preparation in the database, through Django --------------------------------------------


@dataclass
class Account:
    username: str
    password: str
    user_id: int
    device_id: int | None = None  # a confirmed TOTP device


@dataclass
class Booking:
    code: str
    nik: str
    token: str
    ticket_id: int

    @property
    def last4(self) -> str:
        return self.nik[-4:]

    def wrong(self, n: int) -> str:
        """The n-th wrong NIK ending (never the right one)."""
        value = f"{n % 10000:04d}"
        return value if value != self.last4 else f"{(n + 5000) % 10000:04d}"


@dataclass
class Fixtures:
    accounts: dict[str, Account]
    bookings: dict[str, Booking]
    kiosk_token: str
    counter_s: int  # a counter of Sidoarjo's Disdukcapil
    counter_b: int  # a counter of Badung's Disdukcapil
    slot_book: int  # a Badung slot days ahead, for bookings over HTTP
    service_b: int
    service_name_b: str
    service_name_s: str
    message_b: int  # a message of a Badung booking, with a certificate


class Identities:
    """Well-formed NIKs (Badung, born 1 Jan 1990) and mobile numbers, each used once."""

    def __init__(self):
        self.n = 6000 + secrets.randbelow(2000)
        self.niks: list[str] = []
        self.phones: list[str] = []

    def nik(self) -> str:
        self.n += 1
        value = f"510301010190{self.n % 10000:04d}"
        self.niks.append(value)
        return value

    def phone(self) -> str:
        value = f"0812{secrets.randbelow(10**8):08d}"
        self.phones.append(value)
        return value


def django_setup(env: dict) -> None:
    for name in ("ANTREAN_ENV_FILE", "ANTREAN_VAR_DIR", "DATABASE_URL", "DEBUG", "SECRET_KEY"):
        os.environ[name] = env[name]
    for name in ("ANTREAN_DATA_KEYS", "ANTREAN_HASH_KEY", "WHATSAPP_APP_SECRET"):
        os.environ[name] = env[name]
    os.environ["DJANGO_SETTINGS_MODULE"] = "antrean.settings"
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _slot_at(service, starts_at: dt.datetime, *, minutes: int = 30, capacity: int = 20):
    """A slot of `service` starting at `starts_at` (to the minute), within one local day."""
    from antrean.testing.factories import make_slot

    office = service.office
    starts_at = starts_at.replace(second=0, microsecond=0)
    start = starts_at.astimezone(office.zone)
    end = (starts_at + dt.timedelta(minutes=minutes)).astimezone(office.zone)
    if end.date() != start.date():  # across local midnight: just after it instead
        start = dt.datetime.combine(end.date(), dt.time(0, 1), tzinfo=office.zone)
        end = start + dt.timedelta(minutes=minutes)
    return make_slot(
        service, date=start.date(), start=start.time(), end=end.time(), capacity=capacity
    )


def prepare(ids: Identities) -> Fixtures:
    """Everything the attacks need, made directly in the database."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from antrean.accounts.services import totp_device_provision
    from antrean.booking.services import booking_create
    from antrean.catalog.models import Counter
    from antrean.display.kiosk import kiosk_register
    from antrean.integrity.services import ClientInfo
    from antrean.notifications.models import Message
    from antrean.tenancy.models import Agency, Closure, Membership, Office, OpeningHours
    from antrean.testing.factories import booking_request, make_service

    now = timezone.now()
    User = get_user_model()
    offices = {code: Office.objects.get(code=code) for code in (B, S)}
    with transaction.atomic():
        for office in offices.values():
            # Open all day, every day, with no closure near and no same-day cutoff: nothing
            # below depends on the hour or the day the probe runs.
            OpeningHours.objects.filter(office=office).delete()
            OpeningHours.objects.bulk_create(
                OpeningHours(office=office, weekday=d, opens=dt.time(0), closes=dt.time(23, 59))
                for d in range(7)
            )
            today = office.local_today(now)
            Closure.objects.filter(
                office=office,
                date__gte=today - dt.timedelta(days=1),
                date__lte=today + dt.timedelta(days=7),
            ).delete()
            office.daily_cutoff = None
            office.checkin_before_minutes = 120
            office.save(update_fields=["daily_cutoff", "checkin_before_minutes"])
    dukcapil_b = Agency.objects.get(office=offices[B], code="disdukcapil")
    dukcapil_s = Agency.objects.get(office=offices[S], code__startswith="disdukcapil")
    other_s = Agency.objects.filter(office=offices[S]).exclude(pk=dukcapil_s.pk).first()
    service_b = make_service(
        agency=dukcapil_b, code="probe-badung", prefix="PB", name="Layanan Probe Badung"
    )
    service_s = make_service(
        agency=dukcapil_s, code="probe-sidoarjo", prefix="PS", name="Layanan Probe Sidoarjo"
    )
    service_s_other = make_service(
        agency=other_s, code="probe-sidoarjo-lain", prefix="PT", name="Layanan Probe Sidoarjo Lain"
    )
    soon = now + dt.timedelta(minutes=10)  # check-in is open now (from 120 minutes before)
    later = now + dt.timedelta(days=2)  # check-in opens in two days
    slot_now_b = _slot_at(service_b, soon)
    slot_later_b = _slot_at(service_b, later)
    slot_now_s = _slot_at(service_s, soon)
    slot_now_s_other = _slot_at(service_s_other, soon)
    slot_book = _slot_at(service_b, now + dt.timedelta(days=3, hours=1), capacity=200)

    def book(slot, *, consent: bool = False) -> Booking:
        nik = ids.nik()
        result = booking_create(
            request=booking_request(slot, nik=nik, whatsapp=ids.phone(), whatsapp_consent=consent),
            client=ClientInfo(channel="web", ip="198.51.100.7", user_agent="security-probe"),
            now=timezone.now(),
        )
        return Booking(result.ticket.code, nik, result.token, result.ticket.pk)

    bookings = {
        "brute": book(slot_now_b),
        "later": book(slot_later_b),
        "kiosk": book(slot_now_b),
        "foreign": book(slot_now_b),
        "control_api": book(slot_now_b),
        "console_cross_office": book(slot_now_b),
        "console_other_agency": book(slot_now_s_other),
        "console_control": book(slot_now_s),
        "kiosk_foreign": book(slot_now_s),
        "message_b": book(slot_later_b, consent=True),
    }
    message = Message.objects.filter(ticket_id=bookings["message_b"].ticket_id).first()

    def account(username: str, role: str, office: Office, agency, *, otp: bool = False):
        password = secrets.token_urlsafe(16)
        user = User.objects.create_user(username=username, password=password, is_staff=True)
        Membership.objects.create(
            user=user,
            role=role,
            office=office,
            agency=None if role == Membership.Role.OFFICE_ADMIN else agency,
        )
        device = totp_device_provision(user=user) if otp else None
        return Account(username, password, user.pk, device.pk if device else None)

    officer, office_admin = Membership.Role.OFFICER, Membership.Role.OFFICE_ADMIN
    accounts = {
        "officer_b": account("probe-petugas-badung", officer, offices[B], dukcapil_b),
        "officer_s": account("probe-petugas-sidoarjo", officer, offices[S], dukcapil_s),
        "admin_b": account("probe-admin-badung", office_admin, offices[B], None, otp=True),
        "admin_s": account("probe-admin-sidoarjo", office_admin, offices[S], None, otp=True),
        "admin_replay": account("probe-admin-badung-2", office_admin, offices[B], None, otp=True),
        "lock_api": account("probe-kunci-api", officer, offices[B], dukcapil_b),
        "lock_page": account("probe-kunci-halaman", officer, offices[B], dukcapil_b),
    }
    _kiosk, kiosk_token = kiosk_register(office=offices[B], name="Kios probe")
    counter_s = Counter.objects.filter(agency=dukcapil_s).order_by("number").first()
    counter_b = Counter.objects.filter(agency=dukcapil_b).order_by("number").first()
    return Fixtures(
        accounts=accounts,
        bookings=bookings,
        kiosk_token=kiosk_token,
        counter_s=counter_s.pk,
        counter_b=counter_b.pk,
        slot_book=slot_book.pk,
        service_b=service_b.pk,
        service_name_b=service_b.name,
        service_name_s=service_s.name,
        message_b=message.pk if message else 0,
    )


def ticket_state(ticket_id: int) -> tuple[str, int]:
    """A ticket's status and how many events it has."""
    from antrean.queueing.models import Ticket, TicketEvent

    ticket = Ticket.objects.get(pk=ticket_id)
    return ticket.status, TicketEvent.objects.filter(ticket_id=ticket_id).count()


def totp_code(device_id: int, *, step_offset: int = 0) -> str:
    """The device's current code (or the one `step_offset` steps away), as the account's
    authenticator app would show it."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(pk=device_id)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + step_offset * device.step
    return f"{totp.token():0{device.digits}d}"


def checkin_failures(ticket_id: int) -> int:
    """Wrong NIK endings counted for a booking (its day's record)."""
    from antrean.queueing.models import CheckInAttempts

    return sum(
        CheckInAttempts.objects.filter(ticket_id=ticket_id).values_list("failures", flat=True)
    )


def signin_addresses(username: str) -> set[str]:
    """The addresses the sign-in lock and django-axes recorded failures of `username` from."""
    from axes.models import AccessAttempt

    from antrean.accounts.models import SignInLock

    locks = SignInLock.objects.filter(username=username).values_list("ip_address", flat=True)
    attempts = AccessAttempt.objects.filter(username=username).values_list("ip_address", flat=True)
    return set(locks) | set(attempts)


def certificate_ready(ticket_id: int) -> bool:
    from antrean.integrity.models import Certificate

    certificate = Certificate.objects.filter(signature__ticket_id=ticket_id).first()
    return bool(certificate and certificate.is_ready)


# --- the attacker's HTTP side ----------------------------------------------------------------


class Probe:
    def __init__(self, server: Server, fx: Fixtures, ids: Identities, report: Report):
        self.server = server
        self.fx = fx
        self.ids = ids
        self.report = report
        self.http = self.client()
        self.booking_tokens: list[str] = []
        self.booking_attempts = 0  # bookings sent over HTTP that reached the service
        self._pact: dict | None = None
        self._token_cache: dict[str, str] = {}
        self.sessions: dict[str, httpx.Client] = {}

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.server.base, timeout=60, follow_redirects=False)

    def add(self, *args) -> bool:
        return self.report.add(*args)

    # helpers

    @staticmethod
    def csrf(client: httpx.Client) -> str:
        for cookie in client.cookies.jar:
            if cookie.name == "csrftoken":
                return cookie.value
        return ""

    def api_token(self, key: str) -> str:
        if key not in self._token_cache:
            account = self.fx.accounts[key]
            response = self.http.post(
                "/api/v1/auth/token",
                json={"username": account.username, "password": account.password},
            )
            if response.status_code != 200:
                raise SystemExit(f"no API token for {account.username}: {answer(response)}")
            self._token_cache[key] = response.json()["token"]
        return self._token_cache[key]

    def checkin(self, *, code: str, last4: str, token: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http.post(
            "/api/v1/checkin", json={"code": code, "nik_last4": last4}, headers=headers
        )

    def page_login(
        self,
        client: httpx.Client,
        account: Account,
        *,
        password: str | None = None,
        forwarded: str | None = None,
        second_step: bool = True,
        code: str | None = None,
    ) -> httpx.Response:
        """Sign in at the staff page as a browser does: the form (its CSRF cookie), the
        password, then the code page when the account has an authenticator."""
        path = "/staf/masuk/"
        client.get(path)
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        response = client.post(
            path,
            data={
                "csrfmiddlewaretoken": self.csrf(client),
                "username": account.username,
                "password": account.password if password is None else password,
            },
            headers=headers,
        )
        location = response.headers.get("location", "")
        if response.status_code == 302 and "/staf/masuk/kode/" in location and second_step:
            client.get("/staf/masuk/kode/")
            response = client.post(
                "/staf/masuk/kode/",
                data={
                    "csrfmiddlewaretoken": self.csrf(client),
                    "code": code or totp_code(account.device_id),
                },
            )
        return response

    def session(self, key: str) -> httpx.Client:
        """A browser signed in as the account (second step included)."""
        if key not in self.sessions:
            client = self.client()
            response = self.page_login(client, self.fx.accounts[key])
            if response.status_code != 302 or "/staf/masuk/" in response.headers.get(
                "location", ""
            ):
                raise SystemExit(f"cannot sign {key} in: {answer(response)}")
            self.sessions[key] = client
        return self.sessions[key]

    def officer_pact_sign(self, browser: httpx.Client, counter_id: int) -> httpx.Response:
        """The officer pact of the day, read and ticked on its page as an officer does."""
        page = browser.get(f"/loket/{counter_id}/pakta/")
        hidden = dict(
            re.findall(r'<input type="hidden" name="(pact_[a-z0-9]+)" value="([^"]*)"', page.text)
        )
        return browser.post(
            f"/loket/{counter_id}/pakta/",
            data={"csrfmiddlewaretoken": self.csrf(browser), "pact_agreed": "on", **hidden},
        )

    def pact(self) -> dict:
        if self._pact is None:
            self._pact = self.http.get(f"/api/v1/offices/{B}/pact").json()
        return self._pact

    def book(self, *, forwarded: str | None = None, name: str = "Ni Made Ayu Lestari"):
        pact = self.pact()
        payload = {
            "slot_id": self.fx.slot_book,
            "name": name,
            "nik": self.ids.nik(),
            "whatsapp": self.ids.phone(),
            "pact_version": pact["version"],
            "pact_sha256": pact["sha256"],
            "pact_agreed": True,
            "whatsapp_consent": False,
        }
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        response = self.http.post("/api/v1/bookings", json=payload, headers=headers)
        if error_code(response) not in ("invalid_request", "malformed_json"):
            self.booking_attempts += 1
        if response.status_code == 201:
            self.booking_tokens.append(response.json()["token"])
        return response

    def webhook(self, body: bytes, *, signed: bool = True) -> httpx.Response:
        secret = os.environ["WHATSAPP_APP_SECRET"].encode()
        digest = hmac.new(secret, body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json"}
        if signed:
            headers["X-Hub-Signature-256"] = f"sha256={digest}"
        return self.http.post("/webhooks/whatsapp", content=body, headers=headers)

    # 1. check-in -------------------------------------------------------------------------------

    def step_checkin(self) -> None:
        fx, bk = self.fx, self.fx.bookings
        brute = bk["brute"]
        response = self.checkin(code=brute.code, last4=brute.last4, token=None)
        self.add(
            "1.1",
            "`POST /api/v1/checkin`, right code and digits, no token",
            "no authentication: checked in",
            answer(response),
            answer(response) == "401 bad_credentials",
        )

        token_b = self.api_token("officer_b")
        answers = [
            answer(self.checkin(code=brute.code, last4=brute.wrong(n), token=token_b))
            for n in range(WRONG_CHECKINS)
        ]
        expected = ["422 checkin_refused"] * CHECKIN_ATTEMPTS + ["429 too_many_attempts"] * (
            WRONG_CHECKINS - CHECKIN_ATTEMPTS
        )
        self.add(
            "1.2",
            f"{WRONG_CHECKINS} wrong `nik_last4` with an officer's token of the office",
            "no attempt limit",
            tally(answers),
            answers == expected,
        )
        right = self.checkin(code=brute.code, last4=brute.last4, token=token_b)
        status, _events = ticket_state(brute.ticket_id)
        self.add(
            "1.3",
            "then the right `nik_last4`",
            "checked in after 300 wrong tries",
            f"{answer(right)}; {still(status)}",
            answer(right) == "429 too_many_attempts" and status == "booked",
        )

        later = bk["later"]
        right = self.checkin(code=later.code, last4=later.last4, token=token_b)
        wrong = self.checkin(code=later.code, last4=later.wrong(1), token=token_b)
        counted = checkin_failures(later.ticket_id)
        self.add(
            "1.4",
            "before the check-in window opens: right and wrong digits",
            "`checkin_too_early` only for the right digits (an oracle)",
            f"right: {answer(right)}; wrong: {answer(wrong)}; bodies "
            + ("byte-identical" if right.content == wrong.content else "differ")
            + f"; wrong endings counted: {counted}",
            right.status_code == 422
            and error_code(right) == "checkin_too_early"
            and right.content == wrong.content
            and counted == 0,
        )

        kiosk = bk["kiosk"]
        browser = self.client()
        enrol = browser.get(f"/kiosk/{B}/?device={fx.kiosk_token}")
        browser.get(f"/kiosk/{B}/check-in/")
        page_answers = []
        for n in range(CHECKIN_ATTEMPTS + 1):
            response = browser.post(
                f"/kiosk/{B}/check-in/",
                data={
                    "csrfmiddlewaretoken": self.csrf(browser),
                    "code": kiosk.code,
                    "nik_last4": kiosk.wrong(n),
                },
            )
            page_answers.append(str(response.status_code))
        over_api = self.checkin(code=kiosk.code, last4=kiosk.last4, token=token_b)
        status, _events = ticket_state(kiosk.ticket_id)
        self.add(
            "1.5",
            f"{CHECKIN_ATTEMPTS + 1} wrong digits at the kiosk page "
            f"(`/kiosk/{B}/check-in/`, kiosk cookie), then the right ones over the API",
            "the kiosk's lock (429) did not hold: checked in through the API",
            f"kiosk enrol {enrol.status_code}, page {tally(page_answers)}; API "
            f"{answer(over_api)}; {still(status)}",
            enrol.status_code == 302
            and page_answers == ["422"] * CHECKIN_ATTEMPTS + ["429"]
            and answer(over_api) == "429 too_many_attempts"
            and status == "booked",
        )

        foreign = bk["foreign"]
        response = self.checkin(
            code=foreign.code, last4=foreign.last4, token=self.api_token("officer_s")
        )
        status, _events = ticket_state(foreign.ticket_id)
        self.add(
            "1.6",
            f"an officer of {S} checks in a {B} booking (right digits)",
            "no office check: checked in",
            f"{answer(response)}; {still(status)}",
            answer(response) == "403 forbidden" and status == "booked",
        )

        foreign = bk["kiosk_foreign"]
        response = self.checkin(code=foreign.code, last4=foreign.last4, token=fx.kiosk_token)
        status, _events = ticket_state(foreign.ticket_id)
        self.add(
            "1.8",
            f"the {B} kiosk's token as Bearer: a {S} booking (right digits)",
            "(not in the original probe)",
            f"{answer(response)} (as for an unknown code); {still(status)}",
            answer(response) == "422 checkin_refused" and status == "booked",
        )

        control = bk["control_api"]
        response = self.checkin(code=control.code, last4=control.last4, token=token_b)
        status, _events = ticket_state(control.ticket_id)
        self.add(
            "1.7",
            "control: an officer of the office, right digits, window open",
            "checked in",
            f"{response.status_code} `{status}`",
            response.status_code == 200 and status == "waiting",
        )

    # 2. forged X-Forwarded-For -----------------------------------------------------------------

    @staticmethod
    def forged(n: int) -> str:
        return f"203.0.113.{n % 250 + 1}"

    def step_forwarded(self) -> None:
        account = self.fx.accounts["lock_api"]
        answers = []
        for n in range(20):
            response = self.http.post(
                "/api/v1/auth/token",
                json={"username": account.username, "password": f"salah-{n}"},
                headers={"X-Forwarded-For": self.forged(n)},
            )
            answers.append(answer(response))
        # The wrong password that reaches the limit already answers with the lock.
        refused = SIGNIN_FAILURE_LIMIT - 1
        expected = ["401 bad_credentials"] * refused + ["429 too_many_attempts"] * (20 - refused)
        recorded = signin_addresses(account.username)
        self.add(
            "2.1",
            "20 wrong passwords at `POST /api/v1/auth/token`, a new forged `X-Forwarded-For` "
            f"each (ANTREAN_SIGNIN_FAILURE_LIMIT = {SIGNIN_FAILURE_LIMIT}); the addresses the "
            "lock and django-axes recorded (read from the database)",
            "never locked",
            f"{tally(answers)}; recorded from {', '.join(sorted(recorded))}",
            answers == expected and recorded == {"127.0.0.1"},
        )
        response = self.http.post(
            "/api/v1/auth/token",
            json={"username": account.username, "password": account.password},
            headers={"X-Forwarded-For": self.forged(99)},
        )
        self.add(
            "2.2",
            "then the right password from a new forged address",
            "logged in",
            answer(response),
            answer(response) == "429 too_many_attempts",
        )

        account = self.fx.accounts["lock_page"]
        browser = self.client()
        answers = []
        for n in range(20):
            response = self.page_login(
                browser, account, password=f"salah-{n}", forwarded=self.forged(100 + n)
            )
            answers.append(answer(response))
        expected = ["200"] * refused + ["429 too_many_attempts"] * (20 - refused)
        self.add(
            "2.3",
            "20 wrong passwords at the `/staf/masuk/` page, a new forged address each",
            "never locked",
            tally(answers) + " (200: the form again, with its error)",
            answers == expected,
        )
        response = self.page_login(browser, account, forwarded=self.forged(200))
        self.add(
            "2.4",
            "then the right password from a new forged address",
            "logged in",
            answer(response),
            answer(response) == "429 too_many_attempts",
        )

        before = self.booking_attempts
        answers = []
        first_code = None
        for n in range(BOOKINGS_PER_ADDRESS + 5):
            response = self.book(forwarded=self.forged(300 + n))
            answers.append(answer(response))
            if response.status_code == 201 and first_code is None:
                first_code = response.json()["code"]
        accepted = answers.count("201")
        first_refusal = answers.index("429 rate_limited") if "429 rate_limited" in answers else -1
        self.add(
            "2.5",
            f"{BOOKINGS_PER_ADDRESS + 5} bookings, a new forged address each "
            f"(ANTREAN_BOOKINGS_PER_ADDRESS = {BOOKINGS_PER_ADDRESS}; {before} booked over "
            "HTTP earlier in this run)",
            "25 extra bookings accepted",
            tally(answers),
            first_refusal >= 0
            and accepted + before == BOOKINGS_PER_ADDRESS
            and all(a == "429 rate_limited" for a in answers[first_refusal:]),
        )

        answers = []
        for n in range(25):
            response = self.http.post(
                f"/api/v1/bookings/{secrets.token_hex(4).upper()}/my-data",
                json={"nik": self.ids.nik()},
                headers={"X-Forwarded-For": self.forged(400 + n)},
            )
            answers.append(answer(response))
        self.add(
            "2.7",
            "25 “Data saya” requests (`POST /api/v1/bookings/<code>/my-data`, a guessed code "
            "and NIK), a new forged address each (ANTREAN_DATA_ACCESS_PER_ADDRESS = 20)",
            "(not in the original probe)",
            tally(answers),
            answers == ["404 not_found"] * 20 + ["429 rate_limited"] * 5,
        )

        from antrean.integrity.models import PactSignature

        ip = (
            PactSignature.objects.filter(ticket__code=first_code)
            .values_list("client_ip", flat=True)
            .first()
            if first_code
            else None
        )
        self.add(
            "2.6",
            "the address on the pact signature of a booking sent with "
            f"`X-Forwarded-For: {self.forged(300)}` (read from the database)",
            "the forged address",
            str(ip),
            ip == "127.0.0.1",
        )

    # 3. cross-office -------------------------------------------------------------------------

    def step_cross_office(self) -> None:
        fx, bk = self.fx, self.fx.bookings
        inbox = f"/staf/kotak-pesan/?kantor={B}"
        pdf = f"/staf/kotak-pesan/{fx.message_b}/piagam.pdf"
        for n, (key, who) in enumerate(
            [("officer_s", "officer"), ("admin_s", "office admin (password + TOTP)")]
        ):
            browser = self.session(key)
            listing = browser.get(inbox)
            download = browser.get(pdf)
            self.add(
                f"3.{n * 2 + 1}",
                f"{who} of {S}: `{inbox}`",
                "every office's messages",
                answer(listing),
                answer(listing) == "403 forbidden",
            )
            self.add(
                f"3.{n * 2 + 2}",
                f"{who} of {S}: the certificate PDF of a {B} message",
                "downloaded (a full name)",
                answer(download),
                answer(download) == "404 not_found",
            )
        wait_until(lambda: certificate_ready(fx.bookings["message_b"].ticket_id), limit=60)
        browser = self.session("admin_b")
        listing = browser.get(inbox)
        download = browser.get(pdf)
        self.add(
            "3.5",
            f"control: the office admin of {B}, the same two",
            "-",
            f"{listing.status_code}; {download.status_code} "
            f"{download.headers.get('content-type', '')}",
            listing.status_code == 200
            and download.status_code == 200
            and download.headers.get("content-type") == "application/pdf",
        )

        browser = self.session("officer_s")
        signed = self.officer_pact_sign(browser, fx.counter_s)
        if not signed.is_redirect or "pakta" in signed.headers.get("location", ""):
            raise SystemExit(f"the officer pact could not be signed: {answer(signed)}")
        url = f"/loket/{fx.counter_s}/check-in/"
        cases = [
            (
                "3.6",
                bk["console_cross_office"],
                f"a {B} booking",
                "checked in; the event recorded the wrong counter",
                403,
            ),
            (
                "3.7",
                bk["console_other_agency"],
                "another agency's booking of the same office",
                "checked in",
                403,
            ),
            ("3.8", bk["console_control"], "control: its own agency's booking", "-", 302),
        ]
        for step, booking, what, before, expected in cases:
            state = ticket_state(booking.ticket_id)
            response = browser.post(
                url,
                data={  # the console's check-in form has the prefix "checkin"
                    "csrfmiddlewaretoken": self.csrf(browser),
                    "checkin-code": booking.code,
                    "checkin-nik_last4": booking.last4,
                },
            )
            after = ticket_state(booking.ticket_id)
            unchanged = after == state
            said = "layanan kantor atau instansi lain" in response.text
            shown = " forbidden (the console says “…untuk layanan kantor atau instansi lain…”)"
            now = f"{answer(response)}{shown if said else ''}; ticket " + (
                f"unchanged (`{after[0]}`)" if unchanged else f"`{state[0]}` → `{after[0]}`"
            )
            ok = response.status_code == expected and (
                unchanged and said if expected == 403 else after[0] == "waiting"
            )
            self.add(
                step, f"console check-in at a {S} Disdukcapil counter: {what}", before, now, ok
            )

        browser = self.session("officer_s")
        listing = browser.get("/staf/kotak-pesan/")
        console = browser.get(f"/loket/{fx.counter_b}/")
        leaked = re.search("badung", listing.text, re.IGNORECASE) or pdf in listing.text
        self.add(
            "3.10",
            f"officer of {S}: the whole inbox (`/staf/kotak-pesan/`), and the console page of a "
            f"{B} counter (`/loket/<id>/`)",
            "every office's messages",
            f"inbox {answer(listing)}, "
            + ("a Badung message LISTED" if leaked else f"no {B} message")
            + f"; console {answer(console)}",
            listing.status_code == 200 and not leaked and answer(console) == "403 forbidden",
        )

        token_s = self.api_token("officer_s")
        bearer = {"Authorization": f"Bearer {token_s}"}
        pact = self.pact()
        walk_in = self.http.post(
            f"/api/v1/offices/{B}/tickets",
            json={
                "service_id": fx.service_b,
                "name": "I Wayan Sudarma",
                "pact_version": pact["version"],
                "pact_sha256": pact["sha256"],
                "pact_agreed": True,
            },
            headers=bearer,
        )
        state = self.http.get(f"/api/v1/counters/{fx.counter_b}/state", headers=bearer)
        call = self.http.post(f"/api/v1/counters/{fx.counter_b}/call-next", headers=bearer)
        answers = [answer(walk_in), answer(state), answer(call)]
        self.add(
            "3.9",
            f"officer of {S}, API token: a walk-in for a {B} service, the state and call-next "
            f"of a {B} counter",
            "(not in the original probe)",
            "; ".join(answers),
            answers == ["403 forbidden"] * 3,
        )

    # 4. the access log -----------------------------------------------------------------------

    def step_log_requests(self) -> dict:
        """The requests whose URLs (or Host) carry personal data and tokens; checked against
        the server's output at the end of the run."""
        nik, phone = self.ids.nik(), self.ids.phone()
        booking = self.fx.bookings["later"]
        fake_device = secrets.token_urlsafe(24)
        self.http.get(f"/antrean/{nik}/")
        self.http.get(f"/?wa={phone}")
        self.http.get(f"/antrean/{booking.code}/?t={booking.token}")
        self.http.get(f"/kiosk/{B}/?device={fake_device}")
        self.http.get("/", headers={"Host": f"{nik}.example"})
        self.http.get("/probe-selesai/")
        return {"nik": nik, "phone": phone, "booking": booking, "device": fake_device}

    def step_log_check(self, sent: dict) -> None:
        text = (
            wait_until(
                lambda: (
                    (out := self.server.output())
                    and '"GET /probe-selesai/ HTTP/1.1" 404' in out
                    and out
                ),
                limit=20,
            )
            or self.server.output()
        )
        nik, phone, booking = sent["nik"], sent["phone"], sent["booking"]
        secrets_ = {
            "NIKs": [*self.ids.niks],
            "phone numbers": [p for p in self.ids.phones] + [p[1:] for p in self.ids.phones],
            "booking tokens": [b.token for b in self.fx.bookings.values()] + self.booking_tokens,
            "kiosk tokens": [self.fx.kiosk_token, sent["device"]],
            "staff passwords": [a.password for a in self.fx.accounts.values()],
        }
        found = {kind: [v for v in values if v in text] for kind, values in secrets_.items()}
        leaked = {kind: values for kind, values in found.items() if values}
        self.add(
            "4.1",
            "URLs with a full NIK (`/antrean/<NIK>/`), a phone (`?wa=`), a booking token "
            "(`?t=`), kiosk tokens (`?device=`), and `Host: <NIK>.example`; every NIK, phone, "
            "token and password of the run searched in the server's whole output",
            "NIKs, phones, `?t=` and `?device=` tokens in clear",
            "none in clear"
            if not leaked
            else "IN CLEAR: " + "; ".join(f"{k} ×{len(v)}" for k, v in leaked.items()),
            not leaked,
        )
        masked_nik = f"{nik[:4]}{'*' * 8}{nik[-4:]}"
        lines = {
            "NIK path": f'"GET /antrean/{masked_nik}/ HTTP/1.1" 403',
            "phone": f'"GET /?wa={phone[:4]}****{phone[-3:]} HTTP/1.1" 200',
            "?t=": f'"GET /antrean/{booking.code}/?t=*** HTTP/1.1"',
            "?device=": f'"GET /kiosk/{B}/?device=*** HTTP/1.1" 403',
            "traceback": f"DisallowedHost: Invalid HTTP_HOST header: '{masked_nik}.example'",
        }
        missing = [name for name, line in lines.items() if line not in text]
        self.add(
            "4.2",
            "the access lines of those requests, masked, and the `DisallowedHost` traceback",
            "the same lines with the values in clear",
            "all present, masked (e.g. `" + lines["NIK path"] + "`)"
            if not missing
            else "missing: " + ", ".join(missing),
            not missing,
        )

    # 5. server errors ------------------------------------------------------------------------

    def step_errors(self) -> None:
        multipart = {"Content-Type": "multipart/form-data"}
        body = b'{"username": "a", "password": "b"}'
        token_b = self.api_token("officer_b")
        message = {"from": "6281200000000", "id": "wamid.probe-1", "timestamp": "1767225600"}
        status = {"id": "wamid.probe-2", "status": "delivered", "timestamp": "1767225600"}

        def changes(value: dict) -> bytes:
            return json.dumps({"entry": [{"changes": [{"value": value}]}]}).encode()

        browser = self.client()
        browser.get("/staf/masuk/")
        cases: list[tuple[str, str, Callable[[], httpx.Response], set[str]]] = [
            (
                "`POST /api/v1/auth/token`, `Content-Type: multipart/form-data`, a JSON body",
                "500",
                lambda: self.http.post("/api/v1/auth/token", content=body, headers=multipart),
                {"400 invalid_request"},
            ),
            (
                "`POST /api/v1/certificates/verify`, the same",
                "500",
                lambda: self.http.post(
                    "/api/v1/certificates/verify", content=body, headers=multipart
                ),
                {"400 invalid_request"},
            ),
            (
                'webhook, valid `X-Hub-Signature-256`, `{"entry": 5}`',
                "500 (TypeError)",
                lambda: self.webhook(b'{"entry": 5}'),
                {"422 invalid_request"},
            ),
            (
                "webhook, valid signature, an array nested 50,000 deep",
                "500 (RecursionError)",
                lambda: self.webhook(b"[" * 50_000 + b"]" * 50_000),
                {"400 malformed_json"},
            ),
            (
                "webhook, valid signature, a message text holding NUL",
                "500 on PostgreSQL",
                lambda: self.webhook(
                    changes({"messages": [message | {"type": "text", "text": {"body": "a\0"}}]})
                ),
                {"422 invalid_request"},
            ),
            (
                "webhook, valid signature, a status id holding NUL",
                "500 on PostgreSQL",
                lambda: self.webhook(changes({"statuses": [status | {"id": "wamid.\0"}]})),
                {"422 invalid_request"},
            ),
            (
                "control: webhook, valid signature, a status for an unknown message",
                "-",
                lambda: self.webhook(changes({"statuses": [status]})),
                {"200"},
            ),
            (
                "control: webhook without a signature",
                "-",
                lambda: self.webhook(changes({"statuses": [status]}), signed=False),
                {"403 forbidden"},
            ),
            (
                "`POST /api/v1/bookings`, a NUL in the name",
                "500 on PostgreSQL",
                lambda: self.book(name="Ni Made\0Ayu"),
                {"422 invalid_request"},
            ),
            (
                "`POST /api/v1/checkin`, a NUL in the code (officer's token)",
                "500 on PostgreSQL",
                lambda: self.checkin(code="AB\0CD", last4="0001", token=token_b),
                {"422 invalid_request"},
            ),
            (
                "`GET /api/v1/services/<id>/slots?date=%00`",
                "500 on PostgreSQL",
                lambda: self.http.get(f"/api/v1/services/{self.fx.service_b}/slots?date=%00"),
                {"400 invalid_request"},
            ),
            (
                "`GET /?kantor=%00` (a page)",
                "500 on PostgreSQL",
                lambda: self.http.get("/?kantor=%00"),
                {"400 bad_request"},
            ),
            (
                "`POST /staf/masuk/`, a NUL in the username (form field)",
                "500 on PostgreSQL",
                lambda: browser.post(
                    "/staf/masuk/",
                    data={
                        "csrfmiddlewaretoken": self.csrf(browser),
                        "username": "petugas\0",
                        "password": "x",
                    },
                ),
                {"400 bad_request"},
            ),
        ]
        for n, (what, before, send, expected) in enumerate(cases, start=1):
            response = send()
            self.add(f"5.{n}", what, before, answer(response), answer(response) in expected)

    def step_errors_log(self, first: int) -> None:
        text = self.server.output()
        server_errors = re.findall(r'" 5\d\d\b', text) + re.findall(r"Internal Server Error", text)
        self.add(
            f"5.{first}",
            "the server's whole output: any 5xx access line or `Internal Server Error`",
            "500s",
            f"{len(server_errors)} found",
            not server_errors,
        )

    # 6. the worker ---------------------------------------------------------------------------

    def step_worker(self, work_dir: Path) -> None:
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        from antrean.testing.tasks import hold_until_released

        started, release = work_dir / "hold-started", work_dir / "hold-release"
        result = hold_until_released.enqueue(started=str(started), release=str(release))

        def runs() -> list[int]:
            return [int(x) for x in started.read_text().split()] if started.exists() else []

        first = wait_until(lambda: runs(), limit=60)
        workers = self.server.children()
        killed = first[0] if first else 0
        if not first or killed not in workers:
            self.add(
                "6.1",
                "the worker child of `manage.py serve`",
                "-",
                f"no worker running the probe's task (children {workers})",
                False,
            )
            return
        os.kill(killed, signal.SIGKILL)
        killed_at = time.monotonic()
        wait_until(lambda: not running(killed), limit=10, every=0.01)
        left = DBTaskResult.objects.get(pk=result.id).status
        new = wait_until(lambda: [pid for pid in self.server.children() if pid != killed], limit=30)
        new_pid = new[0] if new else 0
        self.add(
            "6.1",
            "SIGKILL the worker child of `manage.py serve` (found in /proc) in the middle of a "
            "task",
            "`make run` went on without a worker",
            f"a new worker child (pid {new_pid}: `{' '.join(cmdline(new_pid)[-2:]).strip()}`)"
            if new
            else "no new worker",
            bool(new) and "worker" in cmdline(new_pid),
        )
        text = (
            wait_until(
                lambda: (out := self.server.output()) and f"started (pid {new_pid})" in out and out,
                limit=10,
            )
            or self.server.output()
        )
        said = re.search(
            rf"Background worker \(pid {killed}\) stopped after [^\n]*\(killed by SIGKILL\)"
            rf"[^\n]*",
            text,
        )
        self.add(
            "6.2",
            "the server's log",
            "nothing",
            f"`{said.group(0)}` and `Background worker started (pid {new_pid})`"
            if said
            else "no line about the killed worker",
            bool(said) and f"Background worker started (pid {new_pid})" in text,
        )
        rerun = wait_until(lambda: len(runs()) >= 2, limit=120, every=0.5)
        rerun_after = time.monotonic() - killed_at
        release.touch()
        done = wait_until(
            lambda: DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL,
            limit=30,
        )
        row = DBTaskResult.objects.get(pk=result.id)
        self.add(
            "6.3",
            "the task the killed worker was running (`antrean.testing.tasks.hold_until_released`, "
            "enqueued by the probe)",
            "stayed RUNNING for good",
            f"left {left} by the kill; "
            + (
                f"run again by pid {runs()[1]} {rerun_after:.0f} s after the kill, then "
                f"{row.status}"
                if rerun
                else f"not run again within 120 s: {row.status}"
            ),
            left == TaskResultStatus.RUNNING and bool(rerun) and bool(done) and runs()[1] != killed,
        )
        t0 = time.monotonic()
        response = self.book()
        code = response.json().get("code") if response.status_code == 201 else None
        token = response.json().get("token") if code else None

        def certificate():
            answer_ = self.http.get(
                f"/api/v1/bookings/{code}/certificate.pdf", headers={"X-Booking-Token": token}
            )
            return answer_ if answer_.status_code == 200 else None

        pdf = wait_until(certificate, limit=60, every=0.5) if code else None
        self.add(
            "6.4",
            "then a booking over HTTP, and its certificate download",
            "`certificate_pending` until a manual restart",
            f"booking {answer(response)}; certificate "
            + (
                f"200 {pdf.headers.get('content-type')} after {time.monotonic() - t0:.1f} s"
                if pdf
                else "not ready after 60 s"
            ),
            bool(pdf) and pdf.headers.get("content-type") == "application/pdf",
        )

    # 7. headers and error pages ---------------------------------------------------------------

    def step_headers(self) -> None:
        response = self.http.get("/")
        policy = response.headers.get("content-security-policy", "")
        directives = dict(
            (part.strip() + " ").split(" ", 1) for part in policy.split(";") if part.strip()
        )
        shown = "; ".join(
            f"{name} {directives.get(name, '(none)').strip()}"
            for name in ("default-src", "script-src", "style-src", "object-src")
        )
        self.add(
            "7.1",
            "`GET /`: Content-Security-Policy",
            "none",
            f"`{shown}`; no `'unsafe-inline'`"
            if policy and "unsafe-inline" not in policy
            else (f"`{policy}`" if policy else "none"),
            "unsafe-inline" not in policy
            and directives.get("script-src", "").strip() == "'self'"
            and directives.get("style-src", "").strip() == "'self'",
        )
        for step, url in (
            ("7.2", "/tidak-ada-halaman-ini/"),
            ("7.3", f"/kantor/{B}/layanan/1/2026-02-30/"),
        ):
            response = self.http.get(url)
            own = "Halaman tidak ditemukan" in response.text and 'lang="id"' in response.text
            self.add(
                step,
                f"`GET {url}`",
                "Django's bare English “Not Found”",
                f"{answer(response)}, " + ("the site's own Indonesian page" if own else "other"),
                response.status_code == 404 and own,
            )
        browser = self.client()
        browser.get("/staf/masuk/")
        fields = {f"isian{i}": "x" for i in range(250)}
        response = browser.post(
            "/i18n/setlang/", data={"csrfmiddlewaretoken": self.csrf(browser), **fields}
        )
        own = "terlalu banyak isian" in response.text
        self.add(
            "7.4",
            "a form with 250 fields (`POST /i18n/setlang/`)",
            "a bare 400",
            f"{answer(response)}, " + ("the site's own Indonesian page" if own else "other"),
            response.status_code == 400 and own,
        )
        browser = self.client()
        response = self.page_login(browser, self.fx.accounts["officer_b"])
        cookies = [c for c in response.headers.get_list("set-cookie") if c.startswith("sessionid=")]
        attributes = cookies[0].split(";")[1:] if cookies else []
        lasting = [
            a.strip() for a in attributes if a.strip().lower().startswith(("max-age", "expires"))
        ]
        self.add(
            "7.5",
            "the staff session cookie set at sign-in",
            "lasted 14 days",
            (
                f"`{'; '.join(a.strip() for a in attributes)}`: ends with the browser"
                if cookies and not lasting
                else f"{lasting or 'no session cookie'}"
            ),
            bool(cookies) and not lasting,
        )

    # 8. the admin ----------------------------------------------------------------------------

    def step_admin(self) -> None:
        from antrean.queueing.models import Ticket

        browser = self.session("admin_b")
        s_ticket = Ticket.objects.filter(office__code=S).order_by("pk").first()
        b_code = self.fx.bookings["brute"].code
        tickets = browser.get("/admin/queueing/ticket/")
        services = browser.get("/admin/catalog/service/")
        search = browser.get(f"/admin/queueing/ticket/?q={s_ticket.code}")
        s_link = f"/admin/queueing/ticket/{s_ticket.pk}/change/"
        change = browser.get(s_link)
        own_search = browser.get(f"/admin/queueing/ticket/?q={b_code}")
        own_link = f"/admin/queueing/ticket/{self.fx.bookings['brute'].ticket_id}/change/"
        sidoarjo = re.compile("sidoarjo", re.IGNORECASE)
        self.add(
            "8.1",
            f"office admin of {B} (password + TOTP): `/admin/queueing/ticket/`",
            "(not in the original probe)",
            f"{tickets.status_code}; “Sidoarjo” "
            + ("absent" if not sidoarjo.search(tickets.text) else "PRESENT")
            + f"; a {S} ticket searched by code: {search.status_code}, "
            + ("not listed" if s_link not in search.text else "LISTED")
            + f"; its change page {change.status_code}; own ticket searched "
            + ("listed" if own_link in own_search.text else "NOT listed"),
            tickets.status_code == 200
            and not sidoarjo.search(tickets.text)
            and s_link not in search.text
            and change.status_code == 404
            and own_link in own_search.text,
        )
        self.add(
            "8.2",
            "the same: `/admin/catalog/service/`",
            "(not in the original probe)",
            f"{services.status_code}; “Sidoarjo” "
            + ("absent" if not sidoarjo.search(services.text) else "PRESENT")
            + "; own probe service "
            + ("listed" if self.fx.service_name_b in services.text else "NOT listed"),
            services.status_code == 200
            and not sidoarjo.search(services.text)
            and self.fx.service_name_s not in services.text
            and self.fx.service_name_b in services.text,
        )
        from antrean.catalog.models import Service

        s_service = Service.objects.get(name=self.fx.service_name_s)
        url = f"/admin/catalog/service/{s_service.pk}/change/"
        crafted = browser.post(
            url,
            data={
                "csrfmiddlewaretoken": self.csrf(browser),
                "name": "Diubah oleh probe",
                "code": s_service.code,
                "prefix": s_service.prefix,
                "agency": s_service.agency_id,
            },
        )
        s_service.refresh_from_db()
        self.add(
            "8.6",
            f"the same admin: a crafted POST to the change page of a {S} service",
            "(not in the original probe)",
            f"{answer(crafted)}; the service "
            + ("unchanged" if s_service.name == self.fx.service_name_s else "CHANGED"),
            crafted.status_code in (403, 404) and s_service.name == self.fx.service_name_s,
        )

        half = self.client()
        first = self.page_login(half, self.fx.accounts["admin_s"], second_step=False)
        admin = half.get("/admin/")
        self.add(
            "8.3",
            f"office admin of {S} after the password only (second step not done): `/admin/`",
            "(not in the original probe)",
            f"password {first.status_code} → `{first.headers.get('location')}`; `/admin/` "
            f"{admin.status_code} → `{admin.headers.get('location')}`",
            first.status_code == 302
            and "/staf/masuk/kode/" in first.headers.get("location", "")
            and admin.status_code == 302
            and "/admin/login/" in admin.headers.get("location", ""),
        )
        account = self.fx.accounts["admin_replay"]
        code = totp_code(account.device_id)
        first = self.page_login(self.client(), account, code=code)
        replay = self.page_login(self.client(), account, code=code)
        used = "sudah dipakai" in replay.text
        self.add(
            "8.5",
            "an office admin's TOTP code used to sign in, then again from another browser",
            "(not in the original probe)",
            f"first {answer(first)}; again {answer(replay)}"
            + (" “Kode ini sudah dipakai”" if used else ""),
            first.is_redirect
            and "/staf/masuk" not in first.headers.get("location", "")
            and not replay.is_redirect
            and used,
        )

        officer = self.session("officer_s")
        admin = officer.get("/admin/")
        tickets = officer.get("/admin/queueing/ticket/")
        seen = (
            f"; `/admin/queueing/ticket/` {tickets.status_code}, “Badung” "
            + ("PRESENT" if re.search("badung", tickets.text, re.IGNORECASE) else "absent")
            if admin.status_code == 200
            else ""
        )
        self.add(
            "8.4",
            f"officer of {S} without two-factor, signed in (password only): `/admin/`",
            "(not in the original probe)",
            answer(admin) + seen,
            admin.status_code in (302, 403)
            and not (
                admin.is_redirect and admin.headers.get("location", "").rstrip("/") == "/admin"
            ),
        )


# --- main ------------------------------------------------------------------------------------


def git(*args: str) -> str:
    try:
        return subprocess.run(  # noqa: S603
            ["git", *args],  # noqa: S607 (git from PATH)
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/security_probe.py",
        description="Repeat issue 11's outside probe against a real `manage.py serve`.",
    )
    parser.add_argument(
        "--database",
        default=os.environ.get("PROBE_DATABASE_URL", ""),
        help="postgres://…/<name>: created when missing (and then dropped at the end), "
        "refused when it holds tables. Default: SQLite in the temporary directory.",
    )
    parser.add_argument(
        "--steps",
        default="",
        help="comma-separated steps to run, by number or name ("
        + ", ".join(f"{n}={name}" for name, n in STEP_NAMES.items())
        + "); default: all",
    )
    parser.add_argument("--output", type=Path, help="also write the report (markdown) here")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory (server log, var)"
    )
    args = parser.parse_args(argv)
    chosen = {STEP_NAMES.get(s.strip(), s.strip()) for s in args.steps.split(",") if s.strip()}
    unknown = chosen - set(STEPS)
    if unknown:
        parser.error(f"unknown steps: {', '.join(sorted(unknown))}")
    args.chosen = chosen or set(STEPS)
    if args.database and not args.database.startswith(("postgres://", "postgresql://")):
        parser.error("--database takes a postgres:// URL (SQLite is the default)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = time.monotonic()
    work_dir = Path(tempfile.mkdtemp(prefix="antrean-probe-"))
    var_dir = work_dir / "var"
    var_dir.mkdir()
    env_file = work_dir / "empty.env"
    env_file.write_text("")
    created_db = False
    if args.database:
        created_db = postgres_prepare(args.database)
        database_url = args.database
    else:
        database_url = f"sqlite:///{var_dir / 'antrean.sqlite3'}"
    env = server_env(
        database_url=database_url,
        var_dir=var_dir,
        env_file=env_file,
        app_secret=secrets.token_urlsafe(24),
    )
    report = Report()
    server = Server(env=env, log=work_dir / "serve.log")
    finished = False
    try:
        print(f"manage.py serve on {server.base} (log: {server.log})", flush=True)
        server.wait_ready()
        django_setup(env)
        from django.db import connection

        ids = Identities()
        fx = prepare(ids)
        if args.chosen & {"2", "5", "6"}:
            # Bookings over HTTP: the server may keep the opening hours and closures it read
            # before for up to ANTREAN_HOT_CACHE_SECONDS (5 s).
            time.sleep(6)
        probe = Probe(server, fx, ids, report)
        chosen = args.chosen
        order = [  # bookings over HTTP count towards the per-address limit: 2 comes last
            ("7", probe.step_headers),
            ("1", probe.step_checkin),
            ("3", probe.step_cross_office),
            ("8", probe.step_admin),
            ("5", probe.step_errors),
            ("6", lambda: probe.step_worker(work_dir)),
            ("2", probe.step_forwarded),
        ]
        sent = probe.step_log_requests() if "4" in chosen else None
        for step, run in order:
            if step in chosen:
                print(f"{step}. {STEPS[step]}", flush=True)
                run()
        if sent is not None:
            print(f"4. {STEPS['4']}", flush=True)
            probe.step_log_check(sent)
        if "5" in chosen:
            probe.step_errors_log(first=len([r for r in report.rows if r.step[0] == "5"]) + 1)
        vendor = connection.vendor
        version = (
            connection.cursor().connection.info.server_version
            if vendor == "postgresql"
            else connection.Database.sqlite_version
        )
        if vendor == "postgresql":
            version = f"{version // 10000}.{version % 10000}"
        finished = True
    finally:
        server.stop()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if created_db:
            postgres_drop(args.database)
        keep = args.keep or not finished or report.failed
        if keep:
            print(f"kept (server log, var): {work_dir}", flush=True)
        else:
            shutil.rmtree(work_dir, ignore_errors=True)

    failed = report.failed
    commit = git("rev-parse", "--short", "HEAD")
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += " with uncommitted changes"
    title = (
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC at commit {commit} "
        f"({git('rev-parse', '--abbrev-ref', 'HEAD')}), {vendor} {version}, "
        f"`manage.py serve` (DEBUG off, demo seeded, worker supervised), "
        f"{time.monotonic() - started:.0f} s: "
        + (f"{len(report.rows)} checks, all PASS" if not failed else f"{len(failed)} FAIL")
    )
    text = f"{title}\n\n{report.markdown()}\n"
    print()
    print(text)
    if args.output:
        args.output.write_text(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
