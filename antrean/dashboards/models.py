"""The office head's monthly report (one PDF per office and calendar month, made once and
kept: the worker makes last month's at the start of each month; anyone who reads the office's
whole dashboard may have a missing past month made on demand), and the monthly roll-up of
office-days that the regional and national views read."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from antrean.stats.models import DayFigures
from antrean.tenancy.models import Office


def _report_path(instance, filename: str) -> str:
    return f"monthly-reports/{instance.office_id}/{instance.month:%Y-%m}.pdf"


class MonthlyReport(models.Model):
    office = models.ForeignKey(
        Office, verbose_name=_("kantor"), on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("bulan"), help_text=_("Hari pertama bulan yang dilaporkan."))
    # Aggregates only, no personal data: a plain file under MEDIA_ROOT (never served by URL;
    # the download view checks who asks).
    pdf = models.FileField(_("berkas PDF"), upload_to=_report_path)
    pdf_sha256 = models.CharField(_("SHA-256 berkas"), max_length=64)
    made_at = models.DateTimeField(_("dibuat"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Kosong: dibuat otomatis oleh sistem."),
    )
    # The head's first download: until then the dashboard marks the report as new.
    head_downloaded_at = models.DateTimeField(_("pertama diunduh kepala kantor"), null=True)

    class Meta:
        verbose_name = _("laporan bulanan")
        verbose_name_plural = pgettext_lazy("plural", "laporan bulanan")
        ordering = ["office", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["office", "month"], name="monthly_report_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.month:%Y-%m}"


class OfficeMonth(DayFigures):
    """An office's calendar month: the sums of its office-days (`date` is the month's first
    day), kept by the worker (antrean.dashboards.months) so that a region's or the nation's
    view over whole months reads 12 rows per office instead of 365 (docs/benchmarks.md).
    Waiting percentiles are the month's, from the summed histogram."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    officers_pledged = models.PositiveIntegerField(default=0)
    reports_received = models.PositiveIntegerField(default=0)
    reports_closed_substantiated = models.PositiveIntegerField(default=0)
    reports_closed_not_substantiated = models.PositiveIntegerField(default=0)
    reports_closed_referred = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("rekap bulanan kantor")
        verbose_name_plural = pgettext_lazy("plural", "rekap bulanan kantor")
        constraints = [
            models.UniqueConstraint(fields=["office", "date"], name="office_month_unique"),
        ]
        indexes = [models.Index(fields=["date"], name="office_month_date")]

    def __str__(self) -> str:
        return f"{self.office_id} {self.date:%Y-%m}"
