"""PAdES signatures on certificates, with each office's key, and the check of uploaded PDFs.

A development office key (ECDSA P-256 with a self-signed certificate) is made on first use
under var/keys/signing/; production uses the office's own key: a key made here whose CSR a
certificate authority signed (`manage.py signing_key generate-csr` / `import-chain`,
key_requests.py), or an imported PKCS#12 (`manage.py signing_key import`). Rotating makes a
new active key and retires the old one, whose certificate stays on record so that everything
it signed still verifies. Loaded keys are kept per process: loading is slower than signing.
"""

import datetime as dt
import hashlib
import io
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from antrean.core.personal_data import decrypt_bytes
from antrean.integrity.models import SigningKey
from antrean.integrity.pdf_append import append_signature
from antrean.tenancy.models import Office

# Room kept in the PDF for the CMS signature. Fixing it skips pyHanko's dry-run signing that
# would otherwise estimate it (half the signing time). A development ECDSA signature with its
# certificate needs ~1.8 KB (3.5 K hex digits); an office PKCS#12 may hold RSA-4096 and a
# chain of certificates.
SIGNATURE_BYTES_RESERVED = {"development": 8_192, "pkcs12": 32_768, "csr": 32_768}  # hex
FIELD_NAME = "PiagamPaktaIntegritas"

log = logging.getLogger(__name__)


def certificate_key_id(cert_der: bytes) -> str:
    return hashlib.sha256(cert_der).hexdigest()[:16]


def signing_dir() -> Path:
    path = Path(settings.ANTREAN_KEY_DIR) / "signing"
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def public_key_sha256(public_key) -> str:
    """Fingerprint of a public key: SHA-256 over its SubjectPublicKeyInfo (DER)."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def sealed_key_purpose(fingerprint: str) -> str:
    # A key made here is sealed with the data keys, bound to its public key: a file swapped
    # for another sealed key does not open.
    return f"signing-key:{fingerprint}"


def open_sealed_key(path: str, fingerprint: str):
    """The private key in a sealed key file (a key made here for a CA's CSR)."""
    pem = decrypt_bytes(Path(path).read_bytes(), purpose=sealed_key_purpose(fingerprint))
    return serialization.load_pem_private_key(pem, password=None)


def retire_other_keys(office: Office, keep: SigningKey, now: dt.datetime) -> None:
    SigningKey.objects.filter(office=office, retired_at__isnull=True).exclude(pk=keep.pk).update(
        retired_at=now
    )


def signing_key_create_dev(*, office: Office, now: dt.datetime | None = None) -> SigningKey:
    """A new development key and self-signed certificate for the office; it becomes active."""
    now = now or timezone.now()
    private_key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, office.name[:64]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Antrean (kunci pengembangan)"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Piagam {office.code}"[:64]),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(private_key, hashes.SHA256())
    )
    cert_der = certificate.public_bytes(serialization.Encoding.DER)
    key_id = certificate_key_id(cert_der)
    path = signing_dir() / f"{office.code}-{key_id}.pem"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(
            private_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    with transaction.atomic():
        key = SigningKey.objects.create(
            office=office,
            key_id=key_id,
            source=SigningKey.Source.DEVELOPMENT,
            certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
            key_path=str(path),
            activated_at=now,
        )
        retire_other_keys(office, key, now)
    return key


def signing_key_import_pkcs12(
    *, office: Office, path: str, password: str | None, now: dt.datetime | None = None
) -> SigningKey:
    """Use the office's own key (PKCS#12 file) from now on; earlier keys keep verifying.

    The file stays where it is (and should be readable only by the app); its password comes
    from ANTREAN_SIGNING_PKCS12_PASSWORD when signing.
    """
    now = now or timezone.now()
    blob = Path(path).read_bytes()
    _key, certificate, _chain = pkcs12.load_key_and_certificates(
        blob, password.encode() if password else None
    )
    if certificate is None:
        raise ValueError("The PKCS#12 file holds no certificate.")
    cert_der = certificate.public_bytes(serialization.Encoding.DER)
    with transaction.atomic():
        key, _ = SigningKey.objects.update_or_create(
            key_id=certificate_key_id(cert_der),
            defaults={
                "office": office,
                "source": SigningKey.Source.PKCS12,
                "certificate_pem": certificate.public_bytes(serialization.Encoding.PEM).decode(),
                "key_path": str(Path(path).resolve()),
                "activated_at": now,
                "retired_at": None,
            },
        )
        retire_other_keys(office, key, now)
    return key


def signing_key_active(*, office: Office) -> SigningKey:
    """The office's active key; a development key is made the first time if none exists."""
    key = (
        SigningKey.objects.filter(office=office, retired_at__isnull=True)
        .order_by("-activated_at")
        .first()
    )
    return key or signing_key_create_dev(office=office)


def _der(tag: int, body: bytes) -> bytes:
    """One DER TLV: tag, definite length, body."""
    n = len(body)
    if n < 0x80:
        return bytes((tag, n)) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(size))) + size + body


