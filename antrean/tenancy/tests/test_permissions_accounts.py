"""Who may give which role, and whose account, where (tenancy/permissions.py)."""

import pytest
from django.contrib.auth import get_user_model

from antrean.tenancy import permissions
from antrean.tenancy.models import Membership
from antrean.testing.factories import make_agency, make_office, make_officer

pytestmark = pytest.mark.django_db

Role = Membership.Role
OFFICER, AGENCY_ADMIN, OFFICE_ADMIN, NATIONAL_ADMIN = (
    Role.OFFICER,
    Role.AGENCY_ADMIN,
    Role.OFFICE_ADMIN,
    Role.NATIONAL_ADMIN,
)


@pytest.fixture
def world():
    """Two offices; ours has two agencies. One account per role at ours."""
    ours, theirs = make_office(), make_office()
    agency, sibling, foreign = make_agency(ours), make_agency(ours), make_agency(theirs)
    national = get_user_model().objects.create_user("nasional", is_staff=True)
    Membership.objects.create(user=national, role=NATIONAL_ADMIN)
    return {
        "ours": ours,
        "theirs": theirs,
        "agency": agency,
        "sibling": sibling,
        "foreign": foreign,
        "superuser": get_user_model().objects.create_superuser("root", password=None),
        "national": national,
        "office_admin": make_officer(agency, role=OFFICE_ADMIN),
        "agency_admin": make_officer(agency, role=AGENCY_ADMIN),
        "officer": make_officer(agency),
        "stranger": get_user_model().objects.create_user("tamu", is_staff=True),
    }


# (granter, role, office, agency) -> may grant
GRANTS = [
    # Superusers and national admins: any role anywhere, national admin included.
    ("superuser", NATIONAL_ADMIN, None, None, True),
    ("national", NATIONAL_ADMIN, None, None, True),
    ("national", OFFICE_ADMIN, "theirs", None, True),
    ("national", OFFICER, "theirs", "foreign", True),
    # Office admins: every role up to their own, at their own office only.
    ("office_admin", OFFICER, "ours", "sibling", True),
    ("office_admin", AGENCY_ADMIN, "ours", "agency", True),
    ("office_admin", OFFICE_ADMIN, "ours", None, True),
    ("office_admin", NATIONAL_ADMIN, None, None, False),
    ("office_admin", NATIONAL_ADMIN, "ours", None, False),
    ("office_admin", OFFICE_ADMIN, "theirs", None, False),
    ("office_admin", OFFICER, "theirs", "foreign", False),
    ("office_admin", OFFICER, "ours", "foreign", False),  # another office's agency
    # Agency admins: the officer role at their own agency only.
    ("agency_admin", OFFICER, "ours", "agency", True),
    ("agency_admin", OFFICER, "ours", "sibling", False),
    ("agency_admin", AGENCY_ADMIN, "ours", "agency", False),
    ("agency_admin", OFFICE_ADMIN, "ours", None, False),
    ("agency_admin", OFFICER, "theirs", "agency", False),  # agency named at the wrong office
    ("agency_admin", OFFICER, "theirs", "foreign", False),
    # Officers and accounts without a role give nothing.
    ("officer", OFFICER, "ours", "agency", False),
    ("stranger", OFFICER, "ours", "agency", False),
]


@pytest.mark.parametrize(("granter", "role", "office", "agency", "allowed"), GRANTS)
def test_can_grant(world, granter, role, office, agency, allowed):
    office_id = world[office].pk if office else None
    agency_id = world[agency].pk if agency else None
    assert (
        permissions.can_grant(world[granter], role, office_id=office_id, agency_id=agency_id)
        is allowed
    )


def test_unknown_roles_are_never_granted(world):
    assert not permissions.can_grant(world["superuser"], "god", office_id=None, agency_id=None)


# Memberships that can exist (an agency at another office than the row's is not one).
EXISTING = [g for g in GRANTS if (g[2], g[3]) not in {("ours", "foreign"), ("theirs", "agency")}]


@pytest.mark.parametrize(("granter", "role", "office", "agency", "allowed"), EXISTING)
def test_filter_grantable_agrees_with_can_grant(world, granter, role, office, agency, allowed):
    holder = get_user_model().objects.create_user("pemegang")
    row = Membership.objects.create(
        user=holder,
        role=role,
        office=world[office] if office else None,
        agency=world[agency] if agency else None,
    )
    rows = permissions.filter_grantable(world[granter], Membership.objects.filter(pk=row.pk))
    assert rows.exists() is allowed


def test_inactive_admins_grant_nothing(world):
    admin = world["office_admin"]
    admin.is_active = False
    admin.save()
    permissions.scope_forget(admin)
    assert not permissions.can_grant(admin, OFFICER, office_id=world["ours"].pk, agency_id=None)


# --- accounts ----------------------------------------------------------------------------------


def _account(world, *memberships, superuser=False):
    User = get_user_model()
    account = User.objects.create_user(f"akun-{User.objects.count()}", is_superuser=superuser)
    for role, office, agency in memberships:
        Membership.objects.create(
            user=account,
            role=role,
            office=world[office] if office else None,
            agency=world[agency] if agency else None,
        )
    return account


def test_accounts_seen_and_administered(world):
    officer_here = _account(world, (OFFICER, "ours", "agency"))
    officer_sibling = _account(world, (OFFICER, "ours", "sibling"))
    peer_agency_admin = _account(world, (AGENCY_ADMIN, "ours", "agency"))
    both_offices = _account(world, (OFFICER, "ours", "agency"), (OFFICER, "theirs", "foreign"))
    elsewhere = _account(world, (OFFICER, "theirs", "foreign"))
    national_too = _account(world, (OFFICER, "ours", "agency"), (NATIONAL_ADMIN, None, None))
    superuser_here = _account(world, (OFFICER, "ours", "agency"), superuser=True)
    no_role = _account(world)

    def seen(who):
        return set(permissions.accounts_in_scope(world[who]))

    def administered(who):
        return set(permissions.accounts_administered(world[who]))

    office_admin = world["office_admin"]
    assert {officer_here, officer_sibling, peer_agency_admin, both_offices} <= seen("office_admin")
    assert {national_too, superuser_here, office_admin} <= seen("office_admin")
    assert not {elsewhere, no_role, world["national"]} & seen("office_admin")
    # Changed only when every role the account holds is one the admin may grant.
    assert administered("office_admin") >= {officer_here, officer_sibling, peer_agency_admin}
    assert office_admin in administered("office_admin")
    assert not {both_offices, elsewhere, national_too, superuser_here, no_role} & administered(
        "office_admin"
    )

    assert {officer_here, peer_agency_admin, both_offices} <= seen("agency_admin")
    assert officer_sibling not in seen("agency_admin")
    assert officer_here in administered("agency_admin")
    assert not {peer_agency_admin, officer_sibling, both_offices} & administered("agency_admin")

    assert seen("officer") == set() and administered("officer") == set()
    assert seen("stranger") == set() and administered("stranger") == set()

    # National admins see everyone and change every account but a superuser's.
    assert superuser_here in seen("national")
    assert superuser_here not in administered("national")
    assert world["superuser"] not in administered("national")
    assert {elsewhere, no_role, national_too} <= administered("national")
    assert superuser_here in administered("superuser")

    assert permissions.can_administer_account(office_admin, officer_here)
    assert not permissions.can_administer_account(office_admin, superuser_here)
    assert not permissions.can_administer_account(office_admin, both_offices)
