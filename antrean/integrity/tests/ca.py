"""A certificate authority for tests, shaped like BSrE's: a root, an intermediate that issues
office certificates from their CSRs, made with `cryptography` as a CA's software would."""

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Balai Sertifikasi Elektronik Uji"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(*, ca: bool, digital_signature=True, non_repudiation=True) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=non_repudiation and not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _ca_certificate(subject, key, *, issuer=None, issuer_key=None, ca=True, usage=None):
    now = _now()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(usage or _usage(ca=ca), critical=True)
        .sign(issuer_key or key, hashes.SHA256())
    )


@dataclass
class CertificateAuthority:
    root_key: object
    root: x509.Certificate
    intermediate_key: object
    intermediate: x509.Certificate

    @classmethod
    def create(cls, name: str = "BSrE Uji") -> "CertificateAuthority":
        root_key = ec.generate_private_key(ec.SECP384R1())
        root = _ca_certificate(_name(f"Root CA {name}"), root_key)
        intermediate_key = ec.generate_private_key(ec.SECP384R1())
        intermediate = _ca_certificate(
            _name(name), intermediate_key, issuer=root, issuer_key=root_key
        )
        return cls(root_key, root, intermediate_key, intermediate)

    def issue(
        self,
        csr_pem: str | bytes,
        *,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        usage: x509.KeyUsage | None = None,
        public_key=None,
    ) -> x509.Certificate:
        """The office's certificate for its CSR (the CA checks the CSR's own signature)."""
        csr = x509.load_pem_x509_csr(csr_pem if isinstance(csr_pem, bytes) else csr_pem.encode())
        assert csr.is_signature_valid
        now = _now()
        return (
            x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(self.intermediate.subject)
            .public_key(public_key or csr.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or now - dt.timedelta(days=1))
            .not_valid_after(not_after or now + dt.timedelta(days=730))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage or _usage(ca=False), critical=True)
            .sign(self.intermediate_key, hashes.SHA256())
        )

    def chain_pem(self, leaf: x509.Certificate, *, with_root: bool = True) -> bytes:
        """What the CA hands over: the office's certificate, then its issuers."""
        certificates = [leaf, self.intermediate, *([self.root] if with_root else [])]
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)


def usage(**kwargs) -> x509.KeyUsage:
    return _usage(ca=False, **kwargs)
