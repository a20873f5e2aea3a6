"""How fast the national dashboard answers over a year of roll-ups for 500 offices, on the
database in DATABASE_URL (a throwaway one: rows are added to it).

Usage: DATABASE_URL=postgres://…/<fresh, migrated db> .venv/bin/python -m bench.dashboard
           [--offices 500] [--days 365] [--services 3] [--requests 30] [--json PATH]

Spreads the offices over the 38 provinces, one regency or city each (Indonesia has 514), one
agency with `--services` services per office, and one roll-up row per office and service and
day over the last `--days` days (OfficeDay and ServiceDay, bulk inserts; not part of the
figure), then the monthly roll-up the worker keeps (OfficeMonth).
Then, signed in as a national admin (through the test client, in-process: the figure is the
server's own time, without network), asks `--requests` times each: the national dashboard
page over the last 12 months (`?rentang=12-bulan`, every chart and table), as first opened
(the last 30 days) and over 90 days, the same page's comparison export (CSV), the API's summary
of the largest province over the same year, and one office's dashboard; prints p50/p95 against
the goal p95 ≤ 300 ms for the national page, whichever the period.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from bench.common import django_setup, out_dir, percentile, write_json

GOAL_P95_MS = 300
BATCH = 2000  # office-days per insert round
# Columns of a roll-up row, in the order the seed writes them.
COUNT_COLUMNS: list[str] = []
VALUE_COLUMNS: list[str] = []
OFFICE_COLUMNS = (
    "officers_pledged",
    "reports_received",
    "reports_closed_substantiated",
    "reports_closed_not_substantiated",
    "reports_closed_referred",
)


def _columns() -> None:
    from antrean.stats.models import SURVEY_SUM_FIELDS, WAIT_BUCKET_FIELDS

    COUNT_COLUMNS[:] = [
        "tickets_online",
        "tickets_walkin",
        "served",
        "no_shows",
        "cancelled",
        "wait_count",
        "wait_sum_s",
        "service_count",
        "service_sum_s",
        "pacts_citizen",
        "calls",
        "calls_pledged",
        "survey_responses",
        "audit_flags",
        *WAIT_BUCKET_FIELDS,
        *SURVEY_SUM_FIELDS,
    ]
    VALUE_COLUMNS[:] = [*COUNT_COLUMNS, "wait_p50_s", "wait_p90_s", "service_p50_s", "updated_at"]


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Rows straight into the table: COPY on PostgreSQL (the Django ORM would spend minutes
    building 700,000 objects), executemany elsewhere."""
    from django.db import connection, transaction

    if not rows:
        return
    table = model._meta.db_table
    names = ", ".join(columns)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            # Table and column names come from the models, never from input.
            insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(insert, rows)


