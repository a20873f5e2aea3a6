"""Every ModelAdmin, every role: the admin shows and changes what tenancy.permissions decides,
and a crafted request for another office's rows is refused and changes nothing
(docs/security-notes/admin.md has the matrix).

Two offices are furnished alike: ours (Badung, with our agency and a sibling agency) and
theirs (Sidoarjo). Everything of theirs is named "Sidoarjo", everything of the sibling
agency "Sebelah", so a page that leaks them is caught by reading it.
"""

import datetime as dt

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from antrean.api.models import ApiToken
from antrean.catalog.models import Counter, Service, Slot
from antrean.display.models import Board, Kiosk
from antrean.integrity.models import Audience, PactPolicy, PactText, SigningKey
from antrean.notifications.models import (
    InboundMessage,
    Message,
    TemplateName,
    UnreachableNumber,
)
from antrean.notifications.models import Status as MessageStatus
from antrean.queueing.models import AuditFlag
from antrean.tenancy import permissions
from antrean.tenancy.admin_scope import ScopedAdmin, SuperuserOnlyAdmin, restrict_unscoped
from antrean.tenancy.models import Closure, Membership, Office
from antrean.testing.factories import (
    kiosk_of,
    make_agency,
    make_booking,
    make_counter,
    make_office,
    make_officer,
    make_region,
    make_regional_admin,
    make_service,
    make_slot,
    sign_officer_pact,
)
from antrean.testing.signin import sign_in

pytestmark = pytest.mark.django_db

User = get_user_model()
Role = Membership.Role

REGISTERED = sorted(model._meta.label_lower for model in admin.site._registry)
MODELS = {model._meta.label_lower: model for model in admin.site._registry}

SUPERUSER_ONLY = {
    "auth.group",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "django_tasks_database.dbtaskresult",
    # Staff authenticators (django-otp): secrets; a lost phone is reset by the operator.
    "otp_static.staticdevice",
    "otp_totp.totpdevice",
}
NATIONAL_ONLY = {
    "tenancy.region",
    "notifications.inboundmessage",
    "notifications.unreachablenumber",
}
# Where each model's rows belong, written out here apart from the admin classes: the path to
# the office, and to the agency for rows the agency's staff see too.
PATHS = {
    "tenancy.office": ("pk", None),
    "tenancy.closure": ("office", None),
    "tenancy.agency": ("office", "pk"),
    "tenancy.membership": ("office", "agency"),
    "catalog.service": ("office", "agency"),
    "catalog.slot": ("service__office", "service__agency"),
    "catalog.counter": ("office", "agency"),
    "integrity.pacttext": ("office", None),
    "integrity.pactpolicy": ("office", None),
    "integrity.pactrendering": ("office", "agency"),
    "integrity.pactsignature": ("office", None),
    "integrity.certificate": ("office", None),
    "integrity.signingkey": ("office", None),
    "integrity.ledgerhead": ("office", None),
    "queueing.ticket": ("office", "service__agency"),
    "queueing.auditflag": ("office", None),
    "notifications.message": ("office", "ticket__service__agency"),
    "notifications.templatename": ("office", None),
    "display.kiosk": ("office", None),
    "display.board": ("office", None),
}
# Rows without an office that are national defaults: office admins read them.
NATIONAL_DEFAULTS = {"integrity.pacttext", "notifications.templatename"}
# Accounts, and what belongs to an account: seen by the administrators of where they work.
ACCOUNTS = {"auth.user": "pk", "api.apitoken": "user"}
ADMINS_ONLY = {"tenancy.membership", *ACCOUNTS}
ROLES = [
    "superuser",
    "national",
    "regency_admin",
    "office_admin",
    "agency_admin",
    "officer",
    "stranger",
]
# The admin of ours' regency reaches what ours' office admin does (ours is its one office).
OFFICE_WHOLE = ("office_admin", "regency_admin")
BELOW_NATIONAL = ["regency_admin", "office_admin", "agency_admin", "officer"]
LEAKS = {
    "office_admin": ["Sidoarjo", "sidoarjo"],
    "regency_admin": ["Sidoarjo", "sidoarjo"],
    "agency_admin": ["Sidoarjo", "sidoarjo", "Sebelah", "sebelah"],
    "officer": ["Sidoarjo", "sidoarjo", "Sebelah", "sebelah"],
}


def _url(label: str, view: str, *args) -> str:
    app, model = label.split(".")
    return reverse(f"admin:{app}_{model}_{view}", args=args)


