"""Load the demo offices of antrean/demo/data.py, idempotently.

Rows are found by their codes; a second run creates nothing and only brings back values that
differ from the data (an admin's edit of a demo row is undone by an explicit reload, never by
`--if-empty`). Closures and slots are only ever added.

Staff accounts (one officer per agency, one admin per office) need a password, so they are made
by `serve` once the development admin exists: `demo_staff_ensure`.
"""

import datetime as dt
import secrets
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Model

from antrean.catalog.models import Counter, Service
from antrean.catalog.services import office_slots_ensure
from antrean.demo.data import OFFICES
from antrean.tenancy.models import Agency, Closure, Membership, Office, OpeningHours, Region
from antrean.tenancy.services import closures_seed_national


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    offices: list[str] = field(default_factory=list)

    def count(self, kind: str, *, created: bool, changed: bool) -> None:
        if created:
            self.created[kind] = self.created.get(kind, 0) + 1
        elif changed:
            self.updated[kind] = self.updated.get(kind, 0) + 1

    def add(self, kind: str, n: int) -> None:
        if n:
            self.created[kind] = self.created.get(kind, 0) + n

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated)


def _upsert(model: type[Model], lookup: dict, values: dict) -> tuple[Model, bool, bool]:
    """get_or_create, then save only the fields whose value differs: (row, created, changed)."""
    obj, created = model.objects.get_or_create(**lookup, defaults=values)
    if created:
        return obj, True, False
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
    return obj, False, bool(changed)


def _time(value: str | None) -> dt.time | None:
    return dt.time.fromisoformat(value) if value else None


def region_ensure(*, code: str, name: str, province_code: str, province_name: str) -> Region:
    """The regency or city, under its province (provinces come from a migration)."""
    province, _ = Region.objects.get_or_create(
        code=province_code, defaults={"name": province_name, "level": Region.Level.PROVINCE}
    )
    level = Region.Level.CITY if name.lower().startswith("kota") else Region.Level.REGENCY
    region, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": province}
    )
    if region.parent_id is None and region.pk != province.pk:
        region.parent = province
        region.save(update_fields=["parent"])
    return region


def office_load(data: dict, *, report: SeedReport, now: dt.datetime | None = None) -> Office:
    """One office with its hours, closures, agencies, services and bookable slots."""
    region = region_ensure(
        code=data["region_code"],
        name=data["region_name"],
        province_code=data["province_code"],
        province_name=data["province_name"],
    )
    office, created, changed = _upsert(
        Office,
        {"code": data["code"]},
        {
            "name": data["name"],
            "region": region,
            "timezone": data["timezone"],
            "address": data.get("address", ""),
            "phone": data.get("phone", ""),
            "daily_cutoff": _time(data.get("daily_cutoff")),
        },
    )
    report.count("kantor", created=created, changed=changed)

    for weekday, (opens, closes, break_start, break_end) in data["opening_hours"].items():
        _, created, changed = _upsert(
            OpeningHours,
            {"office": office, "weekday": weekday},
            {
                "opens": _time(opens),
                "closes": _time(closes),
                "break_start": _time(break_start),
                "break_end": _time(break_end),
            },
        )
        report.count("jam layanan", created=created, changed=changed)

    for position, agency_data in enumerate(data["agencies"], start=1):
        agency, created, changed = _upsert(
            Agency,
            {"office": office, "code": agency_data["code"]},
            {
                "name": agency_data["name"],
                "short_name": agency_data["short_name"],
                "position": position,
            },
        )
        report.count("instansi", created=created, changed=changed)
        for service_position, service_data in enumerate(agency_data["services"], start=1):
            _, created, changed = _upsert(
                Service,
                {"office": office, "code": service_data["code"]},
                {
                    "agency": agency,
                    "name": service_data["name"],
                    "description": service_data.get("description", ""),
                    "prefix": service_data["prefix"],
                    "fee": service_data["fee"],
                    "fee_note": service_data.get("fee_note", ""),
                    "requirements": "\n".join(service_data["requirements"]),
                    "duration_minutes": service_data["duration_minutes"],
                    "slot_minutes": service_data["slot_minutes"],
                    "slot_capacity": service_data["slot_capacity"],
                    "walkin_daily_quota": service_data["walkin_daily_quota"],
                    "release_mode": service_data.get("release_mode", "first_come"),
                    "draw_open_days": service_data.get("draw_open_days", 7),
                    "draw_close_days": service_data.get("draw_close_days", 6),
                    "position": service_position,
                },
            )
            report.count("layanan", created=created, changed=changed)

    counters_load(office=office, data=data, report=report)
    # Closures before slots, so no slot is made on a closed day.
    report.add("hari tutup", closures_load(office=office, data=data, now=now))
    report.add("jadwal", office_slots_ensure(office=office, now=now))
    # Draws whose window is open now get their commitment at once (the worker does it too).
    from antrean.draws.services import draws_open_due

    report.add("undian", draws_open_due(now=now))
    report.offices.append(office.code)
    return office


