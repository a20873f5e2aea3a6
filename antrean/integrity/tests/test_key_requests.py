"""An office's own key from a certificate authority: the CSR made here, the chain the CA
issued installed, certificates signed with it (both signing paths) and checked by pyHanko,
openssl and poppler against the CA's root, older certificates still valid, and every bad
chain refused with a reason in Indonesian and nothing changed."""

import base64
import datetime as dt
import io
import os
import secrets
import stat
import subprocess
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.core.management import CommandError, call_command
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from antrean.core.errors import DomainError, ErrorCode
from antrean.core.personal_data import (
    FILE_MAGIC,
    current_key_id,
    encrypted_bytes_key_id,
    reset_key_cache,
)
from antrean.integrity.certificates import certificate_check_upload, certificate_pdf_bytes
from antrean.integrity.key_requests import (
    SigningKeyRefused,
    signing_key_chain_import,
    signing_key_request_create,
    signing_key_request_pending,
)
from antrean.integrity.models import SigningKey, SigningKeyRequest
from antrean.integrity.signing import (
    pdf_check_signature,
    public_key_sha256,
    signing_cache_clear,
    signing_key_active,
)
from antrean.integrity.tests.ca import CertificateAuthority, usage
from antrean.integrity.tests.test_signing import (
    APPENDED,
    OPENSSL,
    PDFSIG,
    _cms_and_signed_bytes,
    issued,
    openssl_verifies,
)
from antrean.tenancy.models import Membership
from antrean.testing.factories import (
    make_agency,
    make_national_admin,
    make_office,
    make_officer,
    make_province,
    make_regency,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANTREAN_KEY_DIR = tmp_path / "keys"
    signing_cache_clear()
    yield
    signing_cache_clear()


@pytest.fixture(params=["pyhanko", "appended"])
def signed_by(request):
    return request.param


@pytest.fixture(scope="module")
def ca():
    return CertificateAuthority.create()


def badung_office(**fields):
    bali = make_province("51", "Bali")
    badung = make_regency("51.03", "Kabupaten Badung", province=bali)
    fields.setdefault("name", "Mal Pelayanan Publik Kabupaten Badung")
    return make_office(region=badung, **fields)


def office_admin(office):
    return make_officer(make_agency(office), role=Membership.Role.OFFICE_ADMIN)


def state(office) -> dict:
    """What an import may change: the office's keys and its requests."""
    return {
        "keys": sorted(
            SigningKey.objects.filter(office=office).values_list("key_id", "retired_at")
        ),
        "requests": sorted(
            SigningKeyRequest.objects.filter(office=office).values_list("pk", "status")
        ),
        "files": sorted(p.name for p in (Path(office_key_dir())).glob("*")),
    }


def office_key_dir() -> Path:
    from django.conf import settings

    path = Path(settings.ANTREAN_KEY_DIR) / "signing"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- the CSR ---------------------------------------------------------------------------------


def test_csr_names_the_office_and_asks_for_document_signing():
    office = badung_office()
    request = signing_key_request_create(office=office, by=None)
    csr = x509.load_pem_x509_csr(request.csr_pem.encode())

    assert csr.is_signature_valid
    subject = {a.oid: a.value for a in csr.subject}
    assert subject == {
        NameOID.COUNTRY_NAME: "ID",
        NameOID.STATE_OR_PROVINCE_NAME: "Bali",
        NameOID.LOCALITY_NAME: "Kabupaten Badung",
        NameOID.ORGANIZATION_NAME: "Mal Pelayanan Publik Kabupaten Badung",
        NameOID.COMMON_NAME: "Mal Pelayanan Publik Kabupaten Badung",
    }
    key_usage = csr.extensions.get_extension_for_class(x509.KeyUsage)
    assert key_usage.critical
    assert key_usage.value.digital_signature and key_usage.value.content_commitment
    assert not key_usage.value.key_encipherment and not key_usage.value.key_cert_sign
    assert csr.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    public_key = csr.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size == 3072
    assert request.public_key_sha256 == public_key_sha256(public_key)
    assert request.status == SigningKeyRequest.Status.PENDING
    assert signing_key_request_pending(office=office) == request

    # The private key: in the key directory, 0600, sealed with the data keys (no PEM in it).
    path = Path(request.key_path)
    assert path.parent == office_key_dir()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    blob = path.read_bytes()
    assert blob.startswith(FILE_MAGIC) and b"PRIVATE KEY" not in blob
    # Nothing signs with it yet: the office's signing key is unchanged.
    assert not SigningKey.objects.filter(office=office, source=SigningKey.Source.CSR).exists()


def test_csr_options_and_long_names_fit_the_limits_of_a_certificate():
    office = badung_office(
        name=("Mal Pelayanan Publik Kabupaten Kepulauan Siau " * 5)[:200].strip()
    )
    request = signing_key_request_create(
        office=office,
        by=None,
        key_type="ec-p256",
        organization="Pemerintah Kabupaten Badung",
        unit="Dinas Penanaman Modal dan PTSP",
        email="mpp@badungkab.go.id",
    )
    csr = x509.load_pem_x509_csr(request.csr_pem.encode())
    subject = {a.oid: a.value for a in csr.subject}
    assert subject[NameOID.ORGANIZATION_NAME] == "Pemerintah Kabupaten Badung"
    assert subject[NameOID.ORGANIZATIONAL_UNIT_NAME] == "Dinas Penanaman Modal dan PTSP"
    assert subject[NameOID.EMAIL_ADDRESS] == "mpp@badungkab.go.id"
    assert len(subject[NameOID.COMMON_NAME]) <= 64
    assert subject[NameOID.COMMON_NAME].startswith("Mal Pelayanan Publik Kabupaten Kepulauan")
    assert isinstance(csr.public_key(), ec.EllipticCurvePublicKey)


def test_a_new_csr_replaces_the_pending_one_and_deletes_its_key():
    office = badung_office()
    first = signing_key_request_create(office=office, by=None)
    second = signing_key_request_create(office=office, by=None)
    first.refresh_from_db()
    assert first.status == SigningKeyRequest.Status.REPLACED
    assert not Path(first.key_path).exists() and Path(second.key_path).exists()
    assert signing_key_request_pending(office=office) == second


# --- installing the issued chain, and signing with it ------------------------------------------


def install(office, ca, **issue) -> SigningKey:
    request = signing_key_request_create(office=office, by=None)
    leaf = ca.issue(request.csr_pem, **issue)
    return signing_key_chain_import(office=office, chain_pem=ca.chain_pem(leaf), by=None)


def test_import_chain_activates_the_key_and_retires_the_previous_one(ca):
    office = badung_office()
    previous = signing_key_active(office=office)  # the development key
    request = signing_key_request_create(office=office, by=None)
    leaf = ca.issue(request.csr_pem)

    key = signing_key_chain_import(office=office, chain_pem=ca.chain_pem(leaf), by=None)

    assert key.source == SigningKey.Source.CSR and key.retired_at is None
    assert signing_key_active(office=office) == key
    assert key.certificate_pem.encode() == leaf.public_bytes(serialization.Encoding.PEM)
    chain = x509.load_pem_x509_certificates(key.chain_pem.encode())
    assert chain == [ca.intermediate, ca.root]
    assert key.key_path == request.key_path
    previous.refresh_from_db()
    assert previous.retired_at is not None
    request.refresh_from_db()
    assert (request.status, request.signing_key) == (SigningKeyRequest.Status.ACTIVATED, key)
    assert signing_key_request_pending(office=office) is None


def test_certificates_signed_with_the_ca_key_verify_up_to_the_cas_root(ca, signed_by, tmp_path):
    office = badung_office()
    before = issued(office)  # signed with the development key
    key = install(office, ca)
    certificate = issued(office, path=signed_by)
    pdf = certificate_pdf_bytes(certificate)
    assert certificate.signing_key == key
    assert (APPENDED in pdf) == (signed_by == "appended")

    check = pdf_check_signature(pdf)
    assert (check.valid, check.reason, check.key) == (True, "ok", key)
    assert certificate_check_upload(pdf).certificate == certificate

    # A reader who trusts only the CA's root builds the path from the certificates the
    # signature carries (the office's and the intermediate's).
    embedded = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    root = asn1_x509.Certificate.load(ca.root.public_bytes(serialization.Encoding.DER))
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[root]))
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert "Mal Pelayanan Publik Kabupaten Badung" in embedded.signer_cert.subject.human_friendly

    if OPENSSL:
        root_pem = tmp_path / "root.pem"
        root_pem.write_bytes(ca.root_pem())
        cms_der, covered = _cms_and_signed_bytes(pdf)
        assert openssl_verifies(tmp_path, cms_der, covered, root_pem)
    if PDFSIG:
        path = tmp_path / "piagam.pdf"
        path.write_bytes(pdf)
        result = subprocess.run([PDFSIG, str(path)], capture_output=True, text=True)  # noqa: S603
        assert "Signature Validation: Signature is Valid." in result.stdout, result.stdout
        assert "Total document signed" in result.stdout

    # The certificate signed before with the development key still verifies, in a fresh
    # process too.
    signing_cache_clear()
    old = certificate_pdf_bytes(before)
    assert pdf_check_signature(old).valid and certificate_check_upload(old).valid
    assert pdf_check_signature(pdf).valid