def _furnish_agency(agency, *, prefix: str, name: str):
    """A service with a slot, a counter, a booking (ticket, signature, certificate, message),
    an officer who signed the officer pact and holds an API token, and an audit flag."""
    service = make_service(agency=agency, name=f"Layanan {name}", prefix=prefix)
    slot = make_slot(service)
    make_counter(agency=agency, services=[service], name=f"Loket {name}")
    ticket = make_booking(slot, whatsapp_consent=True, name=f"Warga {name}").ticket
    officer = make_officer(agency, username=f"{name.lower()}-petugas")
    sign_officer_pact(officer, agency.office)
    ApiToken.objects.create(
        user=officer,
        key_hash=f"{agency.pk:064d}",
        label=f"Token {name}",
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    AuditFlag.objects.create(
        office=agency.office, kind="no_wait", ticket=ticket, at=timezone.now(), detail=name
    )
    return service


def _furnish_office(office, *, name: str):
    Closure.objects.create(office=office, date=dt.date(2031, 1, 1), reason=f"Libur {name}")
    kiosk = kiosk_of(office)
    kiosk.name = f"Anjungan {name}"
    kiosk.save()
    Board.objects.create(office=office, running_text=f"Teks {name}")
    PactText.objects.create(
        office=office, audience=Audience.CITIZEN, version=1, title=f"Draf {name}", body="Isi"
    )
    TemplateName.objects.create(office=office, kind="booking_confirmed", name=f"t_{name}")
    PactPolicy.objects.create(office=office, mode="extend")
    SigningKey.objects.create(
        office=office,
        key_id=f"k-{office.pk}",
        source=SigningKey.Source.DEVELOPMENT,
        certificate_pem="-",
        key_path="-",
        activated_at=timezone.now(),
    )


def _login_records():
    """django-axes' records of a failed and a successful login at Sidoarjo."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    seen = {"user_agent": "pytest", "ip_address": "192.0.2.9", "username": "sidoarjo-petugas"}
    seen.update(http_accept="*/*", path_info="/admin/login/", attempt_time=timezone.now())
    AccessAttempt.objects.create(**seen, get_data="", post_data="", failures_since_start=1)
    AccessFailureLog.objects.create(**seen)
    AccessLog.objects.create(**seen)


@pytest.fixture
def w():
    ours = make_office(code="mpp-badung", name="MPP Badung")
    theirs = make_office(
        code="mpp-sidoarjo",
        name="MPP Sidoarjo",
        timezone_name="Asia/Jakarta",
        region=make_region("35.15", "Kabupaten Sidoarjo"),
    )
    bare = make_office(  # nothing in it
        code="mpp-sidoarjo-dua", name="MPP Sidoarjo Dua", region=make_region("35.15")
    )
    agency = make_agency(ours, name="Dinas Badung", short_name="Disdukcapil Badung")
    sibling = make_agency(ours, name="Kantor Sebelah", short_name="Sebelah")
    foreign = make_agency(theirs, name="Dinas Sidoarjo", short_name="Disdukcapil Sidoarjo")
    world = {"ours": ours, "theirs": theirs, "bare": bare}
    world["bare_agency"] = make_agency(bare, short_name="Sidoarjo Dua")
    world["bare_service"] = make_service(agency=world["bare_agency"], name="Layanan Sidoarjo")
    world["agency"], world["sibling"], world["foreign"] = agency, sibling, foreign
    world["service"] = _furnish_agency(agency, prefix="A", name="Badung")
    world["sibling_service"] = _furnish_agency(sibling, prefix="B", name="Sebelah")
    world["foreign_service"] = _furnish_agency(foreign, prefix="A", name="Sidoarjo")
    _furnish_office(ours, name="Badung")
    _furnish_office(theirs, name="Sidoarjo")
    TemplateName.objects.create(office=None, kind="booking_confirmed", name="t_nasional")
    InboundMessage.objects.create(
        provider_id="wamid.1", sender="+6281200000001", kind="text", sent_at=timezone.now()
    )
    UnreachableNumber.objects.create(phone_hash="f" * 64, marked_at=timezone.now())
    _login_records()
    Message.objects.update(status=MessageStatus.FAILED)  # so that a resend would change them
    Group.objects.create(name="Pengawas")
    # An officer of Sidoarjo who turned two-factor sign-in on: devices only superusers see.
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    sidoarjo_officer = User.objects.get(username="sidoarjo-petugas")
    TOTPDevice.objects.create(user=sidoarjo_officer, name="Ponsel", confirmed=True)
    StaticDevice.objects.create(user=sidoarjo_officer, name="Kode cadangan", confirmed=True)

    world["superuser"] = User.objects.create_superuser("root", password=None)
    national = User.objects.create_user("nasional", is_staff=True)
    Membership.objects.create(user=national, role=Role.NATIONAL_ADMIN)
    world["national"] = national
    world["office_admin"] = make_officer(agency, role=Role.OFFICE_ADMIN, username="admin-badung")
    world["regency_admin"] = make_regional_admin(ours.region, username="pemkab-badung")
    world["agency_admin"] = make_officer(agency, role=Role.AGENCY_ADMIN, username="admin-dinas")
    world["officer"] = User.objects.get(username="badung-petugas")
    world["stranger"] = User.objects.create_user("tamu", is_staff=True)
    return world


def _client(user) -> Client:
    client = Client()
    sign_in(client, user, second_step=True)  # the admin asks every account for it
    return client


def snapshot() -> dict:
    """Every row of every table but the sessions: what "changed nothing" compares."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models()
        if model is not Session
    }


def _rows(w, label, **where):
    return MODELS[label]._default_manager.filter(**where)


def _of_office(w, label, office):
    if label in ACCOUNTS:
        users = Membership.objects.filter(office=office).values("user")
        return _rows(w, label, **{f"{ACCOUNTS[label]}__in": users})
    return _rows(w, label, **{PATHS[label][0]: office.pk})


