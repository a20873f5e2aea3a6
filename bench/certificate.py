"""Time to render, sign and seal one certificate, with keys and fonts loaded once.

Usage: .venv/bin/python bench/certificate.py [--runs N] [--json PATH]
Runs outside the database: the content is built in memory and the development key is made in a
temporary folder, so the figure is the PDF work alone (what the certificate task adds to a
booking's cost). Sealing (AES-GCM with the data keys, as the stored file is written) goes through
integrity.certificates.pdf_seal, the function the certificate task uses; opening it back goes
through the same code as every reader (certificate_pdf_bytes).
"""

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "antrean.settings")
os.environ.setdefault("ANTREAN_VAR_DIR", tempfile.mkdtemp(prefix="antrean-bench-"))

import django

django.setup()

from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from antrean.integrity.certificate_pdf import CertificateContent, render_certificate  # noqa: E402
from antrean.integrity.certificates import pdf_open_stored, pdf_seal  # noqa: E402
from antrean.integrity.defaults import default_text  # noqa: E402
from antrean.integrity.models import Certificate, SigningKey  # noqa: E402
from antrean.integrity.signing import certificate_key_id, pdf_check_signature, pdf_sign  # noqa: E402


def _dev_key(folder: Path) -> SigningKey:
    """An unsaved SigningKey with a fresh P-256 key, as signing_key_create_dev makes."""
    import datetime as dt

    from cryptography import x509
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Piagam mpp-badung")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    path = folder / "bench.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return SigningKey(
        key_id=certificate_key_id(cert.public_bytes(serialization.Encoding.DER)),
        source=SigningKey.Source.DEVELOPMENT,
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        key_path=str(path),
    )


def sample_content(n: int) -> CertificateContent:
    title, body = default_text("citizen")
    office = "Mal Pelayanan Publik Kabupaten Badung"
    return CertificateContent(
        office_name=office,
        agency_name="Dinas Kependudukan dan Pencatatan Sipil Kabupaten Badung",
        certificate_number=f"MPP-BADUNG-20261130-{n:06d}",
        audience_label="Pengguna Layanan",
        signer_name="Ni Made Ayu Lestari",
        signer_id_label="NIK",
        signer_id="5103********0001",
        facts=(
            ("Nomor antrean", f"A-{n % 1000:03d}"),
            ("Layanan", "Perekaman dan Pencetakan KTP-el"),
            ("Biaya resmi", "Gratis (Rp 0)"),
            ("Jadwal", "Senin, 30 November 2026, 09.00–10.00 WITA"),
            ("Ditandatangani", "Sabtu, 28 November 2026, 10.12 WITA"),
        ),
        pact_title=title,
        pact_text=body.replace("{kantor}", office),
        pact_version=1,
        pact_sha256="a" * 64,
        ledger_seq=n,
        ledger_hash="b" * 64,
        verify_url="http://127.0.0.1:8000/v/7G4K2M9QX3PZ5R8T",
        signed_by=f"Ditandatangani secara elektronik oleh {office}",
        report_note="Tidak ada biaya di luar biaya resmi. Laporkan permintaan imbalan ke "
        "SP4N-LAPOR! (lapor.go.id, SMS 1708).",
    )


def run(runs: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        key = _dev_key(Path(folder))
        # Warm up: fonts, key loading, imports.
        pdf = pdf_sign(render_certificate(sample_content(0)), key=key, reason="x", location="y")
        render_ms, sign_ms, seal_ms, open_ms, total_ms = [], [], [], [], []
        for n in range(1, runs + 1):
            t0 = time.perf_counter()
            unsigned = render_certificate(sample_content(n))
            t1 = time.perf_counter()
            pdf = pdf_sign(unsigned, key=key, reason="Piagam Pakta Integritas", location="Badung")
            t2 = time.perf_counter()
            sealed = pdf_seal(pdf, certificate_id=n)
            t3 = time.perf_counter()
            record = Certificate(pk=n, number=f"b-{n}", pdf_sha256=hashlib.sha256(pdf).hexdigest())
            assert pdf_open_stored(sealed, certificate=record) == pdf
            t4 = time.perf_counter()
            render_ms.append((t1 - t0) * 1000)
            sign_ms.append((t2 - t1) * 1000)
            seal_ms.append((t3 - t2) * 1000)
            open_ms.append((t4 - t3) * 1000)
            total_ms.append((t3 - t0) * 1000)
    total_ms.sort()
    return {
        "runs": runs,
        "cores": os.cpu_count(),
        "render_median_ms": round(statistics.median(render_ms), 2),
        "sign_median_ms": round(statistics.median(sign_ms), 2),
        "seal_median_ms": round(statistics.median(seal_ms), 3),
        "open_median_ms": round(statistics.median(open_ms), 3),
        "total_median_ms": round(statistics.median(total_ms), 2),
        "total_p99_ms": round(total_ms[int(len(total_ms) * 0.99) - 1], 2),
        "pdf_bytes": len(pdf),
        "signature_checks": pdf_check_signature.__name__,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.runs)
    result.pop("signature_checks")
    print(
        f"certificate render+sign ({result['cores']} cores, {result['runs']} runs): "
        f"median {result['total_median_ms']} ms (render {result['render_median_ms']} ms, "
        f"sign {result['sign_median_ms']} ms, seal {result['seal_median_ms']} ms; "
        f"opening it back {result['open_median_ms']} ms), p99 {result['total_p99_ms']} ms, "
        f"{result['pdf_bytes']} bytes"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
