"""The national pact that offices adopt as it is or extend with their own clauses.

What a signer agrees to is the national text in force, followed (when the office extends it)
by the office's newest published clauses under a heading naming the office. A new version of
either part is a new text; every signature keeps the text and the versions it agreed to, in
its record, its ledger entry, its certificate and on the verification page.
"""

import dataclasses
import datetime as dt
import hashlib
import io

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from antrean.booking.services import booking_create
from antrean.core.errors import DomainError, ErrorCode
from antrean.integrity.certificates import certificate_pdf_bytes, certificate_render
from antrean.integrity.ledger import ledger_verify
from antrean.integrity.ledger_hash import signature_record
from antrean.integrity.models import (
    CLAUSES_MAX_CHARS,
    Audience,
    Certificate,
    PactKind,
    PactMode,
    PactPolicy,
    PactRendering,
    PactSignature,
    PactText,
)
from antrean.integrity.selectors import certificate_public_facts
from antrean.integrity.services import (
    ClientInfo,
    pact_in_force,
    pact_mode,
    pact_mode_set,
    pact_next_version,
    pact_publish,
    pact_texts_in_force,
)
from antrean.integrity.signing import signing_cache_clear
from antrean.tenancy.models import Membership
from antrean.testing.factories import (
    booking_request,
    make_agency,
    make_national_admin,
    make_nik,
    make_office,
    make_officer,
    make_phone,
    make_service,
    make_slot,
    sign_officer_pact,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2030, 1, 7, 1, 0, tzinfo=dt.UTC)
CLAUSES = (
    "1. Tidak akan merekam atau memotret petugas tanpa izin di ruang pelayanan.\n"
    "2. Mematuhi nomor antrean yang dipanggil di {kantor}."
)


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANTREAN_KEY_DIR = tmp_path / "keys"
    signing_cache_clear()
    yield
    signing_cache_clear()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def national(version: int | None = None, *, body: str = "", audience=Audience.CITIZEN) -> PactText:
    version = version or pact_next_version(office=None, audience=audience)
    return PactText.objects.create(
        office=None,
        audience=audience,
        version=version,
        title="Pakta Integritas Pengguna Layanan",
        body=body or f"Teks nasional versi {version}: saya tidak memberi imbalan di {{kantor}}.",
    )


def clauses(office, *, body: str = CLAUSES, audience=Audience.CITIZEN) -> PactText:
    return PactText.objects.create(
        office=office,
        audience=audience,
        kind=PactKind.CLAUSES,
        version=pact_next_version(office=office, audience=audience, kind=PactKind.CLAUSES),
        title="Klausul tambahan",
        body=body,
    )


def admin_of(office):
    return make_officer(make_agency(office), role=Membership.Role.OFFICE_ADMIN)


_serial = iter(range(1, 100_000))


def book(office) -> PactSignature:
    n = next(_serial)
    slot = make_slot(make_service(office), capacity=50)
    request = booking_request(slot, nik=make_nik(n), whatsapp=make_phone(n))
    ticket = booking_create(request=request, client=ClientInfo()).ticket
    return PactSignature.objects.select_related("rendering__pact", "rendering__clauses").get(
        ticket=ticket
    )


def snapshot() -> dict:
    return {
        "texts": sorted(PactText.objects.values_list("pk", "published_at", "body")),
        "policies": sorted(PactPolicy.objects.values_list("office", "mode", "changed_at")),
    }


# --- adopting --------------------------------------------------------------------------------


def test_an_adopting_office_signs_each_new_national_version_once_published():
    office = make_office()
    assert pact_mode(office=office) == PactMode.ADOPT
    first = book(office)
    assert (first.pact_version, first.pact_clauses_version) == (1, None)

    draft = national()
    assert book(office).pact_version == 1  # a draft changes nothing
    pact_publish(pact=draft, by=make_national_admin())
    second = book(office)
    assert second.rendering.pact == draft and second.rendering.clauses is None
    assert (second.pact_version, second.pact_clauses_version) == (2, None)
    assert (
        second.rendering.text
        == f"Teks nasional versi 2: saya tidak memberi imbalan di {office.name}."
    )


def test_an_adopting_office_ignores_its_clauses():
    office = make_office()
    pact_publish(pact=clauses(office), by=None)
    pact_mode_set(office=office, mode=PactMode.ADOPT, by=None)
    rendering = pact_in_force(office=office)
    assert rendering.clauses is None and "Klausul tambahan" not in rendering.text


# --- extending -------------------------------------------------------------------------------