def expected(w, role, label):
    """The pks the role's list shows, or None when the role has no access to the model."""
    everything = set(_rows(w, label).values_list("pk", flat=True))
    if role == "superuser":
        return everything
    if label in SUPERUSER_ONLY or role == "stranger":
        return None
    if role == "national":
        return everything
    if label in NATIONAL_ONLY:
        return None
    if role == "officer" and label in ADMINS_ONLY:
        return None
    if label in ACCOUNTS:
        where = {"office": w["ours"]} if role in OFFICE_WHOLE else {"agency": w["agency"]}
        users = Membership.objects.filter(**where).values("user")
        return set(
            _rows(w, label, **{f"{ACCOUNTS[label]}__in": users}).values_list("pk", flat=True)
        )
    office_path, agency_path = PATHS[label]
    if role in OFFICE_WHOLE:
        rows = set(_rows(w, label, **{office_path: w["ours"].pk}).values_list("pk", flat=True))
        if label in NATIONAL_DEFAULTS:
            rows |= set(
                _rows(w, label, **{f"{office_path}__isnull": True}).values_list("pk", flat=True)
            )
        return rows
    if agency_path is None:
        return None
    return set(_rows(w, label, **{agency_path: w["agency"].pk}).values_list("pk", flat=True))


# --- what each role sees --------------------------------------------------------------------


def test_every_registered_admin_is_in_the_matrix():
    assert set(REGISTERED) == SUPERUSER_ONLY | NATIONAL_ONLY | set(PATHS) | set(ACCOUNTS)


@pytest.mark.parametrize("label", REGISTERED)
def test_lists_show_only_rows_in_scope(w, label):
    for role in ROLES:
        response = _client(w[role]).get(_url(label, "changelist"))
        want = expected(w, role, label)
        if want is None:
            assert response.status_code == 403, role
            continue
        assert response.status_code == 200, role
        shown = set(response.context["cl"].queryset.values_list("pk", flat=True))
        assert shown == want, role
        if label not in SUPERUSER_ONLY and label not in NATIONAL_ONLY:
            assert want, f"{role}: the fixture should give {label} rows to see"
        for leak in LEAKS.get(role, []):
            assert leak not in response.content.decode(), (role, leak)


@pytest.mark.parametrize("label", REGISTERED)
def test_pages_of_rows_in_scope_show_nothing_of_other_offices(w, label):
    """Change and add pages, with their choices and inlines, for each role below national."""
    for role in BELOW_NATIONAL:
        client = _client(w[role])
        pks = sorted(expected(w, role, label) or [])[:3]
        urls = [_url(label, "change", pk) for pk in pks]
        model_admin = admin.site._registry[MODELS[label]]
        request = client.get(_url(label, "changelist")).wsgi_request
        if model_admin.has_add_permission(request):
            urls.append(_url(label, "add"))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (role, url)
            for leak in LEAKS[role]:
                assert leak not in response.content.decode(), (role, url, leak)


def _their_row(w, label):
    if label in SUPERUSER_ONLY or label in NATIONAL_ONLY:
        return _rows(w, label).first()
    return _of_office(w, label, w["theirs"]).first()


@pytest.mark.parametrize("label", REGISTERED)
def test_rows_out_of_scope_are_not_found_and_not_changed(w, label):
    row = _their_row(w, label)
    if row is None:
        pytest.skip(f"no {label} rows")  # axes keeps none until someone logs in
    for role in ["national", *BELOW_NATIONAL, "stranger"]:
        if role == "national" and label not in SUPERUSER_ONLY:
            continue
        client = _client(w[role])
        before = snapshot()
        for url, data in [
            (_url(label, "change", row.pk), None),
            (_url(label, "history", row.pk), None),
            (_url(label, "delete", row.pk), None),
            (_url(label, "change", row.pk), {"name": "Diubah", "_save": "Simpan"}),
            (_url(label, "delete", row.pk), {"post": "yes"}),
        ]:
            response = client.get(url) if data is None else client.post(url, data)
            assert response.status_code in (403, 404), (role, url, data)
        if label == "auth.user":
            url = reverse("admin:auth_user_password_change", args=[row.pk])
            data = {"password1": "Rahasia-baru-123", "password2": "Rahasia-baru-123"}
            assert client.post(url, data).status_code in (403, 404), role
        assert snapshot() == before, role


def _actions(label):
    model_admin = admin.site._registry[MODELS[label]]
    return sorted(name for _func, name, _description in model_admin._get_base_actions())


ACTIONS = [(label, action) for label in REGISTERED for action in _actions(label)]
# What the intermediate pages of the actions post back to confirm.
CONFIRM = {"post": "yes", "apply": "1", "reason": "Coba-coba.", "note": "Coba-coba."}


@pytest.mark.parametrize(("label", "action"), ACTIONS)
def test_actions_on_rows_out_of_scope_change_nothing(w, label, action):
    rows = list(_rows(w, label).values_list("pk", flat=True))
    if not rows:
        pytest.skip(f"no {label} rows")
    for role in ["national", *BELOW_NATIONAL, "stranger"]:
        if role == "national" and label not in SUPERUSER_ONLY:
            continue
        theirs = sorted(set(rows) - (expected(w, role, label) or set()))
        client = _client(w[role])
        before = snapshot()
        data = {"action": action, "_selected_action": theirs, "index": 0, **CONFIRM}
        response = client.post(_url(label, "changelist"), data)
        assert response.status_code in (200, 302, 403), (role, action)
        assert snapshot() == before, (role, action)


# An account with two roles: office admin of ours, and officer of their agency. It sees their
# agency's rows and administers none of them.
SEEN_NOT_ADMINISTERED = {
    label: agency_path for label, (_office, agency_path) in PATHS.items() if agency_path
}
MIXED_ACTIONS = [
    (label, action)
    for label in sorted(SEEN_NOT_ADMINISTERED)
    for action in _actions(label)
    if label != "tenancy.membership"  # memberships are seen by administrators only
]