@dataclass(frozen=True)
class _CmsTemplate:
    """The DER of a PAdES CMS signature around its two variable parts.

    `attrs_head + digest + attrs_tail` is the body of the signed attributes; the SignerInfo
    and SignedData parts before and after them never change for one key.
    """

    attrs_head: bytes
    attrs_tail: bytes
    signer_info_head: bytes  # version, sid, digestAlgorithm
    signature_algorithm: bytes
    signed_data_head: bytes  # version, digestAlgorithms, encapContentInfo, certificates
    content_type: bytes

    def assemble(self, digest: bytes, sign) -> bytes:
        attrs = self.attrs_head + digest + self.attrs_tail
        # The signature covers the attributes as a SET OF (tag 0x31); the SignerInfo carries
        # them under the implicit tag [0] (0xA0).
        signature = sign(_der(0x31, attrs))
        signer_info = _der(
            0x30,
            self.signer_info_head
            + _der(0xA0, attrs)
            + self.signature_algorithm
            + _der(0x04, signature),
        )
        signed_data = _der(0x30, self.signed_data_head + _der(0x31, signer_info))
        return _der(0x30, self.content_type + _der(0xA0, signed_data))


class _CachedCmsSigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner, with the constant part of the CMS built once per key.

    In a PAdES signature without a timestamp, every signed attribute but messageDigest is the
    same for all documents of one key (content type and signing-certificate-v2; PAdES keeps
    the signing time in the signature dictionary), and so is everything around the
    SignerInfo. pyHanko builds all of it with asn1crypto for each document, which was 80% of
    our signing time. We let pyHanko build the first one, keep its DER around the digest and
    the signature, and for each document put in only those two. Any other kind of request
    (dry run, timestamp, CAdES attributes) goes to pyHanko as before.
    """

    def __init__(self, *, private_key, **kwargs):
        super().__init__(**kwargs)
        self._private_key = private_key
        self._template: _CmsTemplate | bool | None = None  # False: pyHanko's shape changed
        self._mechanism = self.get_signature_mechanism_for_digest("sha256").signature_algo

    def _sign_attrs(self, data: bytes) -> bytes:
        # The key object stays loaded; pyHanko's sign_raw parses the key again each time.
        if self._mechanism == "ecdsa":
            return self._private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        if self._mechanism == "rsassa_pkcs1v15":
            return self._private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self.sign_raw(data, "sha256")

    async def _build_template(self, **kwargs) -> "_CmsTemplate | None":
        marker = os.urandom(32)
        content_info = await super().async_sign(marker, "sha256", **kwargs)
        signed_data = content_info["content"]
        (signer_info,) = signed_data["signer_infos"]
        attrs = signer_info["signed_attrs"].contents
        at = attrs.index(marker)
        template = _CmsTemplate(
            attrs_head=attrs[:at],
            attrs_tail=attrs[at + len(marker) :],
            signer_info_head=b"".join(
                signer_info[name].dump() for name in ("version", "sid", "digest_algorithm")
            ),
            signature_algorithm=signer_info["signature_algorithm"].dump(),
            signed_data_head=b"".join(
                signed_data[name].dump()
                for name in ("version", "digest_algorithms", "encap_content_info", "certificates")
            ),
            content_type=content_info["content_type"].dump(),
        )
        # The parts must put pyHanko's own signature back together byte for byte, or the
        # structure is not the one assumed here (unsigned attributes, CRLs, …): then don't
        # use the template at all.
        original = signer_info["signature"].native
        if template.assemble(marker, lambda _attrs: original) != content_info.dump():
            log.error("pyHanko's CMS has an unexpected shape: signing without the template")
            return None
        return template

    def sign_with_template(self, digest: bytes) -> bytes | None:
        """The CMS DER for a SHA-256 document digest, once this key's template is built."""
        if not self._template:
            return None
        return self._template.assemble(digest, self._sign_attrs)

    async def async_sign(
        self,
        data_digest: bytes,
        digest_algorithm: str,
        dry_run=False,
        use_pades=False,
        timestamper=None,
        signed_attr_settings=None,
        is_pdf_sig=True,
        encap_content_info=None,
    ):
        kwargs = {
            "dry_run": dry_run,
            "use_pades": use_pades,
            "timestamper": timestamper,
            "signed_attr_settings": signed_attr_settings,
            "is_pdf_sig": is_pdf_sig,
            "encap_content_info": encap_content_info,
        }
        constant = (
            use_pades
            and is_pdf_sig
            and not dry_run
            and timestamper is None
            and encap_content_info is None
            and digest_algorithm == "sha256"
            and len(data_digest) == 32
            and (signed_attr_settings is None or signed_attr_settings.cades_signed_attrs is None)
            and self.signed_attr_prov_spec is None
            and self.unsigned_attr_prov_spec is None
        )
        if constant and self._template is None:
            self._template = await self._build_template(**kwargs) or False
        if not constant or self._template is False:
            return await super().async_sign(data_digest, digest_algorithm, **kwargs)
        return cms.ContentInfo.load(self.sign_with_template(data_digest))


