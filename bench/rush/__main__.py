"""Usage: scripts/rush [--clients 1000] [--capacity 50] [--rounds 10] [--rush] [--crash]
                    [--scalpers] [--json var/bench/rush.json] …

Without --rush/--crash/--scalpers all three parts run at full size. A fresh PostgreSQL
database (RUSH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/antrean_rush) is
dropped, created and migrated; gunicorn (gthread, DEBUG off), `manage.py worker` and the
fake Cloud API run as separate processes on free ports of RUSH_PORTS (8200-8299). Exit
status 1 when any check fails.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import secrets
import shutil
import sys
import time
from pathlib import Path

from bench.rush.stack import (
    ROOT,
    GunicornConfig,
    Stack,
    database_recreate,
    raise_fd_limit,
    redis_reachable,
)

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/antrean_rush"
MARKER = ".rush-var"  # a var dir this harness made, whose media it may clear


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/rush", description=__doc__.split("\n\n")[1].replace("\n", " ")
    )
    parts = parser.add_argument_group("parts (default: all four)")
    parts.add_argument("--rush", action="store_true", help="the quota rush, repeated")
    parts.add_argument("--crash", action="store_true", help="the rush with SIGKILLs")
    parts.add_argument("--scalpers", action="store_true", help="the scalper simulation")
    parts.add_argument(
        "--draws", action="store_true", help="the scalper farm against 20 drawn days"
    )
    sizes = parser.add_argument_group("sizes")
    sizes.add_argument("--clients", type=int, default=1000, help="clients per rush (1000)")
    sizes.add_argument("--capacity", type=int, default=50, help="the slot's capacity C (50)")
    sizes.add_argument("--rounds", type=int, default=10, help="rush rounds (10)")
    sizes.add_argument(
        "--proof-rounds",
        type=int,
        default=2,
        help="rush rounds after --rounds with proof of the WhatsApp number on (each booking "
        "a hold its citizen proves at once) (2)",
    )
    sizes.add_argument("--crash-clients", type=int, help="clients of the crash rush (--clients)")
    sizes.add_argument(
        "--crash-capacity",
        type=int,
        default=200,
        help="capacity in the crash rush (200: kills land while places go)",
    )
    sizes.add_argument("--kills", type=int, default=6, help="SIGKILLs while booking (6)")
    sizes.add_argument(
        "--drain-kills", type=int, default=2, help="SIGKILLs of the worker while it sends (2)"
    )
    sizes.add_argument("--accounts", type=int, default=200, help="scalper accounts (200)")
    sizes.add_argument("--attempts", type=int, default=1000, help="scalper attempts (1000)")
    sizes.add_argument("--genuine", type=int, default=300, help="genuine citizens (300)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker (8)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "bench" / "rush.json")
    parser.add_argument(
        "--database-url", default=os.environ.get("RUSH_DATABASE_URL", DEFAULT_DATABASE)
    )
    parser.add_argument(
        "--var-dir", type=Path, default=Path(os.environ.get("RUSH_VAR_DIR", ROOT / "var" / "rush"))
    )
    parser.add_argument("--ports", default=os.environ.get("RUSH_PORTS", "8200-8299"))
    parser.add_argument(
        "--redis-url", default=os.environ.get("RUSH_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args(argv)
    if not (args.rush or args.crash or args.scalpers or args.draws):
        args.rush = args.crash = args.scalpers = args.draws = True
    if not args.database_url.startswith("postgres"):
        parser.error("the rush runs on PostgreSQL: give a postgres:// URL")
    return args


def production_env(args: argparse.Namespace) -> dict[str, str]:
    """The production profile, with keys made for this run (nothing reused from var/). Other
    ANTREAN_* settings (the booking limits) pass through, so a run can try other values."""
    dropped = ("ANTREAN_DATA_KEYS", "ANTREAN_HASH_KEY", "ANTREAN_VAR_DIR", "WHATSAPP_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env.update(
        DEBUG="false",
        LOG_LEVEL="WARNING",
        TASKS_BACKEND="database",
        SECRET_KEY=secrets.token_urlsafe(48),
        ANTREAN_DATA_KEYS=base64.b64encode(secrets.token_bytes(32)).decode(),
        ANTREAN_HASH_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        # Every client says who it is in X-Forwarded-For, as behind one reverse proxy.
        ANTREAN_PROXY_COUNT="1",
        DATABASE_URL=args.database_url,
        ANTREAN_VAR_DIR=str(args.var_dir),
    )
    # The per-address limit is counted in the shared cache: Redis, as in production.
    env["REDIS_URL"] = args.redis_url if redis_reachable(args.redis_url) else ""
    return env


def prepare_var_dir(var_dir: Path) -> None:
    var_dir.mkdir(parents=True, exist_ok=True)
    marker = var_dir / MARKER
    if marker.exists():
        # Certificates of an earlier run, whose database is gone.
        shutil.rmtree(var_dir / "media", ignore_errors=True)
    marker.touch()


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = time.time()
    fds = raise_fd_limit()
    env = production_env(args)
    os.environ.update(env)  # this process reads the same database with the same keys
    os.environ["DJANGO_SETTINGS_MODULE"] = "antrean.settings"
    prepare_var_dir(args.var_dir)
    print(f"Database {args.database_url}: drop, create, migrate", flush=True)
    database_recreate(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)

    from bench.rush import parts

    low, _, high = args.ports.partition("-")
    stack = Stack(
        database_url=args.database_url,
        var_dir=args.var_dir,
        log_dir=args.var_dir / "logs",
        env=env,
        ports=range(int(low), int(high or low) + 1),
        gunicorn=GunicornConfig(workers=args.workers, threads=args.threads),
    )
    results: dict = {}
    checks = []
    with stack:
        print(
            f"gunicorn gthread {args.workers}x{args.threads} at {stack.base_url}, worker, fake "
            f"Cloud API at {stack.provider.base_url}; {os.cpu_count()} cores; fd limit {fds}; "
            f"Redis {'on' if env['REDIS_URL'] else 'off'}; logs in {stack.log_dir}",
            flush=True,
        )
        rules = parts.rules_in_force()
        print("rules: " + ", ".join(f"{k} {v}" for k, v in rules.items()), flush=True)
        run = parts.Run(stack, seed=args.seed, out=lambda text: print(text, flush=True))
        if args.rush:
            results["rush"] = parts.run_rush(
                run,
                clients=args.clients,
                capacity=args.capacity,
                rounds=args.rounds,
                proof_rounds=args.proof_rounds,
            )
        if args.crash:
            plan = parts.KillPlan(kills=args.kills, drain_kills=args.drain_kills)
            results["crash"] = parts.run_crash(
                run,
                clients=args.crash_clients or args.clients,
                capacity=args.crash_capacity,
                plan=plan,
            )
            for check in results["crash"]["_checks"]:
                print(check.line(), flush=True)
        if args.scalpers:
            plan = parts.ScalperPlan(
                accounts=args.accounts, attempts=args.attempts, genuine=args.genuine
            )
            results["scalpers"] = parts.run_scalpers(run, plan)
        if args.draws:
            plan = parts.DrawPlan(
                accounts=args.accounts, attempts=args.attempts, genuine=args.genuine
            )
            results["draws"] = parts.run_draws(run, plan)
    for name, part in results.items():
        checks += [(name, check) for check in part.pop("_checks")]
        for sub in part.get("runs", []):
            sub.pop("_checks", None)
    failed = [(name, check) for name, check in checks if not check.ok]
    print(
        f"\n{len(checks) - len(failed)}/{len(checks)} checks PASS"
        + ("" if not failed else f", {len(failed)} FAIL:")
    )
    for name, check in failed:
        print(f"  FAIL [{name}] {check.name}: {check.detail}")
    document = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "seconds": round(time.time() - started, 1),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
        "server": {
            "workers": args.workers,
            "threads": args.threads,
            "redis": bool(env["REDIS_URL"]),
        },
        "rules": rules,
        "arguments": {k: str(v) for k, v in vars(args).items()},
        "ok": not failed,
        **results,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(document, indent=2, default=str))
    print(f"Written {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
