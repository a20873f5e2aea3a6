"""Admin for regions, offices (with opening hours and closures), agencies, and staff
memberships (who may work where, also shown on each user's page)."""

import datetime as dt

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from antrean.catalog.services import office_slots_ensure
from antrean.tenancy.admin_scope import (
    BY_NATIONAL_ADMIN,
    BY_OFFICE_ADMIN,
    AccountScope,
    MembershipInlineScope,
    MembershipScope,
    ScopedAdmin,
    ScopedInline,
)
from antrean.tenancy.models import Agency, Closure, Membership, Office, OpeningHours, Region
from antrean.tenancy.services import closures_seed_national

admin.site.site_header = _("Administrasi Antrean")
admin.site.site_title = _("Administrasi Antrean")
admin.site.index_title = _("Pengelolaan kantor, layanan, dan pakta integritas")
# Lists of slots and tickets need the page's full width more than a second menu.
admin.site.enable_nav_sidebar = False


@admin.register(Region)
class RegionAdmin(ScopedAdmin, admin.ModelAdmin):
    scope_office = None  # national reference data

    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


class OpeningHoursInline(ScopedInline, admin.TabularInline):
    model = OpeningHours
    max_num = 7

    def get_extra(self, request, obj=None, **kwargs):
        # A new office starts with a row for each working day; an existing one with one spare.
        return 5 if obj is None else 1


class UpcomingClosureInline(ScopedInline, admin.TabularInline):
    """The closures of the coming weeks; the full calendar has its own page with filters."""

    model = Closure
    extra = 1
    verbose_name_plural = _("hari tutup 90 hari ke depan")
    fields = ["date", "reason", "kind"]

    def get_queryset(self, request):
        # A day of margin covers every Indonesian zone without knowing the office's.
        today = timezone.now().date()
        return (
            super()
            .get_queryset(request)
            .filter(date__gte=today - dt.timedelta(days=1), date__lte=today + dt.timedelta(days=90))
        )


@admin.register(Office)
class OfficeAdmin(ScopedAdmin, admin.ModelAdmin):
    scope_office = "pk"
    scope_add_delete_by = BY_NATIONAL_ADMIN
    # The region places the office under regional oversight: not the office's own choice.
    scope_national_fields = ("region",)

    list_display = [
        "name",
        "code",
        "region",
        "zone",
        "booking_horizon_days",
        "daily_cutoff",
        "is_active",
    ]
    list_filter = ["is_active", "timezone"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]
    readonly_fields = ["zone", "closures_link"]
    fieldsets = [
        (None, {"fields": ["code", "name", "region", "address", "phone", "is_active"]}),
        (
            _("Pemesanan daring"),
            {
                "fields": [
                    "timezone",
                    "zone",
                    "booking_horizon_days",
                    "daily_cutoff",
                    "nik_registry_down",
                    "number_proof_web",
                    "number_proof_api",
                ]
            },
        ),
        (
            _("Antrean di kantor"),
            {
                "fields": [
                    "checkin_before_minutes",
                    "checkin_after_minutes",
                    "ontime_grace_minutes",
                    "priority_streak_limit",
                    "turn_near_ahead",
                ]
            },
        ),
        (
            _("Tidak hadir"),
            {"fields": ["noshow_strikes", "noshow_window_days", "noshow_block_days"]},
        ),
        (_("WhatsApp"), {"fields": ["reminder_hour"]}),
        (_("Hari tutup"), {"fields": ["closures_link"]}),
    ]
    inlines = [OpeningHoursInline, UpcomingClosureInline]
    actions = ["seed_national_closures", "ensure_slots"]

    @admin.display(description=_("zona"), ordering="timezone")
    def zone(self, obj: Office) -> str:
        return obj.zone_label if obj.timezone else "—"

    @admin.display(description=_("kalender lengkap"))
    def closures_link(self, obj: Office) -> str:
        if obj.pk is None:
            return "—"
        url = reverse("admin:tenancy_closure_changelist") + f"?office__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Semua hari tutup kantor ini"))

    @admin.action(
        description=_("Isi hari libur nasional dan cuti bersama (tahun ini dan depan)"),
        permissions=["change"],
    )
    def seed_national_closures(self, request, queryset):
        for office in queryset:
            year = office.local_today().year
            closures_seed_national(office=office, years=[year, year + 1])
        self.message_user(request, _("Hari libur nasional sudah diisi."), messages.SUCCESS)

    @admin.action(
        description=_("Buat jadwal pemesanan untuk hari-hari mendatang"), permissions=["change"]
    )
    def ensure_slots(self, request, queryset):
        created = sum(office_slots_ensure(office=office) for office in queryset)
        self.message_user(
            request,
            ngettext("%(n)d jadwal baru dibuat.", "%(n)d jadwal baru dibuat.", created)
            % {"n": created},
            messages.SUCCESS,
        )


