"""`manage.py ensure_slots [--office CODE]`: make the missing slots of the booking horizon.

Idempotent, for cron or the task worker: run it daily so the horizon keeps moving forward.
"""

from django.core.management.base import BaseCommand, CommandError

from antrean.catalog.services import office_slots_ensure
from antrean.tenancy.models import Office


class Command(BaseCommand):
    help = "Buat jadwal pemesanan yang belum ada untuk hari-hari mendatang."

    def add_arguments(self, parser):
        parser.add_argument("--office", help="Kode kantor; tanpa ini semua kantor aktif.")

    def handle(self, *args, office=None, **options):
        offices = Office.objects.filter(is_active=True)
        if office:
            offices = Office.objects.filter(code=office)
            if not offices.exists():
                raise CommandError(f"Kantor dengan kode {office!r} tidak ditemukan.")
        total = 0
        for item in offices.order_by("code"):
            created = office_slots_ensure(office=item)
            total += created
            if options["verbosity"] > 1:
                self.stdout.write(f"{item.code}: {created} jadwal baru.")
        self.stdout.write(f"{total} jadwal baru dibuat.")