@pytest.fixture
def mixed(w):
    user = w["office_admin"]
    Membership.objects.create(user=user, role=Role.OFFICER, office=w["theirs"], agency=w["foreign"])
    return user


@pytest.mark.parametrize(("label", "action"), MIXED_ACTIONS)
def test_actions_on_rows_seen_but_not_administered_change_nothing(w, mixed, label, action):
    path = SEEN_NOT_ADMINISTERED[label]
    seen = list(_rows(w, label, **{path: w["foreign"].pk}).values_list("pk", flat=True))
    assert seen
    client = _client(mixed)
    listing = client.get(_url(label, "changelist"))
    assert set(seen) <= set(listing.context["cl"].queryset.values_list("pk", flat=True))
    before = snapshot()
    data = {"action": action, "_selected_action": seen, "index": 0, **CONFIRM}
    client.post(_url(label, "changelist"), data)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("label", "field", "value"),
    [
        ("catalog.slot", "capacity", "99"),
        ("catalog.counter", "is_active", ""),
        ("tenancy.agency", "position", "9"),
    ],
)
def test_editing_rows_seen_but_not_administered_is_refused(w, mixed, label, field, value):
    path = SEEN_NOT_ADMINISTERED[label]
    row = _rows(w, label, **{path: w["foreign"].pk}).first()
    client = _client(mixed)
    before = snapshot()
    data = {
        **_inline_management("form", 1, 1),
        "form-0-id": str(row.pk),
        f"form-0-{field}": value,
        "_save": "Simpan",
    }
    response = client.post(_url(label, "changelist"), data)
    assert response.status_code in (200, 403)
    assert snapshot() == before
    response = client.post(_url(label, "change", row.pk), {field: value, "_save": "Simpan"})
    assert response.status_code == 403
    assert snapshot() == before


def test_resend_button_reaches_only_messages_administered(w, mixed):
    theirs = Message.objects.filter(office=w["theirs"]).first()
    url = reverse("admin:notifications_message_resend", args=[theirs.pk])
    agency_admin, both = _client(w["agency_admin"]), _client(mixed)
    before = snapshot()
    assert agency_admin.post(url).status_code == 404  # not seen
    assert both.post(url).status_code == 403  # seen, not administered
    assert snapshot() == before
    ours = Message.objects.filter(ticket__service__agency=w["agency"]).first()
    url = reverse("admin:notifications_message_resend", args=[ours.pk])
    assert agency_admin.post(url).status_code == 302
    ours.refresh_from_db()
    assert ours.status == MessageStatus.PENDING


# --- autocomplete ---------------------------------------------------------------------------


def _autocomplete(client, app, model, field, term=""):
    params = {"app_label": app, "model_name": model, "field_name": field, "term": term}
    return client.get(reverse("admin:autocomplete"), params)


def test_autocomplete_offers_only_accounts_in_scope(w):
    response = _autocomplete(_client(w["office_admin"]), "tenancy", "membership", "user")
    names = {User.objects.get(pk=r["id"]).username for r in response.json()["results"]}
    assert {"badung-petugas", "sebelah-petugas", "admin-dinas", "admin-badung"} <= names
    assert not {"sidoarjo-petugas", "root", "nasional", "tamu"} & names
    response = _autocomplete(_client(w["agency_admin"]), "tenancy", "membership", "user")
    names = {User.objects.get(pk=r["id"]).username for r in response.json()["results"]}
    assert "badung-petugas" in names and "sebelah-petugas" not in names
    assert _autocomplete(_client(w["officer"]), "tenancy", "membership", "user").status_code == 403
    found = _autocomplete(_client(w["superuser"]), "tenancy", "membership", "user", "sidoarjo")
    assert len(found.json()["results"]) == 1


def test_autocomplete_of_regions_is_for_national_admins(w):
    assert _autocomplete(_client(w["national"]), "tenancy", "office", "region").status_code == 200
    response = _autocomplete(_client(w["office_admin"]), "tenancy", "office", "region")
    assert response.status_code == 403


# --- crafted writes into another office -------------------------------------------------------


def _service_post(agency, code):
    return {
        "agency": agency.pk,
        "code": code,
        "name": "Layanan Baru",
        "description": "",
        "is_active": "on",
        "position": "0",
        "requirements": "KTP-el",
        "fee": "0",
        "fee_note": "",
        "duration_minutes": "15",
        "prefix": "Z",
        "slot_minutes": "60",
        "slot_capacity": "10",
        "walkin_daily_quota": "30",
        "release_mode": "first_come",
        "draw_open_days": "7",
        "draw_close_days": "6",
        "draw_time": "07:00",
    }


def _inline_management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


