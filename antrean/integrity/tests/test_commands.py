"""The integrity commands as an operator runs them: verify_ledger, signing_key,
render_certificates, and the real `manage.py worker` process rendering a booked certificate."""

import base64
import datetime as dt
import io
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.management import CommandError, call_command
from django.db import connection

from antrean.booking.services import booking_create
from antrean.core.personal_data import reset_key_cache
from antrean.integrity.certificates import certificate_check_upload, certificate_pdf_bytes
from antrean.integrity.ledger import ledger_head
from antrean.integrity.models import Certificate, PactSignature, SigningKey
from antrean.integrity.services import ClientInfo
from antrean.integrity.signing import signing_cache_clear, signing_key_active
from antrean.testing.factories import (
    booking_request,
    make_nik,
    make_office,
    make_phone,
    make_service,
    make_slot,
)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANTREAN_KEY_DIR = tmp_path / "keys"
    signing_cache_clear()
    yield
    signing_cache_clear()


_serial = iter(range(1, 100_000))


def book(slot):
    n = next(_serial)
    request = booking_request(slot, nik=make_nik(n), whatsapp=make_phone(n))
    return booking_create(request=request, client=ClientInfo())


def office_with(code: str, bookings: int):
    office = make_office(code=code)
    slot = make_slot(make_service(office), capacity=50)
    for _ in range(bookings):
        book(slot)
    return office


def run(*args) -> tuple[int, str]:
    """Run a command; its exit code and what it printed."""
    out = io.StringIO()
    try:
        call_command(*args, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


# --- verify_ledger --------------------------------------------------------------------------


@pytest.mark.django_db
def test_verify_ledger_reports_every_chain_and_exits_0():
    office_with("kantor-a", 3)
    office_b = office_with("kantor-b", 2)
    code, output = run("verify_ledger")
    assert code == 0
    head_b = ledger_head(office=office_b)
    assert "OK   kantor-a: 3 entries, head #3" in output
    assert f"OK   kantor-b: 2 entries, head #2 {head_b.hash}" in output
    assert "FAIL" not in output


@pytest.mark.django_db
def test_verify_ledger_exits_1_naming_the_first_bad_entry():
    office_with("kantor-a", 2)
    office_b = office_with("kantor-b", 4)
    PactSignature.objects.filter(office=office_b, ledger_seq=3).update(channel="api")
    bad = PactSignature.objects.get(office=office_b, ledger_seq=3)
    code, output = run("verify_ledger")
    assert code == 1
    assert "OK   kantor-a: 2 entries" in output
    assert "FAIL kantor-b" in output and "#3 was changed" in output
    assert f"entry #3, signature {bad.pk}" in output
    assert "2 entries verified before it" in output


@pytest.mark.django_db
def test_verify_ledger_for_one_office_ignores_the_others():
    office_with("kantor-a", 2)
    office_b = office_with("kantor-b", 2)
    PactSignature.objects.filter(office=office_b, ledger_seq=1).update(pact_version=7)
    code, output = run("verify_ledger", "--office", "kantor-a")
    assert code == 0 and "kantor-a" in output and "kantor-b" not in output
    assert run("verify_ledger", "--office", "kantor-b")[0] == 1


@pytest.mark.django_db
def test_verify_ledger_checks_a_published_head():
    office = office_with("kantor-a", 2)
    published = ledger_head(office=office)
    book(make_slot(make_service(office)))
    head = f"{published.seq}:{published.hash}"
    assert run("verify_ledger", "--office", "kantor-a", "--head", head)[0] == 0
    assert run("verify_ledger", "--office", "kantor-a", "--head", head.upper())[0] == 0
    code, output = run("verify_ledger", "--office", "kantor-a", "--head", f"2:{'0' * 64}")
    assert code == 1 and "#2 differs from the published head" in output


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--office", "tidak-ada"], "No office"),
        (["--head", f"1:{'0' * 64}"], "--head needs --office"),
        (["--office", "kantor-a", "--head", "satu:abc"], "--head must look like"),
        (["--office", "kantor-a", "--head", "1:abc"], "--head must look like"),
    ],
)
def test_verify_ledger_refuses_bad_arguments(args, message):
    office_with("kantor-a", 1)
    with pytest.raises(CommandError, match=message):
        call_command("verify_ledger", *args, stdout=io.StringIO())


# --- signing_key ----------------------------------------------------------------------------


def _pkcs12_file(tmp_path, password: bytes) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Kantor Uji")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "kantor.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"kantor", key, cert, None, serialization.BestAvailableEncryption(password)
        )
    )
    return path


