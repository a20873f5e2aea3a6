"""`manage.py serve` prepares the installation before serving: tested without a server."""

import stat
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from antrean.accounts.management.commands.dev_otp import current_code
from antrean.accounts.services import has_two_factor, otp_verify
from antrean.core.management.commands.serve import (
    PASSWORD_ENV,
    PASSWORD_FILE,
    TOTP_SECRETS_FILE,
    setup,
)
from antrean.tenancy.models import Office
from antrean.testing.factories import make_office


@pytest.mark.django_db
def test_setup_creates_the_admin_with_the_password_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "sandi-dari-env-123")
    out = StringIO()
    setup(stdout=out, demo=False, var_dir=tmp_path)
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.is_staff
    assert user.check_password("sandi-dari-env-123")
    assert "sandi-dari-env-123" not in out.getvalue()
    assert not (tmp_path / PASSWORD_FILE).exists()

    # Second run: nothing recreated, even if the variable changed meanwhile.
    monkeypatch.setenv(PASSWORD_ENV, "sandi-lain-456")
    out = StringIO()
    setup(stdout=out, demo=False, var_dir=tmp_path)
    again = get_user_model().objects.get(username="admin")
    assert again.pk == user.pk
    assert again.check_password("sandi-dari-env-123")
    assert "Akun admin pengembangan dibuat" not in out.getvalue()
    assert "Akun admin: admin" in out.getvalue()
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_generated_password_is_printed_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    out = StringIO()
    setup(stdout=out, demo=False, var_dir=tmp_path)
    path = tmp_path / PASSWORD_FILE
    password = path.read_text().strip()
    assert len(password) >= 20
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert password in out.getvalue()
    assert get_user_model().objects.get(username="admin").check_password(password)

    out = StringIO()
    setup(stdout=out, demo=False, var_dir=tmp_path)
    assert password not in out.getvalue()
    assert str(path) in out.getvalue()
    assert path.read_text().strip() == password


@pytest.mark.django_db
def test_existing_admin_user_is_left_alone(tmp_path, monkeypatch, django_user_model):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    django_user_model.objects.create_user("admin", password="sandi-sendiri-789")
    out = StringIO()
    setup(stdout=out, demo=False, var_dir=tmp_path)
    assert django_user_model.objects.get(username="admin").check_password("sandi-sendiri-789")
    assert not (tmp_path / PASSWORD_FILE).exists()


@pytest.mark.django_db
def test_setup_loads_the_demo_only_on_an_empty_installation(tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "sandi-dari-env-123")
    setup(stdout=StringIO(), demo=True, var_dir=tmp_path)
    assert Office.objects.filter(code="mpp-badung").exists()
    offices = Office.objects.count()
    out = StringIO()
    setup(stdout=out, demo=True, var_dir=tmp_path)
    assert Office.objects.count() == offices
    assert "dilewati" in out.getvalue()


@pytest.mark.django_db
def test_setup_without_demo_keeps_an_empty_installation_empty(tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "sandi-dari-env-123")
    setup(stdout=StringIO(), demo=False, var_dir=tmp_path)
    assert not Office.objects.exists()


@pytest.mark.django_db
def test_setup_makes_missing_slots(tmp_path, monkeypatch, without_demo_history):
    from antrean.catalog.models import Slot
    from antrean.testing.factories import make_service

    monkeypatch.setenv(PASSWORD_ENV, "sandi-dari-env-123")
    office = make_office()
    make_service(office)
    setup(stdout=StringIO(), demo=True, var_dir=tmp_path)
    assert Slot.objects.filter(service__office=office).exists()
    assert not Office.objects.filter(code="mpp-badung").exists()  # not empty: no demo


@pytest.mark.django_db
def test_setup_gives_the_demo_admins_an_authenticator_printed_once(
    tmp_path, monkeypatch, without_demo_history
):
    monkeypatch.setenv(PASSWORD_ENV, "sandi-dari-env-123")
    out = StringIO()
    setup(stdout=out, demo=True, var_dir=tmp_path)
    path = tmp_path / TOTP_SECRETS_FILE
    lines = dict(line.split(" ", 1) for line in path.read_text().splitlines())
    assert set(lines) == {
        "admin",
        "admin-mpp-badung",
        "admin-mpp-sidoarjo",
        # The inspectorate signs in with a second factor too (it reads reporters' words).
        "inspektorat-mpp-badung",
        "inspektorat-mpp-sidoarjo",
        # The roles above the office configure too.
        "kepala-mpp-badung",
        "kepala-mpp-sidoarjo",
        "pemkab-badung",
        "pemkab-sidoarjo",
        "pemprov-bali",
        "pemprov-jatim",
        "kemenpanrb",
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for username, secret in lines.items():
        assert secret in out.getvalue()
        user = get_user_model().objects.get(username=username)
        assert has_two_factor(user)
        # The code `manage.py dev_otp` prints is one the account accepts.
        code, left = current_code(secret)
        assert 0 < left <= 30
        assert otp_verify(user=user, code=code) is not None
    # Officers sign in as before.
    assert not has_two_factor(get_user_model().objects.get(username="disdukcapil"))

    out = StringIO()
    setup(stdout=out, demo=True, var_dir=tmp_path)
    assert not any(secret in out.getvalue() for secret in lines.values())
    assert "dev_otp" in out.getvalue()
    assert dict(line.split(" ", 1) for line in path.read_text().splitlines()) == lines


@pytest.mark.django_db
def test_dev_otp_prints_codes_only_for_accounts_serve_made(tmp_path, monkeypatch, settings):
    monkeypatch.setenv(PASSWORD_ENV, "sandi-dari-env-123")
    settings.VAR_DIR = tmp_path
    setup(stdout=StringIO(), demo=False, var_dir=tmp_path)
    out = StringIO()
    call_command("dev_otp", "admin", stdout=out)
    code = out.getvalue().split()[0]
    assert len(code) == 6 and code.isdigit()
    with pytest.raises(CommandError):
        call_command("dev_otp", "orang-lain", stdout=StringIO())


@pytest.mark.django_db
def test_an_admin_that_set_up_its_own_authenticator_keeps_it(tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "sandi-dari-env-123")
    setup(stdout=StringIO(), demo=False, var_dir=tmp_path)
    admin = get_user_model().objects.get(username="admin")
    device = admin.totpdevice_set.get()
    (tmp_path / TOTP_SECRETS_FILE).unlink()
    setup(stdout=StringIO(), demo=False, var_dir=tmp_path)
    assert list(admin.totpdevice_set.all()) == [device]
    assert not (tmp_path / TOTP_SECRETS_FILE).exists()
