"""Admin for the WhatsApp outbox: what happened to each message, and a deliberate resend.

Messages are written and moved only by the outbox (notifications.services), so the admin
neither adds, edits nor deletes them. The recipient is personal data: only its masked form is
shown; the encrypted column and its hash never reach a form or a list. Configuration errors
(a wrong template name, an expired token) stop every message until someone fixes them, so
they are announced on the message list and on the admin's front page.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from antrean.core.errors import DomainError
from antrean.core.logging import mask_text
from antrean.core.personal_data import mask_phone
from antrean.notifications.error_codes import config_error_text
from antrean.notifications.models import (
    ErrorCategory,
    InboundMessage,
    Message,
    MessageEvent,
    Status,
    TemplateName,
    UnreachableNumber,
    staff_hidden_kinds,
)
from antrean.notifications.previews import preview_text
from antrean.notifications.selectors import config_failures
from antrean.notifications.services import message_resend
from antrean.tenancy import permissions
from antrean.tenancy.admin_scope import ScopedAdmin, ScopedInline

RESENDABLE = (Status.FAILED, Status.AMBIGUOUS)
CONFIG_WINDOW_DAYS = 7

# The front page shows configuration errors too (admin/notifications/index.html).
admin.site.index_template = "admin/notifications/index.html"


def _local(office, value, fmt: str = "j M Y, H.i") -> str:
    """A moment in the office's own zone, with its label: stored in UTC, read locally."""
    if value is None:
        return "—"
    return f"{date_format(timezone.localtime(value, office.zone), fmt)} {office.zone_label}"


def _short(value: str | None, head: int = 10, tail: int = 6) -> str:
    if not value:
        return "—"
    return value if len(value) <= head + tail + 1 else f"{value[:head]}…{value[-tail:]}"


class MessageEventInline(ScopedInline, admin.TabularInline):
    model = MessageEvent
    fields = ["at_local", "event", "detail_masked"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["at", "pk"]  # newest last, as a history reads

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("message__office")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("waktu"))
    def at_local(self, obj: MessageEvent) -> str:
        return _local(obj.message.office, obj.at, "j M Y, H.i.s")

    @admin.display(description=_("keterangan"))
    def detail_masked(self, obj: MessageEvent) -> str:
        return mask_text(obj.detail)


