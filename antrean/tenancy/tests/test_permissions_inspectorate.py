"""The inspectorate (APIP) role: bound to a region, it handles that region's offices' reports
and reaches nothing else; nobody else handles reports, not even a national admin."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from antrean.tenancy import permissions
from antrean.tenancy.models import Membership, Region
from antrean.testing.factories import (
    make_agency,
    make_inspector,
    make_office,
    make_officer,
    make_region,
    make_superuser,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def regions():
    # Provinces are loaded by a migration.
    bali, jatim = Region.objects.get(code="51"), Region.objects.get(code="35")
    badung = make_region("51.03", "Kabupaten Badung")
    badung.parent = bali
    badung.save()
    sidoarjo = make_region("35.15", "Kabupaten Sidoarjo")
    sidoarjo.parent = jatim
    sidoarjo.save()
    return {"bali": bali, "badung": badung, "sidoarjo": sidoarjo}


def test_a_regency_inspectorate_handles_its_regencys_offices_only(regions):
    badung = make_office(code="mpp-badung", region=regions["badung"])
    sidoarjo = make_office(code="mpp-sidoarjo", region=regions["sidoarjo"])
    inspector = make_inspector(regions["badung"])

    assert permissions.can_handle_reports(inspector, badung.pk)
    assert not permissions.can_handle_reports(inspector, sidoarjo.pk)
    assert list(permissions.offices_inspected(inspector)) == [badung]


def test_a_province_inspectorate_reaches_the_offices_of_its_regencies(regions):
    badung = make_office(code="mpp-badung", region=regions["badung"])
    sidoarjo = make_office(code="mpp-sidoarjo", region=regions["sidoarjo"])
    inspector = make_inspector(regions["bali"])

    assert permissions.can_handle_reports(inspector, badung.pk)
    assert not permissions.can_handle_reports(inspector, sidoarjo.pk)


def test_the_inspectorate_reaches_no_ticket_message_or_configuration(regions):
    office = make_office(code="mpp-badung", region=regions["badung"])
    inspector = make_inspector(regions["badung"])

    scope = permissions.scope_of(inspector)
    assert not scope.is_staff_anywhere and not scope.is_admin and not scope.everything
    assert not permissions.can_see_office(inspector, office.pk)
    assert not permissions.can_administer_office(inspector, office.pk)
    assert not permissions.offices_in_scope(inspector).exists()
    assert permissions.requires_two_factor(inspector)


def test_nobody_but_the_inspectorate_handles_reports(regions):
    office = make_office(code="mpp-badung", region=regions["badung"])
    agency = make_agency(office, code="capil")
    national = get_user_model().objects.create_user("nasional", password=None, is_staff=True)
    Membership.objects.create(user=national, role=Membership.Role.NATIONAL_ADMIN)
    for user in (
        make_officer(agency),
        make_officer(agency, role=Membership.Role.AGENCY_ADMIN),
        make_officer(agency, role=Membership.Role.OFFICE_ADMIN),
        national,
        make_superuser(),
    ):
        assert not permissions.can_handle_reports(user, office.pk), user
        assert not permissions.offices_inspected(user).exists()


def test_only_national_admins_grant_the_inspectorate(regions):
    office = make_office(code="mpp-badung", region=regions["badung"])
    office_admin = make_officer(make_agency(office), role=Membership.Role.OFFICE_ADMIN)
    national = get_user_model().objects.create_user("nasional", password=None, is_staff=True)
    Membership.objects.create(user=national, role=Membership.Role.NATIONAL_ADMIN)

    role = Membership.Role.INSPECTORATE
    assert not permissions.can_grant(office_admin, role, office_id=office.pk, agency_id=None)
    assert not permissions.can_grant(office_admin, role, office_id=None, agency_id=None)
    assert permissions.can_grant(national, role, office_id=None, agency_id=None)


def test_an_inspectorate_membership_is_bound_to_a_region_and_nothing_else(regions):
    office = make_office(code="mpp-badung", region=regions["badung"])
    user = get_user_model().objects.create_user("apip", password=None)
    role = Membership.Role.INSPECTORATE

    with pytest.raises(ValidationError):
        Membership(user=user, role=role).clean()
    with pytest.raises(ValidationError):
        Membership(user=user, role=role, region=regions["badung"], office=office).clean()
    with pytest.raises(ValidationError):
        Membership(
            user=user, role=Membership.Role.OFFICE_ADMIN, office=office, region=regions["badung"]
        ).clean()
    Membership(user=user, role=role, region=regions["badung"]).clean()
    # The database says so too, whatever writes the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=role)
