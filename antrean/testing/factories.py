"""Factories that create real rows with sensible defaults; every argument can be overridden."""

import datetime as dt
import itertools

from django.utils import timezone

from antrean.booking.services import BookingRequest
from antrean.catalog.models import Service, Slot
from antrean.integrity.models import Audience
from antrean.integrity.services import pact_in_force
from antrean.tenancy.models import Agency, Office, OpeningHours, Region

_seq = itertools.count(1)


def make_nik(n: int | None = None, *, region: str = "510301") -> str:
    """A well-formed NIK: Badung district, born 1 Jan 1990, serial n."""
    n = n if n is not None else next(_seq)
    return f"{region}010190{n % 10000 or 1:04d}"


def make_phone(n: int | None = None) -> str:
    n = n if n is not None else next(_seq)
    return f"0812{n % 10**8:08d}"


def make_region(code: str = "51.03", name: str = "Kabupaten Badung") -> Region:
    region, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": Region.Level.REGENCY}
    )
    return region


def make_office(
    *,
    code: str | None = None,
    timezone_name: str = "Asia/Makassar",
    open_every_day: bool = True,
    **fields,
) -> Office:
    """An office open 08:00–16:00 every day (so tests never fall on a weekend by chance).

    Proof of the WhatsApp number is off unless a test asks for it (`number_proof_web="on"`,
    or "auto", the model's default): most tests book with the Cloud API gateway in place and
    mean a booking made at once (antrean/booking/tests/test_holds.py covers proof)."""
    code = code or f"kantor-{next(_seq)}"
    fields.setdefault("number_proof_web", "off")
    fields.setdefault("number_proof_api", "off")
    office = Office.objects.create(
        code=code,
        name=fields.pop("name", f"Mal Pelayanan Publik {code}"),
        region=fields.pop("region", None) or make_region(),
        timezone=timezone_name,
        **fields,
    )
    if open_every_day:
        OpeningHours.objects.bulk_create(
            [
                OpeningHours(office=office, weekday=d, opens=dt.time(8), closes=dt.time(16))
                for d in range(7)
            ]
        )
    return office


def make_agency(office: Office, **fields) -> Agency:
    n = next(_seq)
    return Agency.objects.create(
        office=office,
        code=fields.pop("code", f"instansi-{n}"),
        name=fields.pop("name", f"Instansi {n}"),
        short_name=fields.pop("short_name", f"Instansi {n}"),
        **fields,
    )


_PREFIXES = itertools.cycle("ABCDEFGHJKLMNPQRSTUVWXYZ")


def make_service(
    office: Office | None = None, *, agency: Agency | None = None, **fields
) -> Service:
    agency = agency or make_agency(office or make_office())
    n = next(_seq)
    return Service.objects.create(
        agency=agency,
        code=fields.pop("code", f"layanan-{n}"),
        name=fields.pop("name", f"Layanan {n}"),
        prefix=fields.pop("prefix", next(_PREFIXES)),
        **fields,
    )


def tomorrow(office: Office) -> dt.date:
    return office.local_today() + dt.timedelta(days=1)


def make_slot(
    service: Service | None = None,
    *,
    date: dt.date | None = None,
    start: dt.time = dt.time(9),
    end: dt.time = dt.time(10),
    capacity: int = 5,
) -> Slot:
    service = service or make_service()
    office = service.office
    date = date or tomorrow(office)
    return Slot.objects.create(
        service=service,
        date=date,
        start=start,
        end=end,
        starts_at=dt.datetime.combine(date, start, tzinfo=office.zone),
        ends_at=dt.datetime.combine(date, end, tzinfo=office.zone),
        capacity=capacity,
    )


def booking_request(slot: Slot, **overrides) -> BookingRequest:
    """A valid request for `slot`, agreeing to the pact in force."""
    rendering = pact_in_force(office=slot.service.office, audience=Audience.CITIZEN)
    values = {
        "slot_id": slot.pk,
        "name": "Ni Made Ayu Lestari",
        "nik": make_nik(),
        "whatsapp": make_phone(),
        "pact_version": rendering.pact.version,
        "pact_sha256": rendering.sha256,
        "pact_agreed": True,
        "whatsapp_consent": False,
    }
    values.update(overrides)
    return BookingRequest(**values)


def now() -> dt.datetime:
    return timezone.now()


# --- Counters, officers and the queue (issue 5) ----------------------------------------------

_counter_numbers = itertools.count(1)


def make_counter(
    office: Office | None = None,
    *,
    agency: Agency | None = None,
    services=(),
    number: int | None = None,
    **fields,
):
    """A counter of `agency` (a new one at `office` if not given) serving `services`."""
    from antrean.catalog.models import Counter

    agency = agency or make_agency(office or make_office())
    counter = Counter.objects.create(
        agency=agency, number=number or next(_counter_numbers), **fields
    )
    counter.services.set(services)
    return counter


def make_officer(agency: Agency, *, role: str = "officer", username: str | None = None):
    """A staff account with a membership at `agency` (role officer unless told)."""
    from django.contrib.auth import get_user_model

    from antrean.tenancy.models import Membership

    user = get_user_model().objects.create_user(
        username=username or f"petugas-{next(_seq)}", password=None, is_staff=True
    )
    Membership.objects.create(
        user=user,
        role=role,
        office=agency.office,
        agency=None
        if role in (Membership.Role.OFFICE_ADMIN, Membership.Role.OFFICE_HEAD)
        else agency,
    )
    return user