@admin.register(Message)
class MessageAdmin(ScopedAdmin, admin.ModelAdmin):
    # As the staff inbox: the office's admins, and the staff of the ticket's agency.
    scope_agency = "ticket__service__agency"

    def get_queryset(self, request):
        # A report's receipt names its reporter's number: no admin reads it (reports app).
        return super().get_queryset(request).exclude(kind__in=staff_hidden_kinds())

    change_form_template = "admin/notifications/message/change_form.html"
    list_display = [
        "created_local",
        "kind",
        "office_code",
        "recipient_masked",
        "status",
        "attempts",
        "error_category",
        "provider_short",
    ]
    list_filter = ["status", "kind", "office", "error_category"]
    list_select_related = ["office"]
    search_fields = ["=provider_id"]  # see get_search_results: also the booking code
    search_help_text = _("Kode pemesanan (misalnya ABCD-2345) atau ID pesan dari penyedia.")
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    show_full_result_count = False
    inlines = [MessageEventInline]
    actions = ["resend"]
    # Never `recipient` nor `recipient_hash`: only the masked number is shown.
    fields = [
        "office",
        "ticket_link",
        "kind",
        "recipient_masked",
        "template_name",
        "language",
        "params",
        "preview",
        "with_certificate",
        "status",
        "attempts",
        "next_attempt_local",
        "provider_id",
        "error",
        "created_local",
        "sent_local",
        "delivered_local",
        "read_local",
        "failed_local",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_resend_permission(self, request) -> bool:
        # Administrators of the message's office or agency (the mixin narrows the rows).
        return self.scope_reaches_any(request, write=True)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        code = term.replace("-", "").replace(" ", "").upper()
        return queryset.filter(Q(ticket__code=code) | Q(provider_id=term)), False

    # --- columns and fields ----------------------------------------------------------

    @admin.display(description=_("kantor"), ordering="office__code")
    def office_code(self, obj: Message) -> str:
        return obj.office.code

    @admin.display(description=_("dibuat"), ordering="created_at")
    def created_local(self, obj: Message) -> str:
        return _local(obj.office, obj.created_at)

    @admin.display(description=_("percobaan berikut"))
    def next_attempt_local(self, obj: Message) -> str:
        return _local(obj.office, obj.next_attempt_at) if obj.status == Status.PENDING else "—"

    @admin.display(description=_("terkirim"))
    def sent_local(self, obj: Message) -> str:
        return _local(obj.office, obj.sent_at)

    @admin.display(description=_("sampai"))
    def delivered_local(self, obj: Message) -> str:
        return _local(obj.office, obj.delivered_at)

    @admin.display(description=_("dibaca"))
    def read_local(self, obj: Message) -> str:
        return _local(obj.office, obj.read_at)

    @admin.display(description=_("gagal"))
    def failed_local(self, obj: Message) -> str:
        return _local(obj.office, obj.failed_at)

    @admin.display(description=_("penerima"))
    def recipient_masked(self, obj: Message) -> str:
        return obj.masked_recipient or "—"

    @admin.display(description=_("ID penyedia"), ordering="provider_id")
    def provider_short(self, obj: Message) -> str:
        return _short(obj.provider_id)

    @admin.display(description=_("antrean"))
    def ticket_link(self, obj: Message):
        if obj.ticket_id is None:
            return "—"
        url = reverse("admin:queueing_ticket_change", args=[obj.ticket_id])
        return format_html('<a href="{}">{}</a>', url, obj.ticket)

    @admin.display(description=_("isi pesan"))
    def preview(self, obj: Message) -> str:
        return preview_text(obj.kind, obj.params)

    @admin.display(description=_("galat"))
    def error(self, obj: Message):
        if not obj.error_code and not obj.error_detail:
            return "—"
        code = (
            config_error_text(obj.error_code)
            if obj.error_category == ErrorCategory.CONFIG
            else obj.error_code
        )
        return format_html(
            "<strong>{}</strong> · {}<br>{}",
            code or "—",
            obj.get_error_category_display() or "—",
            mask_text(obj.error_detail),
        )

    # --- resend ----------------------------------------------------------------------

    @admin.action(
        description=_("Kirim ulang (hanya pesan gagal atau tidak pasti)"),
        permissions=["resend"],
    )
    def resend(self, request, queryset):
        resent = skipped = 0
        for message in queryset:
            before = message.status
            try:
                resent_message = message_resend(message=message, by=request.user)
            except DomainError as exc:  # the service's own scope check (tenancy.permissions)
                raise PermissionDenied from exc
            if resent_message.status != before:
                resent += 1
            else:
                skipped += 1
        if resent:
            self.message_user(
                request,
                ngettext(
                    "%(count)d pesan dijadwalkan untuk dikirim ulang.",
                    "%(count)d pesan dijadwalkan untuk dikirim ulang.",
                    resent,
                )
                % {"count": resent},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d pesan tidak diubah: hanya pesan yang gagal atau tidak pasti "
                    "yang dapat dikirim ulang.",
                    "%(count)d pesan tidak diubah: hanya pesan yang gagal atau tidak pasti "
                    "yang dapat dikirim ulang.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    def get_urls(self):
        return [
            path(
                "<int:object_id>/kirim-ulang/",
                self.admin_site.admin_view(self.resend_view),
                name="notifications_message_resend",
            ),
            *super().get_urls(),
        ]

    def resend_view(self, request, object_id: int):
        """The detail page's "Kirim ulang" button: the same action, for one message."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_resend_permission(request):
            raise PermissionDenied
        message = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.scope_allows(request, message, write=True):
            raise PermissionDenied
        self.resend(request, Message.objects.filter(pk=message.pk))
        return HttpResponseRedirect(
            reverse("admin:notifications_message_change", args=[message.pk])
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_resend": self.has_resend_permission(request),
            "resendable": [str(s) for s in RESENDABLE],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    # --- configuration errors --------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            self._warn_config_failures(request)
        return super().changelist_view(request, extra_context)

    def _warn_config_failures(self, request) -> None:
        # The WhatsApp account is the installation's: its errors are counted over every office.
        if not permissions.scope_of(request.user).everything:
            return
        failures = config_failures(days=CONFIG_WINDOW_DAYS)
        if not failures:
            return
        url = reverse("admin:notifications_message_changelist")
        query = f"?status__exact={Status.FAILED}&error_category__exact={ErrorCategory.CONFIG}"
        self.message_user(
            request,
            format_html(
                '{} {} <a href="{}">{}</a>',
                _(
                    "Pesan WhatsApp gagal karena kesalahan konfigurasi dalam 7 hari terakhir; "
                    "pesan lain akan gagal juga sampai diperbaiki:"
                ),
                format_html_join(
                    "; ",
                    "{} ({}×)",
                    ((config_error_text(f.code), f.count) for f in failures),
                ),
                url + query,
                _("Lihat pesannya"),
            ),
            messages.WARNING,
        )


@admin.register(TemplateName)
class TemplateNameAdmin(ScopedAdmin, admin.ModelAdmin):
    """Approved template names per office: a row for an office wins over the national row;
    without any, `antrean_<jenis>` is used."""

    scope_national = True  # national rows: read by office admins, changed by national admins

    list_display = ["kind", "scope", "name", "language"]
    list_filter = ["kind", "office"]
    search_fields = ["name"]
    list_select_related = ["office"]
    ordering = ["office__name", "kind"]
    fields = ["office", "kind", "name", "language"]

    @admin.display(description=_("berlaku untuk"), ordering="office__name")
    def scope(self, obj: TemplateName) -> str:
        return obj.office.name if obj.office_id else str(_("Semua kantor (nasional)"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "office":
            field.empty_label = _("— Semua kantor (nasional) —")
            field.help_text = _(
                "Kosongkan untuk nama yang berlaku di semua kantor yang tidak punya nama sendiri."
            )
        return field


@admin.register(InboundMessage)
class InboundMessageAdmin(ScopedAdmin, admin.ModelAdmin):
    scope_office = None  # not yet tied to an office: national admins only

    list_display = ["sent_utc", "sender_masked", "kind", "text_short"]
    list_filter = ["kind"]
    date_hierarchy = "sent_at"
    ordering = ["-sent_at"]
    # Never `sender` nor `sender_hash`, nor the text as written: NIK- and phone-shaped
    # numbers in it are masked (core.logging.mask_text, the one free-text mask).
    fields = ["sender_masked", "kind", "text_masked", "sent_utc", "received_at", "provider_id"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("waktu kirim"), ordering="sent_at")
    def sent_utc(self, obj: InboundMessage) -> str:
        # An inbound message belongs to no office yet, so no local zone: say it is UTC.
        return f"{date_format(obj.sent_at, 'j M Y, H.i')} UTC"

    @admin.display(description=_("pengirim"))
    def sender_masked(self, obj: InboundMessage) -> str:
        return mask_phone(obj.sender) if obj.sender else "—"

    @admin.display(description=_("isi"))
    def text_short(self, obj: InboundMessage) -> str:
        # Masked before it is cut, so a number split by the cut is still masked whole.
        return Truncator(mask_text(obj.text)).chars(60) or "—"

    @admin.display(description=_("isi"))
    def text_masked(self, obj: InboundMessage) -> str:
        return mask_text(obj.text) or "—"


@admin.register(UnreachableNumber)
class UnreachableNumberAdmin(ScopedAdmin, admin.ModelAdmin):
    scope_office = None  # numbers of every office

    list_display = ["hash_short", "marked_at"]
    ordering = ["-marked_at"]
    fields = ["hash_short", "marked_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("sidik nomor"))
    def hash_short(self, obj: UnreachableNumber) -> str:
        return f"{obj.phone_hash[:12]}…"
