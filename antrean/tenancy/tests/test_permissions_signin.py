"""The sign-in rules of tenancy.permissions: who needs a second factor, who may lift whose
sign-in lock."""

import pytest

from antrean.api.tests.staff_setup import make_staff, make_user
from antrean.tenancy import permissions
from antrean.tenancy.models import Membership
from antrean.testing.factories import make_agency, make_office

pytestmark = pytest.mark.django_db
Role = Membership.Role


@pytest.fixture
def world():
    here, there = make_office(code="mpp-sini"), make_office(code="mpp-sana")
    agency, other_agency = make_agency(here), make_agency(there)
    national = make_user("nasional")
    Membership.objects.create(user=national, role=Role.NATIONAL_ADMIN)
    return {
        "officer": make_staff(agency, username="petugas"),
        "officer_elsewhere": make_staff(other_agency, username="petugas-sana"),
        "agency_admin": make_staff(agency, role=Role.AGENCY_ADMIN, username="admin-instansi"),
        "office_admin": make_staff(office=here, role=Role.OFFICE_ADMIN, username="admin-sini"),
        "office_admin_elsewhere": make_staff(
            office=there, role=Role.OFFICE_ADMIN, username="admin-sana"
        ),
        "national_admin": national,
        "superuser": make_user("akar", is_superuser=True),
        "no_role": make_user("tanpa-peran"),
    }


def test_second_factor_is_for_every_role_that_configures_something(world):
    needs = {name: permissions.requires_two_factor(user) for name, user in world.items()}
    assert needs == {
        "officer": False,
        "officer_elsewhere": False,
        "agency_admin": True,
        "office_admin": True,
        "office_admin_elsewhere": True,
        "national_admin": True,
        "superuser": True,
        "no_role": False,
    }


def test_who_may_unlock_whom(world):
    def may(actor, account):
        return permissions.can_unlock_account(world[actor], world[account])

    # Office admins: accounts holding a role at their office, whatever the role.
    assert may("office_admin", "officer")
    assert may("office_admin", "agency_admin")
    assert not may("office_admin", "officer_elsewhere")
    assert not may("office_admin", "national_admin")
    assert not may("office_admin", "superuser")
    assert not may("office_admin", "no_role")
    assert not may("office_admin_elsewhere", "officer")
    # Officers and agency admins unlock nobody.
    for actor in ("officer", "agency_admin", "no_role"):
        assert not any(may(actor, account) for account in world), actor
    # National admins and superusers: any account.
    for actor in ("national_admin", "superuser"):
        assert all(may(actor, account) for account in world), actor


def test_the_unlockable_accounts_match_can_unlock_account(world):
    for actor in world.values():
        listed = set(permissions.accounts_unlockable(actor))
        allowed = {a for a in world.values() if permissions.can_unlock_account(actor, a)}
        assert listed & set(world.values()) == allowed
        assert permissions.may_unlock_accounts(actor) == bool(allowed)


def test_inactive_admins_unlock_nobody(world):
    admin = world["office_admin"]
    admin.is_active = False
    admin.save()
    permissions.scope_forget(admin)
    assert not permissions.can_unlock_account(admin, world["officer"])
