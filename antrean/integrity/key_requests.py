"""An office's own signing key from an official certificate authority (BSrE), in two steps.

1. `signing_key_request_create` makes a private key on the server, seals it with the data keys
   in a 0600 file under the key directory, and returns a PKCS#10 CSR naming the office (CN and
   O, L = its regency or city, ST = its province, C = ID) and asking for the key usages of
   document signing (digitalSignature, nonRepudiation). The private key never leaves the
   server; the CSR goes to the CA.
2. `signing_key_chain_import` takes the chain the CA issued (PEM), checks it before anything
   is written — the leaf's public key is the pending key's, each certificate is signed by the
   next, all are valid now, the leaf may sign documents — and makes it the office's active
   key. The previous key is retired and keeps verifying what it signed.

Both are scoped by `tenancy.permissions.can_manage_signing_keys`; `by=None` is the operator
at the server's shell (`manage.py signing_key generate-csr / import-chain`). See
docs/signing-keys.md.
"""

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from antrean.core.errors import DomainError, ErrorCode
from antrean.core.personal_data import (
    current_key_id,
    decrypt_bytes,
    encrypt_bytes,
    encrypted_bytes_key_id,
)
from antrean.integrity.models import SigningKey, SigningKeyRequest
from antrean.integrity.signing import (
    certificate_key_id,
    public_key_sha256,
    retire_other_keys,
    sealed_key_purpose,
    signing_dir,
)
from antrean.tenancy import permissions
from antrean.tenancy.models import Office, Region

KEY_TYPES = ("rsa-3072", "rsa-2048", "ec-p256")
DEFAULT_KEY_TYPE = "rsa-3072"
MAX_CHAIN_BYTES = 256 * 1024
# RFC 5280's upper bounds for these attributes.
_NAME_MAX = 64
_LOCALITY_MAX = 128


class SigningKeyRefused(DomainError):
    """A key request or an issued chain refused, with a reason an office admin can act on.

    `reason` is stable (no_pending, malformed, key_mismatch, chain_incomplete, chain_broken,
    not_a_ca, expired, not_yet_valid, key_usage, too_large).
    """

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(ErrorCode.INVALID_REQUEST, field="chain", message=message)


def _require(by, office: Office) -> None:
    if by is not None:
        permissions.require(permissions.can_manage_signing_keys(by, office.pk))


def _new_private_key(key_type: str):
    if key_type == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    bits = {"rsa-2048": 2048, "rsa-3072": 3072}[key_type]
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _short(value: str, limit: int) -> str:
    """`value` cut to `limit` UTF-8 bytes (the bound `cryptography` checks), at a word."""
    value = " ".join(value.split())
    if len(value.encode()) <= limit:
        return value
    cut = value
    while len(cut.encode()) > limit:
        cut = cut[:-1]
    return cut.rsplit(" ", 1)[0] if " " in cut else cut


def _province_and_locality(region: Region) -> tuple[str, str]:
    """ST and L: the province, and the regency or city (a province's own office: itself)."""
    if region.level == Region.Level.PROVINCE or region.parent_id is None:
        return region.name, region.name
    return region.parent.name, region.name


def request_subject(
    office: Office, *, organization: str = "", unit: str = "", email: str = ""
) -> x509.Name:
    """The subject asked for: the office's name as CN, the organization (the office unless
    told otherwise), its region and Indonesia."""
    province, locality = _province_and_locality(office.region)
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, _short(province, _LOCALITY_MAX)),
        x509.NameAttribute(NameOID.LOCALITY_NAME, _short(locality, _LOCALITY_MAX)),
        x509.NameAttribute(
            NameOID.ORGANIZATION_NAME, _short(organization or office.name, _NAME_MAX)
        ),
    ]
    if unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _short(unit, 64)))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, _short(office.name, _NAME_MAX)))
    if email:
        attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email[:128]))
    return x509.Name(attributes)


DOCUMENT_SIGNING_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=True,  # nonRepudiation
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)


