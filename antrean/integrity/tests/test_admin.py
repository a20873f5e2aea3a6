"""The admin pages an office admin uses without a developer: its pact clauses and mode, and
its own signing key (CSR, then the certificate the CA issued). Scoped as the services are."""

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from antrean.integrity.certificates import certificate_check_upload, certificate_pdf_bytes
from antrean.integrity.models import (
    Audience,
    PactKind,
    PactMode,
    PactPolicy,
    PactText,
    SigningKey,
    SigningKeyRequest,
)
from antrean.integrity.services import pact_in_force, pact_mode
from antrean.integrity.signing import signing_cache_clear, signing_key_active
from antrean.integrity.tests.ca import CertificateAuthority
from antrean.integrity.tests.test_signing import issued
from antrean.tenancy.models import Membership
from antrean.testing.factories import make_agency, make_national_admin, make_office, make_officer
from antrean.testing.signin import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANTREAN_KEY_DIR = tmp_path / "keys"
    signing_cache_clear()
    yield
    signing_cache_clear()


@pytest.fixture
def w():
    ours, theirs = make_office(code="mpp-badung"), make_office(code="mpp-sidoarjo")
    admin = make_officer(make_agency(ours), role=Membership.Role.OFFICE_ADMIN)
    other = make_officer(make_agency(theirs), role=Membership.Role.OFFICE_ADMIN)
    return {"ours": ours, "theirs": theirs, "admin": admin, "other": other}


def client_of(user) -> Client:
    client = Client()
    sign_in(client, user, second_step=True)
    return client


def texts() -> list:
    return sorted(PactText.objects.values_list("pk", "published_at", "kind", "body"))


# --- pact clauses and the office's mode --------------------------------------------------------


