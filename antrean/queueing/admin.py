"""Admin for tickets (read-only, personal data masked, with their history) and the fair-call
audit flags.

Tickets change state only through the queue's actions, and their history is kept, so the
admin neither adds, edits nor deletes them. Name, NIK and WhatsApp number are shown masked;
the encrypted columns and their hashes never reach a form. Audit flags are never deleted:
they are acknowledged with a note, through an action.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from antrean.core.errors import DomainError
from antrean.queueing.models import AuditFlag, Ticket, TicketEvent
from antrean.queueing.services import audit_flag_acknowledge
from antrean.tenancy.admin_scope import ScopedAdmin, ScopedInline


class TicketEventInline(ScopedInline, admin.TabularInline):
    """The ticket's history: append-only, shown as recorded."""

    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ["at", "move", "from_status", "to_status", "service", "counter", "officer", "note"]
    readonly_fields = fields
    ordering = ["at", "pk"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("service", "counter", "officer")


@admin.register(Ticket)
class TicketAdmin(ScopedAdmin, admin.ModelAdmin):
    scope_agency = "service__agency"

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
        "arrived_at",
        "counter",
        "officer",
        "called_at",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields
    inlines = [TicketEventInline]

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


class AcknowledgedFilter(admin.SimpleListFilter):
    title = _("tanggapan")
    parameter_name = "ditanggapi"

    def lookups(self, request, model_admin):
        return [("belum", _("Belum ditanggapi")), ("sudah", _("Sudah ditanggapi"))]

    def queryset(self, request, queryset):
        if self.value() == "belum":
            return queryset.filter(acknowledged_at__isnull=True)
        if self.value() == "sudah":
            return queryset.filter(acknowledged_at__isnull=False)
        return queryset


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("Catatan tanggapan"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        error_messages={"required": _("Tulis catatan tanggapan.")},
    )


@admin.register(AuditFlag)
class AuditFlagAdmin(ScopedAdmin, admin.ModelAdmin):
    # Office-level: the office's administrators review them (permissions.can_review_audit).
    scope_office = "office"

    list_display = [
        "at",
        "kind",
        "office",
        "ticket",
        "counter",
        "officer",
        "is_acknowledged",
        "acknowledged_by",
    ]
    list_filter = [
        AcknowledgedFilter,
        "kind",
        "office",
        ("at", admin.DateFieldListFilter),
    ]
    date_hierarchy = "at"
    search_fields = ["ticket__number", "=ticket__code", "officer__username", "detail"]
    list_select_related = ["office", "ticket", "counter", "officer", "acknowledged_by"]
    ordering = ["-at"]
    fields = [
        "at",
        "kind",
        "office",
        "ticket",
        "counter",
        "officer",
        "detail",
        "acknowledged_at",
        "acknowledged_by",
        "acknowledgement",
    ]
    readonly_fields = fields
    actions = ["acknowledge"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_acknowledge_permission(self, request) -> bool:
        # Office admins, on their office's flags (the mixin narrows the rows; the service
        # checks each flag again).
        return self.scope_reaches_any(request, write=True)

    @admin.display(description=_("ditanggapi"), boolean=True, ordering="acknowledged_at")
    def is_acknowledged(self, obj: AuditFlag) -> bool:
        return obj.acknowledged_at is not None

    @admin.action(description=_("Tanggapi dengan catatan"), permissions=["acknowledge"])
    def acknowledge(self, request, queryset):
        if "apply" in request.POST:
            form = AcknowledgeForm(request.POST)
            if form.is_valid():
                done = already = refused = 0
                for flag_id in queryset.values_list("pk", flat=True):
                    try:
                        _flag, changed = audit_flag_acknowledge(
                            flag_id=flag_id, user=request.user, note=form.cleaned_data["note"]
                        )
                    except DomainError:
                        refused += 1
                        continue
                    done += changed
                    already += not changed
                if done:
                    self.message_user(
                        request,
                        ngettext("%(n)d tanda ditanggapi.", "%(n)d tanda ditanggapi.", done)
                        % {"n": done},
                        messages.SUCCESS,
                    )
                if already:
                    self.message_user(
                        request,
                        ngettext(
                            "%(n)d tanda sudah ditanggapi sebelumnya; tanggapan awal tetap.",
                            "%(n)d tanda sudah ditanggapi sebelumnya; tanggapan awal tetap.",
                            already,
                        )
                        % {"n": already},
                        messages.INFO,
                    )
                if refused:
                    self.message_user(
                        request,
                        ngettext(
                            "%(n)d tanda bukan dari kantor yang Anda kelola.",
                            "%(n)d tanda bukan dari kantor yang Anda kelola.",
                            refused,
                        )
                        % {"n": refused},
                        messages.ERROR,
                    )
                return None
        else:
            form = AcknowledgeForm()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Tanggapi tanda audit"),
            "opts": self.model._meta,
            "form": form,
            "flags": queryset.select_related("ticket", "counter", "officer"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "queueing/admin_acknowledge.html", context)
