"""The real processes the simulations run against: gunicorn (gthread) serving antrean.wsgi,
`manage.py worker`, and the fake Cloud API, each in a process group of its own so that a
crash can be a SIGKILL of the whole group.

The harness process itself reads the same database through Django for its fixtures and
checks; every process gets the same environment (database, var dir, keys), so the harness
decrypts and hashes exactly as the server does.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bench.rush.provider import Provider

ROOT = Path(__file__).resolve().parents[2]
MANAGE = ROOT / "manage.py"


def raise_fd_limit() -> int:
    """1,000 clients and the server's 1,000 connections need more than the usual 1,024 file
    descriptors; children inherit the raised limit."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_ports(count: int, span: range) -> list[int]:
    """`count` ports of `span` nothing listens on now."""
    found = []
    for port in span:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # As gunicorn and the fake bind: a port with connections in TIME_WAIT is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise RuntimeError(f"fewer than {count} free ports in {span.start}–{span.stop - 1}")


def redis_reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def database_recreate(url: str) -> None:
    """Drop and create the database named in `url` (PostgreSQL), connected as the same user
    to the `postgres` database."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or not name.replace("_", "").isalnum():
        raise ValueError(f"refusing an unusual database name {name!r}")
    admin = parts._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


@dataclass
class GunicornConfig:
    workers: int = 2
    threads: int = 8
    backlog: int = 2048
    # Clients open their connection before the rush and keep it: gunicorn's default keep-alive
    # (2 s) would close it while the others are still connecting.
    keep_alive: int = 75
    worker_connections: int = 1000


@dataclass
class Event:
    at: float  # time.monotonic()
    what: str


@dataclass
class Stack:
    """gunicorn + worker + fake Cloud API on one database."""

    database_url: str
    var_dir: Path
    log_dir: Path
    env: dict[str, str]  # the environment of every process (keys, DEBUG, …)
    ports: range = range(8200, 8300)
    gunicorn: GunicornConfig = field(default_factory=GunicornConfig)
    events: list[Event] = field(default_factory=list)

    def __post_init__(self):
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.provider: Provider | None = None
        self.server: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self._logs: list = []
        self.port = 0

    # --- processes ----------------------------------------------------------------------

    def process_env(self) -> dict[str, str]:
        env = dict(self.env)
        env.update(
            DATABASE_URL=self.database_url,
            ANTREAN_VAR_DIR=str(self.var_dir),
            DJANGO_SETTINGS_MODULE="antrean.settings",
            PYTHONUNBUFFERED="1",
        )
        if self.provider is not None:
            env.update(self.provider.settings_env())
        return env

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhook_url(self) -> str:
        return self.base_url + "/webhooks/whatsapp"

    def _log(self, name: str):
        handle = (self.log_dir / f"{name}.log").open("ab")
        self._logs.append(handle)
        return handle

    def start(self) -> Stack:
        provider_port, self.port = free_ports(2, self.ports)
        self.provider = Provider(
            port=provider_port,
            root=ROOT,
            env=self.process_env(),
            log=self.log_dir / "provider.log",
        )
        self.start_server(wait=False)
        self.start_worker()  # boots while gunicorn does
        self.wait_server()
        return self

    def start_server(self, *, wait: bool = True) -> float:
        """Start gunicorn; returns the seconds it took to answer."""
        config = self.gunicorn
        started = time.monotonic()
        self.server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "-c",
                "python:antrean.gunicorn_conf",
                "antrean.wsgi:application",
                "--worker-class",
                "gthread",
                "--workers",
                str(config.workers),
                "--threads",
                str(config.threads),
                "--backlog",
                str(config.backlog),
                "--keep-alive",
                str(config.keep_alive),
                "--worker-connections",
                str(config.worker_connections),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--no-control-socket",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=self.process_env(),
            stdout=self._log("gunicorn"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a crash kills master and workers
        )
        self.events.append(Event(started, f"gunicorn started (pid {self.server.pid})"))
        if wait:
            self.wait_server()
        return time.monotonic() - started

    def wait_server(self, limit: float = 180.0) -> None:
        """Until the server answers; after a crash, a backlog of retrying clients is served
        before the health check."""
        deadline = time.monotonic() + limit
        url = self.base_url + "/api/v1/offices"
        while True:
            if self.server.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.log_dir / 'gunicorn.log'})")
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 — ours
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer in {limit:.0f} s")
            time.sleep(0.05)

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [sys.executable, str(MANAGE), "worker"],
            cwd=ROOT,
            env=self.process_env(),
            stdout=self._log("worker"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.events.append(Event(time.monotonic(), f"worker started (pid {self.worker.pid})"))

    @staticmethod
    def _group_pids(pgid: int) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if os.getpgid(int(entry.name)) == pgid:
                        pids.append(int(entry.name))
                except (ProcessLookupError, PermissionError):
                    continue
        return pids

    def kill(self, which: str) -> int:
        """SIGKILL the whole process group of the server or the worker; how many processes
        it held."""
        process = self.server if which == "gunicorn" else self.worker
        if process is None or process.poll() is not None:
            return 0
        pgid = process.pid  # start_new_session: the leader's pid is the group id
        members = len(self._group_pids(pgid))
        os.killpg(pgid, signal.SIGKILL)
        process.wait()
        self.events.append(
            Event(time.monotonic(), f"SIGKILL {which} (group {pgid}, {members} processes)")
        )
        return members

    def stop_process(self, process: subprocess.Popen | None, *, timeout: float = 30) -> None:
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass

    def restart_server(self, *, env: dict[str, str] | None = None) -> None:
        """A clean restart (SIGTERM, then start), optionally with more environment."""
        self.stop_process(self.server)
        if env:
            self.env.update(env)
        self.start_server()

    def stop(self) -> None:
        self.stop_process(self.server)
        self.stop_process(self.worker)
        if self.provider is not None:
            self.provider.stop()
        for handle in self._logs:
            handle.close()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
