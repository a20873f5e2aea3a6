from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default = True
    name = "antrean.accounts"
    label = "accounts"
    verbose_name = _("Akun staf")

    def ready(self):
        from antrean.accounts import signals  # noqa: F401 (connects the receivers)


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin on `StaffAdminSite`: reached only through a fully signed-in session."""

    default = False
    default_site = "antrean.accounts.admin_site.StaffAdminSite"