def counters_load(*, office: Office, data: dict, report: SeedReport) -> None:
    """The office's counters, each serving its agency's services or the listed subset."""
    agencies = {agency.code: agency for agency in Agency.objects.filter(office=office)}
    for counter_data in data.get("counters", []):
        agency = agencies.get(counter_data["agency"])
        if agency is None:
            continue
        services = Service.objects.filter(agency=agency)
        if counter_data.get("services"):
            services = services.filter(code__in=counter_data["services"])
        counter, created, changed = _upsert(
            Counter,
            {"office": office, "number": counter_data["number"]},
            {"agency": agency, "name": counter_data.get("name", "")},
        )
        wanted = set(services.values_list("pk", flat=True))
        if set(counter.services.values_list("pk", flat=True)) != wanted:
            counter.services.set(wanted)
            changed = True
        report.count("loket", created=created, changed=changed)


def closures_load(*, office: Office, data: dict, now: dt.datetime | None = None) -> int:
    """National holidays for this year and next, then the office's regional days.

    A regional day on a date that is already closed (Nyepi is also a national holiday) is
    skipped. Returns how many closures were added.
    """
    before = Closure.objects.filter(office=office).count()
    year = office.local_today(now).year
    closures_seed_national(office=office, years=[year, year + 1])
    Closure.objects.bulk_create(
        [
            Closure(
                office=office,
                date=dt.date.fromisoformat(date),
                reason=reason,
                kind=Closure.Kind.REGIONAL,
            )
            for date, reason in data.get("regional_closures", [])
        ],
        ignore_conflicts=True,
    )
    return Closure.objects.filter(office=office).count() - before


def seed_demo(*, offices: list[dict] | None = None, now: dt.datetime | None = None) -> SeedReport:
    """Load every demo office, each in its own transaction."""
    report = SeedReport()
    for data in offices if offices is not None else OFFICES:
        with transaction.atomic():
            office_load(data, report=report, now=now)
    return report


def demo_is_needed() -> bool:
    """True on an empty installation: no office at all (not even one an admin made)."""
    return not Office.objects.exists()


# --- Demo staff ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    password: str | None  # only when generated here: the one time it can be shown


@dataclass
class StaffReport:
    accounts: list[DemoAccount] = field(default_factory=list)
    counters: int = 0

    @property
    def changed_anything(self) -> bool:
        return bool(self.accounts or self.counters)


def office_admin_username(office: Office) -> str:
    return f"admin-{office.code}"


def inspector_username(office: Office) -> str:
    return f"inspektorat-{office.code}"


def office_head_username(office: Office) -> str:
    return f"kepala-{office.code}"


# The ministry's demo account (national admin: every office and region).
NATIONAL_USERNAME = "kemenpanrb"


