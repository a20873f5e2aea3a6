"""Seal the certificate PDFs stored before files were encrypted, and those on a retired key.

Run once after upgrading (plain files keep being served until then), and after adding a new
first key to ANTREAN_DATA_KEYS, before the old key is removed. Safe to run again and while
the site runs: each file is replaced atomically, and readers accept plain and sealed files.
"""

from collections import Counter

from django.core.management.base import BaseCommand

from antrean.integrity.certificates import certificate_pdf_seal_stored
from antrean.integrity.models import Certificate


class Command(BaseCommand):
    help = "Encrypt stored certificate PDFs (plain ones, and those sealed with a retired key)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would change; write nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        outcomes = Counter()
        stored = Certificate.objects.exclude(pdf="").order_by("pk")
        for certificate in stored.iterator(chunk_size=500):
            outcome = certificate_pdf_seal_stored(certificate, dry_run=dry_run)
            outcomes[outcome] += 1
            if outcome == "invalid":
                self.stderr.write(
                    f"{certificate.number}: the stored file is not the certificate recorded "
                    "(left as it is)"
                )
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{outcomes['sealed']} plain file(s) {verb} sealed, {outcomes['resealed']} "
            f"{verb} resealed with the current key, {outcomes['current']} already sealed, "
            f"{outcomes['missing']} missing, {outcomes['invalid']} invalid."
        )