def make_province(code: str = "51", name: str = "Bali") -> Region:
    region, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": Region.Level.PROVINCE}
    )
    return region


def make_regency(code: str, name: str, *, province: Region) -> Region:
    """A regency of `province` (created, or the existing one moved under it)."""
    region, _ = Region.objects.update_or_create(
        code=code, defaults={"name": name, "level": Region.Level.REGENCY, "parent": province}
    )
    return region


def make_regional_admin(region: Region, *, username: str | None = None):
    """The admin of a province or of a regency/city (the role follows the region's level)."""
    from django.contrib.auth import get_user_model

    from antrean.tenancy.models import Membership

    role = (
        Membership.Role.PROVINCE_ADMIN
        if region.level == Region.Level.PROVINCE
        else Membership.Role.REGENCY_ADMIN
    )
    user = get_user_model().objects.create_user(
        username=username or f"pemda-{next(_seq)}", password=None, is_staff=True
    )
    Membership.objects.create(user=user, role=role, region=region)
    return user


def make_national_admin(*, username: str | None = None):
    from django.contrib.auth import get_user_model

    from antrean.tenancy.models import Membership

    user = get_user_model().objects.create_user(
        username=username or f"nasional-{next(_seq)}", password=None, is_staff=True
    )
    Membership.objects.create(user=user, role=Membership.Role.NATIONAL_ADMIN)
    return user


def make_inspector(region: Region, *, username: str | None = None):
    """An inspectorate (APIP) account of `region`: it handles the region's offices' reports."""
    from django.contrib.auth import get_user_model

    from antrean.tenancy.models import Membership

    user = get_user_model().objects.create_user(
        username=username or f"inspektorat-{next(_seq)}", password=None, is_staff=True
    )
    Membership.objects.create(user=user, role=Membership.Role.INSPECTORATE, region=region)
    return user


def sign_officer_pact(user, office: Office, *, now: dt.datetime | None = None):
    """Sign today's officer pact (the text in force for the officer's agency)."""
    from antrean.integrity.services import ClientInfo
    from antrean.queueing.services import officer_agency, officer_pact_sign

    rendering = pact_in_force(
        office=office, audience=Audience.OFFICER, agency=officer_agency(user=user, office=office)
    )
    return officer_pact_sign(
        user=user,
        office=office,
        pact_version=rendering.pact.version,
        pact_sha256=rendering.sha256,
        pact_agreed=True,
        client=ClientInfo(channel="counter", ip="192.0.2.10", user_agent="pytest"),
        now=now,
    )


def local_time(office: Office, date: dt.date, hour: int, minute: int = 0, second: int = 0):
    """An aware moment at the office's wall-clock time on `date`."""
    return dt.datetime.combine(date, dt.time(hour, minute, second), tzinfo=office.zone)


def make_booking(slot: Slot, *, now: dt.datetime | None = None, **overrides):
    """Book `slot` through booking_create (a day before the slot unless `now` is given)."""
    from antrean.booking.services import booking_create
    from antrean.integrity.services import ClientInfo

    now = now or slot.starts_at - dt.timedelta(days=1)
    return booking_create(
        request=booking_request(slot, **overrides),
        client=ClientInfo(channel="web", ip="198.51.100.7", user_agent="pytest"),
        now=now,
    )


def make_walk_in(
    service: Service,
    *,
    now: dt.datetime | None = None,
    priority: str = "",
    name: str = "I Wayan Sudarma",
    officer=None,
):
    """A walk-in ticket taken at the office's kiosk (or issued by `officer`), agreeing to the
    citizen pact in force."""
    from antrean.integrity.services import ClientInfo
    from antrean.queueing.services import ticket_walk_in

    rendering = pact_in_force(office=service.office, audience=Audience.CITIZEN)
    return ticket_walk_in(
        service=service,
        name=name,
        pact_version=rendering.pact.version,
        pact_sha256=rendering.sha256,
        pact_agreed=True,
        client=ClientInfo(channel="kiosk", ip="192.0.2.20", user_agent="pytest"),
        priority=priority,
        officer=officer,
        kiosk=None if officer else kiosk_of(service.office),
        now=now,
    )


# --- Check-in (security issue: every check-in happens somewhere) -----------------------------


def kiosk_of(office: Office):
    """The office's test kiosk (registered on first use)."""
    from antrean.display.kiosk import kiosk_register
    from antrean.display.models import Kiosk

    kiosk = Kiosk.objects.filter(office=office, name="Kios uji").select_related("office").first()
    return kiosk or kiosk_register(office=office, name="Kios uji")[0]


def check_in(*, code: str, nik_last4: str, now: dt.datetime | None = None, office=None):
    """Check a booking in at its office's kiosk, as a citizen does (no officer recorded).

    `office` is the kiosk's office when the code belongs to no ticket (or to test another
    office's kiosk)."""
    from antrean.queueing.models import Ticket
    from antrean.queueing.services import ticket_check_in

    if office is None:
        normalised = (code or "").strip().upper().replace("-", "").replace(" ", "")
        ticket = Ticket.objects.filter(code=normalised).select_related("office").first()
        office = ticket.office if ticket else Office.objects.order_by("pk").first()
    return ticket_check_in(code=code, nik_last4=nik_last4, kiosk=kiosk_of(office), now=now)


def make_superuser(username: str = "root"):
    """The installation's operator: every permission (tenancy.permissions)."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    return User.objects.filter(username=username).first() or User.objects.create_superuser(
        username=username, password=None
    )
