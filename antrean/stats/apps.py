from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    """Daily roll-ups per office and service: what dashboards, transparency pages and open
    data read, so that a national view over a year never scans tickets."""

    name = "antrean.stats"
    label = "stats"
    verbose_name = _("Statistik")
