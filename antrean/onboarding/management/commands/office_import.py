"""`manage.py office_import <file.xlsx> [--dry-run]`: create or update an office from its
workbook (validated whole first; nothing is written while any error remains)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from antrean.onboarding.services import PlanChanged, WorkbookRejected, office_import
from antrean.onboarding.text import result_lines
from antrean.onboarding.workbook import WORKBOOK_MAX_BYTES


class Command(BaseCommand):
    help = (
        "Buat atau perbarui satu kantor dari lembar kerja .xlsx (lihat office_export). Seluruh "
        "lembar kerja diperiksa dulu; bila ada kesalahan tidak ada yang disimpan."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Berkas .xlsx yang dibaca.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Hanya tampilkan apa yang akan berubah; tidak ada yang disimpan.",
        )

    def handle(self, *args, path: str, dry_run: bool = False, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"Berkas {path} tidak ada.")
        with source.open("rb") as handle:
            data = handle.read(WORKBOOK_MAX_BYTES + 1)
        try:
            # The shell's operator: no account, every region.
            result = office_import(actor=None, data=data, dry_run=dry_run)
        except WorkbookRejected as rejected:
            for issue in rejected.issues:
                self.stderr.write(str(issue))
            raise CommandError(
                f"Lembar kerja tidak diimpor: {len(rejected.issues)} kesalahan. "
                "Tidak ada yang disimpan."
            ) from None
        except PlanChanged:
            raise CommandError(
                "Kantor ini diubah bersamaan oleh orang lain; tidak ada yang disimpan. "
                "Jalankan lagi (pakai --dry-run dulu untuk melihat perubahannya)."
            ) from None
        for line in result_lines(result, dry_run=dry_run):
            self.stdout.write(line)