def test_office_admin_writes_and_publishes_clauses_that_extend_the_national_text(w):
    client = client_of(w["admin"])
    response = client.post(
        reverse("admin:integrity_pacttext_add"),
        {
            "office": w["ours"].pk,
            "audience": Audience.CITIZEN,
            "language": "id",
            "version": "",
            "title": "Klausul MPP Badung",
            "body": "1. Tidak merokok di ruang pelayanan {kantor}.\r\n2. Antre dengan tertib.",
            "_terbitkan": "1",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "memakai teks nasional yang berlaku ditambah klausul ini" in response.content.decode()
    added = PactText.objects.get(office=w["ours"])
    assert (added.kind, added.version, added.is_published) == (PactKind.CLAUSES, 1, True)
    assert added.body == "1. Tidak merokok di ruang pelayanan {kantor}.\n2. Antre dengan tertib."
    assert pact_mode(office=w["ours"]) == PactMode.EXTEND
    rendering = pact_in_force(office=w["ours"])
    assert rendering.clauses == added and rendering.pact.office_id is None


def test_office_admin_cannot_publish_a_full_text_of_its_own(w):
    draft = PactText.objects.create(
        office=w["ours"], audience=Audience.CITIZEN, version=1, title="P", body="Teks sendiri."
    )
    client = client_of(w["admin"])
    before = texts()
    response = client.post(
        reverse("admin:integrity_pacttext_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert "hanya dapat diterbitkan oleh admin nasional" in response.content.decode()
    assert texts() == before
    assert pact_mode(office=w["ours"]) == PactMode.ADOPT
    # A national admin may: the office then signs it.
    client_of(make_national_admin()).post(
        reverse("admin:integrity_pacttext_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    assert pact_in_force(office=w["ours"]).pact == draft


def test_office_admin_chooses_adopt_or_extend_but_not_own_and_only_at_home(w):
    client = client_of(w["admin"])
    add = reverse("admin:integrity_pactpolicy_add")
    page = client.get(add).content.decode()
    assert 'value="extend"' in page and 'value="own"' not in page

    response = client.post(add, {"office": w["ours"].pk, "mode": PactMode.OWN})
    assert response.status_code == 200 and not PactPolicy.objects.exists()
    response = client.post(add, {"office": w["theirs"].pk, "mode": PactMode.EXTEND})
    assert response.status_code == 200 and not PactPolicy.objects.exists()

    response = client.post(add, {"office": w["ours"].pk, "mode": PactMode.EXTEND})
    assert response.status_code == 302
    policy = PactPolicy.objects.get()
    assert (policy.office, policy.mode, policy.changed_by) == (w["ours"], "extend", w["admin"])

    change = reverse("admin:integrity_pactpolicy_change", args=[w["ours"].pk])
    page = client.get(change).content.decode()
    assert "1 (nasional)" in page  # what its citizens and officers sign now
    assert client.post(change, {"mode": PactMode.ADOPT}).status_code == 302
    assert pact_mode(office=w["ours"]) == PactMode.ADOPT
    # Another office's row is not found.
    PactPolicy.objects.create(office=w["theirs"], mode=PactMode.EXTEND)
    theirs = reverse("admin:integrity_pactpolicy_change", args=[w["theirs"].pk])
    assert client.get(theirs).status_code in (302, 404)
    client.post(theirs, {"mode": PactMode.ADOPT})
    assert pact_mode(office=w["theirs"]) == PactMode.EXTEND


def test_a_national_admin_may_set_the_own_mode(w):
    client = client_of(make_national_admin())
    response = client.post(
        reverse("admin:integrity_pactpolicy_add"), {"office": w["ours"].pk, "mode": "own"}
    )
    assert response.status_code == 302
    assert pact_mode(office=w["ours"]) == PactMode.OWN


# --- the office's own key ----------------------------------------------------------------------


def keys_state() -> dict:
    return {
        "keys": sorted(SigningKey.objects.values_list("key_id", "retired_at")),
        "requests": sorted(SigningKeyRequest.objects.values_list("pk", "status")),
    }


def test_office_admin_makes_a_csr_and_installs_the_certificate_without_a_developer(w):
    ca = CertificateAuthority.create()
    before = issued(w["ours"])  # signed with the development key
    client = client_of(w["admin"])
    changelist = client.get(reverse("admin:integrity_signingkey_changelist")).content.decode()
    assert "Buat CSR" in changelist and "Unggah sertifikat" in changelist

    page = client.get(reverse("admin:integrity_signingkey_csr")).content.decode()
    assert w["ours"].name in page and w["theirs"].name not in page
    response = client.post(
        reverse("admin:integrity_signingkey_csr"),
        {"office": w["ours"].pk, "key_type": "rsa-2048", "organization": "", "unit": ""},
    )
    key_request = SigningKeyRequest.objects.get(office=w["ours"])
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:integrity_signingkey_request", args=[key_request.pk]
    )
    assert "Menunggu sertifikat" in client.get(response["Location"]).content.decode()

    download = client.get(reverse("admin:integrity_signingkey_request_csr", args=[key_request.pk]))
    assert download["Content-Type"] == "application/pkcs10"
    assert 'filename="mpp-badung-' in download["Content-Disposition"]
    csr = x509.load_pem_x509_csr(download.content)
    assert csr.is_signature_valid and csr.public_key().key_size == 2048

    # A certificate for another key: refused in Indonesian, nothing changed.
    wrong = ca.issue(
        download.content, public_key=ec.generate_private_key(ec.SECP256R1()).public_key()
    )
    state = keys_state()
    response = client.post(
        reverse("admin:integrity_signingkey_chain"),
        {"office": w["ours"].pk, "chain": SimpleUploadedFile("rantai.pem", ca.chain_pem(wrong))},
    )
    assert response.status_code == 200
    assert "kunci publiknya berbeda" in response.content.decode()
    assert keys_state() == state

    leaf = ca.issue(download.content)
    response = client.post(
        reverse("admin:integrity_signingkey_chain"),
        {"office": w["ours"].pk, "chain": SimpleUploadedFile("rantai.pem", ca.chain_pem(leaf))},
        follow=True,
    )
    assert "Sertifikat dipasang" in response.content.decode()
    key = signing_key_active(office=w["ours"])
    assert key.source == SigningKey.Source.CSR
    assert key.certificate_pem.encode() == leaf.public_bytes(serialization.Encoding.PEM)
    assert issued(w["ours"]).signing_key == key
    signing_cache_clear()
    assert certificate_check_upload(certificate_pdf_bytes(before)).valid


def test_another_offices_admin_reaches_none_of_it(w):
    ca = CertificateAuthority.create()
    admin = client_of(w["admin"])
    admin.post(
        reverse("admin:integrity_signingkey_csr"), {"office": w["ours"].pk, "key_type": "ec-p256"}
    )
    key_request = SigningKeyRequest.objects.get(office=w["ours"])
    chain = ca.chain_pem(ca.issue(key_request.csr_pem))

    other = client_of(w["other"])
    for name in ("admin:integrity_signingkey_request", "admin:integrity_signingkey_request_csr"):
        assert other.get(reverse(name, args=[key_request.pk])).status_code == 404
    state = keys_state()
    response = other.post(
        reverse("admin:integrity_signingkey_chain"),
        {"office": w["ours"].pk, "chain": SimpleUploadedFile("rantai.pem", chain)},
    )
    assert response.status_code == 200  # the office is not among its choices
    response = other.post(
        reverse("admin:integrity_signingkey_csr"), {"office": w["ours"].pk, "key_type": "ec-p256"}
    )
    assert response.status_code == 200
    assert keys_state() == state

    officer = client_of(make_officer(make_agency(w["ours"])))
    assert officer.get(reverse("admin:integrity_signingkey_csr")).status_code in (302, 403)
    assert keys_state() == state
