from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    """The satisfaction survey (SKM, PermenPANRB 14/2017) and its index (IKM)."""

    name = "antrean.feedback"
    label = "feedback"
    verbose_name = _("Survei kepuasan")
