"""`manage.py seed_closures [--office CODE] [--years 2026 2027]`: national holidays and cuti
bersama into each office's closure calendar. Existing dates are left as they are."""

from django.core.management.base import BaseCommand, CommandError

from antrean.tenancy.models import Closure, Office
from antrean.tenancy.services import closures_seed_national


class Command(BaseCommand):
    help = "Isi kalender hari tutup dengan libur nasional dan cuti bersama."

    def add_arguments(self, parser):
        parser.add_argument("--office", help="Kode kantor; tanpa ini semua kantor aktif.")
        parser.add_argument(
            "--years",
            nargs="+",
            type=int,
            help="Tahun yang diisi; bawaan: tahun ini dan tahun depan (waktu setempat kantor).",
        )

    def handle(self, *args, office=None, years=None, **options):
        offices = Office.objects.filter(is_active=True)
        if office:
            offices = Office.objects.filter(code=office)
            if not offices.exists():
                raise CommandError(f"Kantor dengan kode {office!r} tidak ditemukan.")
        for item in offices.order_by("code"):
            item_years = years or [item.local_today().year, item.local_today().year + 1]
            before = Closure.objects.filter(office=item).count()
            closures_seed_national(office=item, years=item_years)
            added = Closure.objects.filter(office=item).count() - before
            joined = ", ".join(str(y) for y in item_years)
            self.stdout.write(f"{item.code}: {added} hari tutup ditambahkan ({joined}).")
