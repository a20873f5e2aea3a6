from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """Staff dashboards above the counter: an office, a region and the nation, with their
    charts, exports, the office head's monthly report and the same figures over the API.
    Reads the daily roll-ups (antrean.stats) only, never tickets, except for today's live
    queue."""

    name = "antrean.dashboards"
    label = "dashboards"
    verbose_name = _("Dasbor")
