"""`manage.py stats_rollup`: compute the daily roll-ups of past days (a backfill).

The worker keeps today and yesterday of every active office; run this once after installing
(or after a correction in the source tables) for older days. Idempotent: run it as often as
needed. Dates are the office's local days; without --from it starts at the office's first
day with tickets or survey answers, without --to it ends at the office's today.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from antrean.stats.rollup import office_first_day, office_range_rollup
from antrean.tenancy.models import Office


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"Not a date (YYYY-MM-DD): {text}") from error


class Command(BaseCommand):
    help = "Compute the daily roll-ups (stats) of one or every active office over a range of days."

    def add_arguments(self, parser):
        parser.add_argument("--office", help="Office code (default: every active office).")
        parser.add_argument("--from", dest="date_from", help="First local day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="date_to", help="Last local day, YYYY-MM-DD.")

    def handle(self, *args, office=None, date_from=None, date_to=None, **options):
        now = timezone.now()
        if office:
            offices = list(Office.objects.filter(code=office))
            if not offices:
                raise CommandError(f"No office with code {office!r}.")
        else:
            offices = list(Office.objects.filter(is_active=True).order_by("code"))
        start_given = _date(date_from) if date_from else None
        end_given = _date(date_to) if date_to else None
        if start_given and end_given and start_given > end_given:
            raise CommandError("--from must not be after --to.")
        for place in offices:
            start = start_given or office_first_day(place)
            end = end_given or place.local_today(now)
            if start is None or start > end:
                self.stdout.write(f"{place.code}: nothing to roll up")
                continue
            results = office_range_rollup(office=place, start=start, end=end, now=now)
            rows = sum(result.services for result in results)
            self.stdout.write(
                f"{place.code}: {len(results)} day(s) from {start:%Y-%m-%d} to {end:%Y-%m-%d}, "
                f"{rows} service-day row(s)"
            )
