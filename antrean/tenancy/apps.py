from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "antrean.tenancy"
    label = "tenancy"
    verbose_name = _("Kantor dan instansi")

    def ready(self):
        # Every admin module is loaded by now (the admin app's ready() comes first): any
        # ModelAdmin that does not say how it is scoped becomes superuser-only.
        from antrean.tenancy.admin_scope import restrict_unscoped

        restrict_unscoped()