# label -> (who may add there, POST data for an office and its agency)
ADDS = {
    "tenancy.closure": (
        {"office_admin"},
        lambda w, office, agency: {
            "office": office.pk,
            "date": "2032-02-02",
            "reason": "Hari baru",
            "kind": "office",
        },
    ),
    "tenancy.agency": (
        {"office_admin"},
        lambda w, office, agency: {
            "office": office.pk,
            "code": "instansi-baru",
            "name": "Instansi Baru",
            "short_name": "Baru",
            "position": "0",
            "is_active": "on",
        },
    ),
    "catalog.service": (
        {"office_admin", "agency_admin"},
        lambda w, office, agency: _service_post(agency, "layanan-baru"),
    ),
    "catalog.counter": (
        {"office_admin", "agency_admin"},
        lambda w, office, agency: {
            "agency": agency.pk,
            "number": "77",
            "name": "Loket Baru",
            "services": [Service.objects.filter(agency=agency).first().pk],
            "is_active": "on",
        },
    ),
    "integrity.pacttext": (
        {"office_admin"},
        lambda w, office, agency: {
            "office": office.pk if office else "",
            "audience": Audience.OFFICER,
            "language": "id",
            "version": "",
            "title": "Pakta baru",
            "body": "Saya tidak menerima imbalan di {kantor}.",
        },
    ),
    "notifications.templatename": (
        {"office_admin"},
        lambda w, office, agency: {
            "office": office.pk if office else "",
            "kind": "reminder_day",
            "name": "pengingat_baru",
            "language": "id",
        },
    ),
    "display.kiosk": (
        {"office_admin"},
        lambda w, office, agency: {
            "office": office.pk,
            "name": "Anjungan baru",
            "printer_host": "",
            "printer_port": "9100",
            "paper": "80",
            "is_active": "on",
        },
    ),
    "display.board": (
        {"office_admin"},
        lambda w, office, agency: {"office": office.pk, "running_text": "Teks baru"},
    ),
    "tenancy.membership": (
        {"office_admin", "agency_admin"},
        lambda w, office, agency: {
            "user": w["agency_admin"].pk,
            "role": Role.OFFICER,
            "office": office.pk,
            "agency": agency.pk,
        },
    ),
    "auth.user": (
        {"office_admin", "agency_admin"},
        lambda w, office, agency: {
            "username": "petugas-baru",
            "usable_password": "true",
            "password1": "Rahasia-baru-123",
            "password2": "Rahasia-baru-123",
            **_inline_management("memberships", 1),
            "memberships-0-role": Role.OFFICER,
            "memberships-0-office": office.pk,
            "memberships-0-agency": agency.pk,
        },
    ),
}


def _targets(w, role):
    """Where the role may add (ours, its agency), and crafted places it may not."""
    own = (w["ours"], w["agency"])
    crafted = [(w["theirs"], w["foreign"]), (w["bare"], w["foreign"])]
    if role == "agency_admin":
        crafted.append((w["ours"], w["sibling"]))
    return own, crafted


@pytest.mark.parametrize("label", sorted(ADDS))
@pytest.mark.parametrize("role", ["office_admin", "agency_admin", "officer"])
def test_crafted_add_into_another_office_is_refused(w, label, role):
    allowed, post = ADDS[label]
    client = _client(w[role])
    own, crafted = _targets(w, role)
    for office, agency in crafted:
        before = snapshot()
        response = client.post(_url(label, "add"), post(w, office, agency))
        assert response.status_code in (200, 403), (office, agency)
        assert snapshot() == before, (office, agency)
    if label in NATIONAL_DEFAULTS:  # the empty office: a national row
        before = snapshot()
        response = client.post(_url(label, "add"), post(w, None, None))
        assert response.status_code in (200, 403)
        assert snapshot() == before
    # The same request at home: refused only for roles without that right.
    if label == "display.board":
        Board.objects.filter(office=w["ours"]).delete()
    count = MODELS[label].objects.count()
    response = client.post(_url(label, "add"), post(w, *own))
    if role in allowed:
        errors = response.context and response.context.get("errors")
        assert MODELS[label].objects.count() == count + 1, errors
        assert response.status_code in (200, 302)  # a kiosk's token is shown on its own page
    else:
        assert response.status_code in (200, 403)
        assert MODELS[label].objects.count() == count


def _form_data(client, label, pk) -> dict:
    """The change form's own POST data, as the browser would send it unchanged."""
    response = client.get(_url(label, "change", pk))
    assert response.status_code == 200
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = list(value) if isinstance(value, list | tuple) else value
        if field.widget.__class__.__name__ == "CheckboxInput":
            data[name] = "on"
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for inline_form in formset.formset.forms:
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value not in (None, False, ""):
                    data[inline_form.add_prefix(name)] = value
    data["_save"] = "Simpan"
    return data


# label -> (a row of ours, the fields that place it, in an empty office: nothing there for the
# row to collide with, so only the scope can refuse the move)
MOVES = {
    "tenancy.closure": lambda w: (
        Closure.objects.get(office=w["ours"]),
        {"office": w["bare"].pk},
    ),
    "catalog.service": lambda w: (w["service"], {"agency": w["bare_agency"].pk}),
    "catalog.counter": lambda w: (
        Counter.objects.get(agency=w["agency"]),
        {"agency": w["bare_agency"].pk, "services": [w["bare_service"].pk]},
    ),
    "integrity.pacttext": lambda w: (
        PactText.objects.get(office=w["ours"]),
        {"office": w["bare"].pk},
    ),
    "notifications.templatename": lambda w: (
        TemplateName.objects.get(office=w["ours"]),
        {"office": w["bare"].pk},
    ),
    "tenancy.membership": lambda w: (
        Membership.objects.get(user=w["officer"]),
        {"office": w["bare"].pk, "agency": w["bare_agency"].pk},
    ),
    # Read-only once made: the POST's office is ignored.
    "display.kiosk": lambda w: (Kiosk.objects.get(office=w["ours"]), {"office": w["bare"].pk}),
    "display.board": lambda w: (Board.objects.get(office=w["ours"]), {"office": w["bare"].pk}),
    "tenancy.agency": lambda w: (w["agency"], {"office": w["bare"].pk}),
}