def test_a_ca_key_replaced_by_a_newer_one_keeps_verifying(ca):
    office = badung_office()
    first_key = install(office, ca)
    first = issued(office)
    second_key = install(office, ca)
    second = issued(office)
    first_key.refresh_from_db()
    assert first_key.retired_at is not None and second.signing_key == second_key
    signing_cache_clear()
    for certificate in (first, second):
        assert certificate_check_upload(certificate_pdf_bytes(certificate)).valid


# --- refusals: a clear reason, nothing changed ------------------------------------------------


def refused(office, chain_pem: bytes, reason: str, *words: str) -> SigningKeyRefused:
    active = signing_key_active(office=office)
    before = state(office)
    with pytest.raises(SigningKeyRefused) as caught:
        signing_key_chain_import(office=office, chain_pem=chain_pem, by=None)
    assert caught.value.reason == reason, caught.value.message
    assert caught.value.code == ErrorCode.INVALID_REQUEST
    for word in words:
        assert word in caught.value.message, caught.value.message
    assert state(office) == before
    assert signing_key_active(office=office) == active
    return caught.value


@pytest.fixture
def pending(ca):
    office = badung_office()
    signing_key_active(office=office)
    request = signing_key_request_create(office=office, by=None)
    return office, request


def test_a_certificate_for_another_key_is_refused(ca, pending):
    office, _request = pending
    other = signing_key_request_create(office=badung_office(), by=None)
    leaf = ca.issue(other.csr_pem)
    refused(office, ca.chain_pem(leaf), "key_mismatch", "kunci publiknya berbeda")