def test_an_extending_office_signs_national_vn_with_its_clauses_vm():
    office = make_office(name="Mal Pelayanan Publik Kabupaten Badung")
    admin = admin_of(office)
    base = pact_in_force(office=office)
    before = book(office)

    own = clauses(office)
    assert own.version == 1
    pact_publish(pact=own, by=admin, now=NOW)  # publishing clauses puts them in force
    assert pact_mode(office=office) == PactMode.EXTEND
    policy = PactPolicy.objects.get(office=office)
    assert (policy.changed_by, policy.changed_at) == (admin, NOW)

    rendering = pact_in_force(office=office)
    assert (rendering.pact, rendering.clauses) == (base.pact, own)
    assert rendering.text == (
        base.text + "\n\nKlausul tambahan dari Mal Pelayanan Publik Kabupaten Badung:\n"
        "1. Tidak akan merekam atau memotret petugas tanpa izin di ruang pelayanan.\n"
        "2. Mematuhi nomor antrean yang dipanggil di Mal Pelayanan Publik Kabupaten Badung."
    )
    assert rendering.sha256 == sha256(rendering.text) != base.sha256
    assert rendering.version_label == "1 (nasional) + klausul kantor 1"

    signed = book(office)
    assert (signed.pact_version, signed.pact_clauses_version) == (1, 1)
    assert signed.pact_sha256 == rendering.sha256
    assert (signed.rendering.pact, signed.rendering.clauses) == (base.pact, own)
    assert before.pact_clauses_version is None  # signed before the clauses: unchanged

    # Another office still signs the national text alone.
    assert pact_in_force(office=make_office()).clauses is None


def test_a_change_of_either_part_is_a_new_version_and_old_signatures_keep_theirs():
    office = make_office()
    pact_publish(pact=clauses(office), by=admin_of(office))
    v1_k1 = book(office)

    pact_publish(pact=national(), by=make_national_admin())  # national v2
    v2_k1 = book(office)
    pact_publish(pact=clauses(office, body="1. Klausul kedua untuk {kantor}."), by=None)
    v2_k2 = book(office)

    signed = [(s.pact_version, s.pact_clauses_version) for s in (v1_k1, v2_k1, v2_k2)]
    assert signed == [(1, 1), (2, 1), (2, 2)]
    assert len({s.pact_sha256 for s in (v1_k1, v2_k1, v2_k2)}) == 3
    assert len({s.rendering_id for s in (v1_k1, v2_k1, v2_k2)}) == 3

    for signature in (v1_k1, v2_k1, v2_k2):
        stored = PactSignature.objects.select_related("rendering__pact", "rendering__clauses").get(
            pk=signature.pk
        )
        assert stored.rendering.text == signature.rendering.text
        assert stored.pact_sha256 == sha256(stored.rendering.text)
        assert stored.pact_version == stored.rendering.pact.version
        assert stored.pact_clauses_version == stored.rendering.clauses.version
    assert "Klausul kedua" not in PactRendering.objects.get(pk=v2_k1.rendering_id).text

    # The chain still verifies end to end, and it vouches for the clauses' version too.
    assert ledger_verify(office=office).ok
    out = io.StringIO()
    call_command("verify_ledger", "--office", office.code, stdout=out)
    assert f"OK   {office.code}: 3 entries" in out.getvalue()
    PactSignature.objects.filter(pk=v2_k1.pk).update(pact_clauses_version=2)
    report = ledger_verify(office=office)
    assert not report.ok and report.bad_signature_id == v2_k1.pk


def test_an_extending_office_without_clauses_signs_the_national_text():
    office = make_office()
    pact_mode_set(office=office, mode=PactMode.EXTEND, by=admin_of(office))
    rendering = pact_in_force(office=office)
    assert rendering.clauses is None and rendering.pact.office_id is None


def test_officers_sign_the_national_officer_pact_with_the_offices_officer_clauses():
    office = make_office()
    pact_publish(pact=clauses(office, audience=Audience.OFFICER), by=None)
    officer = make_officer(make_agency(office, name="Dinas Uji"))
    signature = sign_officer_pact(officer, office)
    assert signature.pact_clauses_version == 1
    assert "Klausul tambahan dari" in signature.rendering.text
    # The citizen pact has no clauses of this office: the national text alone.
    assert pact_in_force(office=office, audience=Audience.CITIZEN).clauses is None