@pytest.mark.parametrize("label", sorted(MOVES))
def test_crafted_change_cannot_move_a_row_to_another_office(w, label):
    row, elsewhere = MOVES[label](w)
    client = _client(w["office_admin"])
    data = _form_data(client, label, row.pk)
    before = snapshot()
    response = client.post(_url(label, "change", row.pk), {**data, **elsewhere})
    if set(elsewhere) <= set(data):  # fields of the form: refused
        assert response.status_code in (200, 403)
        assert snapshot() == before
    else:  # read-only here: ignored
        row.refresh_from_db()
        assert row.office_id != elsewhere["office"]
    # The unchanged form saves: the refusal was about the office.
    assert client.post(_url(label, "change", row.pk), data).status_code == 302


def test_list_editing_cannot_reach_rows_out_of_scope(w):
    mine = Slot.objects.get(service=w["service"])
    sibling = Slot.objects.get(service=w["sibling_service"])
    theirs = Slot.objects.get(service=w["foreign_service"])
    url = _url("catalog.slot", "changelist")
    for role, slot in [("office_admin", theirs), ("agency_admin", sibling)]:
        client = _client(w[role])
        before = snapshot()
        data = {
            **_inline_management("form", 1, 1),
            "form-0-id": str(slot.pk),
            "form-0-capacity": "99",
            "_save": "Simpan",
        }
        client.post(url, data)
        assert snapshot() == before, role
    data = {
        **_inline_management("form", 1, 1),
        "form-0-id": str(mine.pk),
        "form-0-capacity": "9",
        "_save": "Simpan",
    }
    assert _client(w["agency_admin"]).post(url, data).status_code == 302
    mine.refresh_from_db()
    assert mine.capacity == 9


def test_service_filter_offers_only_services_in_scope(w):
    url = _url("catalog.slot", "changelist") + f"?service__office__id__exact={w['ours'].pk}"
    page = _client(w["agency_admin"]).get(url).content.decode()
    assert "A · Layanan Badung" in page
    assert "B · Layanan Sebelah" not in page


# --- pacts: national texts are read, office texts are the office's ---------------------------


def test_national_pact_is_read_only_for_office_admins(w):
    national = PactText.objects.filter(office=None, published_at__isnull=True).first()
    national = national or PactText.objects.create(
        audience=Audience.OFFICER, version=99, title="Draf nasional", body="Isi"
    )
    client = _client(w["office_admin"])
    assert client.get(_url("integrity.pacttext", "change", national.pk)).status_code == 200
    before = snapshot()
    data = {"audience": national.audience, "language": "id", "version": national.version}
    data.update(title="Diubah", body="Diubah", office="")
    assert client.post(_url("integrity.pacttext", "change", national.pk), data).status_code == 403
    changelist = _url("integrity.pacttext", "changelist")
    client.post(changelist, {"action": "publish", "_selected_action": [national.pk]})
    assert snapshot() == before
    # A new version of their own may start from it.
    response = client.post(changelist, {"action": "new_version", "_selected_action": [national.pk]})
    assert response.status_code == 302 and response["Location"].endswith(f"?dari={national.pk}")
    theirs = PactText.objects.get(office=w["theirs"])
    page = client.get(_url("integrity.pacttext", "add") + f"?dari={theirs.pk}")
    assert page.context["adminform"].form.initial.get("title") != theirs.title


# --- accounts: no way up ---------------------------------------------------------------------


def test_office_admin_cannot_make_anyone_superuser_or_staff(w):
    officer = w["officer"]
    client = _client(w["office_admin"])
    data = _form_data(client, "auth.user", officer.pk)
    assert "is_superuser" not in data and "user_permissions" not in data
    group = Group.objects.create(name="Semua")
    permission = Permission.objects.get(codename="change_user")
    crafted = {
        **data,
        "first_name": "Kadek",
        "is_superuser": "on",
        "is_staff": "",
        "groups": [group.pk],
        "user_permissions": [permission.pk],
        "last_login": "2020-01-01 00:00:00",
    }
    assert client.post(_url("auth.user", "change", officer.pk), crafted).status_code == 302
    officer.refresh_from_db()
    assert officer.first_name == "Kadek"  # what an office admin may change
    assert not officer.is_superuser and officer.is_staff
    assert not officer.groups.exists() and not officer.user_permissions.exists()


def test_office_admin_cannot_touch_a_superuser_or_an_account_of_two_offices(w):
    superuser_here = User.objects.create_superuser("root-badung", password="Lama-rahasia-1")
    Membership.objects.create(
        user=superuser_here, role=Role.OFFICER, office=w["ours"], agency=w["agency"]
    )
    two_offices = make_officer(w["agency"], username="dua-kantor")
    Membership.objects.create(
        user=two_offices, role=Role.OFFICER, office=w["theirs"], agency=w["foreign"]
    )
    client = _client(w["office_admin"])
    for account in (superuser_here, two_offices):
        assert client.get(_url("auth.user", "change", account.pk)).status_code == 200  # seen
        before = snapshot()
        url = reverse("admin:auth_user_password_change", args=[account.pk])
        data = {"password1": "Rahasia-baru-123", "password2": "Rahasia-baru-123"}
        assert client.post(url, data).status_code == 403
        data = {"username": account.username, "first_name": "Diubah", "is_active": ""}
        assert client.post(_url("auth.user", "change", account.pk), data).status_code == 403
        changelist = _url("auth.user", "changelist")
        client.post(changelist, {"action": "delete_selected", "_selected_action": [account.pk]})
        assert snapshot() == before
    assert User.objects.get(pk=superuser_here.pk).check_password("Lama-rahasia-1")