def test_a_certificate_for_a_replaced_csr_is_refused(ca):
    office = badung_office()
    old = signing_key_request_create(office=office, by=None)
    signing_key_request_create(office=office, by=None)
    refused(office, ca.chain_pem(ca.issue(old.csr_pem)), "key_mismatch", "CSR terakhir")


def test_a_chain_without_the_issuer_is_refused(ca, pending):
    office, request = pending
    leaf_only = ca.issue(request.csr_pem).public_bytes(serialization.Encoding.PEM)
    refused(office, leaf_only, "chain_incomplete", "tidak lengkap", "BSrE Uji")


def test_a_chain_whose_links_do_not_verify_is_refused(pending):
    office, request = pending
    genuine, impostor = CertificateAuthority.create(), CertificateAuthority.create()
    leaf = genuine.issue(request.csr_pem)
    # Same names, other keys: the impostor's intermediate did not sign the leaf.
    chain = b"".join(
        c.public_bytes(serialization.Encoding.PEM) for c in (leaf, impostor.intermediate)
    )
    refused(office, chain, "chain_broken", "terputus")
    # A certificate that belongs to no link of the chain.
    stray = CertificateAuthority.create("Lain").root.public_bytes(serialization.Encoding.PEM)
    refused(office, genuine.chain_pem(leaf) + stray, "chain_broken", "bukan bagian dari rantai")


def test_an_expired_or_not_yet_valid_certificate_is_refused(ca, pending):
    office, request = pending
    now = dt.datetime.now(dt.UTC)
    expired = ca.issue(
        request.csr_pem,
        not_before=now - dt.timedelta(days=800),
        not_after=now - dt.timedelta(days=1),
    )
    refused(office, ca.chain_pem(expired), "expired", "kedaluwarsa")
    early = ca.issue(request.csr_pem, not_before=now + dt.timedelta(days=2))
    refused(office, ca.chain_pem(early), "not_yet_valid", "baru berlaku")


def test_a_certificate_not_for_document_signing_is_refused(ca, pending):
    office, request = pending
    leaf = ca.issue(request.csr_pem, usage=usage(non_repudiation=False))
    refused(office, ca.chain_pem(leaf), "key_usage", "nonRepudiation")


def test_garbage_and_a_missing_request_are_refused(ca):
    office = badung_office()
    signing_key_active(office=office)
    refused(office, b"-----BEGIN CERTIFICATE-----\nbukan\n", "no_pending", "Buat CSR")
    signing_key_request_create(office=office, by=None)
    refused(office, b"bukan sertifikat", "malformed", "PEM")
    refused(office, b"", "malformed")


# --- who may do it ----------------------------------------------------------------------------


