"""The demo's roll-ups: every past day of the demo offices rolled up once the demo has served
its citizens (antrean.demo.survey), so that dashboards, the transparency pages and open data
have figures on a fresh `make run`. The worker then keeps today and yesterday."""

import datetime as dt

from django.utils import timezone

from antrean.stats.rollup import office_history_rollup


def demo_rollups_ensure(*, offices, now: dt.datetime | None = None) -> int:
    """Roll up the whole history of each office in `offices`; the number of days rolled up.
    Idempotent (a roll-up replaces what was there), and quick: only days with activity."""
    now = now or timezone.now()
    return sum(len(office_history_rollup(office=office, now=now)) for office in offices)
