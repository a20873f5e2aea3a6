"""tenancy.permissions: who reaches which office, agency, counter, ticket and message."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from antrean.tenancy import permissions
from antrean.tenancy.models import Membership
from antrean.testing.factories import (
    local_time,
    make_agency,
    make_counter,
    make_office,
    make_officer,
    make_service,
    make_superuser,
    make_walk_in,
)

pytestmark = pytest.mark.django_db


def nine(office):
    return local_time(office, dt.date(2030, 3, 4), 9)


@pytest.fixture
def world():
    """Two offices; the first has two agencies, each with a counter and a waiting ticket."""
    here, there = make_office(code="mpp-sini"), make_office(code="mpp-sana")
    capil, imigrasi = make_agency(here, code="capil"), make_agency(here, code="imigrasi")
    far = make_agency(there, code="capil-sana")
    ktp = make_service(agency=capil, prefix="A")
    paspor = make_service(agency=imigrasi, prefix="P")
    far_service = make_service(agency=far, prefix="A")
    national = get_user_model().objects.create_user("nasional", password=None, is_staff=True)
    Membership.objects.create(user=national, role=Membership.Role.NATIONAL_ADMIN)
    return {
        "here": here,
        "there": there,
        "capil": capil,
        "imigrasi": imigrasi,
        "far": far,
        "counter_capil": make_counter(agency=capil, services=[ktp]),
        "counter_imigrasi": make_counter(agency=imigrasi, services=[paspor]),
        "counter_far": make_counter(agency=far, services=[far_service]),
        "ticket_capil": make_walk_in(ktp, now=nine(here)).ticket,
        "ticket_imigrasi": make_walk_in(paspor, now=nine(here)).ticket,
        "ticket_far": make_walk_in(far_service, now=nine(there)).ticket,
        "users": {
            "officer": make_officer(capil),
            "agency_admin": make_officer(capil, role="agency_admin"),
            "office_admin": make_officer(capil, role="office_admin"),
            "national_admin": national,
            "superuser": make_superuser(),
            "no_role": get_user_model().objects.create_user("warga", password=None),
            "far_admin": make_officer(far, role="office_admin"),
        },
    }


# Who may operate which counter / act on which ticket: (capil, imigrasi, far).
REACH = {
    "officer": (True, False, False),
    "agency_admin": (True, False, False),
    "office_admin": (True, True, False),
    "national_admin": (True, True, True),
    "superuser": (True, True, True),
    "no_role": (False, False, False),
    "far_admin": (False, False, True),
}


@pytest.mark.parametrize("who", REACH)
def test_counters_and_tickets_follow_the_role(world, who):
    user = world["users"][who]
    counters = [world[f"counter_{k}"] for k in ("capil", "imigrasi", "far")]
    tickets = [world[f"ticket_{k}"] for k in ("capil", "imigrasi", "far")]
    assert tuple(permissions.can_operate_counter(user, c) for c in counters) == REACH[who]
    assert tuple(permissions.can_act_on_ticket(user, t) for t in tickets) == REACH[who]
    operable = permissions.counters_operable(user, type(counters[0]).objects.all())
    assert tuple(c in operable for c in counters) == REACH[who]


@pytest.mark.parametrize(
    ("who", "administers", "sees"),
    [
        ("officer", (False, False), (True, False)),
        ("agency_admin", (False, False), (True, False)),
        ("office_admin", (True, False), (True, False)),
        ("national_admin", (True, True), (True, True)),
        ("superuser", (True, True), (True, True)),
        ("no_role", (False, False), (False, False)),
        ("far_admin", (False, True), (False, True)),
    ],
)
def test_offices_administered_and_seen(world, who, administers, sees):
    user = world["users"][who]
    offices = (world["here"], world["there"])
    assert tuple(permissions.can_administer_office(user, o.pk) for o in offices) == administers
    assert tuple(permissions.can_see_office(user, o.pk) for o in offices) == sees
    assert tuple(o in permissions.offices_administered(user) for o in offices) == administers
    assert tuple(o in permissions.offices_in_scope(user) for o in offices) == sees


def test_agency_admin_administers_only_their_agency(world):
    user = world["users"]["agency_admin"]
    capil, imigrasi = world["capil"], world["imigrasi"]
    assert permissions.can_administer_agency(user, agency_id=capil.pk, office_id=capil.office_id)
    assert not permissions.can_administer_agency(
        user, agency_id=imigrasi.pk, office_id=imigrasi.office_id
    )
    officer = world["users"]["officer"]
    assert not permissions.can_administer_agency(
        officer, agency_id=capil.pk, office_id=capil.office_id
    )
    assert list(permissions.agencies_administered(user)) == [capil]
    assert set(permissions.agencies_in_scope(world["users"]["office_admin"])) == {capil, imigrasi}


def test_an_inactive_account_reaches_nothing(world):
    user = world["users"]["office_admin"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    permissions.scope_forget(user)
    assert permissions.scope_of(user) == permissions.NOBODY
    assert not permissions.can_operate_counter(user, world["counter_capil"])


def test_admin_roles_are_the_ones_that_need_two_factor_sign_in(world):
    users = world["users"]
    assert {who for who, u in users.items() if permissions.scope_of(u).is_admin} == {
        "agency_admin",
        "office_admin",
        "national_admin",
        "superuser",
        "far_admin",
    }