@pytest.mark.django_db
def test_signing_key_rotate_import_and_list(settings, tmp_path):
    office = make_office(code="kantor-a")
    first = signing_key_active(office=office)

    code, output = run("signing_key", "rotate", "--office", "kantor-a")
    second = signing_key_active(office=office)
    assert code == 0 and second != first
    assert f"kantor-a: key {second.key_id} (development) is now active." in output

    settings.ANTREAN_SIGNING_PKCS12_PASSWORD = "sandi"
    path = _pkcs12_file(tmp_path, b"sandi")
    code, output = run("signing_key", "import", "--office", "kantor-a", "--pkcs12", str(path))
    third = signing_key_active(office=office)
    assert code == 0 and third.source == SigningKey.Source.PKCS12
    assert f"key {third.key_id} (pkcs12) is now active." in output

    code, output = run("signing_key", "list")
    lines = [line for line in output.splitlines() if line.startswith("kantor-a")]
    assert len(lines) == 3
    assert sum("ACTIVE" in line for line in lines) == 1
    assert any(third.key_id in line and "ACTIVE" in line for line in lines)
    assert sum("retired" in line for line in lines) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["rotate"], "--office is required"),
        (["rotate", "--office", "tidak-ada"], "No office"),
        (["import", "--office", "kantor-a"], "--pkcs12 is required"),
    ],
)
def test_signing_key_refuses_bad_arguments(args, message):
    make_office(code="kantor-a")
    with pytest.raises(CommandError, match=message):
        call_command("signing_key", *args, stdout=io.StringIO())
    assert not SigningKey.objects.exists()


# --- render_certificates --------------------------------------------------------------------


@pytest.mark.django_db
def test_render_certificates_renders_every_pending_one_now():
    office = office_with("kantor-a", 3)
    assert not Certificate.objects.filter(office=office, rendered_at__isnull=False).exists()
    code, output = run("render_certificates")
    assert code == 0 and "3 certificate(s) rendered." in output
    for certificate in Certificate.objects.filter(office=office):
        assert certificate_check_upload(certificate_pdf_bytes(certificate)).valid
    assert "0 certificate(s) rendered." in run("render_certificates")[1]


# --- encrypt_certificate_files ----------------------------------------------------------------


@pytest.mark.django_db
def test_encrypt_certificate_files_seals_plain_files_once(tmp_path):
    office = office_with("kantor-a", 3)
    run("render_certificates")
    certificates = list(Certificate.objects.filter(office=office).order_by("pk"))
    pdfs = [certificate_pdf_bytes(c) for c in certificates]
    for certificate, pdf in zip(certificates[:2], pdfs, strict=False):  # two from before
        path = Path(certificate.pdf.path)
        path.write_bytes(pdf)
        path.chmod(0o644)
        path.parent.chmod(0o755)

    code, output = run("encrypt_certificate_files", "--dry-run")
    assert code == 0
    assert "2 plain file(s) would be sealed" in output and "1 already sealed" in output
    assert Path(certificates[0].pdf.path).read_bytes().startswith(b"%PDF-")

    code, output = run("encrypt_certificate_files")
    assert code == 0
    assert "2 plain file(s) were sealed" in output and "1 already sealed" in output
    for certificate, pdf in zip(certificates, pdfs, strict=True):
        path = Path(certificate.pdf.path)
        assert not path.read_bytes().startswith(b"%PDF")
        assert oct(path.stat().st_mode & 0o777) == oct(0o600)
        assert oct(path.parent.stat().st_mode & 0o777) == oct(0o700)
        assert certificate_pdf_bytes(certificate) == pdf
    assert "0 plain file(s) were sealed" in run("encrypt_certificate_files")[1]


# --- the worker process ---------------------------------------------------------------------


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{db['USER']}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def shared_keys(settings):
    """Personal-data keys that this process and a child process both use."""
    data_key = base64.b64encode(secrets.token_bytes(32)).decode()
    hash_key = base64.b64encode(secrets.token_bytes(32)).decode()
    settings.ANTREAN_DATA_KEYS = [data_key]
    settings.ANTREAN_HASH_KEY = hash_key
    reset_key_cache()
    yield {"ANTREAN_DATA_KEYS": data_key, "ANTREAN_HASH_KEY": hash_key}
    reset_key_cache()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_process_renders_a_booked_certificate_within_seconds(
    settings, tmp_path, shared_keys
):
    var = tmp_path / "var"
    settings.MEDIA_ROOT = var / "media"
    settings.ANTREAN_KEY_DIR = var / "keys"
    slot = make_slot(make_service())
    ticket = book(slot).ticket
    certificate = Certificate.objects.get(signature__ticket=ticket)

    env = {
        **os.environ,
        **shared_keys,
        "DATABASE_URL": _database_url(),
        "ANTREAN_VAR_DIR": str(var),
        "TASKS_BACKEND": "database",
    }
    started = time.monotonic()
    worker = subprocess.Popen(  # noqa: S603 — our own manage.py
        [sys.executable, str(ROOT / "manage.py"), "worker", "--no-periodic", "--interval", "0.1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        while time.monotonic() - started < 30 and worker.poll() is None:
            certificate.refresh_from_db()
            if certificate.is_ready:
                break
            time.sleep(0.1)
        elapsed = time.monotonic() - started
    finally:
        worker.terminate()
        try:
            _out, errors = worker.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            _out, errors = worker.communicate()
    assert certificate.is_ready, errors.decode()[-3000:]
    assert elapsed < 15  # including the worker's own start-up
    assert (var / "media" / certificate.pdf.name).exists()
    result = certificate_check_upload(certificate_pdf_bytes(certificate))
    assert result.valid and result.certificate == certificate
