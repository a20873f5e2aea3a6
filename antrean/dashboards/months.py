"""Keeping the monthly roll-up (`OfficeMonth`): each row is the sum of an office's
office-days in one calendar month, computed by antrean.stats.figures (the same sums any
dashboard reads), so a month row and its days always give the same figures.

Why: a region's or the nation's view over a year reads 365 office-days per office; over
whole months it reads 12 month rows instead (500 offices: 6,000 rows rather than 182,500),
which keeps the national dashboard under its goal (docs/benchmarks.md).

The worker refreshes, every ten minutes, the months of every office-day written since the
last refresh (`office_months_refresh_due`: the roll-up's own runs, its late re-runs and
`stats_rollup` backfills alike), with a margin for a day written while the previous refresh
ran. A month row is therefore at most one refresh behind its days.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from antrean.dashboards.models import OfficeMonth
from antrean.dashboards.periods import month_end
from antrean.stats.figures import OFFICE_SUM_FIELDS, SUM_FIELDS, MonthOf, figures_by
from antrean.stats.models import SURVEY_SUM_FIELDS, WAIT_BUCKET_FIELDS, OfficeDay

# Days written up to this long before the last refresh are folded in again: a roll-up's
# transaction that committed after the refresh read its rows is not missed.
OVERLAP = dt.timedelta(minutes=15)
_FIELDS = (
    *SUM_FIELDS,
    *WAIT_BUCKET_FIELDS,
    *SURVEY_SUM_FIELDS,
    *OFFICE_SUM_FIELDS,
    "wait_p50_s",
    "wait_p90_s",
    "service_p50_s",
)


def office_months_refresh(*, month: dt.date, office_ids: Iterable[int] | None = None) -> int:
    """Recompute the month rows of `month` (its first day) for `office_ids` (None: every
    office) from their office-days; a month left without days loses its row. Idempotent."""
    days = OfficeDay.objects.filter(date__gte=month, date__lte=month_end(month))
    months = OfficeMonth.objects.filter(date=month)
    if office_ids is not None:
        office_ids = list(office_ids)
        days = days.filter(office_id__in=office_ids)
        months = months.filter(office_id__in=office_ids)
    now = timezone.now()
    rows = []
    for office_id, f in figures_by(days, "office", ikm=False).items():
        values = {name: getattr(f, name) or 0 for name in (*SUM_FIELDS, *OFFICE_SUM_FIELDS)}
        values.update(zip(WAIT_BUCKET_FIELDS, f.wait_histogram, strict=True))
        values.update(zip(SURVEY_SUM_FIELDS, f.survey_totals, strict=True))
        rows.append(
            OfficeMonth(
                office_id=office_id,
                date=month,
                wait_p50_s=f.wait_p50_s,
                wait_p90_s=f.wait_p90_s,
                service_p50_s=f.service_p50_s,
                updated_at=now,
                **values,
            )
        )
    with transaction.atomic():
        months.exclude(office_id__in=[row.office_id for row in rows]).delete()
        OfficeMonth.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["office", "date"],
            update_fields=[*_FIELDS, "updated_at"],
        )
    return len(rows)


def office_months_refresh_due(*, now: dt.datetime | None = None) -> int:
    """The months of every office-day written since the last refresh (all of them the first
    time). Returns how many month rows were written."""
    last = OfficeMonth.objects.aggregate(last=Max("updated_at"))["last"]
    days = OfficeDay.objects.all()
    if last is not None:
        days = days.filter(updated_at__gte=last - OVERLAP)
    stale: dict[dt.date, set[int]] = defaultdict(set)
    for row in (
        days.annotate(month=MonthOf("date")).values("office_id", "month").distinct().order_by()
    ):
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        stale[month].add(row["office_id"])
    return sum(
        office_months_refresh(month=month, office_ids=offices)
        for month, offices in sorted(stale.items())
    )