def test_a_booking_agreed_before_the_clauses_were_published_is_outdated():
    office = make_office()
    slot = make_slot(make_service(office), capacity=5)
    stale = booking_request(slot)  # version and hash of the national text alone
    pact_publish(pact=clauses(office), by=None)
    with pytest.raises(DomainError) as caught:
        booking_create(request=stale, client=ClientInfo())
    assert caught.value.code == ErrorCode.PACT_OUTDATED
    fresh = dataclasses.replace(stale, pact_sha256=pact_in_force(office=office).sha256)
    assert booking_create(request=fresh, client=ClientInfo()).ticket.pact_signature


def test_records_made_before_clauses_existed_hash_as_before():
    fields = {
        "office_id": 1,
        "seq": 1,
        "prev": "0" * 64,
        "audience": "citizen",
        "pact_version": 1,
        "pact_sha256": "a" * 64,
        "signed_at": NOW,
        "channel": "web",
        "subject": "ticket:X",
        "signer": "h",
    }
    assert "pact_clauses_version" not in signature_record(**fields)
    assert signature_record(**fields, pact_clauses_version=3)["pact_clauses_version"] == 3


# --- the office's own full text (the ministry's decision) ---------------------------------------


def test_an_office_full_text_is_published_by_a_national_admin_and_replaces_the_national_one():
    office = make_office()
    own = PactText.objects.create(
        office=office, audience=Audience.CITIZEN, version=1, title="Pakta", body="Teks {kantor}."
    )
    pact_publish(pact=own, by=make_national_admin())
    assert pact_mode(office=office) == PactMode.OWN
    rendering = pact_in_force(office=office)
    assert (rendering.pact, rendering.clauses) == (own, None)
    assert rendering.version_label == "1 (teks kantor)"
    assert book(office).pact_version == 1
    # Its administrators may come back to the national text; not go back to their own.
    admin = admin_of(office)
    pact_mode_set(office=office, mode=PactMode.ADOPT, by=admin)
    assert pact_in_force(office=office).pact.office_id is None
    with pytest.raises(DomainError):
        pact_mode_set(office=office, mode=PactMode.OWN, by=admin)
    assert pact_mode(office=office) == PactMode.ADOPT


def test_offices_that_had_their_own_text_keep_it_after_the_migration():
    from importlib import import_module

    migration = import_module("antrean.integrity.migrations.0007_office_own_pacts_keep_their_mode")
    with_text, draft_only, without = make_office(), make_office(), make_office()
    PactText.objects.create(
        office=with_text, audience=Audience.OFFICER, version=1, title="P", body="B",
        published_at=NOW,
    )  # fmt: skip
    PactText.objects.create(office=draft_only, audience=Audience.CITIZEN, version=1, title="P",
                            body="B")  # fmt: skip
    migration.forwards(apps, None)
    assert pact_mode(office=with_text) == PactMode.OWN
    assert pact_mode(office=draft_only) == PactMode.ADOPT
    assert pact_mode(office=without) == PactMode.ADOPT


# --- who may publish and choose: refused in the service, nothing changed ------------------------


def test_an_office_admin_cannot_publish_the_national_text():
    office = make_office()
    draft = national()
    before = snapshot()
    with pytest.raises(DomainError) as caught:
        pact_publish(pact=draft, by=admin_of(office))
    assert caught.value.code == ErrorCode.FORBIDDEN
    assert snapshot() == before
    draft.refresh_from_db()
    assert not draft.is_published
    assert pact_in_force(office=office).pact.version == 1


def test_an_office_admin_cannot_publish_another_offices_clauses_or_its_own_full_text():
    ours, theirs = make_office(), make_office()
    admin = admin_of(ours)
    their_clauses = clauses(theirs)
    own_full = PactText.objects.create(
        office=ours, audience=Audience.CITIZEN, version=1, title="P", body="Teks sendiri."
    )
    for pact in (their_clauses, own_full):
        before = snapshot()
        with pytest.raises(DomainError) as caught:
            pact_publish(pact=pact, by=admin)
        assert caught.value.code == ErrorCode.FORBIDDEN
        assert snapshot() == before
    assert pact_in_force(office=theirs).clauses is None
    assert pact_in_force(office=ours).pact.office_id is None
    # Their own clauses: yes.
    pact_publish(pact=clauses(ours), by=admin)
    assert pact_in_force(office=ours).clauses is not None


