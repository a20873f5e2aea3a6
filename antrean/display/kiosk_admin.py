"""Admin for kiosks (anjungan): register a device, see when it was last used, revoke it.

The device's token is shown once, on the page that follows registering (or making a new
token); only its sha256 is stored.
"""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from antrean.display.kiosk import kiosk_token_rotate, kiosk_url
from antrean.display.models import Kiosk
from antrean.tenancy.admin_scope import ScopedAdmin
from antrean.tenancy.models import Office


@admin.register(Kiosk)
class KioskAdmin(ScopedAdmin, admin.ModelAdmin):
    # Office-level: each office's admins manage its kiosks (tenancy.admin_scope).
    scope_office = "office"

    list_display = ["name", "office", "printer", "paper", "is_active", "last_seen_at"]
    list_filter = ["is_active", "office"]
    list_select_related = ["office"]
    search_fields = ["name", "office__name", "office__code"]
    fields = [
        "office",
        "name",
        "printer_host",
        "printer_port",
        "paper",
        "is_active",
        "created_at",
        "last_seen_at",
    ]
    readonly_fields = ["created_at", "last_seen_at"]
    actions = ["new_token", "deactivate"]

    @admin.display(description=_("printer"))
    def printer(self, obj: Kiosk) -> str:
        if not obj.printer_host:
            return _("— (cetak lewat browser / ambil di layar)")
        return f"{obj.printer_host}:{obj.printer_port}"

    def get_readonly_fields(self, request, obj=None):
        # A device stays with its office; register a new one to move it.
        return [*self.readonly_fields, "office"] if obj else self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "office":
            kwargs["queryset"] = Office.objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            obj._new_token = kiosk_token_rotate(kiosk=obj)

    def response_add(self, request, obj, post_url_continue=None):
        token = getattr(obj, "_new_token", None)
        if token is None:
            return super().response_add(request, obj, post_url_continue)
        return self._token_page(request, [(obj, kiosk_url(obj, token))])

    def _token_page(self, request, rows):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Alamat pendaftaran anjungan"),
            "rows": rows,
        }
        return TemplateResponse(request, "display/kiosk_admin_token.html", context)

    @admin.action(
        description=_("Buat token baru (perangkat lama berhenti bekerja)"), permissions=["change"]
    )
    def new_token(self, request, queryset):
        rows = [(kiosk, kiosk_url(kiosk, kiosk_token_rotate(kiosk=kiosk))) for kiosk in queryset]
        return self._token_page(request, rows)

    @admin.action(description=_("Nonaktifkan anjungan terpilih"), permissions=["change"])
    def deactivate(self, request, queryset):
        count = queryset.filter(is_active=True).update(is_active=False)
        self.message_user(
            request,
            ngettext("%(n)d anjungan dinonaktifkan.", "%(n)d anjungan dinonaktifkan.", count)
            % {"n": count},
            messages.SUCCESS,
        )
