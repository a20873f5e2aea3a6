from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Reports of solicited gratification (pungli) and their handling by the inspectorate."""

    name = "antrean.reports"
    label = "reports"
    verbose_name = _("Laporan gratifikasi")
