from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    """Bringing an office online without a developer: its whole setup as a workbook, exported
    and imported (validated whole, applied in one transaction, idempotent by codes)."""

    name = "antrean.onboarding"
    label = "onboarding"
    verbose_name = _("Pendaftaran kantor")
