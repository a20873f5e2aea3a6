"""Render any certificate whose PDF is still missing (after a lost task or a crash)."""

import datetime as dt

from django.core.management.base import BaseCommand

from antrean.integrity.certificates import certificate_render, certificates_pending


class Command(BaseCommand):
    help = "Render and sign pending certificates now."

    def handle(self, *args, **options):
        count = 0
        for pk in certificates_pending(older_than=dt.timedelta(0)).values_list("pk", flat=True):
            certificate_render(certificate_id=pk)
            count += 1
        self.stdout.write(f"{count} certificate(s) rendered.")
