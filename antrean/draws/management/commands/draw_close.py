"""`manage.py draw_close --office <code> --service <code> --date <YYYY-MM-DD>`: close a draw's
window now and draw (for demos and tests). Refused outside DEBUG unless `--force`: in
production the worker draws at the window's announced end."""

import datetime as dt
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from antrean.catalog.models import Service
from antrean.draws.models import Draw
from antrean.draws.services import draw_close, draw_open


class Command(BaseCommand):
    help = "Draw a service's day now (DEBUG, or --force)."

    def add_arguments(self, parser):
        parser.add_argument("--office", required=True)
        parser.add_argument("--service", required=True)
        parser.add_argument("--date", required=True, type=dt.date.fromisoformat)
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, office: str, service: str, date: dt.date, force: bool, **options):
        if not settings.DEBUG and not force:
            self.stderr.write(
                "Refused: outside DEBUG a draw is drawn at its announced time. Use --force "
                "only if you must, and say why to those who entered."
            )
            sys.exit(2)
        found = Service.objects.filter(office__code=office, code=service).first()
        if found is None:
            raise CommandError(f"No service {service} at {office}.")
        draw = Draw.objects.filter(service=found, date=date).first()
        if draw is None:
            draw = draw_open(service=found, date=date)
        draw = draw_close(draw=draw)
        self.stdout.write(
            f"Drawn: draw {draw.pk}, {draw.entries.count()} entries, {draw.places} places; "
            f"seed {draw.seed}"
        )
