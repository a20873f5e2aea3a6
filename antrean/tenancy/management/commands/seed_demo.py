"""`manage.py seed_demo [--if-empty]`: load the two demo offices (idempotent)."""

from django.core.management.base import BaseCommand

from antrean.demo.seed import demo_is_needed, seed_demo


class Command(BaseCommand):
    help = "Muat data contoh: dua kantor MPP dengan instansi, layanan, jam layanan, dan jadwal."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Hanya muat bila belum ada kantor sama sekali.",
        )

    def handle(self, *args, if_empty=False, **options):
        if if_empty and not demo_is_needed():
            self.stdout.write("Data contoh dilewati: sudah ada kantor.")
            return
        report = seed_demo()
        if not report.changed_anything:
            self.stdout.write(f"Data contoh sudah lengkap ({', '.join(report.offices)}).")
            return
        parts = [f"{n} {kind}" for kind, n in report.created.items()]
        parts += [f"{n} {kind} diperbarui" for kind, n in report.updated.items()]
        self.stdout.write(
            self.style.SUCCESS(f"Data contoh dimuat ({', '.join(report.offices)}): ")
            + ", ".join(parts)
            + "."
        )
