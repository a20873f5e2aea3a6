"""Daily roll-ups: one row per office, service and local day (`ServiceDay`) and one per office
and day (`OfficeDay`), kept by the worker (`antrean.stats.rollup`).

They hold counts and sums only, never a person: a roll-up outlives the tickets it was made
from (personal data is erased on schedule) and is what every figure above a single live queue
is read from. Sums, not averages, so that any set of rows adds up in SQL: the waiting-time
histogram (`WAIT_BUCKETS`) gives percentiles over any period or region
(`percentile_from_histogram`); the exact p50/p90 of one row are kept beside it. Survey answers
are kept as the sum per element (u1–u9) with the number of responses: the IKM of any set of
rows is computed from these, under the anonymity rules of antrean.feedback.

Definitions (one local day of the office, by the ticket's date):
- tickets_online: web, API and WhatsApp bookings; tickets_walkin: kiosk and counter tickets.
- served: tickets done; no_shows: booked tickets never served (no-show, expired);
  cancelled: cancelled by the citizen.
- waiting: arrival (check-in or walk-in) to first call, of tickets called that day;
  service: start of service to finish, of tickets done.
- pacts_citizen: citizens' pacts signed for the day's tickets; calls / calls_pledged: calls
  made, and those made by an officer who had signed that day's officer pact.
"""

from collections.abc import Sequence

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from antrean.catalog.models import Service
from antrean.tenancy.models import Agency, Office

# Upper edges of the waiting-time histogram, in minutes; the last bucket is open.
WAIT_BUCKETS = (2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180)
WAIT_BUCKET_FIELDS = tuple(f"wait_h{i}" for i in range(len(WAIT_BUCKETS) + 1))
SURVEY_SUM_FIELDS = tuple(f"u{i}_sum" for i in range(1, 10))


def _count(label):
    return models.PositiveIntegerField(label, default=0)


class DayFigures(models.Model):
    """The figures a service-day and an office-day share (all additive)."""

    date = models.DateField(_("tanggal"))
    tickets_online = _count(_("antrean daring"))
    tickets_walkin = _count(_("antrean langsung"))
    served = _count(_("dilayani"))
    no_shows = _count(_("tidak hadir"))
    cancelled = _count(_("dibatalkan"))
    wait_count = _count(_("jumlah waktu tunggu"))
    wait_sum_s = models.PositiveBigIntegerField(_("total waktu tunggu (detik)"), default=0)
    wait_p50_s = models.PositiveIntegerField(_("median waktu tunggu (detik)"), null=True)
    wait_p90_s = models.PositiveIntegerField(_("p90 waktu tunggu (detik)"), null=True)
    service_count = _count(_("jumlah waktu layanan"))
    service_sum_s = models.PositiveBigIntegerField(_("total waktu layanan (detik)"), default=0)
    service_p50_s = models.PositiveIntegerField(_("median waktu layanan (detik)"), null=True)
    pacts_citizen = _count(_("pakta warga"))
    calls = _count(_("panggilan"))
    calls_pledged = _count(_("panggilan oleh petugas berpakta"))
    survey_responses = _count(_("jawaban survei"))
    audit_flags = _count(_("tanda audit"))
    updated_at = models.DateTimeField(_("diperbarui"), auto_now=True)

    class Meta:
        abstract = True


for _name in WAIT_BUCKET_FIELDS:
    DayFigures.add_to_class(_name, models.PositiveIntegerField(default=0))
for _name in SURVEY_SUM_FIELDS:
    DayFigures.add_to_class(_name, models.PositiveIntegerField(default=0))


class ServiceDay(DayFigures):
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("rekap harian layanan")
        verbose_name_plural = pgettext_lazy("plural", "rekap harian layanan")
        constraints = [
            models.UniqueConstraint(fields=["service", "date"], name="service_day_unique"),
        ]
        indexes = [models.Index(fields=["office", "date"], name="service_day_office_date")]

    def __str__(self) -> str:
        return f"{self.service_id} {self.date:%Y-%m-%d}"


class OfficeDay(DayFigures):
    """The office's day: the sums of its service-days, plus what belongs to the office as a
    whole (officers' pacts, gratification reports) and exact office-wide percentiles."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    officers_pledged = _count(_("petugas berpakta"))
    reports_received = _count(_("laporan diterima"))
    reports_closed_substantiated = _count(_("laporan terbukti"))
    reports_closed_not_substantiated = _count(_("laporan tidak terbukti"))
    reports_closed_referred = _count(_("laporan diteruskan"))

    class Meta:
        verbose_name = _("rekap harian kantor")
        verbose_name_plural = pgettext_lazy("plural", "rekap harian kantor")
        constraints = [
            models.UniqueConstraint(fields=["office", "date"], name="office_day_unique"),
        ]
        indexes = [models.Index(fields=["date"], name="office_day_date")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.date:%Y-%m-%d}"


def percentile_from_histogram(counts: Sequence[int], q: float) -> int | None:
    """The q-quantile (0–1) in seconds from waiting-time bucket counts (`WAIT_BUCKETS`),
    interpolated inside its bucket; None without data. In the open last bucket it is that
    bucket's lower edge (a floor: "180 minutes or more")."""
    total = sum(counts)
    if not total:
        return None
    target = q * total
    seen = 0
    lower = 0
    for index, count in enumerate(counts):
        upper = WAIT_BUCKETS[index] if index < len(WAIT_BUCKETS) else None
        if count and seen + count >= target:
            if upper is None:
                return lower * 60
            fraction = (target - seen) / count
            return round((lower + fraction * (upper - lower)) * 60)
        seen += count
        lower = upper if upper is not None else lower
    return lower * 60


def wait_bucket(seconds: float) -> int:
    """The index of the histogram bucket a waiting time falls in."""
    minutes = seconds / 60
    for index, upper in enumerate(WAIT_BUCKETS):
        if minutes < upper:
            return index
    return len(WAIT_BUCKETS)