@dataclass(frozen=True)
class _Loaded:
    signer: signers.SimpleSigner
    certificate: asn1_x509.Certificate


_loaded: dict[str, _Loaded] = {}


def _load(key: SigningKey) -> _Loaded:
    cached = _loaded.get(key.key_id)
    if cached is not None:
        return cached
    cert = asn1_x509.Certificate.load(
        x509.load_pem_x509_certificate(key.certificate_pem.encode()).public_bytes(
            serialization.Encoding.DER
        )
    )
    if key.source == SigningKey.Source.PKCS12:
        password = settings.ANTREAN_SIGNING_PKCS12_PASSWORD
        private_key, _cert, chain = pkcs12.load_key_and_certificates(
            Path(key.key_path).read_bytes(), password.encode() if password else None
        )
        extra = [
            asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in chain
        ]
    elif key.source == SigningKey.Source.CSR:
        leaf = x509.load_pem_x509_certificate(key.certificate_pem.encode())
        private_key = open_sealed_key(key.key_path, public_key_sha256(leaf.public_key()))
        extra = [
            asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
            for c in (
                x509.load_pem_x509_certificates(key.chain_pem.encode()) if key.chain_pem else []
            )
        ]
    else:
        private_key = serialization.load_pem_private_key(
            Path(key.key_path).read_bytes(), password=None
        )
        extra = []
    signing_key = asn1_keys.PrivateKeyInfo.load(
        private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    signer = _CachedCmsSigner(
        private_key=private_key,
        signing_cert=cert,
        signing_key=signing_key,
        cert_registry=SimpleCertificateStore.from_certs([cert, *extra]),
    )
    loaded = _Loaded(signer=signer, certificate=cert)
    _loaded[key.key_id] = loaded
    return loaded


def pdf_sign(pdf: bytes, *, key: SigningKey, reason: str, location: str) -> bytes:
    """Sign `pdf` (PAdES baseline B, whole-file coverage) with the office key.

    A certificate from our renderer gets its signature appended directly (pdf_append.py);
    anything else, and the first signature of each key, goes through pyHanko.
    """
    loaded = _load(key)
    signed = append_signature(
        pdf,
        field_name=FIELD_NAME,
        reason=reason,
        location=location,
        signed_at=timezone.now(),
        reserved_hex=SIGNATURE_BYTES_RESERVED[key.source],
        sign_digest=loaded.signer.sign_with_template,
    )
    if signed is not None:
        return signed
    meta = PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
    )
    output = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)),
        meta,
        signer=loaded.signer,
        output=output,
        bytes_reserved=SIGNATURE_BYTES_RESERVED[key.source],
    )
    return output.getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    valid: bool
    reason: str  # stable code: ok, unsigned, malformed, unknown_key, bad_signature, modified
    key: SigningKey | None = None


def pdf_check_signature(pdf: bytes) -> SignatureCheck:
    """Is `pdf` signed, untouched since, by one of our office keys (active or retired)?"""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = reader.embedded_signatures
    except Exception:
        return SignatureCheck(valid=False, reason="malformed")
    if not embedded:
        return SignatureCheck(valid=False, reason="unsigned")
    if len(embedded) != 1:
        return SignatureCheck(valid=False, reason="modified")
    signature = embedded[0]
    try:
        signer_cert = signature.signer_cert
    except Exception:
        return SignatureCheck(valid=False, reason="malformed")
    key = SigningKey.objects.filter(key_id=certificate_key_id(signer_cert.dump())).first()
    if key is None:
        return SignatureCheck(valid=False, reason="unknown_key")
    trusted = _load_certificate(key)
    try:
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=[trusted]))
    except Exception:
        return SignatureCheck(valid=False, reason="bad_signature", key=key)
    if not (status.intact and status.valid):
        return SignatureCheck(valid=False, reason="bad_signature", key=key)
    if not status.trusted:
        return SignatureCheck(valid=False, reason="unknown_key", key=key)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return SignatureCheck(valid=False, reason="modified", key=key)
    return SignatureCheck(valid=True, reason="ok", key=key)


def _load_certificate(key: SigningKey) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(
        x509.load_pem_x509_certificate(key.certificate_pem.encode()).public_bytes(
            serialization.Encoding.DER
        )
    )


def signing_cache_clear() -> None:
    _loaded.clear()
