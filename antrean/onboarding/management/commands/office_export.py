"""`manage.py office_export <office code> <file.xlsx>`: an office's whole setup as a workbook."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from antrean.onboarding.services import office_export
from antrean.tenancy.models import Office


class Command(BaseCommand):
    help = (
        "Tulis seluruh pengaturan satu kantor (kantor, instansi, layanan, loket, jam layanan, "
        "hari tutup) ke lembar kerja .xlsx yang dapat diubah lalu diimpor dengan office_import."
    )

    def add_arguments(self, parser):
        parser.add_argument("office", help="Kode kantor, misalnya mpp-badung.")
        parser.add_argument("path", help="Berkas .xlsx yang ditulis.")

    def handle(self, *args, office: str, path: str, **options):
        found = Office.objects.select_related("region").filter(code=office).first()
        if found is None:
            raise CommandError(f"Kantor dengan kode {office} tidak ada.")
        if not path.lower().endswith(".xlsx"):
            raise CommandError("Nama berkas harus berakhiran .xlsx.")
        # The shell's operator: no account, every office (as `office_import`).
        data = office_export(actor=None, office=found)
        Path(path).write_bytes(data)
        self.stdout.write(self.style.SUCCESS(f"Lembar kerja {found.code} ditulis ke {path}."))
