"""Bench data: offices, services and slots that load runs can book without ever being refused.

Usage: .venv/bin/python -m bench.fixtures [--offices 10] [--services 10] [--json PATH]

Four groups, each a set of slots on one date two days ahead (an open day: the offices are
open 08:00–16:00 every day and have no same-day cutoff), with the largest capacity the column
holds (32,767; runs reset `booked` before they start):

- `sql-spread`, `sql-hot`: booked by the pgbench scripts and the SQLite loop (bench.dblimit),
  straight through SQL. Their ledgers are not real hash chains, so they have offices of their
  own.
- `http-spread`, `http-hot`: booked through HTTP (bench.http_load); `manage.py verify_ledger`
  holds for them afterwards.

"spread" is `offices × services` slots, one per service, so the rows every booking locks are
shared like this: the slot and the (service, date) number row by 1 booking in 100, the
office's ledger head by 1 in 10. "hot" is one slot of one service of one office: every booking
waits for the same three rows.

The pgbench scripts pick a slot by arithmetic on ids (`slot0 + i`), so each group's offices,
services, pact renderings and slots are created with consecutive ids; `load` checks it.
"""

import argparse
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import django_setup, out_dir, write_json

# As large as the column allows (smallint). A refusal would measure a shorter transaction, so
# the load runs set `booked` back to 0 before each run and check afterwards that no slot filled.
CAPACITY = 32_767
ZONE = "Asia/Makassar"  # the factories' default office zone (WITA)
PREFIXES = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # one per service of an office
GROUPS = ("sql-spread", "sql-hot", "http-spread", "http-hot")


def nik_for(n: int) -> str:
    """A well-formed NIK (Badung, Kuta Selatan), distinct for every n below 336 million.

    The serial runs fastest, then the birth date (day 1–28, month, year), as in
    bench/wrk/booking.lua, which makes the same numbers.
    """
    serial = n % 9999 + 1
    rest = n // 9999
    day, rest = rest % 28 + 1, rest // 28
    month, rest = rest % 12 + 1, rest // 12
    year = rest % 100
    return f"510301{day:02d}{month:02d}{year:02d}{serial:04d}"


def phone_for(n: int) -> str:
    """A Telkomsel mobile number, distinct for every n below 100 million."""
    return f"0812{n % 10**8:08d}"


def _consecutive(ids: list[int], what: str) -> int:
    if ids != list(range(ids[0], ids[0] + len(ids))):
        raise RuntimeError(f"bench {what} ids are not consecutive: {ids[:5]}…")
    return ids[0]


def _group(name: str, *, offices: int, services: int, date: dt.date) -> dict:
    from antrean.catalog.models import Slot
    from antrean.integrity.ledger_hash import GENESIS
    from antrean.integrity.models import Audience, LedgerHead
    from antrean.integrity.services import pact_in_force
    from antrean.testing.factories import make_agency, make_office, make_service, make_slot

    made_offices = [
        make_office(code=f"bench-{name}-{i + 1:02d}", name=f"MPP Uji Beban {name} {i + 1:02d}")
        for i in range(offices)
    ]
    slots = []
    for office in made_offices:
        agency = make_agency(office, short_name="Disdukcapil")
        for j in range(services):
            service = make_service(agency=agency, prefix=PREFIXES[j])
            slots.append(make_slot(service, date=date, capacity=CAPACITY))
    renderings = [pact_in_force(office=o, audience=Audience.CITIZEN) for o in made_offices]
    # The state of any office after its first booking: its chain head exists.
    LedgerHead.objects.bulk_create(
        [LedgerHead(office=o, seq=0, hash=GENESIS) for o in made_offices], ignore_conflicts=True
    )
    service_ids = sorted(s.service_id for s in slots)
    slot_ids = sorted(s.pk for s in slots)
    layout = {
        "offices": [o.code for o in made_offices],
        "office0": _consecutive([o.pk for o in made_offices], "office"),
        "service0": _consecutive(service_ids, "service"),
        "slot0": _consecutive(slot_ids, "slot"),
        "rendering0": _consecutive([r.pk for r in renderings], "pact rendering"),
        "slots": len(slots),
        "per_office": services,
        "date": date.isoformat(),
        "pact_version": renderings[0].pact.version,
        "pact_sha256": renderings[0].sha256,
    }
    # Slot i belongs to service i: the scripts rely on it.
    for slot in Slot.objects.filter(pk__in=slot_ids):
        if slot.service_id - layout["service0"] != slot.pk - layout["slot0"]:
            raise RuntimeError("bench slots and services are not in the same order")
    return layout


def load(*, offices: int = 10, services: int = 10, days_ahead: int = 2) -> dict:
    """Create the four groups in the current database; returns their layout."""
    from django.db import transaction

    if services > len(PREFIXES):
        raise ValueError(f"at most {len(PREFIXES)} services per office")
    date = dt.datetime.now(ZoneInfo(ZONE)).date() + dt.timedelta(days=days_ahead)
    layout = {"date": date.isoformat(), "capacity": CAPACITY, "groups": {}}
    with transaction.atomic():
        for name in GROUPS:
            spread = name.endswith("spread")
            layout["groups"][name] = _group(
                name,
                offices=offices if spread else 1,
                services=services if spread else 1,
                date=date,
            )
    return layout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offices", type=int, default=10)
    parser.add_argument("--services", type=int, default=10, help="per office")
    parser.add_argument("--json", default=None, help="default: <out>/fixtures.json")
    args = parser.parse_args()
    django_setup()
    layout = load(offices=args.offices, services=args.services)
    path = write_json(Path(args.json) if args.json else out_dir() / "fixtures.json", layout)
    spread = layout["groups"]["http-spread"]
    print(
        f"bench fixtures: {len(layout['groups'])} groups, {spread['slots']} slots per spread "
        f"group, date {layout['date']} → {path}"
    )


if __name__ == "__main__":
    main()
