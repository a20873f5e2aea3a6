"""Who books in the simulations: citizens with well-formed, distinct NIKs and phones, each
behind an address of its own, and the scalpers' malformed and invented NIKs.

Everything is drawn from a seeded random generator, so a run can be repeated; the address
block is chosen per run (see `address_block`) because rate-limit counters outlive a run.
"""

import ipaddress
import random
from dataclasses import dataclass

from antrean.core.nik import PROVINCE_CODES, is_valid_nik

_TEN = int(ipaddress.IPv4Address("10.0.0.0"))
# Badung (51.03) and a few other regencies: only the first two digits are checked against a
# list; the rest of the region code just must not be 00.
REGIONS = ("510301", "510302", "350101", "327301", "317101", "740101")
FIRST_NAMES = (
    "Ni Made",
    "I Wayan",
    "Komang",
    "Putu",
    "Siti",
    "Dewi",
    "Agus",
    "Budi",
    "Rina",
    "Andi",
    "Nur",
    "Yohanes",
)
LAST_NAMES = (
    "Lestari",
    "Sudarma",
    "Wijaya",
    "Pratama",
    "Rahmawati",
    "Saputra",
    "Hidayat",
    "Simanjuntak",
    "Manuputty",
    "Nasution",
)


@dataclass(frozen=True)
class Identity:
    name: str
    nik: str
    whatsapp: str  # as a citizen types it: 0812…
    address: str  # the client's IP address, sent as X-Forwarded-For


def nik_for(index: int) -> str:
    """A well-formed NIK, distinct for every index below ~1.6 million.

    Region, birth date (day and month; women +40 on the day) and a serial vary together:
    the format is what Dukcapil prints, the person is invented.
    """
    serial = index % 9999 + 1
    rest = index // 9999
    day = rest % 28 + 1
    rest //= 28
    month = rest % 12 + 1
    rest //= 12
    region = REGIONS[rest % len(REGIONS)]
    if rest // len(REGIONS) % 2:
        day += 40
    nik = f"{region}{day:02d}{month:02d}90{serial:04d}"
    assert is_valid_nik(nik), nik
    return nik


def phone_for(index: int) -> str:
    """A mobile number (Telkomsel 0812…), distinct for every index below 10⁸."""
    return f"0812{index % 10**8:08d}"


def address_block(rng: random.Random) -> int:
    """A random first address inside 10.0.0.0/8 for this run: rate-limit counters are kept
    for minutes in the shared cache, so a second run must not inherit the first one's."""
    return rng.randrange(2**24 - 2**20)


def address_for(block: int, index: int) -> str:
    """The index-th address from the run's first one (a million of them)."""
    return str(ipaddress.IPv4Address(_TEN + (block + index) % 2**24))


def name_for(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def citizen(index: int, *, block: int, rng: random.Random) -> Identity:
    return Identity(
        name=name_for(rng),
        nik=nik_for(index),
        whatsapp=phone_for(index),
        address=address_for(block, index),
    )


def malformed_nik(rng: random.Random) -> str:
    """A NIK that breaks one of the format rules, chosen at random among the usual ones."""
    good = nik_for(rng.randrange(10**6))
    kind = rng.randrange(6)
    if kind == 0:
        bad = good[:15]  # a digit short
    elif kind == 1:
        bad = good + str(rng.randrange(10))  # a digit too many
    elif kind == 2:
        province = rng.choice([p for p in range(10, 100) if p not in PROVINCE_CODES])
        bad = f"{province:02d}{good[2:]}"  # no such province
    elif kind == 3:
        bad = good[:6] + "32" + good[8:]  # day 32
    elif kind == 4:
        bad = good[:12] + "0000"  # serial 0000
    else:
        bad = good[:8] + "13" + good[10:]  # month 13
    assert not is_valid_nik(bad), bad
    return bad
