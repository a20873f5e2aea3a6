"""Which pact text is in force, what exactly the signer sees, and what a signature records."""

import datetime as dt
import hashlib

import pytest

from antrean.booking.services import booking_create
from antrean.core.errors import DomainError, ErrorCode
from antrean.integrity.models import (
    Audience,
    Certificate,
    Channel,
    PactRendering,
    PactSignature,
    PactText,
)
from antrean.integrity.services import (
    ClientInfo,
    pact_check_agreement,
    pact_in_force,
    pact_next_version,
    pact_publish,
    pact_render,
    pact_signature_create,
)
from antrean.testing.factories import (
    booking_request,
    make_agency,
    make_office,
    make_service,
    make_slot,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2030, 1, 7, 1, 0, tzinfo=dt.UTC)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def add_pact(*, office=None, version, body=None, published=True, audience=Audience.CITIZEN):
    pact = PactText.objects.create(
        office=office,
        audience=audience,
        version=version,
        title=f"Pakta v{version}",
        body=body or f"Versi {version}: saya berjanji di {{kantor}}.",
    )
    if published:
        pact_publish(pact=pact, by=None)
    return pact


def test_national_text_is_the_fallback():
    office = make_office(name="Mal Pelayanan Publik Kabupaten Badung")
    rendering = pact_in_force(office=office)
    assert rendering.pact.office_id is None
    assert rendering.pact.audience == Audience.CITIZEN
    assert rendering.pact.version == 1
    assert rendering.pact.is_published
    assert "Mal Pelayanan Publik Kabupaten Badung" in rendering.text
    assert "{kantor}" not in rendering.text
    assert rendering.text.startswith("Saya yang namanya tercantum di bawah ini")
    assert rendering.sha256 == sha256(rendering.text)
    # What is stored is exactly what was hashed.
    stored = PactRendering.objects.get(pk=rendering.pk)
    assert stored.text == rendering.text
    assert stored.sha256 == sha256(stored.text)
    assert stored.office == office


def test_officer_audience_has_its_own_text():
    office = make_office()
    citizen = pact_in_force(office=office, audience=Audience.CITIZEN)
    officer = pact_in_force(office=office, audience=Audience.OFFICER)
    assert officer.pact.audience == Audience.OFFICER
    assert officer.sha256 != citizen.sha256


def test_the_offices_own_text_wins():
    office = make_office()
    add_pact(version=7)  # a newer national version does not override the office's own
    own = add_pact(office=office, version=1, body="Teks {kantor} sendiri.")
    rendering = pact_in_force(office=office)
    assert rendering.pact == own
    assert rendering.text == f"Teks {office.name} sendiri."
    assert rendering.sha256 == sha256(rendering.text)
    # Another office still gets the newest national text.
    assert pact_in_force(office=make_office()).pact.version == 7


def test_newest_published_version_wins_and_drafts_are_ignored():
    office = make_office()
    add_pact(office=office, version=1)
    second = add_pact(office=office, version=2)
    add_pact(office=office, version=3, published=False)
    assert pact_in_force(office=office).pact == second
    national_draft = add_pact(version=2, published=False)
    assert pact_in_force(office=make_office()).pact.version == 1
    pact_publish(pact=national_draft, by=None)
    assert pact_in_force(office=make_office()).pact == national_draft


def test_own_text_wins_however_many_national_versions_exist():
    office = make_office()
    for version in range(2, 62):
        add_pact(version=version)
    own = add_pact(office=office, version=1)
    assert pact_in_force(office=office).pact == own
    assert pact_in_force(office=make_office()).pact.version == 61


def test_unpublished_everywhere_means_no_pact():
    PactText.objects.filter(office__isnull=True).update(published_at=None)
    assert pact_in_force(office=make_office()) is None


def test_agency_name_fills_instansi():
    office = make_office()
    agency = make_agency(office, name="Dinas Kependudukan dan Pencatatan Sipil")
    add_pact(office=office, version=1, body="Di {kantor}, loket {instansi}.")
    rendering = pact_in_force(office=office, agency=agency)
    assert rendering.text == f"Di {office.name}, loket Dinas Kependudukan dan Pencatatan Sipil."
    without = pact_in_force(office=office)
    assert without.text == f"Di {office.name}, loket {office.name}."


def test_one_rendering_per_distinct_text():
    office = make_office()
    first = pact_in_force(office=office)
    again = pact_in_force(office=office)
    assert first.pk == again.pk
    assert PactRendering.objects.filter(office=office).count() == 1


