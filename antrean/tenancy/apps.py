from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "antrean.tenancy"
    label = "tenancy"
    verbose_name = _("Kantor dan instansi")