def test_office_admin_resets_the_password_of_their_officer(w):
    client = _client(w["office_admin"])
    url = reverse("admin:auth_user_password_change", args=[w["officer"].pk])
    data = {"password1": "Rahasia-baru-123", "password2": "Rahasia-baru-123"}
    assert client.post(url, data).status_code == 302
    assert User.objects.get(pk=w["officer"].pk).check_password("Rahasia-baru-123")


def test_new_account_needs_a_role_the_maker_may_grant(w):
    client = _client(w["office_admin"])
    data = ADDS["auth.user"][1](w, w["ours"], w["agency"])
    before = snapshot()
    without_role = {**data, **_inline_management("memberships", 0)}
    assert client.post(_url("auth.user", "add"), without_role).status_code == 200
    national = {**data, "memberships-0-role": Role.NATIONAL_ADMIN, "memberships-0-office": ""}
    national["memberships-0-agency"] = ""
    assert client.post(_url("auth.user", "add"), national).status_code == 200
    assert snapshot() == before
    assert client.post(_url("auth.user", "add"), data).status_code == 302
    made = User.objects.get(username="petugas-baru")
    assert made.is_staff and not made.is_superuser  # staff made here: the flag is automatic
    assert made.memberships.get().agency == w["agency"]


@pytest.mark.parametrize(
    ("role", "grant", "allowed"),
    [
        ("office_admin", (Role.OFFICE_ADMIN, "ours", None), True),
        ("office_admin", (Role.AGENCY_ADMIN, "ours", "sibling"), True),
        ("office_admin", (Role.NATIONAL_ADMIN, None, None), False),
        ("office_admin", (Role.OFFICE_ADMIN, "theirs", None), False),
        ("agency_admin", (Role.OFFICER, "ours", "agency"), True),
        ("agency_admin", (Role.AGENCY_ADMIN, "ours", "agency"), False),
        ("agency_admin", (Role.OFFICE_ADMIN, "ours", None), False),
        ("agency_admin", (Role.OFFICER, "ours", "sibling"), False),
        ("office_admin", (Role.OFFICE_HEAD, "ours", None), False),
        ("regency_admin", (Role.OFFICE_HEAD, "ours", None), True),
        ("regency_admin", (Role.OFFICE_ADMIN, "ours", None), True),
        ("regency_admin", (Role.OFFICE_HEAD, "theirs", None), False),
        ("regency_admin", (Role.NATIONAL_ADMIN, None, None), False),
    ],
)
def test_roles_are_granted_only_up_to_ones_own(w, role, grant, allowed):
    name, office, agency = grant
    # Seen by both admins, and holding none of the roles granted below.
    account = make_officer(w["agency"], role=Role.AGENCY_ADMIN, username="penerima")
    data = {
        "user": account.pk,
        "role": name,
        "office": w[office].pk if office else "",
        "agency": w[agency].pk if agency else "",
    }
    count = Membership.objects.count()
    response = _client(w[role]).post(_url("tenancy.membership", "add"), data)
    assert (response.status_code == 302) is allowed
    assert Membership.objects.count() == count + allowed
    if not allowed:
        assert "Anda tidak berwenang memberi peran ini" in response.content.decode()


def test_a_province_admin_grants_regency_roles_below_it_and_nowhere_else(w):
    from antrean.testing.factories import make_province

    bali = make_province("51", "Bali")
    badung = w["ours"].region
    badung.parent = bali
    badung.save()
    sidoarjo = w["theirs"].region
    province = make_regional_admin(bali, username="pemprov-bali")
    # An account already under the province (a head of one of its offices) is given more.
    account = make_officer(w["agency"], role=Role.OFFICE_HEAD, username="calon-pemkab")
    client = _client(province)
    before = snapshot()
    for role, region in [
        (Role.REGENCY_ADMIN, sidoarjo),  # another province's regency
        (Role.PROVINCE_ADMIN, bali),  # its own level
        (Role.REGENCY_ADMIN, bali),  # a regency role on a province
    ]:
        data = {"user": account.pk, "role": role, "region": region.pk}
        response = client.post(_url("tenancy.membership", "add"), data)
        assert response.status_code == 200, (role, region)
    assert snapshot() == before
    data = {"user": account.pk, "role": Role.REGENCY_ADMIN, "region": badung.pk}
    assert client.post(_url("tenancy.membership", "add"), data).status_code == 302
    membership = Membership.objects.get(user=account, role=Role.REGENCY_ADMIN)
    assert (membership.role, membership.region) == (Role.REGENCY_ADMIN, badung)
    # The regency admin it made now reaches ours; the office admin cannot touch that role.
    assert permissions.can_administer_office(account, w["ours"].pk)
    response = _client(w["office_admin"]).post(
        _url("tenancy.membership", "delete", membership.pk), {"post": "yes"}
    )
    assert response.status_code in (403, 404)
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_a_province_admin_makes_a_new_regency_admin_account(w):
    from antrean.testing.factories import make_province

    bali = make_province("51", "Bali")
    w["ours"].region.parent = bali
    w["ours"].region.save()
    client = _client(make_regional_admin(bali, username="pemprov-bali"))
    data = {
        "username": "pemkab-baru",
        "usable_password": "true",
        "password1": "Rahasia-baru-123",
        "password2": "Rahasia-baru-123",
        **_inline_management("memberships", 1),
        "memberships-0-role": Role.REGENCY_ADMIN,
        "memberships-0-office": "",
        "memberships-0-agency": "",
        "memberships-0-region": w["theirs"].region.pk,  # not below Bali
    }
    before = snapshot()
    assert client.post(_url("auth.user", "add"), data).status_code == 200
    assert snapshot() == before
    data["memberships-0-region"] = w["ours"].region.pk
    assert client.post(_url("auth.user", "add"), data).status_code == 302
    made = User.objects.get(username="pemkab-baru")
    assert made.memberships.get().region == w["ours"].region
    assert permissions.offices_administered(made).get() == w["ours"]


