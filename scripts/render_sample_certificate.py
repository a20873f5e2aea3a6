#!/usr/bin/env python3
"""Render a demo certificate (piagam) to a PNG for the docs, from a throwaway database.

Loads the demo offices into a temporary SQLite database, books one slot the way a citizen
would, renders and signs the certificate, and rasterises it with pdftoppm (poppler-utils).
Nothing under var/ is touched, whatever DATABASE_URL or ANTREAN_VAR_DIR say.

    .venv/bin/python scripts/render_sample_certificate.py
    .venv/bin/python scripts/render_sample_certificate.py --service paspor-baru --pdf /tmp/p.pdf
"""

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--office", default="mpp-badung")
    parser.add_argument("--service", default="ktp-el", help="Service code in the demo data.")
    parser.add_argument("--name", default="Ni Luh Putu Ayu Kusumawati")
    parser.add_argument("--nik", default="5103014506900001")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots" / "certificate.png"))
    parser.add_argument("--pdf", help="Also keep the signed PDF here.")
    parser.add_argument("--dpi", type=int, default=110)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="antrean-sample-") as tmp:
        os.environ.update(
            {
                "ANTREAN_VAR_DIR": tmp,
                "DATABASE_URL": f"sqlite:///{tmp}/sample.sqlite3",
                "DJANGO_SETTINGS_MODULE": "antrean.settings",
                "TASKS_BACKEND": "database",
            }
        )
        os.environ.setdefault("SITE_URL", "https://antrean.contoh.go.id")
        sys.path.insert(0, str(ROOT))
        pdf = render(args)
        pdf_path = Path(tmp) / "piagam.pdf"
        pdf_path.write_bytes(pdf)
        if args.pdf:
            shutil.copyfile(pdf_path, args.pdf)
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        command = ["pdftoppm", "-r", str(args.dpi), "-png", "-singlefile"]
        command += [str(pdf_path), str(out.with_suffix(""))]
        subprocess.run(command, check=True)  # noqa: S603 — fixed arguments, our own files
        print(f"{out} ({len(pdf)} bytes of PDF)")


def render(args) -> bytes:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from antrean.booking.services import BookingRequest, booking_create
    from antrean.catalog.models import Slot
    from antrean.integrity.certificates import certificate_pdf_bytes, certificate_render
    from antrean.integrity.models import Audience, Certificate
    from antrean.integrity.services import ClientInfo, pact_in_force
    from antrean.tenancy.models import Office

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    office = Office.objects.get(code=args.office)
    slot = (
        Slot.objects.filter(
            service__office=office,
            service__code=args.service,
            starts_at__gt=timezone.now() + dt.timedelta(hours=1),
        )
        .order_by("starts_at")
        .first()
    )
    if slot is None:
        sys.exit(f"No upcoming slot for {args.service} at {args.office}.")
    rendering = pact_in_force(office=office, audience=Audience.CITIZEN)
    result = booking_create(
        request=BookingRequest(
            slot_id=slot.pk,
            name=args.name,
            nik=args.nik,
            whatsapp="081234567890",
            pact_version=rendering.pact.version,
            pact_sha256=rendering.sha256,
            pact_agreed=True,
        ),
        client=ClientInfo(),
    )
    certificate = Certificate.objects.get(signature__ticket=result.ticket)
    return certificate_pdf_bytes(certificate_render(certificate_id=certificate.pk))


if __name__ == "__main__":
    main()
