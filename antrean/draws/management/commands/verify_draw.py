"""`manage.py verify_draw <id>`: recompute a draw from its public record and its ledger
steps; exits non-zero on any difference (docs/draws.md)."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from antrean.draws.models import Draw
from antrean.draws.services import draw_ledger_steps, draw_record, draw_verify


class Command(BaseCommand):
    help = "Recompute a draw's result from its public record; non-zero exit on any difference."

    def add_arguments(self, parser):
        parser.add_argument("draw_id", type=int)
        parser.add_argument(
            "--record",
            help="verify this JSON file (as GET /api/v1/draws/{id} gives it) instead of the "
            "database's record",
        )

    def handle(self, *args, draw_id: int, record: str | None = None, **options):
        draw = Draw.objects.select_related("office", "service").filter(pk=draw_id).first()
        if draw is None:
            raise CommandError(f"No draw {draw_id}.")
        public = json.loads(open(record).read()) if record else draw_record(draw)  # noqa: SIM115
        problems = draw_verify(public, ledger=draw_ledger_steps(draw))
        if problems:
            for problem in problems:
                self.stderr.write(f"FAIL draw {draw_id}: {problem}")
            sys.exit(1)
        self.stdout.write(
            f"OK draw {draw_id}: {len(public['entries'])} entries, {public['places']} places, "
            f"{len(public['winners'])} won; the seed matches the commitment and the order is "
            "the seed's."
        )