def test_agency_admin_cannot_change_or_revoke_a_peer_role(w):
    peer = Membership.objects.get(user=w["agency_admin"])
    client = _client(w["agency_admin"])
    before = snapshot()
    data = {"user": peer.user_id, "role": Role.OFFICER, "office": w["ours"].pk}
    data["agency"] = w["agency"].pk
    assert client.post(_url("tenancy.membership", "change", peer.pk), data).status_code == 403
    assert client.post(_url("tenancy.membership", "delete", peer.pk), {"post": "yes"}).status_code
    assert snapshot() == before


# --- the front page -------------------------------------------------------------------------


def test_front_page_lists_what_the_role_reaches_in_indonesian(w):
    page = _client(w["office_admin"]).get(reverse("admin:index")).content.decode()
    assert "Administrasi Antrean" in page
    for url in [
        _url("tenancy.office", "changelist"),
        _url("catalog.service", "changelist"),
        _url("display.kiosk", "changelist"),
        _url("auth.user", "changelist"),
    ]:
        assert url in page
    for url in [
        _url("auth.group", "changelist"),
        _url("axes.accessattempt", "changelist"),
        _url("tenancy.region", "changelist"),
        _url("notifications.inboundmessage", "changelist"),
    ]:
        assert url not in page
    officer_page = _client(w["officer"]).get(reverse("admin:index")).content.decode()
    assert _url("queueing.ticket", "changelist") in officer_page
    assert _url("display.kiosk", "changelist") not in officer_page
    stranger = _client(w["stranger"]).get(reverse("admin:index"))
    assert stranger.status_code == 200
    assert not stranger.context["app_list"]


def test_django_permission_checkboxes_grant_nothing(w):
    """Roles decide: every Django permission ticked on an office admin's account adds nothing."""
    office_admin = w["office_admin"]
    office_admin.user_permissions.set(Permission.objects.all())
    client = _client(office_admin)
    for label in sorted(SUPERUSER_ONLY | NATIONAL_ONLY):
        assert client.get(_url(label, "changelist")).status_code == 403, label
    for label in sorted(set(PATHS) - {"tenancy.office"}):
        row = _of_office(w, label, w["theirs"]).first()
        assert client.get(_url(label, "change", row.pk)).status_code == 404, label
    assert client.get(_url("tenancy.office", "add")).status_code == 403


def test_every_admin_of_the_site_is_scoped_or_for_superusers():
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, ScopedAdmin | SuperuserOnlyAdmin), model


def test_admins_that_say_nothing_of_their_scope_are_for_superusers(w, rf):
    site = admin.AdminSite(name="uji")
    site.register(Closure)  # a plain ModelAdmin, as a package would add one
    restrict_unscoped(site)
    model_admin = site._registry[Closure]
    request = rf.get("/")
    for role in ["national", "office_admin", "stranger"]:
        request.user = w[role]
        request.user.user_permissions.set(Permission.objects.all())  # ticked: still nothing
        request.user = User.objects.get(pk=w[role].pk)
        assert not model_admin.has_module_permission(request), role
        assert not model_admin.has_view_permission(request), role
        assert not model_admin.has_change_permission(request), role
    request.user = w["superuser"]
    assert model_admin.has_view_permission(request) and model_admin.has_add_permission(request)


# --- the demo -------------------------------------------------------------------------------


def test_demo_office_admin_sees_their_office_in_indonesian_and_nothing_of_sidoarjo(client):
    from django.core.management import call_command

    from antrean.demo.seed import demo_staff_ensure

    call_command("seed_demo", stdout=None)
    demo_staff_ensure(password="sandi-demo-123")
    # Signed in as the demo's office admin (how they sign in is the login's own tests' matter).
    sign_in(client, User.objects.get(username="admin-mpp-badung"))
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    page = index.content.decode()
    assert "Administrasi Antrean" in page and "Kantor dan instansi" in page
    assert _url("tenancy.office", "changelist") in page
    offices = client.get(_url("tenancy.office", "changelist"))
    assert [o.code for o in offices.context["cl"].queryset] == ["mpp-badung"]
    badung = Office.objects.get(code="mpp-badung")
    for label in sorted(set(PATHS) | set(ACCOUNTS)):
        response = client.get(_url(label, "changelist"))
        assert response.status_code == 200, label
        assert "idoarjo" not in response.content.decode(), label
        assert "-sda" not in response.content.decode(), label
    change = client.get(_url("tenancy.office", "change", badung.pk)).content.decode()
    assert "Simpan" in change and "Jam layanan" in change
    sidoarjo = Office.objects.get(code="mpp-sidoarjo")
    assert client.get(_url("tenancy.office", "change", sidoarjo.pk)).status_code == 404