@admin.register(Closure)
class ClosureAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ["date", "weekday", "reason", "kind", "office"]
    list_filter = ["office", "kind", ("date", admin.DateFieldListFilter)]
    date_hierarchy = "date"
    search_fields = ["reason"]
    ordering = ["date", "office"]
    list_select_related = ["office"]

    @admin.display(description=_("hari"))
    def weekday(self, obj: Closure) -> str:
        return OpeningHours.Weekday(obj.date.weekday()).label


@admin.register(Agency)
class AgencyAdmin(ScopedAdmin, admin.ModelAdmin):
    scope_agency = "pk"
    scope_add_delete_by = BY_OFFICE_ADMIN

    list_display = ["short_name", "name", "office", "service_count", "position", "is_active"]
    list_display_links = ["short_name", "name"]
    list_editable = ["position", "is_active"]
    list_filter = ["office", "is_active"]
    search_fields = ["short_name", "name", "code"]
    list_select_related = ["office"]
    ordering = ["office__name", "position", "short_name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_service_count=Count("services"))

    def get_readonly_fields(self, request, obj=None):
        # An agency stays at its office: its services and counters carry the office.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "office"] if obj else fields

    @admin.display(description=_("layanan"), ordering="_service_count")
    def service_count(self, obj: Agency) -> str:
        url = reverse("admin:catalog_service_changelist") + f"?agency={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj._service_count)


def _agency_field(field):
    field.label_from_instance = lambda agency: f"{agency.short_name} — {agency.office.name}"
    return field


@admin.register(Membership)
class MembershipAdmin(MembershipScope, admin.ModelAdmin):
    list_display = ["user", "user_name", "role", "office", "agency", "region"]
    list_filter = ["role", "office"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "agency__short_name"]
    list_select_related = ["user", "office", "agency", "region"]
    # A region (regional roles, the inspectorate) is set by national and regional admins only
    # (MembershipScope.get_readonly_fields; permissions.can_grant decides which).
    ordering = ["office__name", "role", "user__username"]
    autocomplete_fields = ["user"]

    @admin.display(description=_("nama"), ordering="user__first_name")
    def user_name(self, obj: Membership) -> str:
        return obj.user.get_full_name() or "—"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agency":
            kwargs["queryset"] = Agency.objects.select_related("office").order_by(
                "office__name", "position"
            )
            return _agency_field(super().formfield_for_foreignkey(db_field, request, **kwargs))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(MembershipInlineScope, admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["role", "office", "agency", "region"]
    verbose_name_plural = _("peran staf (kantor dan instansi)")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agency":
            kwargs["queryset"] = Agency.objects.select_related("office").order_by(
                "office__name", "position"
            )
            return _agency_field(super().formfield_for_foreignkey(db_field, request, **kwargs))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


User = get_user_model()


class StaffUserAdmin(AccountScope, UserAdmin):
    """Django's user admin, with where each staff member works."""

    inlines = [*UserAdmin.inlines, MembershipInline]


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
