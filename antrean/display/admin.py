"""Admin for the hall's TV board: its running text. Saving it refreshes every open board."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

import antrean.display.kiosk_admin  # noqa: F401 — registers the kiosk admin
from antrean.display import events
from antrean.display.models import Board
from antrean.tenancy.admin_scope import ScopedAdmin
from antrean.tenancy.models import Office


@admin.register(Board)
class BoardAdmin(ScopedAdmin, admin.ModelAdmin):
    # Office-level: each office's admins edit its board (tenancy.admin_scope).
    scope_office = "office"

    list_display = ["office", "running_text_short", "updated_at", "display_link"]
    list_select_related = ["office"]
    search_fields = ["office__name", "office__code"]
    fields = ["office", "running_text", "display_link", "updated_at"]
    readonly_fields = ["display_link", "updated_at"]

    @admin.display(description=_("teks berjalan"))
    def running_text_short(self, obj: Board) -> str:
        return Truncator(obj.running_text).chars(80)

    @admin.display(description=_("layar"))
    def display_link(self, obj: Board) -> str:
        if not obj.pk:
            return "—"
        url = reverse("display:board", kwargs={"office_code": obj.office.code})
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    def get_readonly_fields(self, request, obj=None):
        # The office of an existing board never changes: its screens are bound to it.
        return [*self.readonly_fields, "office"] if obj else self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "office":
            kwargs["queryset"] = Office.objects.filter(board__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        events.board_changed(obj.office_id)  # after commit: the boards resync
