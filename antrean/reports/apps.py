from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Reports of solicited gratification (pungli) and their handling by the inspectorate."""

    name = "antrean.reports"
    label = "reports"
    verbose_name = _("Laporan gratifikasi")

    def ready(self):
        # Report steps join the offices' hash chains (verify_ledger walks them too).
        from antrean.integrity.ledger import ledger_source_register
        from antrean.reports.ledger import REPORT_STEPS

        ledger_source_register(REPORT_STEPS)