def demo_admin_usernames() -> list[str]:
    """The demo accounts above the officer (they sign in with a second factor), from the
    ministry down."""
    return [
        NATIONAL_USERNAME,
        *dict.fromkeys(data["province_account"] for data in OFFICES),
        *(data["regency_account"] for data in OFFICES),
        *(f"kepala-{data['code']}" for data in OFFICES),
        *(f"admin-{data['code']}" for data in OFFICES),
        *(f"inspektorat-{data['code']}" for data in OFFICES),
    ]


def demo_staff_ensure(*, password: str | None) -> StaffReport:
    """For each demo office present: its counters (when it has none yet), one officer per
    agency (username = agency code), one office admin (`admin-<office code>`), its head
    (`kepala-<office code>`), one inspectorate account of the office's region
    (`inspektorat-<office code>`), and the admins of its regency (`pemkab-…`) and province
    (`pemprov-…`); once, the ministry's national admin (`kemenpanrb`).

    Every account gets `password` (the development admin's), or its own generated one when
    that is unknown. Existing accounts are left exactly as they are: their password may have
    been changed on purpose. Idempotent.
    """
    report = StaffReport()
    # One hash for every account sharing the password: hashing is slow on purpose.
    shared = make_password(password) if password else None
    any_office = False
    for data in OFFICES:
        office = Office.objects.filter(code=data["code"]).first()
        if office is None:
            continue
        with transaction.atomic():
            if not office.counters.exists():
                seeded = SeedReport()
                counters_load(office=office, data=data, report=seeded)
                report.counters += seeded.created.get("loket", 0)
            agencies = Agency.objects.filter(
                office=office, code__in=[a["code"] for a in data["agencies"]]
            )
            for account in _office_accounts(office, data, agencies.order_by("position")):
                _account_ensure(**account, shared=shared, report=report)
            any_office = True
    if any_office:
        _account_ensure(
            username=NATIONAL_USERNAME,
            first_name="Kementerian PANRB",
            last_name="",
            role=Membership.Role.NATIONAL_ADMIN,
            shared=shared,
            report=report,
        )
    return report


def _office_accounts(office: Office, data: dict, agencies) -> list[dict]:
    """The demo accounts of one office and the governments above it."""
    Role = Membership.Role
    region = office.region
    return [
        *(
            {
                "username": agency.code,
                "first_name": "Petugas",
                "last_name": agency.short_name,
                "role": Role.OFFICER,
                "office": office,
                "agency": agency,
            }
            for agency in agencies
        ),
        {
            "username": office_admin_username(office),
            "first_name": "Admin",
            "last_name": office.name,
            "role": Role.OFFICE_ADMIN,
            "office": office,
        },
        {
            "username": office_head_username(office),
            "first_name": "Kepala",
            "last_name": office.name,
            "role": Role.OFFICE_HEAD,
            "office": office,
        },
        {
            "username": data["regency_account"],
            "first_name": "Admin",
            "last_name": region.name,
            "role": Role.REGENCY_ADMIN,
            "region": region,
        },
        {
            "username": data["province_account"],
            "first_name": "Admin",
            "last_name": f"Provinsi {region.parent.name}",
            "role": Role.PROVINCE_ADMIN,
            "region": region.parent,
        },
        # The inspectorate (APIP) of the office's region: it alone reads the reports.
        {
            "username": inspector_username(office),
            "first_name": "Inspektorat",
            "last_name": region.name,
            "role": Role.INSPECTORATE,
            "region": region,
        },
    ]


def _account_ensure(
    *,
    username,
    first_name,
    last_name,
    role,
    shared,
    report: StaffReport,
    office=None,
    agency=None,
    region=None,
) -> None:
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        generated = None if shared else secrets.token_urlsafe(12)
        user = User.objects.create(
            username=username,
            first_name=first_name,
            last_name=last_name[:150],
            is_staff=True,
            password=shared or make_password(generated),
        )
        report.accounts.append(DemoAccount(username=username, role=role, password=generated))
    Membership.objects.get_or_create(
        user=user, role=role, office=office, agency=agency, region=region
    )