def test_new_version_leaves_earlier_signatures_as_they_were():
    office = make_office()
    slot = make_slot(make_service(office))
    ticket = booking_create(request=booking_request(slot), client=ClientInfo()).ticket
    signature = PactSignature.objects.get(ticket=ticket)
    text_before, hash_before = signature.rendering.text, signature.rendering.sha256

    add_pact(version=2, body="Versi baru yang lain untuk {kantor}.")
    current = pact_in_force(office=office)
    assert current.pact.version == 2
    assert current.sha256 != hash_before

    signature = PactSignature.objects.select_related("rendering__pact").get(ticket=ticket)
    assert signature.pact_version == 1
    assert signature.pact_sha256 == hash_before
    assert signature.rendering.text == text_before
    assert signature.rendering.sha256 == hash_before == sha256(text_before)
    assert signature.rendering.pact.version == 1


def test_renaming_the_office_leaves_earlier_renderings_as_they_were():
    office = make_office(name="MPP Lama")
    before = pact_in_force(office=office)
    office.name = "MPP Baru"
    office.save()
    after = pact_in_force(office=office)
    assert after.pk != before.pk
    assert "MPP Baru" in after.text and "MPP Lama" not in after.text
    before = PactRendering.objects.get(pk=before.pk)
    assert "MPP Lama" in before.text
    assert before.sha256 == sha256(before.text)


def test_publish_is_frozen_once_done():
    pact = add_pact(office=make_office(), version=1, published=False)
    assert not pact.is_published
    pact_publish(pact=pact, by=None, now=NOW)
    pact_publish(pact=pact, by=None, now=NOW + dt.timedelta(days=1))
    pact.refresh_from_db()
    assert pact.published_at == NOW


def test_next_version():
    office = make_office()
    assert pact_next_version(office=None, audience=Audience.CITIZEN) == 2  # v1 is seeded
    assert pact_next_version(office=office, audience=Audience.CITIZEN) == 1
    add_pact(office=office, version=1)
    add_pact(office=office, version=2, published=False)  # drafts take their number too
    assert pact_next_version(office=office, audience=Audience.CITIZEN) == 3
    assert pact_next_version(office=office, audience=Audience.OFFICER) == 1


def test_render_fills_names_only():
    office = make_office(name="MPP Badung")
    pact = PactText(body="{kantor} / {instansi} / {lain}")
    assert pact_render(pact=pact, office=office) == "MPP Badung / MPP Badung / {lain}"


class TestCheckAgreement:
    def rendering(self):
        return pact_in_force(office=make_office())

    def test_agreeing_to_the_text_in_force(self):
        rendering = self.rendering()
        agreed = pact_check_agreement(
            rendering=rendering,
            version=rendering.pact.version,
            sha256=rendering.sha256.upper(),
            agreed=True,
        )
        assert agreed == rendering

    @pytest.mark.parametrize(
        ("change", "code"),
        [
            ({"agreed": False}, ErrorCode.PACT_REQUIRED),
            ({"version": 2}, ErrorCode.PACT_OUTDATED),
            ({"version": None}, ErrorCode.PACT_OUTDATED),
            ({"sha256": "0" * 64}, ErrorCode.PACT_OUTDATED),
            ({"sha256": None}, ErrorCode.PACT_OUTDATED),
            ({"sha256": ""}, ErrorCode.PACT_OUTDATED),
        ],
    )
    def test_refusals(self, change, code):
        rendering = self.rendering()
        values = {
            "rendering": rendering,
            "version": rendering.pact.version,
            "sha256": rendering.sha256,
            "agreed": True,
        }
        values.update(change)
        with pytest.raises(DomainError) as caught:
            pact_check_agreement(**values)
        assert caught.value.code == code
        assert caught.value.field == "pact_agreed"

    def test_no_pact_in_force_means_nobody_can_agree(self):
        with pytest.raises(DomainError) as caught:
            pact_check_agreement(rendering=None, version=1, sha256="0" * 64, agreed=True)
        assert caught.value.code == ErrorCode.PACT_OUTDATED


def test_signature_records_who_what_when_and_how():
    office = make_office()
    slot = make_slot(make_service(office))
    ticket = booking_create(request=booking_request(slot), client=ClientInfo()).ticket
    rendering = pact_in_force(office=office)
    # Record a second signature for the same ticket (the first, with its certificate, goes).
    Certificate.objects.filter(signature__ticket=ticket).delete()
    PactSignature.objects.filter(ticket=ticket).delete()
    client = ClientInfo(channel=Channel.KIOSK, ip="2001:db8::1", user_agent="x" * 500)
    signature = pact_signature_create(
        rendering=rendering, office=office, client=client, ticket=ticket, now=NOW
    )
    signature = PactSignature.objects.get(pk=signature.pk)
    assert signature.audience == Audience.CITIZEN
    assert (signature.pact_version, signature.pact_sha256) == (1, rendering.sha256)
    assert signature.channel == Channel.KIOSK
    assert signature.client_ip == "2001:db8::1"
    assert signature.user_agent == "x" * 300
    assert signature.signed_at == NOW
    assert signature.ticket == ticket and signature.officer is None