def seed(*, offices: int, days: int, services: int, seed: int = 2026) -> dict:
    from django.utils import timezone

    from antrean.catalog.models import Service
    from antrean.stats.models import (
        SURVEY_SUM_FIELDS,
        WAIT_BUCKET_FIELDS,
        OfficeDay,
        ServiceDay,
    )
    from antrean.tenancy.models import Agency, Office, Region

    _columns()
    now = timezone.now()
    rng = random.Random(seed)
    started = time.monotonic()
    # The 38 provinces (the migrations seed them); regencies of our own, numbered from 60
    # so that real ones (the demo's 51.03) never clash.
    provinces = list(Region.objects.filter(level=Region.Level.PROVINCE).order_by("code"))
    regencies = Region.objects.bulk_create(
        Region(
            code=f"{provinces[n % len(provinces)].code}.{60 + n // len(provinces):02d}",
            name=f"Kabupaten Uji {n + 1}",
            level=Region.Level.REGENCY,
            parent=provinces[n % len(provinces)],
        )
        for n in range(offices)
    )
    zones = ("Asia/Jakarta", "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
    office_rows = Office.objects.bulk_create(
        Office(
            code=f"bench-mpp-{n + 1:03d}",
            name=f"MPP Uji {n + 1:03d}",
            region=regencies[n],
            timezone=zones[n % len(zones)],
        )
        for n in range(offices)
    )
    agencies = Agency.objects.bulk_create(
        Agency(office=office, code="disdukcapil", name="Disdukcapil", short_name="Disdukcapil")
        for office in office_rows
    )
    service_rows = Service.objects.bulk_create(
        Service(
            agency=agency,
            office_id=agency.office_id,
            code=f"layanan-{k + 1}",
            name=f"Layanan {k + 1}",
            prefix="ABC"[k % 3],
        )
        for agency in agencies
        for k in range(services)
    )
    by_office: dict[int, list] = {}
    for service in service_rows:
        by_office.setdefault(service.agency.office_id, []).append(service)
    today = timezone.now().date()
    first = today - dt.timedelta(days=days - 1)
    buckets = len(WAIT_BUCKET_FIELDS)
    service_columns = ["office_id", "agency_id", "service_id", "date", *VALUE_COLUMNS]
    office_columns = ["office_id", "date", *VALUE_COLUMNS, *OFFICE_COLUMNS]
    service_days: list[tuple] = []
    office_days: list[tuple] = []
    rows = 0
    for office in office_rows:
        size = rng.randint(20, 120)
        for n in range(days):
            date = first + dt.timedelta(days=n)
            totals = [0] * len(COUNT_COLUMNS)
            for service in by_office[office.pk]:
                online = rng.randint(size // 3, size)
                walkin = rng.randint(0, size // 2)
                no_shows = rng.randint(0, online // 8 + 1)
                served = max(0, online + walkin - no_shows)
                histogram = [0] * buckets
                for _ in range(served):
                    histogram[min(buckets - 1, int(rng.expovariate(0.35)))] += 1
                responses = served // 5
                counts = [
                    online,
                    walkin,
                    served,
                    no_shows,
                    rng.randint(0, 3),
                    served,
                    served * rng.randint(240, 1500),
                    served,
                    served * rng.randint(180, 720),
                    online + walkin,
                    served + no_shows,
                    served + no_shows - (rng.random() < 0.1),
                    responses,
                    int(rng.random() < 0.1),
                    *histogram,
                    *(responses * rng.randint(3, 4) for _ in SURVEY_SUM_FIELDS),
                ]
                totals = [a + b for a, b in zip(totals, counts, strict=True)]
                service_days.append(
                    (
                        office.pk,
                        service.agency_id,
                        service.pk,
                        date,
                        *counts,
                        rng.randint(120, 900),
                        rng.randint(900, 3600),
                        rng.randint(180, 720),
                        now,
                    )
                )
            office_days.append(
                (
                    office.pk,
                    date,
                    *totals,
                    rng.randint(120, 900),
                    rng.randint(900, 3600),
                    None,
                    now,
                    rng.randint(3, 12),
                    int(rng.random() < 0.02),
                    0,
                    int(rng.random() < 0.01),
                    0,
                )
            )
            rows += 1
        if len(office_days) >= BATCH:
            _insert(ServiceDay, service_columns, service_days)
            _insert(OfficeDay, office_columns, office_days)
            service_days, office_days = [], []
    _insert(ServiceDay, service_columns, service_days)
    _insert(OfficeDay, office_columns, office_days)
    from antrean.dashboards.months import office_months_refresh_due

    months_started = time.monotonic()
    month_rows = office_months_refresh_due()
    return {
        "office_months": month_rows,
        "office_months_seconds": round(time.monotonic() - months_started, 1),
        "offices": offices,
        "days": days,
        "services_per_office": services,
        "office_days": rows,
        "service_days": rows * services,
        "seed_seconds": round(time.monotonic() - started, 1),
        "largest_province": max(
            provinces, key=lambda p: sum(1 for r in regencies if r.parent_id == p.pk)
        ).code,
        "office": office_rows[0].code,
    }


def _timed(client, path: str, runs: int, **headers) -> dict:
    for _ in range(2):  # warm: imports, template loading, the database's caches
        response = client.get(path, **headers)
        assert response.status_code == 200, (path, response.status_code)
    times = []
    size = 0
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path, **headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        size = len(response.content)
    return {
        "path": path,
        "requests": runs,
        "p50_ms": round(percentile(times, 0.5), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "max_ms": round(max(times), 1),
        "bytes": size,
    }


def measure(*, seeded: dict, requests: int) -> dict:
    from django.db import connection
    from django.test import Client

    from antrean.api.auth import api_token_issue
    from antrean.testing.factories import make_national_admin
    from antrean.testing.signin import sign_in

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    admin = make_national_admin(username=f"bench-nasional-{random.randint(0, 10**6)}")
    client = sign_in(Client(), admin)
    token = api_token_issue(user=admin).secret
    year = "rentang=12-bulan"
    runs = {
        "national page": _timed(client, f"/staf/dasbor/nasional/?{year}", requests),
        # As first opened (the default period, the last 30 days: office-days, not months),
        # and the longest preset drawn per day.
        "national page, 30 days": _timed(client, "/staf/dasbor/nasional/", requests),
        "national page, 90 days": _timed(
            client, "/staf/dasbor/nasional/?rentang=90-hari", requests
        ),
        "national comparison CSV": _timed(
            client, f"/staf/dasbor/nasional/kantor.csv?{year}", requests
        ),
        "region API": _timed(
            client,
            f"/api/v1/dashboard/regions/{seeded['largest_province']}/summary",
            requests,
            HTTP_AUTHORIZATION=f"Bearer {token}",
        ),
        "office page": _timed(client, f"/staf/dasbor/kantor/{seeded['office']}/?{year}", requests),
    }
    national = [run for name, run in runs.items() if name.startswith("national page")]
    return {
        "database": connection.vendor,
        "seed": seeded,
        "runs": runs,
        "goal_p95_ms": GOAL_P95_MS,
        "goal_met": all(run["p95_ms"] <= GOAL_P95_MS for run in national),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offices", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--services", type=int, default=3)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--json", type=str)
    args = parser.parse_args()
    django_setup()
    from django.conf import settings

    # As served (gunicorn loads antrean.wsgi): the startup's objects are frozen out of the
    # garbage collector's full passes.
    import antrean.wsgi  # noqa: F401

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    seeded = seed(offices=args.offices, days=args.days, services=args.services)
    print(
        f"seeded {seeded['offices']} offices × {seeded['days']} days: "
        f"{seeded['office_days']:,} office-days, {seeded['service_days']:,} service-days "
        f"in {seeded['seed_seconds']} s"
    )
    result = measure(seeded=seeded, requests=args.requests)
    for name, run in result["runs"].items():
        print(
            f"{name}: p50 {run['p50_ms']} ms, p95 {run['p95_ms']} ms, max {run['max_ms']} ms "
            f"({run['requests']} requests, {run['bytes']:,} bytes) {run['path']}"
        )
    for name, run in result["runs"].items():
        if name.startswith("national page"):
            met = "met" if run["p95_ms"] <= GOAL_P95_MS else "NOT met"
            print(f"goal p95 ≤ {GOAL_P95_MS} ms, {name}: {met}")
    verdict = "met" if result["goal_met"] else "NOT met"
    print(f"goal p95 ≤ {GOAL_P95_MS} ms for the national page, every period: {verdict}")
    from pathlib import Path

    write_json(Path(args.json) if args.json else out_dir() / "dashboard.json", result)


if __name__ == "__main__":
    main()
