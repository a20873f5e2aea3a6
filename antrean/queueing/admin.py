"""Admin for tickets: read-only, with personal data masked.

Tickets change state only through the queue's actions, and their history is kept, so the
admin neither adds, edits nor deletes them. Name, NIK and WhatsApp number are shown masked;
the encrypted columns and their hashes never reach a form.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from antrean.queueing.models import Ticket


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "code",
        "date",
        "service",
        "office_code",
        "status",
        "channel",
        "nik_masked",
    ]
    list_filter = ["office", "status", "channel", "priority", ("date", admin.DateFieldListFilter)]
    date_hierarchy = "date"
    # Exact, case-insensitive: a booking code is read out or typed from a screenshot.
    search_fields = ["=code", "=number"]
    list_select_related = ["service", "office"]
    ordering = ["-date", "office", "numbered_service", "seq"]
    show_full_result_count = False
    fields = [
        "code",
        "number",
        "office",
        "service",
        "slot",
        "date",
        "status",
        "channel",
        "priority",
        "name_masked",
        "nik_masked",
        "phone_masked",
        "whatsapp_consent",
        "pact",
        "created_at",
        "cancelled_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("kantor"), ordering="office__code")
    def office_code(self, obj: Ticket) -> str:
        return obj.office.code

    @admin.display(description=_("nama"))
    def name_masked(self, obj: Ticket) -> str:
        return obj.masked_name

    @admin.display(description=_("NIK"))
    def nik_masked(self, obj: Ticket) -> str:
        return obj.masked_nik or "—"

    @admin.display(description=_("nomor WhatsApp"))
    def phone_masked(self, obj: Ticket) -> str:
        return obj.masked_phone or "—"

    @admin.display(description=_("pakta integritas"))
    def pact(self, obj: Ticket) -> str:
        signature = getattr(obj, "pact_signature", None)
        if signature is None:
            return "—"
        return f"v{signature.pact_version} · sha256 {signature.pact_sha256[:16]}…"