def test_modes_are_set_by_the_offices_administrators_and_own_only_by_national_admins():
    ours, theirs = make_office(), make_office()
    admin = admin_of(ours)
    officer = make_officer(make_agency(ours))
    for user, office, mode in [
        (admin, theirs, PactMode.EXTEND),
        (officer, ours, PactMode.EXTEND),
        (admin, ours, PactMode.OWN),
    ]:
        before = snapshot()
        with pytest.raises(DomainError) as caught:
            pact_mode_set(office=office, mode=mode, by=user)
        assert caught.value.code == ErrorCode.FORBIDDEN
        assert snapshot() == before
    with pytest.raises(DomainError) as caught:
        pact_mode_set(office=ours, mode="ganti", by=admin)
    assert caught.value.code == ErrorCode.INVALID_REQUEST
    assert pact_mode_set(office=ours, mode=PactMode.EXTEND, by=admin).mode == PactMode.EXTEND
    assert pact_mode_set(office=theirs, mode=PactMode.OWN, by=make_national_admin()).mode == "own"


# --- the texts themselves ---------------------------------------------------------------------


def test_clauses_belong_to_an_office_and_fit_the_certificate():
    with pytest.raises(ValidationError):
        PactText(audience=Audience.CITIZEN, kind=PactKind.CLAUSES, version=9, title="K",
                 body="x").full_clean()  # fmt: skip
    office = make_office()
    too_long = PactText(office=office, audience=Audience.CITIZEN, kind=PactKind.CLAUSES,
                        version=1, title="K", body="x" * (CLAUSES_MAX_CHARS + 1))  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        too_long.full_clean()
    assert "body" in caught.value.message_dict


def test_clauses_and_full_texts_are_numbered_apart():
    office = make_office()
    clauses(office)
    assert pact_next_version(office=office, audience=Audience.CITIZEN) == 1
    assert pact_next_version(office=office, audience=Audience.CITIZEN, kind=PactKind.CLAUSES) == 2
    PactText.objects.create(
        office=office, audience=Audience.CITIZEN, version=1, title="P", body="B"
    )


def test_texts_in_force_name_both_parts():
    office = make_office()
    assert pact_texts_in_force(office=office, audience=Audience.CITIZEN).clauses is None
    own = clauses(office)
    pact_publish(pact=own, by=None)
    texts = pact_texts_in_force(office=office, audience=Audience.CITIZEN)
    assert (texts.base.version, texts.clauses) == (1, own)


# --- what the certificate and the verification page say --------------------------------------


def _pdf_words(certificate: Certificate) -> str:
    pdf = certificate_pdf_bytes(certificate_render(certificate_id=certificate.pk))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def test_certificate_and_verification_page_show_the_versions_signed(client):
    office = make_office(name="Mal Pelayanan Publik Kabupaten Badung")
    adopted = Certificate.objects.get(signature=book(office))
    longest = "1. " + ("Tidak akan meminta perlakuan khusus di luar antrean. " * 40)
    pact_publish(pact=clauses(office, body=longest[:CLAUSES_MAX_CHARS].strip()), by=None)
    extended = Certificate.objects.get(signature=book(office))

    words = _pdf_words(adopted)
    assert "Versi pakta 1 (nasional)" in words and "klausul kantor" not in words
    words = _pdf_words(extended)  # the longest clauses still fit the one page
    assert "Versi pakta 1 (nasional) + klausul kantor 1" in words
    assert "Klausul tambahan dari Mal Pelayanan Publik Kabupaten Badung:" in words
    assert "Tidak akan meminta perlakuan khusus" in words

    facts = certificate_public_facts(extended)
    assert (facts.pact_version, facts.pact_scope, facts.pact_clauses_version) == (1, "national", 1)
    page = client.get(reverse("integrity:verify", args=[extended.verification_code]))
    body = " ".join(page.content.decode().split())
    assert "1 (nasional)" in body
    assert "Versi klausul tambahan kantor</dt><dd>1</dd>" in body
    page = client.get(reverse("integrity:verify", args=[adopted.verification_code]))
    assert "Versi klausul tambahan kantor" not in page.content.decode()


def test_the_api_names_the_versions_of_the_pact_and_of_a_certificate(client):
    office = make_office()
    pact_publish(pact=clauses(office), by=None)
    pact = client.get(f"/api/v1/offices/{office.code}/pact").json()
    assert (pact["version"], pact["scope"], pact["clauses_version"]) == (1, "national", 1)
    assert pact["sha256"] == sha256(pact["text"])
    certificate = Certificate.objects.get(signature=book(office))
    certificate_render(certificate_id=certificate.pk)
    data = client.get(f"/api/v1/certificates/{certificate.verification_code}").json()
    assert (data["pact_version"], data["pact_scope"], data["pact_clauses_version"]) == (
        1,
        "national",
        1,
    )
