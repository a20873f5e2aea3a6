"""Where a staff account lands after signing in, and the staff navigation, by role: the
inspectorate (whose only role is reading reports) lands on its reports, and only it sees the
"Laporan gratifikasi" link."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from antrean.accounts.tests.test_views import logged_in, password_step, totp_code
from antrean.api.tests.staff_setup import make_staff, make_user
from antrean.tenancy.models import Membership
from antrean.testing.factories import make_agency, make_office, make_region
from antrean.testing.signin import sign_in

pytestmark = pytest.mark.django_db

LOGIN = reverse("queueing:login")
VERIFY = reverse("accounts:verify")
SETUP = reverse("accounts:setup")
COUNTERS = reverse("queueing:counters")
REPORTS = reverse("reports:inspectorate_list")
AUDIT = reverse("queueing:audit")
NAV_LINK = "Laporan gratifikasi"


@pytest.fixture
def place():
    region = make_region()
    office = make_office(code="mpp-uji", name="MPP Uji", region=region)
    return region, make_agency(office)


def inspector_account(region, username="inspektorat-uji"):
    user = make_user(username)
    Membership.objects.create(user=user, role=Membership.Role.INSPECTORATE, region=region)
    return user


def test_the_inspectorate_lands_on_its_reports_after_both_steps(client, place, settings):
    settings.DEBUG = False  # the second step is mandatory for the inspectorate (as in tests)
    region, _agency = place
    device = TOTPDevice.objects.create(user=inspector_account(region), confirmed=True)

    response = password_step(client, "inspektorat-uji")

    # The second step still applies, and lands on the reports once passed.
    assert response["Location"] == VERIFY and not logged_in(client)
    assert client.get(REPORTS)["Location"].startswith(LOGIN)
    done = client.post(VERIFY, {"code": totp_code(device)})
    assert done["Location"] == REPORTS
    page = client.get(REPORTS)
    assert page.status_code == 200 and NAV_LINK in page.content.decode()


def test_the_inspectorate_without_an_authenticator_sets_one_up_then_lands_on_its_reports(
    client, place, settings
):
    settings.DEBUG = False
    region, _agency = place
    user = inspector_account(region)

    response = password_step(client, "inspektorat-uji")

    assert response["Location"] == SETUP and not logged_in(client)
    client.get(SETUP)  # starts the authenticator being set up
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    client.post(SETUP, {"code": totp_code(device)})
    shown = client.get(reverse("accounts:recovery_codes")).content.decode()
    assert f'href="{REPORTS}"' in shown  # "continue" leads to the reports, not the counters


def test_an_officer_still_lands_on_the_counters_and_never_sees_the_reports_link(client, place):
    _region, agency = place
    make_staff(agency, username="petugas-uji")

    response = password_step(client, "petugas-uji")

    assert response["Location"] == COUNTERS
    page = client.get(COUNTERS)
    assert page.status_code == 200 and NAV_LINK not in page.content.decode()


def test_office_and_national_admins_never_see_the_reports_link(client, place):
    _region, agency = place
    for role, office in (
        (Membership.Role.OFFICE_ADMIN, agency.office),
        (Membership.Role.NATIONAL_ADMIN, None),
    ):
        user = make_user()
        Membership.objects.create(user=user, role=role, office=office)
        sign_in(client, user)
        for url in (COUNTERS, AUDIT, reverse("accounts:overview")):
            page = client.get(url)
            assert page.status_code == 200, (role, url)
            assert NAV_LINK not in page.content.decode(), (role, url)
        assert client.get(REPORTS).status_code == 403
        client.logout()


def test_the_counters_page_and_the_brand_link_lead_the_inspectorate_to_its_reports(client, place):
    region, _agency = place
    sign_in(client, inspector_account(region))

    assert client.get(COUNTERS)["Location"] == REPORTS
    page = client.get(reverse("accounts:overview")).content.decode()
    assert f'class="brand" href="{REPORTS}"' in page and NAV_LINK in page
    # Signed in already: the sign-in page sends it home too.
    assert client.get(LOGIN)["Location"] == REPORTS


def test_an_officer_who_is_also_inspectorate_keeps_the_counters_and_gets_the_link(client, place):
    region, agency = place
    user = make_staff(agency, username="petugas-apip")
    Membership.objects.create(user=user, role=Membership.Role.INSPECTORATE, region=region)
    sign_in(client, user)

    page = client.get(COUNTERS)

    assert page.status_code == 200 and NAV_LINK in page.content.decode()


def test_a_next_address_given_to_the_sign_in_is_still_followed(client, place):
    region, _agency = place
    device = TOTPDevice.objects.create(user=inspector_account(region), confirmed=True)
    overview = reverse("accounts:overview")

    password_step(client, "inspektorat-uji", url=f"{LOGIN}?next={overview}")
    response = client.post(VERIFY, {"code": totp_code(device)})

    assert response["Location"] == overview