def _write_sealed(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def signing_key_request_create(
    *,
    office: Office,
    by,
    key_type: str = DEFAULT_KEY_TYPE,
    organization: str = "",
    unit: str = "",
    email: str = "",
    now: dt.datetime | None = None,
) -> SigningKeyRequest:
    """A new private key for the office, kept sealed on the server, and its CSR.

    A request still pending for the office is replaced (its key file deleted): only the
    newest CSR can be activated, so a certificate issued for an older one is refused.
    """
    _require(by, office)
    if key_type not in KEY_TYPES:
        raise DomainError(ErrorCode.INVALID_REQUEST, field="key_type")
    now = now or timezone.now()
    private_key = _new_private_key(key_type)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(request_subject(office, organization=organization, unit=unit, email=email))
        .add_extension(DOCUMENT_SIGNING_USAGE, critical=True)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(private_key, hashes.SHA256())
    )
    fingerprint = public_key_sha256(private_key.public_key())
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = signing_dir() / f"{office.code}-csr-{fingerprint[:16]}-{secrets.token_hex(4)}.key"
    _write_sealed(path, encrypt_bytes(pem, purpose=sealed_key_purpose(fingerprint)))
    try:
        with transaction.atomic():
            replaced = list(
                SigningKeyRequest.objects.select_for_update().filter(
                    office=office, status=SigningKeyRequest.Status.PENDING
                )
            )
            for old in replaced:
                old.status = SigningKeyRequest.Status.REPLACED
                old.save(update_fields=["status"])
            request = SigningKeyRequest.objects.create(
                office=office,
                key_type=key_type,
                csr_pem=csr.public_bytes(serialization.Encoding.PEM).decode(),
                public_key_sha256=fingerprint,
                key_path=str(path),
                created_at=now,
                created_by=by if getattr(by, "pk", None) else None,
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    for old in replaced:
        # The replaced keys never signed anything and never will: nothing to keep.
        Path(old.key_path).unlink(missing_ok=True)
    return request


def signing_key_request_pending(*, office: Office) -> SigningKeyRequest | None:
    return SigningKeyRequest.objects.filter(
        office=office, status=SigningKeyRequest.Status.PENDING
    ).first()


# --- the issued chain --------------------------------------------------------------------------


def _when(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _who(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def _parse_chain(pem: bytes) -> list[x509.Certificate]:
    if len(pem) > MAX_CHAIN_BYTES:
        raise SigningKeyRefused("too_large", _("Berkas rantai sertifikat terlalu besar."))
    try:
        certificates = x509.load_pem_x509_certificates(pem)
    except ValueError:
        certificates = []
    if not certificates:
        raise SigningKeyRefused(
            "malformed",
            _(
                'Berkas ini bukan rantai sertifikat PEM (berisi blok "-----BEGIN '
                'CERTIFICATE-----"). Unggah berkas .pem/.crt dari CA.'
            ),
        )
    return certificates


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _is_self_signed(certificate: x509.Certificate) -> bool:
    return certificate.issuer == certificate.subject and _issued_by(certificate, certificate)


def _key_usage(certificate: x509.Certificate) -> x509.KeyUsage | None:
    try:
        return certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return False
    usage = _key_usage(certificate)
    return constraints.ca and (usage is None or usage.key_cert_sign)


@dataclass(frozen=True)
class CheckedChain:
    leaf: x509.Certificate
    issuers: list[x509.Certificate]  # the leaf's issuer first, up to the top of the file


def check_chain(pem: bytes, *, fingerprint: str, now: dt.datetime) -> CheckedChain:
    """The chain as issued for the key with public key `fingerprint`, or why it is refused."""
    certificates = _parse_chain(pem)
    leaves = [c for c in certificates if public_key_sha256(c.public_key()) == fingerprint]
    if not leaves:
        raise SigningKeyRefused(
            "key_mismatch",
            _(
                "Sertifikat ini bukan untuk kunci kantor yang menunggu: kunci publiknya "
                "berbeda. Pastikan CA menerbitkannya dari CSR terakhir yang dibuat untuk "
                "kantor ini."
            ),
        )
    leaf = leaves[0]
    if _is_self_signed(leaf):
        raise SigningKeyRefused(
            "chain_incomplete",
            _("Sertifikat kantor ini ditandatangani sendiri, bukan diterbitkan oleh CA."),
        )
    remaining = [c for c in certificates if c is not leaf and c != leaf]
    path, current = [], leaf
    while not _is_self_signed(current):
        issuer = next((c for c in remaining if c.subject == current.issuer), None)
        if issuer is None:
            if current is leaf:
                raise SigningKeyRefused(
                    "chain_incomplete",
                    _(
                        'Rantai sertifikat tidak lengkap: sertifikat penerbit "%(issuer)s" '
                        "tidak ada dalam berkas. Unggah rantai lengkap dari CA (sertifikat "
                        "kantor beserta sertifikat CA penerbitnya)."
                    )
                    % {"issuer": current.issuer.rfc4514_string()},
                )
            break  # an intermediate whose root readers already trust
        if not _issued_by(current, issuer):
            raise SigningKeyRefused(
                "chain_broken",
                _(
                    'Rantai sertifikat terputus: tanda tangan pada "%(subject)s" tidak dibuat '
                    'oleh "%(issuer)s".'
                )
                % {"subject": _who(current), "issuer": _who(issuer)},
            )
        if not _is_ca(issuer):
            raise SigningKeyRefused(
                "not_a_ca",
                _('"%(issuer)s" bukan sertifikat CA, sehingga tidak dapat menerbitkan sertifikat.')
                % {"issuer": _who(issuer)},
            )
        path.append(issuer)
        remaining.remove(issuer)
        current = issuer
    strays = [c for c in remaining if c not in path]
    if strays:
        raise SigningKeyRefused(
            "chain_broken",
            _('Berkas memuat sertifikat yang bukan bagian dari rantai ini: "%(subject)s".')
            % {"subject": _who(strays[0])},
        )
    for certificate in [leaf, *path]:
        if now < certificate.not_valid_before_utc:
            raise SigningKeyRefused(
                "not_yet_valid",
                _('Sertifikat "%(subject)s" baru berlaku mulai %(when)s.')
                % {"subject": _who(certificate), "when": _when(certificate.not_valid_before_utc)},
            )
        if now > certificate.not_valid_after_utc:
            raise SigningKeyRefused(
                "expired",
                _('Sertifikat "%(subject)s" sudah kedaluwarsa sejak %(when)s.')
                % {"subject": _who(certificate), "when": _when(certificate.not_valid_after_utc)},
            )
    usage = _key_usage(leaf)
    if usage is None or not (usage.digital_signature and usage.content_commitment):
        raise SigningKeyRefused(
            "key_usage",
            _(
                "Sertifikat kantor tidak diizinkan untuk menandatangani dokumen: penggunaan "
                "kunci (key usage) harus memuat digitalSignature dan nonRepudiation."
            ),
        )
    return CheckedChain(leaf=leaf, issuers=path)


def signing_key_chain_import(
    *, office: Office, chain_pem: bytes, by, now: dt.datetime | None = None
) -> SigningKey:
    """Install the chain a CA issued for the office's pending request and sign with it from
    now on. Nothing is written unless every check passes."""
    _require(by, office)
    now = now or timezone.now()
    with transaction.atomic():
        request = (
            SigningKeyRequest.objects.select_for_update()
            .filter(office=office, status=SigningKeyRequest.Status.PENDING)
            .first()
        )
        if request is None:
            raise SigningKeyRefused(
                "no_pending",
                _(
                    "Kantor ini tidak memiliki kunci yang menunggu sertifikat. Buat CSR "
                    "terlebih dahulu, kirim ke CA, lalu unggah sertifikat yang diterbitkan."
                ),
            )
        checked = check_chain(chain_pem, fingerprint=request.public_key_sha256, now=now)
        leaf_der = checked.leaf.public_bytes(serialization.Encoding.DER)
        key = SigningKey.objects.create(
            office=office,
            key_id=certificate_key_id(leaf_der),
            source=SigningKey.Source.CSR,
            certificate_pem=checked.leaf.public_bytes(serialization.Encoding.PEM).decode(),
            chain_pem="".join(
                c.public_bytes(serialization.Encoding.PEM).decode() for c in checked.issuers
            ),
            key_path=request.key_path,
            activated_at=now,
        )
        retire_other_keys(office, key, now)
        request.status = SigningKeyRequest.Status.ACTIVATED
        request.signing_key = key
        request.save(update_fields=["status", "signing_key"])
    return key


# --- data key rotation ---------------------------------------------------------------------------


def signing_keys_reseal(*, dry_run: bool = False) -> dict[str, int]:
    """Seal again, under the first data key, every key file made here that a later key
    replaced as first (before the old data key is removed from ANTREAN_DATA_KEYS).

    Counts what was (or, with `dry_run`, would be) done: resealed, current, missing (a file
    replaced by a newer request, or lost).
    """
    counts = {"resealed": 0, "current": 0, "missing": 0}
    for request in SigningKeyRequest.objects.exclude(status=SigningKeyRequest.Status.REPLACED):
        path = Path(request.key_path)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            counts["missing"] += 1
            continue
        if encrypted_bytes_key_id(blob) == current_key_id():
            counts["current"] += 1
            continue
        counts["resealed"] += 1
        if dry_run:
            continue
        purpose = sealed_key_purpose(request.public_key_sha256)
        sealed = encrypt_bytes(decrypt_bytes(blob, purpose=purpose), purpose=purpose)
        # A reader sees the old file or the new one, both openable while both keys are set.
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            _write_sealed(temporary, sealed)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    return counts