def test_only_the_offices_administrators_make_and_install_its_key(ca):
    office, elsewhere = badung_office(), make_office()
    stranger = office_admin(elsewhere)
    officer = make_officer(make_agency(office))
    for user in (stranger, officer):
        before = state(office)
        with pytest.raises(DomainError) as caught:
            signing_key_request_create(office=office, by=user)
        assert caught.value.code == ErrorCode.FORBIDDEN
        assert state(office) == before

    admin = office_admin(office)
    request = signing_key_request_create(office=office, by=admin)
    assert request.created_by == admin
    chain = ca.chain_pem(ca.issue(request.csr_pem))
    before = state(office)
    with pytest.raises(DomainError) as caught:
        signing_key_chain_import(office=office, chain_pem=chain, by=stranger)
    assert caught.value.code == ErrorCode.FORBIDDEN
    assert state(office) == before
    key = signing_key_chain_import(office=office, chain_pem=chain, by=admin)
    assert signing_key_active(office=office) == key
    # A national admin may do it for any office.
    signing_key_request_create(office=elsewhere, by=make_national_admin())


# --- the command -------------------------------------------------------------------------------


def test_command_generate_csr_then_import_chain(ca, tmp_path):
    office = badung_office(code="mpp-badung")
    csr_path = tmp_path / "mpp-badung.csr"
    err = io.StringIO()
    call_command(
        "signing_key", "generate-csr", "--office", "mpp-badung", "--out", str(csr_path),
        stdout=io.StringIO(), stderr=err,
    )  # fmt: skip
    csr_pem = csr_path.read_text()
    assert csr_pem.startswith("-----BEGIN CERTIFICATE REQUEST-----")
    assert "import-chain --office mpp-badung" in err.getvalue()
    assert "PRIVATE" not in csr_pem

    # Written to stdout without --out.
    out = io.StringIO()
    call_command("signing_key", "generate-csr", "--office", "mpp-badung", stdout=out)
    csr_pem = out.getvalue()
    assert x509.load_pem_x509_csr(csr_pem.encode()).is_signature_valid

    chain = tmp_path / "chain.pem"
    chain.write_bytes(ca.chain_pem(ca.issue(csr_pem), with_root=False))
    out = io.StringIO()
    call_command("signing_key", "import-chain", "--office", "mpp-badung", "--chain", str(chain),
                 stdout=out)  # fmt: skip
    key = signing_key_active(office=office)
    assert key.source == SigningKey.Source.CSR
    assert f"mpp-badung: key {key.key_id} (csr) is now active." in out.getvalue()
    assert issued(office).signing_key == key


def test_command_refusals_say_why_in_indonesian(ca, tmp_path):
    badung_office(code="mpp-badung")
    chain = tmp_path / "chain.pem"
    chain.write_bytes(b"bukan")
    with pytest.raises(CommandError, match="tidak memiliki kunci yang menunggu"):
        call_command("signing_key", "import-chain", "--office", "mpp-badung", "--chain", str(chain))
    with pytest.raises(CommandError, match="--chain is required"):
        call_command("signing_key", "import-chain", "--office", "mpp-badung")
    with pytest.raises(CommandError, match="No office"):
        call_command("signing_key", "generate-csr", "--office", "tidak-ada")


def test_reseal_after_a_data_key_rotation_keeps_the_key_usable(ca, settings):
    office = badung_office()
    key = install(office, ca)
    old_keys = list(settings.ANTREAN_DATA_KEYS)
    new_key = base64.b64encode(secrets.token_bytes(32)).decode()
    settings.ANTREAN_DATA_KEYS = [new_key, *old_keys]
    reset_key_cache()
    try:
        out = io.StringIO()
        call_command("signing_key", "reseal", "--dry-run", stdout=out)
        assert "1 key file(s) would be sealed again" in out.getvalue()
        call_command("signing_key", "reseal", stdout=out)
        blob = Path(key.key_path).read_bytes()
        assert encrypted_bytes_key_id(blob) == current_key_id()
        assert stat.S_IMODE(os.stat(key.key_path).st_mode) == 0o600
        # The old data key can go: the office still signs with its CA key.
        settings.ANTREAN_DATA_KEYS = [new_key]
        reset_key_cache()
        signing_cache_clear()
        certificate = issued(office)
        assert certificate.signing_key == key
        assert pdf_check_signature(certificate_pdf_bytes(certificate)).valid
        out = io.StringIO()
        call_command("signing_key", "reseal", stdout=out)
        assert "0 key file(s) were sealed again" in out.getvalue()
    finally:
        settings.ANTREAN_DATA_KEYS = old_keys
        reset_key_cache()
