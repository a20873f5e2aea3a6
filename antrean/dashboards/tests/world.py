"""Two provinces, two offices and their roll-up rows, made directly (as the worker would have
kept them), with figures small enough to check by hand.

Bali (51) › Kabupaten Badung (51.03) › MPP Badung (WITA): Disdukcapil (KTP-el, KK) and Samsat
(STNK). Jawa Timur (35) › Kabupaten Sidoarjo (35.15) › MPP Sidoarjo (WIB): Disdukcapil (KTP-el).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from antrean.stats.models import (
    SURVEY_SUM_FIELDS,
    WAIT_BUCKET_FIELDS,
    OfficeDay,
    ServiceDay,
    wait_bucket,
)
from antrean.testing.factories import (
    make_agency,
    make_national_admin,
    make_office,
    make_officer,
    make_province,
    make_regency,
    make_regional_admin,
    make_service,
)

DAY = dt.date(2026, 11, 10)  # a Tuesday in November 2026
NOW = dt.datetime(2026, 12, 5, 4, 0, tzinfo=dt.UTC)  # 5 Dec 2026, 12.00 WITA


@dataclass
class World:
    bali: object
    badung: object
    jatim: object
    sidoarjo_region: object
    office: object  # MPP Badung
    other: object  # MPP Sidoarjo
    dukcapil: object
    samsat: object
    ktp: object
    kk: object
    stnk: object
    other_ktp: object
    national: object
    province: object  # pemprov-bali
    regency: object  # pemkab-badung
    other_regency: object  # pemkab-sidoarjo
    head: object  # kepala-mpp-badung
    office_admin: object
    agency_admin: object  # Samsat's
    officer: object


def make_world() -> World:
    bali = make_province("51", "Bali")
    badung = make_regency("51.03", "Kabupaten Badung", province=bali)
    jatim = make_province("35", "Jawa Timur")
    sidoarjo = make_regency("35.15", "Kabupaten Sidoarjo", province=jatim)
    office = make_office(code="mpp-badung", name="MPP Badung", region=badung)
    other = make_office(
        code="mpp-sidoarjo", name="MPP Sidoarjo", region=sidoarjo, timezone_name="Asia/Jakarta"
    )
    dukcapil = make_agency(office, code="disdukcapil", name="Disdukcapil", short_name="Disdukcapil")
    samsat = make_agency(office, code="samsat", name="Samsat", short_name="Samsat", position=1)
    other_dukcapil = make_agency(other, code="disdukcapil", short_name="Disdukcapil Sidoarjo")
    return World(
        bali=bali,
        badung=badung,
        jatim=jatim,
        sidoarjo_region=sidoarjo,
        office=office,
        other=other,
        dukcapil=dukcapil,
        samsat=samsat,
        ktp=make_service(agency=dukcapil, code="ktp-el", name="Perekaman KTP-el", prefix="A"),
        kk=make_service(agency=dukcapil, code="kk", name="Kartu Keluarga", prefix="B"),
        stnk=make_service(agency=samsat, code="stnk", name="Pajak STNK", prefix="C"),
        other_ktp=make_service(agency=other_dukcapil, code="ktp-el", name="KTP-el", prefix="A"),
        national=make_national_admin(username="kemenpanrb"),
        province=make_regional_admin(bali, username="pemprov-bali"),
        regency=make_regional_admin(badung, username="pemkab-badung"),
        other_regency=make_regional_admin(sidoarjo, username="pemkab-sidoarjo"),
        head=make_officer(dukcapil, role="office_head", username="kepala-mpp-badung"),
        office_admin=make_officer(dukcapil, role="office_admin", username="admin-mpp-badung"),
        agency_admin=make_officer(samsat, role="agency_admin", username="admin-samsat"),
        officer=make_officer(dukcapil, username="petugas-dukcapil"),
    )


def add_day(
    service,
    date: dt.date,
    *,
    online: int = 0,
    walkin: int = 0,
    served: int = 0,
    no_shows: int = 0,
    waits: tuple[int, ...] = (),  # seconds, one per called ticket
    services: tuple[int, ...] = (),  # seconds, one per finished ticket
    pacts: int = 0,
    calls: int = 0,
    calls_pledged: int = 0,
    surveys: tuple[int, ...] = (),  # one answer (1–4) per response, the same for u1…u9
    flags: int = 0,
) -> ServiceDay:
    """One service-day, added into its office-day (created or summed)."""
    histogram = [0] * len(WAIT_BUCKET_FIELDS)
    for seconds in waits:
        histogram[wait_bucket(seconds)] += 1
    ordered = sorted(waits)
    figures = {
        "tickets_online": online,
        "tickets_walkin": walkin,
        "served": served,
        "no_shows": no_shows,
        "wait_count": len(waits),
        "wait_sum_s": sum(waits),
        "service_count": len(services),
        "service_sum_s": sum(services),
        "pacts_citizen": pacts,
        "calls": calls,
        "calls_pledged": calls_pledged,
        "survey_responses": len(surveys),
        "audit_flags": flags,
        **dict(zip(WAIT_BUCKET_FIELDS, histogram, strict=True)),
        **{name: sum(surveys) for name in SURVEY_SUM_FIELDS},
    }
    row = ServiceDay.objects.create(
        office=service.agency.office,
        agency=service.agency,
        service=service,
        date=date,
        wait_p50_s=ordered[len(ordered) // 2] if ordered else None,
        wait_p90_s=ordered[int(len(ordered) * 0.9)] if ordered else None,
        **figures,
    )
    office_day, _created = OfficeDay.objects.get_or_create(office=service.agency.office, date=date)
    for name, value in figures.items():
        setattr(office_day, name, getattr(office_day, name) + value)
    office_day.save()
    return row


def add_office_figures(office, date: dt.date, **values) -> OfficeDay:
    """Office-wide figures of a day (officers' pledges, reports)."""
    office_day, _created = OfficeDay.objects.get_or_create(office=office, date=date)
    for name, value in values.items():
        setattr(office_day, name, value)
    office_day.save()
    return office_day


def fill_days(world: World, start: dt.date, days: int, *, seed: int = 7) -> None:
    """Plausible, varied roll-ups for every service of both offices over `days` days (for the
    browser tests and the screenshots: figures nobody checks by hand)."""
    import random

    rng = random.Random(seed)
    for n in range(days):
        date = start + dt.timedelta(days=n)
        weekend = date.weekday() >= 5
        for service, size in (
            (world.ktp, 40),
            (world.kk, 18),
            (world.stnk, 30),
            (world.other_ktp, 35),
        ):
            scale = 0.3 if weekend else 1.0
            online = int(rng.randint(size // 2, size) * scale)
            walkin = int(rng.randint(size // 4, size // 2) * scale)
            no_shows = rng.randint(0, max(1, online // 6))
            served = max(0, online + walkin - no_shows - rng.randint(0, 2))
            waits = tuple(
                rng.randint(60, 2400 if service is world.stnk else 1500) for _ in range(served)
            )
            calls = served + no_shows
            add_day(
                service,
                date,
                online=online,
                walkin=walkin,
                served=served,
                no_shows=no_shows,
                waits=waits,
                services=tuple(rng.randint(180, 900) for _ in range(served)),
                pacts=online + walkin,
                calls=calls,
                calls_pledged=calls - (rng.random() < 0.1),
                surveys=tuple(rng.choice((3, 3, 4, 4, 2)) for _ in range(served // 4)),
                flags=1 if rng.random() < 0.15 else 0,
            )
        for office in (world.office, world.other):
            day = OfficeDay.objects.get(office=office, date=date)
            day.officers_pledged = 3 if weekend else rng.randint(6, 9)
            day.reports_received = 1 if rng.random() < 0.08 else 0
            day.reports_closed_not_substantiated = 1 if rng.random() < 0.04 else 0
            day.reports_closed_substantiated = 1 if rng.random() < 0.02 else 0
            day.save()
