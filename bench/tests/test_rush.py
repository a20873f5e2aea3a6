"""The bounded `make rush`: the same harness, smaller, inside the suite (PostgreSQL only).

One stack for the three simulations: gunicorn (gthread, DEBUG off) serving antrean.wsgi,
`manage.py worker` sending through the cloud gateway, and the fake Cloud API in its own
process, all on the test database. Each test books through HTTP, then checks the rows
(bench/rush/checks.py):

- the rush: 200 clients at once on a slot of 20 places get exactly 20 bookings, gapless
  numbers, signed certificates, an intact ledger and 20 messages accepted exactly once;
- the crash rush: gunicorn's process group is SIGKILLed while clients book, and the worker
  while the provider holds a message it accepted; afterwards every 201 exists, nothing is
  half made, no message went twice, the ambiguous one is counted and settled by its webhook;
- the scalpers: a small farm, from one address and from many, against the per-address,
  per-phone and per-NIK rules.

Below the class, the checks themselves are shown to fail on broken rows (on SQLite too), so
a passing rush means the guards held, not that the checks were blind. docs/rush.md lists the
mutants (a check-then-act slot update, an outbox that does not mark its sends) these tests
caught.
"""

import base64
import os
import random
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.db.models import F
from django.test import override_settings

from antrean.catalog.models import Slot
from antrean.core.personal_data import reset_key_cache
from antrean.integrity.certificates import certificate_render
from antrean.integrity.models import Certificate
from antrean.integrity.signing import signing_cache_clear
from antrean.notifications.models import Message
from antrean.queueing.models import Ticket
from antrean.testing.factories import make_booking, make_office, make_service, make_slot
from bench.rush import checks as C
from bench.rush import parts
from bench.rush.identities import Identity, citizen
from bench.rush.load import Outcome
from bench.rush.stack import Stack, redis_reachable

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture(scope="class")
def stack(django_db_setup):
    """The real processes, on the test database. They and this process share a temporary
    var dir (certificates, signing keys) and keys made for the class; they are stopped
    before the tests below the class, whose certificates no running worker must render."""
    if connection.vendor != "postgresql":
        pytest.skip("the rush runs against PostgreSQL (SQLite has one writer)")
    var = Path(tempfile.mkdtemp(prefix="rush-test-"))
    keys = {
        "ANTREAN_DATA_KEYS": base64.b64encode(secrets.token_bytes(32)).decode(),
        # Fresh per run: the per-address counters in Redis are keyed by this hash.
        "ANTREAN_HASH_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    env = dict(os.environ)
    env.update(
        keys,
        DEBUG="false",
        LOG_LEVEL="WARNING",
        TASKS_BACKEND="database",
        ANTREAN_PROXY_COUNT="1",
        WHATSAPP_RETRY_BASE_SECONDS="0.2",
        SECRET_KEY=django_settings.SECRET_KEY,
    )
    redis = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    env["REDIS_URL"] = redis if redis_reachable(redis) else ""
    ports = os.environ.get("RUSH_PORTS", "8200-8299").partition("-")
    same_files = override_settings(
        MEDIA_ROOT=var / "media",
        ANTREAN_KEY_DIR=var / "keys",
        ANTREAN_DATA_KEYS=[keys["ANTREAN_DATA_KEYS"]],
        ANTREAN_HASH_KEY=keys["ANTREAN_HASH_KEY"],
    )
    same_files.enable()
    reset_key_cache()
    signing_cache_clear()
    running = Stack(
        database_url=_database_url(),
        var_dir=var,
        log_dir=var / "logs",
        env=env,
        ports=range(int(ports[0]), int(ports[2] or ports[0]) + 1),
    )
    try:
        with running:
            yield running
    finally:
        same_files.disable()
        reset_key_cache()
        signing_cache_clear()
        shutil.rmtree(var, ignore_errors=True)


def _failures(result: dict) -> list[str]:
    return [check.line() for check in result["_checks"] if not check.ok]


@pytest.fixture
def run(stack):
    return parts.Run(stack, seed=11, drain_timeout=90)


class TestAgainstRealProcesses:
    """gunicorn, the worker and the fake Cloud API, booked through HTTP."""

    def test_a_rush_on_one_slot_gives_exactly_its_places_and_all_that_comes_with_them(self, run):
        result = parts.run_rush(run, clients=200, capacity=20, rounds=1, proof_rounds=1)

        assert result["ok"], _failures(result)
        # Once first come, once with every booking a hold proven at once (issue 14): the
        # same exactly-C outcome, and nothing left held.
        assert result["summary"]["bookings"] == 40
        assert result["summary"]["slot_full"] == 360
        # The checks that make "exactly" mean something were all made.
        names = {check.name for check in result["_checks"]}
        for expected in (
            "round 1: exactly C=20 bookings",
            "round 1: queue numbers unique and gapless (1..n per service and day)",
            "round 1: certificates rendered and signed",
            "round 1: manage.py verify_ledger exits 0",
            "round 1: each message accepted by the provider exactly once",
            "round 2: exactly C=20 bookings",
            "round 2: nothing held once the holds ended (slot.held back to 0)",
        ):
            assert expected in names

    def test_a_crash_rush_loses_no_acknowledged_booking_and_sends_nothing_twice(self, run):
        # Bounded: gunicorn killed twice while booking, the worker once while a message is on
        # its way; the dead worker's heartbeat is aged rather than waited for (15 s).
        plan = parts.KillPlan(
            kills=2,
            targets=("gunicorn",),
            drain_kills=1,
            provider_delay=0.5,
            retry_seconds=90,
            age_heartbeats=True,
            aim_after_rendering=True,
        )
        result = parts.run_crash(run, clients=120, capacity=30, plan=plan)

        assert result["ok"], _failures(result)
        summary = result["summary"]
        kills = [k["what"] for k in summary["kills"] if k["what"].startswith("SIGKILL")]
        assert any("gunicorn" in k for k in kills), summary["kills"]
        assert summary["worker_kills_mid_send"] == 1, summary["kills"]
        # The message on its way when the worker died: ambiguous, then settled by its webhook.
        assert summary["ambiguous"] >= 1, summary

    def test_scalpers_meet_the_rules_and_the_limits_hold(self, run):
        plan = parts.ScalperPlan(
            accounts=30, attempts=150, genuine=40, services=3, slots_per_service=4, capacity=4
        )
        result = parts.run_scalpers(run, plan)

        assert result["ok"], _failures(result)
        one_address, spread, verified, proven = result["runs"]
        per_address = getattr(django_settings, "ANTREAN_BOOKINGS_PER_ADDRESS", 0)
        if per_address and per_address < plan.attempts:
            # 150 attempts from one address: the per-address limit refuses most of them …
            assert one_address["scalper_by_code"].get("rate_limited", 0) > 0
        # … while every attempt of the farm has its own address (so X-Forwarded-For was read).
        assert spread["scalper_by_code"].get("rate_limited", 0) == 0
        assert one_address["by_column"]["scalper:malformed"].get("created", 0) == 0
        # With NIK verification on, the farm's well-formed but invented NIKs book nothing,
        # while genuine citizens (whom the registry holds) still do.
        assert verified["mode"] == "spread, NIK verified"
        for kind in ("reused", "invented"):
            column = verified["by_column"][f"scalper:{kind}"]
            assert column.get("created", 0) == 0 and column.get("nik_not_verified", 0) > 0
        assert verified["genuine_bookings"] > 0
        assert spread["by_column"]["scalper:invented"].get("created", 0) > 0
        # With proof of the number on, every API booking is first held (202), and the farm
        # gets places only for the numbers it can prove (a check of the run), far fewer than
        # without; genuine citizens, who prove theirs, still get places.
        assert proven["mode"] == "spread, number proven"
        assert proven["by_column"]["genuine"].get("held", 0) > 0
        assert proven["proof"]["farm_numbers_provable"] < proven["proof"]["farm_numbers"]
        assert proven["scalper_bookings"] < spread["scalper_bookings"]
        assert proven["genuine_bookings"] > 0

    def test_draws_verify_and_the_farm_gets_its_share_of_valid_entries(self, run):
        plan = parts.DrawPlan(draws=4, accounts=30, attempts=150, genuine=40, slots=1, capacity=4)
        result = parts.run_draws(run, plan)

        statistical = ("(|z| < 3)",)  # reported; a bounded run is too small to judge them
        failed = [
            check.line()
            for check in result["_checks"]
            if not check.ok and not check.name.endswith(statistical)
        ]
        assert not failed, failed
        assert result["draws"] == 4 and result["places_given"] == 16
        assert result["by_column"]["scalper:malformed"].get("entered", 0) == 0
        assert result["by_column"]["genuine"]["entered"] == 40


# --- the checks catch broken rows (both databases) --------------------------------------------


@pytest.fixture
def files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANTREAN_KEY_DIR = tmp_path / "keys"
    signing_cache_clear()
    yield
    signing_cache_clear()


def _booked(count: int):
    office = make_office()
    slot = make_slot(make_service(office), capacity=count + 1)
    outcomes = []
    for index in range(count):
        person = citizen(90_000 + index, block=0, rng=random.Random(index))
        result = make_booking(slot, nik=person.nik, whatsapp=person.whatsapp, whatsapp_consent=True)
        outcome = Outcome(identity=person, slot_id=slot.pk, status=201, code=result.ticket.code)
        outcomes.append(outcome)
        certificate_render(certificate_id=result.ticket.pact_signature.certificate.pk)
    return office, slot, outcomes


def _run_checks(office, slot, outcomes) -> C.Checks:
    checks = C.Checks()
    tickets = Ticket.objects.filter(slot=slot)
    C.acknowledged_exist(checks, outcomes, tickets)
    C.attribute_tickets(checks, outcomes, tickets)
    C.rows_whole(checks, tickets, office=office)
    C.counters_agree(checks, slots=[slot], date=slot.date)
    C.messages_queued(checks, tickets)
    C.certificates_signed(checks, tickets)
    return checks


def _failed(checks: C.Checks) -> set[str]:
    return {check.name for check in checks if not check.ok}


def test_the_checks_pass_on_whole_bookings(files):
    office, slot, outcomes = _booked(3)
    checks = _run_checks(office, slot, outcomes)
    assert checks.ok, [c.line() for c in checks]


def test_an_overbooked_slot_and_a_stray_ticket_are_caught(files):
    # What a rush without the conditional UPDATE leaves: more tickets than the counter says,
    # one nobody was told about.
    office, slot, outcomes = _booked(3)
    Slot.objects.filter(pk=slot.pk).update(booked=F("booked") - 1)
    told = outcomes[:2]  # the third client "never heard back"

    failed = _failed(_run_checks(office, slot, told))
    assert "slot.booked equals the active tickets, within capacity" in failed
    assert "every ticket comes from a 201 or a cut attempt" in failed


def test_a_lost_acknowledged_booking_is_caught(files):
    office, slot, outcomes = _booked(2)
    ghost = Outcome(
        identity=Identity("Putu Ayu", "5103014101900999", "081200000999", "10.0.0.9"),
        slot_id=slot.pk,
        status=201,
        code="ZZZZZZZZ",
    )
    failed = _failed(_run_checks(office, slot, [*outcomes, ghost]))
    assert failed == {"every booking acknowledged with 201 exists"}


def test_a_ticket_without_its_message_or_certificate_is_caught(files):
    office, slot, outcomes = _booked(3)
    first, second = Ticket.objects.filter(slot=slot).order_by("pk")[:2]
    Message.objects.filter(ticket=first).delete()
    Certificate.objects.filter(signature__ticket=second).update(pdf_sha256="0" * 64)

    failed = _failed(_run_checks(office, slot, outcomes))
    assert failed == {
        "one outbox message per consenting ticket",
        "certificates rendered and signed",
    }


def test_a_gap_in_the_numbers_is_caught(files):
    office, slot, outcomes = _booked(3)
    Ticket.objects.filter(slot=slot, seq=2).update(seq=4, number="X-004")

    failed = _failed(_run_checks(office, slot, outcomes))
    assert failed == {"queue numbers unique and gapless (1..n per service and day)"}
