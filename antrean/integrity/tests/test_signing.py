"""The PAdES signature on certificates: what validators see, what tampering does, and keys.

Every tampered file is made from a genuine signed certificate, one change at a time; the check
must refuse each. Keys are real (development keys on disk under tmp_path, and a PKCS#12 made
here the way an office's certificate authority would hand one over).
"""

import datetime as dt
import io
import os
import re
import shutil
import stat
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from asn1crypto import cms
from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import ModificationLevel, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pypdf import PdfReader, PdfWriter

from antrean.booking.services import booking_create
from antrean.integrity import signing
from antrean.integrity.certificate_pdf import render_certificate
from antrean.integrity.certificates import (
    certificate_check_upload,
    certificate_content,
    certificate_pdf_bytes,
    certificate_render,
)
from antrean.integrity.models import Certificate, SigningKey
from antrean.integrity.pdf_append import append_signature
from antrean.integrity.services import ClientInfo
from antrean.integrity.signing import (
    pdf_check_signature,
    pdf_sign,
    signing_cache_clear,
    signing_key_active,
    signing_key_create_dev,
    signing_key_import_pkcs12,
)
from antrean.testing.factories import (
    booking_request,
    make_nik,
    make_office,
    make_phone,
    make_service,
    make_slot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    """Keys and PDFs go to the test's own directory, never into the repository's var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANTREAN_KEY_DIR = tmp_path / "keys"
    signing_cache_clear()
    yield
    signing_cache_clear()


_serial = iter(range(1, 10_000))


APPENDED = b"/SubFilter /ETSI.CAdES.detached /ByteRange"  # only in pdf_append's output


@pytest.fixture(params=["pyhanko", "appended"])
def signed_by(request):
    """Both ways a certificate gets signed: pyHanko (a key's first signature, or a PDF not in
    our renderer's shape) and the appended update of pdf_append (every later one)."""
    return request.param


def issued(office=None, *, path: str = "pyhanko") -> Certificate:
    """A citizen's booking at `office` and its certificate, rendered and signed by `path`."""
    if path == "appended":
        office = office or make_office()
        issued(office)  # the key's first signature builds its CMS template
        certificate = issued(office)
        assert APPENDED in certificate_pdf_bytes(certificate)
        return certificate
    n = next(_serial)
    slot = make_slot(make_service(office or make_office()), capacity=50)
    ticket = booking_create(
        request=booking_request(slot, nik=make_nik(n), whatsapp=make_phone(n)),
        client=ClientInfo(),
    ).ticket
    certificate = Certificate.objects.get(signature__ticket=ticket)
    return certificate_render(certificate_id=certificate.pk)


def trust_root(key: SigningKey) -> asn1_x509.Certificate:
    _type, _headers, der = asn1_pem.unarmor(key.certificate_pem.encode())
    return asn1_x509.Certificate.load(der)


def self_signed(private_key, common_name: str, *, ca: bool = False, issuer=None, issuer_key=None):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.subject if issuer else name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(issuer_key or private_key, hashes.SHA256())
    )


def foreign_signer() -> signers.SimpleSigner:
    """A signer whose key no office has registered."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    cert = self_signed(private_key, "Pemalsu")
    asn1_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    return signers.SimpleSigner(
        signing_cert=asn1_cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(
            private_key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs([asn1_cert]),
    )


def sign_with(signer: signers.SimpleSigner, pdf: bytes, field_name: str = "Palsu") -> bytes:
    output = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)),
        PdfSignatureMetadata(field_name=field_name, subfilter=fields.SigSeedSubFilter.PADES),
        signer=signer,
        output=output,
    )
    return output.getvalue()


# --- a genuine certificate ------------------------------------------------------------------


def test_rendered_certificate_is_signed_valid_and_covers_the_whole_file(signed_by):
    certificate = issued(path=signed_by)
    pdf = certificate_pdf_bytes(certificate)

    check = pdf_check_signature(pdf)
    assert (check.valid, check.reason, check.key) == (True, "ok", certificate.signing_key)
    upload = certificate_check_upload(pdf)
    assert (upload.valid, upload.reason, upload.certificate) == (True, "ok", certificate)

    # What an independent validator (pyHanko, as Adobe-style readers do) reports.
    embedded = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert len(embedded) == 1
    status = validate_pdf_signature(
        embedded[0], ValidationContext(trust_roots=[trust_root(certificate.signing_key)])
    )
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.modification_level == ModificationLevel.NONE
    assert status.bottom_line
    assert embedded[0].sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES

    # The byte range signs everything but the signature's own hex string.
    start, first, second, rest = (
        int(n) for n in re.search(rb"/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]", pdf).groups()
    )
    assert start == 0 and second + rest == len(pdf)
    assert pdf[first : first + 1] == b"<" and pdf[second - 1 : second] == b">"


def test_the_signature_is_by_the_office_key_and_names_it():
    office = make_office(name="Mal Pelayanan Publik Kabupaten Badung")
    certificate = issued(office)
    key = certificate.signing_key
    assert key.office == office and key.source == SigningKey.Source.DEVELOPMENT
    signer = PdfFileReader(io.BytesIO(certificate_pdf_bytes(certificate))).embedded_signatures[0]
    assert signer.signer_cert.dump() == trust_root(key).dump()
    assert "Mal Pelayanan Publik Kabupaten Badung" in signer.signer_cert.subject.human_friendly


def _cms_and_signed_bytes(pdf: bytes) -> tuple[bytes, bytes]:
    """The CMS blob in /Contents and the bytes its /ByteRange covers."""
    start, first, second, rest = (
        int(n) for n in re.search(rb"/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]", pdf).groups()
    )
    covered = pdf[start : start + first] + pdf[second : second + rest]
    padded = bytes.fromhex(pdf[start + first + 1 : second - 1].decode())
    # The DER's own length, not the zeros after it: a signature may itself end in zeros.
    if padded[1] & 0x80:
        size = padded[1] & 0x7F
        total = 2 + size + int.from_bytes(padded[2 : 2 + size], "big")
    else:
        total = 2 + padded[1]
    return padded[:total], covered


def _signed_attrs(cms_der: bytes) -> dict:
    signer_info = cms.ContentInfo.load(cms_der)["content"]["signer_infos"][0]
    return {attr["type"].native: attr["values"].dump() for attr in signer_info["signed_attrs"]}


OPENSSL = shutil.which("openssl")


def openssl_verifies(folder, cms_der: bytes, content: bytes, trusted_pem) -> bool:
    """What `openssl cms -verify` says of a detached CMS signature over `content`."""
    (folder / "sig.der").write_bytes(cms_der)
    (folder / "content").write_bytes(content)
    args = ["cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any"]
    args += ["-in", "sig.der", "-content", "content", "-CAfile", str(trusted_pem)]
    args += ["-out", "/dev/null"]
    return subprocess.run([OPENSSL, *args], cwd=folder, capture_output=True).returncode == 0  # noqa: S603


@pytest.mark.skipif(OPENSSL is None, reason="needs the openssl command")
def test_each_signature_of_one_loaded_key_verifies_with_openssl(tmp_path):
    """The constant CMS parts are built once per key; every later signature must still be a
    complete, correct CMS for its own document, as a validator other than pyHanko sees it."""
    certificate = issued()
    key = certificate.signing_key
    pem = tmp_path / "office.pem"
    pem.write_text(key.certificate_pem)
    digests = set()
    for n in range(3):
        content = replace(certificate_content(certificate), certificate_number=f"UJI-{n}")
        pdf = pdf_sign(render_certificate(content), key=key, reason="r", location="l")
        cms_der, covered = _cms_and_signed_bytes(pdf)
        assert openssl_verifies(tmp_path, cms_der, covered, pem)
        digests.add(_signed_attrs(cms_der)["message_digest"])
        # One changed byte of the document and openssl refuses it too.
        changed = covered[:100] + bytes([covered[100] ^ 1]) + covered[101:]
        assert not openssl_verifies(tmp_path, cms_der, changed, pem)
    assert len(digests) == 3


PDFSIG = shutil.which("pdfsig")


@pytest.mark.skipif(PDFSIG is None, reason="needs pdfsig (Debian: poppler-utils)")
def test_poppler_sees_a_valid_signature_over_the_whole_document(tmp_path, signed_by):
    """A third validator, poppler's (NSS), as PDF readers on Linux use it."""
    pdf = tmp_path / "piagam.pdf"
    pdf.write_bytes(certificate_pdf_bytes(issued(path=signed_by)))
    result = subprocess.run([PDFSIG, str(pdf)], capture_output=True, text=True)  # noqa: S603
    assert "Signature Validation: Signature is Valid." in result.stdout, result.stdout
    assert "Total document signed" in result.stdout
    assert "ETSI.CAdES.detached" in result.stdout
    assert "Signature Field Name: PiagamPaktaIntegritas" in result.stdout


def test_cached_cms_has_the_attributes_and_certificates_pyhanko_would_write():
    certificate = issued()
    key = certificate.signing_key
    unsigned = render_certificate(certificate_content(certificate))
    ours = [_cms_and_signed_bytes(pdf_sign(unsigned, key=key, reason="r", location="l"))[0]
            for _ in range(2)]  # fmt: skip
    # pyHanko's own signer with the same key builds the whole CMS itself.
    _type, _headers, key_der = asn1_pem.unarmor(Path(key.key_path).read_bytes())
    plain = signers.SimpleSigner(
        signing_cert=trust_root(key),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([trust_root(key)]),
    )
    theirs = _cms_and_signed_bytes(sign_with(plain, unsigned, field_name="PiagamPaktaIntegritas"))[
        0
    ]

    attrs = [_signed_attrs(der) for der in (*ours, theirs)]
    assert [sorted(a) for a in attrs] == [
        ["content_type", "message_digest", "signing_certificate_v2"]
    ] * 3
    for name in ("content_type", "signing_certificate_v2"):
        assert attrs[0][name] == attrs[1][name] == attrs[2][name]
    signed_data = [cms.ContentInfo.load(der)["content"] for der in (*ours, theirs)]
    for name in ("version", "digest_algorithms", "encap_content_info", "certificates"):
        assert signed_data[0][name].dump() == signed_data[2][name].dump(), name
    assert ours[0] != ours[1]  # a fresh ECDSA signature every time


def test_an_unexpected_cms_shape_falls_back_to_pyhanko(monkeypatch, caplog):
    """If a pyHanko upgrade changed the CMS it writes, the template must not be used."""
    monkeypatch.setattr(signing._CmsTemplate, "assemble", lambda self, digest, sign: b"\x30\x00")
    certificate = issued()
    assert "unexpected shape" in caplog.text
    check = pdf_check_signature(certificate_pdf_bytes(certificate))
    assert (check.valid, check.reason) == (True, "ok")


def test_a_pdf_not_in_our_renderers_shape_is_signed_by_pyhanko():
    certificate = issued()  # the key's template is built
    key = certificate.signing_key
    two_pages = PdfWriter()
    two_pages.add_blank_page(width=595, height=842)
    two_pages.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    two_pages.write(buffer)
    kwargs = {"field_name": "X", "reason": "r", "location": "l", "reserved_hex": 8192}
    kwargs |= {"signed_at": dt.datetime.now(dt.UTC), "sign_digest": lambda digest: b"\x30\x00"}
    assert append_signature(buffer.getvalue(), **kwargs) is None
    assert append_signature(b"%PDF-1.4 garbage", **kwargs) is None
    assert append_signature(certificate_pdf_bytes(certificate), **kwargs) is None  # has a form

    signed = pdf_sign(buffer.getvalue(), key=key, reason="r", location="l")
    assert APPENDED not in signed
    assert pdf_check_signature(signed).valid


def test_reason_and_location_in_any_script_survive_the_appended_signature():
    certificate = issued(path="appended")
    key = certificate.signing_key
    unsigned = render_certificate(certificate_content(certificate))
    pdf = pdf_sign(unsigned, key=key, reason="Piagam — ꦥꦏ꧀ꦠ (Jawa)", location="Kuta (Badung)")
    assert APPENDED in pdf
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    assert signature.sig_object["/Reason"] == "Piagam — ꦥꦏ꧀ꦠ (Jawa)"
    assert signature.sig_object["/Location"] == "Kuta (Badung)"
    assert pdf_check_signature(pdf).valid


def test_development_key_is_made_once_in_the_key_dir_readable_by_owner_only(settings, tmp_path):
    office = make_office()
    key = signing_key_active(office=office)
    assert signing_key_active(office=office) == key  # the second call does not make another
    assert SigningKey.objects.filter(office=office).count() == 1
    path = tmp_path / "keys" / "signing" / f"{office.code}-{key.key_id}.pem"
    assert key.key_path == str(path) and path.exists()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "PRIVATE KEY" in path.read_text() and "PRIVATE KEY" not in key.certificate_pem


def test_long_office_names_still_fit_the_reserved_signature_room():
    # The certificate's subject carries the office name: the longest must still be signed.
    name = ("Mal Pelayanan Publik " + "Kabupaten Kepulauan Siau Tagulandang Biaro " * 5)[:200]
    office = make_office(name=name.strip())  # the longest an office name may be
    certificate = issued(office)
    assert pdf_check_signature(certificate_pdf_bytes(certificate)).valid


# --- tampering ------------------------------------------------------------------------------


def _positions(pdf: bytes) -> dict[str, int]:
    """One byte in each part of the file a forger might touch."""
    contents = pdf.index(b"/Contents <") + len(b"/Contents <")
    contents_end = pdf.index(b">", contents)
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    stream_obj = page["/Contents"].indirect_reference.idnum
    obj_at = re.search(rb"(?:^|\n)%d 0 obj" % stream_obj, pdf).start()
    stream_start = pdf.index(b"stream", obj_at) + len(b"stream\n")
    stream_end = pdf.index(b"endstream", stream_start)
    byte_range = pdf.index(b"/ByteRange [") + len(b"/ByteRange [0 ")
    return {
        "header": 1,
        "page content stream": (stream_start + stream_end) // 2,
        "signature value": contents + 100,
        "signature padding": contents_end - 2,
        "byte range": byte_range,
        "trailer startxref": pdf.rindex(b"startxref") + len(b"startxref\n"),
        "last byte": len(pdf) - 1,
    }


def _flip(pdf: bytes, position: int) -> bytes:
    changed = bytearray(pdf)
    changed[position] ^= 0x01
    return bytes(changed)


def test_changing_any_single_byte_is_caught(signed_by):
    certificate = issued(path=signed_by)
    pdf = certificate_pdf_bytes(certificate)
    for where, position in _positions(pdf).items():
        tampered = _flip(pdf, position)
        assert tampered != pdf
        result = certificate_check_upload(tampered)
        assert not result.valid, where
        assert result.reason != "ok", where
        if where == "signature padding":
            # Zeros after the signature's DER are not signed (PDF's own design); the match with
            # the stored file's hash is what catches this one.
            assert result.reason == "unknown"
        else:
            assert not pdf_check_signature(tampered).valid, where
    assert certificate_check_upload(pdf).valid  # the original is still fine


def test_every_byte_of_a_stretch_of_page_content_is_covered(signed_by):
    pdf = certificate_pdf_bytes(issued(path=signed_by))
    middle = _positions(pdf)["page content stream"]
    for position in range(middle - 8, middle + 8):
        assert pdf_check_signature(_flip(pdf, position)).reason in {"bad_signature", "malformed"}


def test_an_incremental_update_after_signing_is_caught(signed_by):
    certificate = issued(path=signed_by)
    pdf = certificate_pdf_bytes(certificate)
    writer = PdfWriter(io.BytesIO(pdf), incremental=True)
    writer.add_metadata({"/Title": "Piagam asli (sungguh)"})
    output = io.BytesIO()
    writer.write(output)
    updated = output.getvalue()
    assert updated.startswith(pdf) and len(updated) > len(pdf)  # the signed part is untouched

    check = pdf_check_signature(updated)
    assert (check.valid, check.reason) == (False, "modified")
    assert certificate_check_upload(updated).valid is False


def test_bytes_appended_after_the_end_are_caught(signed_by):
    pdf = certificate_pdf_bytes(issued(path=signed_by))
    for tail in (b"\n% komentar\n", b"\n" * 3, b"xref\n0 0\ntrailer\n<<>>\n%%EOF\n"):
        assert not pdf_check_signature(pdf + tail).valid, tail
        assert not certificate_check_upload(pdf + tail).valid, tail


def test_a_second_signature_on_top_is_caught(signed_by):
    pdf = certificate_pdf_bytes(issued(path=signed_by))
    countersigned = sign_with(foreign_signer(), pdf, field_name="Tambahan")
    check = pdf_check_signature(countersigned)
    assert (check.valid, check.reason) == (False, "modified")
    assert not certificate_check_upload(countersigned).valid


def test_unsigned_pdf_is_unsigned():
    certificate = Certificate.objects.get(pk=issued().pk)
    unsigned = render_certificate(certificate_content(certificate))
    assert unsigned.startswith(b"%PDF")
    assert pdf_check_signature(unsigned).reason == "unsigned"
    result = certificate_check_upload(unsigned)
    assert (result.valid, result.reason, result.certificate) == (False, "unsigned", None)


@pytest.mark.parametrize(
    "garbage",
    [b"", b"not a pdf at all", b"%PDF-1.7\n%%EOF\n", b"\x00" * 4096, b"%PDF-1.4\n1 0 obj <<"],
)
def test_garbage_is_malformed(garbage):
    assert pdf_check_signature(garbage).reason == "malformed"
    assert certificate_check_upload(garbage).reason == "malformed"


def test_pdf_signed_with_a_foreign_key_is_unknown_key():
    certificate = Certificate.objects.get(pk=issued().pk)
    forged = sign_with(foreign_signer(), render_certificate(certificate_content(certificate)))
    assert pdf_check_signature(forged).reason == "unknown_key"
    result = certificate_check_upload(forged)
    assert (result.valid, result.reason) == (False, "unknown_key")


def test_a_pdf_signed_by_an_office_key_but_never_issued_is_unknown():
    # Even a genuine office signature vouches only for the exact certificate that was issued.
    certificate = issued()
    content = certificate_content(Certificate.objects.get(pk=certificate.pk))
    other = content.__class__(**{**content.__dict__, "signer_name": "Nama Lain"})
    pdf = pdf_sign(render_certificate(other), key=certificate.signing_key, reason="x", location="y")
    assert pdf_check_signature(pdf).valid
    result = certificate_check_upload(pdf)
    assert (result.valid, result.reason) == (False, "unknown")


# --- keys: rotation and the office's own PKCS#12 --------------------------------------------


def _pkcs12_with_chain(tmp_path, password: str):
    """An office key issued by a certificate authority, as a password-protected PKCS#12."""
    ca_key = ec.generate_private_key(ec.SECP384R1())
    ca_cert = self_signed(ca_key, "CA Pemerintah Uji", ca=True)
    office_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    office_cert = self_signed(
        office_key, "Mal Pelayanan Publik Uji", issuer=ca_cert, issuer_key=ca_key
    )
    blob = pkcs12.serialize_key_and_certificates(
        b"kantor",
        office_key,
        office_cert,
        [ca_cert],
        serialization.BestAvailableEncryption(password.encode()),
    )
    path = tmp_path / "kantor.p12"
    path.write_bytes(blob)
    return path, office_cert


def test_rotation_and_pkcs12_import_keep_earlier_certificates_valid(settings, tmp_path):
    office = make_office()
    first = issued(office)
    key1 = first.signing_key

    key2 = signing_key_create_dev(office=office)
    second = issued(office)
    assert second.signing_key == key2 != key1
    key1.refresh_from_db()
    assert key1.retired_at is not None and key2.retired_at is None

    settings.ANTREAN_SIGNING_PKCS12_PASSWORD = "rahasia-kantor"
    path, office_cert = _pkcs12_with_chain(tmp_path, "rahasia-kantor")
    key3 = signing_key_import_pkcs12(office=office, path=str(path), password="rahasia-kantor")
    assert key3.source == SigningKey.Source.PKCS12
    assert signing_key_active(office=office) == key3
    third = issued(office)
    assert third.signing_key == key3
    signer_cert = (
        PdfFileReader(io.BytesIO(certificate_pdf_bytes(third))).embedded_signatures[0].signer_cert
    )
    assert signer_cert.dump() == office_cert.public_bytes(serialization.Encoding.DER)

    signing_cache_clear()  # as a fresh process would, loading every key again
    for certificate, key in ((first, key1), (second, key2), (third, key3)):
        pdf = certificate_pdf_bytes(certificate)
        check = pdf_check_signature(pdf)
        assert (check.valid, check.key) == (True, key), certificate.number
        assert certificate_check_upload(pdf).certificate == certificate
    assert set(SigningKey.objects.filter(office=office, retired_at__isnull=True)) == {key3}


def test_rotation_is_per_office():
    office_a, office_b = make_office(), make_office()
    key_b = issued(office_b).signing_key
    issued(office_a)
    signing_key_create_dev(office=office_a)
    assert signing_key_active(office=office_b) == key_b
    key_b.refresh_from_db()
    assert key_b.retired_at is None


def test_pkcs12_with_a_wrong_password_is_refused(tmp_path):
    office = make_office()
    path, _cert = _pkcs12_with_chain(tmp_path, "benar")
    with pytest.raises(ValueError):
        signing_key_import_pkcs12(office=office, path=str(path), password="salah")
    assert not SigningKey.objects.filter(office=office).exists()
