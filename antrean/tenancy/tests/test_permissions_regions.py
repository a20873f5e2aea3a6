"""Roles above the office: national, province, regency/city, office head. Each reaches its own
scope, no further, and grants only the roles below it inside that scope."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from antrean.tenancy import permissions
from antrean.tenancy.models import Membership, Region
from antrean.testing.factories import (
    make_agency,
    make_inspector,
    make_national_admin,
    make_office,
    make_officer,
    make_province,
    make_regency,
    make_regional_admin,
)

pytestmark = pytest.mark.django_db
Role = Membership.Role


@pytest.fixture
def land():
    """Two provinces, two regencies each in one, an office in each regency."""
    bali = make_province("51", "Bali")
    jatim = make_province("35", "Jawa Timur")
    badung = make_regency("51.03", "Kabupaten Badung", province=bali)
    denpasar = make_regency("51.71", "Kota Denpasar", province=bali)
    sidoarjo = make_regency("35.15", "Kabupaten Sidoarjo", province=jatim)
    offices = {
        "badung": make_office(code="mpp-badung", region=badung),
        "denpasar": make_office(code="mpp-denpasar", region=denpasar),
        "sidoarjo": make_office(code="mpp-sidoarjo", region=sidoarjo),
    }
    return {
        "bali": bali,
        "jatim": jatim,
        "badung": badung,
        "denpasar": denpasar,
        "sidoarjo": sidoarjo,
        **{f"office_{k}": v for k, v in offices.items()},
    }


def _ids(queryset):
    return set(queryset.values_list("pk", flat=True))


def test_regency_admin_reaches_its_regency_offices_only(land):
    user = make_regional_admin(land["badung"])
    badung, sidoarjo, denpasar = (
        land["office_badung"],
        land["office_sidoarjo"],
        land["office_denpasar"],
    )
    assert permissions.can_administer_office(user, badung.pk)
    assert permissions.can_see_dashboard(user, badung.pk)
    assert not permissions.can_see_dashboard(user, sidoarjo.pk)
    assert not permissions.can_administer_office(user, denpasar.pk)
    assert _ids(permissions.offices_administered(user)) == {badung.pk}
    assert _ids(permissions.regions_in_scope(user)) == {land["badung"].pk}
    assert permissions.can_see_region(user, land["badung"].pk)
    assert not permissions.can_see_region(user, land["bali"].pk)
    assert not permissions.can_see_region(user, land["sidoarjo"].pk)
    assert permissions.can_onboard(user, land["badung"].pk)
    assert not permissions.can_onboard(user, land["denpasar"].pk)
    assert permissions.may_onboard(user)
    # Regional admins are not the inspectorate: reports stay with APIP.
    assert not permissions.can_handle_reports(user, badung.pk)


def test_province_admin_reaches_its_regencies(land):
    user = make_regional_admin(land["bali"])
    assert _ids(permissions.offices_administered(user)) == {
        land["office_badung"].pk,
        land["office_denpasar"].pk,
    }
    assert _ids(permissions.regions_in_scope(user)) == {
        land["bali"].pk,
        land["badung"].pk,
        land["denpasar"].pk,
    }
    assert not permissions.can_see_dashboard(user, land["office_sidoarjo"].pk)
    assert not permissions.can_see_region(user, land["jatim"].pk)
    assert permissions.requires_two_factor(user)


def test_national_admin_reaches_every_office_and_region(land):
    user = make_national_admin()
    assert _ids(permissions.regions_in_scope(user)) == _ids(Region.objects.all())
    for key in ("office_badung", "office_denpasar", "office_sidoarjo"):
        assert permissions.can_see_dashboard(user, land[key].pk)


def test_office_head_administers_its_office_and_gets_the_report(land):
    agency = make_agency(land["office_badung"])
    head = make_officer(agency, role=Role.OFFICE_HEAD)
    badung = land["office_badung"]
    assert permissions.can_administer_office(head, badung.pk)
    assert permissions.is_office_head(head, badung.pk)
    assert not permissions.can_see_dashboard(head, land["office_denpasar"].pk)
    assert not permissions.may_onboard(head)
    assert permissions.regions_in_scope(head).count() == 0
    admin = make_officer(agency, role=Role.OFFICE_ADMIN)
    assert not permissions.is_office_head(admin, badung.pk)


def test_agency_admin_sees_its_agencys_part_of_the_dashboard(land):
    office = land["office_badung"]
    mine, other = make_agency(office), make_agency(office)
    user = make_officer(mine, role=Role.AGENCY_ADMIN)
    officer = make_officer(mine)
    assert permissions.can_see_dashboard(user, office.pk)
    assert permissions.dashboard_agency_ids(user, office.pk) == frozenset({mine.pk})
    assert other.pk not in permissions.dashboard_agency_ids(user, office.pk)
    assert not permissions.can_see_dashboard(officer, office.pk)
    assert permissions.dashboard_agency_ids(make_regional_admin(land["badung"]), office.pk) is None


# --- granting: a level grants the roles below it, inside its scope -----------------------------


def test_regency_admin_grants_office_roles_in_its_regency_only(land):
    user = make_regional_admin(land["badung"])
    badung, sidoarjo = land["office_badung"], land["office_sidoarjo"]
    for role in (Role.OFFICE_HEAD, Role.OFFICE_ADMIN, Role.AGENCY_ADMIN, Role.OFFICER):
        agency = make_agency(badung) if role in (Role.AGENCY_ADMIN, Role.OFFICER) else None
        assert permissions.can_grant(
            user, role, office_id=badung.pk, agency_id=agency.pk if agency else None
        ), role
        assert not permissions.can_grant(user, role, office_id=sidoarjo.pk, agency_id=None)
    for role in (Role.REGENCY_ADMIN, Role.PROVINCE_ADMIN, Role.NATIONAL_ADMIN, Role.INSPECTORATE):
        assert not permissions.can_grant(
            user, role, office_id=None, agency_id=None, region_id=land["badung"].pk
        ), role


def test_province_admin_grants_regency_admins_and_inspectorates_below_it(land):
    user = make_regional_admin(land["bali"])
    for role in (Role.REGENCY_ADMIN, Role.INSPECTORATE):
        assert permissions.can_grant(
            user, role, office_id=None, agency_id=None, region_id=land["badung"].pk
        )
        # Not over its own province (its own level), not over another province's regency.
        assert not permissions.can_grant(
            user, role, office_id=None, agency_id=None, region_id=land["bali"].pk
        )
        assert not permissions.can_grant(
            user, role, office_id=None, agency_id=None, region_id=land["sidoarjo"].pk
        )
    assert not permissions.can_grant(
        user, Role.PROVINCE_ADMIN, office_id=None, agency_id=None, region_id=land["bali"].pk
    )
    assert permissions.can_grant(
        user, Role.OFFICE_HEAD, office_id=land["office_denpasar"].pk, agency_id=None
    )


def test_office_head_grants_below_itself_only(land):
    office = land["office_badung"]
    agency = make_agency(office)
    head = make_officer(agency, role=Role.OFFICE_HEAD)
    assert permissions.can_grant(head, Role.OFFICE_ADMIN, office_id=office.pk, agency_id=None)
    assert permissions.can_grant(head, Role.OFFICER, office_id=office.pk, agency_id=agency.pk)
    assert not permissions.can_grant(head, Role.OFFICE_HEAD, office_id=office.pk, agency_id=None)
    assert not permissions.can_grant(
        head, Role.REGENCY_ADMIN, office_id=None, agency_id=None, region_id=land["badung"].pk
    )


def test_grantable_rows_match_can_grant(land):
    """`filter_grantable` (the rows a list lets one change) says what `can_grant` says."""
    province = make_regional_admin(land["bali"])
    regency_badung = make_regional_admin(land["badung"])
    regency_sidoarjo = make_regional_admin(land["sidoarjo"])
    inspector = make_inspector(land["denpasar"])
    agency = make_agency(land["office_badung"])
    head = make_officer(agency, role=Role.OFFICE_HEAD)
    officer = make_officer(agency)
    for granter in (province, regency_badung, head):
        rows = permissions.filter_grantable(granter, Membership.objects.all())
        for membership in Membership.objects.all():
            expected = permissions.can_grant(
                granter,
                membership.role,
                office_id=membership.office_id,
                agency_id=membership.agency_id,
                region_id=membership.region_id,
            )
            assert (membership in rows) == expected, (granter, membership)
    province_rows = permissions.filter_grantable(province, Membership.objects.all())
    assert set(province_rows.values_list("user", flat=True)) == {
        regency_badung.pk,
        inspector.pk,
        head.pk,
        officer.pk,
    }
    assert regency_sidoarjo.pk not in set(
        permissions.accounts_in_scope(province).values_list("pk", flat=True)
    )


# --- the rows themselves ----------------------------------------------------------------------


def test_regional_roles_need_a_region_of_the_right_level(land):
    from antrean.testing.factories import make_superuser

    user = make_superuser("x")
    bad = Membership(user=user, role=Role.PROVINCE_ADMIN, region=land["badung"])
    with pytest.raises(ValidationError):
        bad.full_clean()
    bad = Membership(user=user, role=Role.REGENCY_ADMIN, region=land["bali"])
    with pytest.raises(ValidationError):
        bad.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.REGENCY_ADMIN)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=user, role=Role.OFFICE_ADMIN, office=land["office_badung"], region=land["badung"]
        )
