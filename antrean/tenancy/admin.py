"""Admin for regions, offices (with opening hours and closures) and agencies."""

import datetime as dt

from django.contrib import admin, messages
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from antrean.catalog.services import office_slots_ensure
from antrean.tenancy.models import Agency, Closure, Office, OpeningHours, Region
from antrean.tenancy.services import closures_seed_national

admin.site.site_header = _("Administrasi Antrean")
admin.site.site_title = _("Administrasi Antrean")
admin.site.index_title = _("Pengelolaan kantor, layanan, dan pakta integritas")
# Lists of slots and tickets need the page's full width more than a second menu.
admin.site.enable_nav_sidebar = False


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    max_num = 7

    def get_extra(self, request, obj=None, **kwargs):
        # A new office starts with a row for each working day; an existing one with one spare.
        return 5 if obj is None else 1


class UpcomingClosureInline(admin.TabularInline):
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
class OfficeAdmin(admin.ModelAdmin):
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
            {"fields": ["timezone", "zone", "booking_horizon_days", "daily_cutoff"]},
        ),
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

    @admin.action(description=_("Isi hari libur nasional dan cuti bersama (tahun ini dan depan)"))
    def seed_national_closures(self, request, queryset):
        for office in queryset:
            year = office.local_today().year
            closures_seed_national(office=office, years=[year, year + 1])
        self.message_user(request, _("Hari libur nasional sudah diisi."), messages.SUCCESS)

    @admin.action(description=_("Buat jadwal pemesanan untuk hari-hari mendatang"))
    def ensure_slots(self, request, queryset):
        created = sum(office_slots_ensure(office=office) for office in queryset)
        self.message_user(
            request,
            ngettext("%(n)d jadwal baru dibuat.", "%(n)d jadwal baru dibuat.", created)
            % {"n": created},
            messages.SUCCESS,
        )


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
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
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["short_name", "name", "office", "service_count", "position", "is_active"]
    list_display_links = ["short_name", "name"]
    list_editable = ["position", "is_active"]
    list_filter = ["office", "is_active"]
    search_fields = ["short_name", "name", "code"]
    list_select_related = ["office"]
    ordering = ["office__name", "position", "short_name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_service_count=Count("services"))

    @admin.display(description=_("layanan"), ordering="_service_count")
    def service_count(self, obj: Agency) -> str:
        url = reverse("admin:catalog_service_changelist") + f"?agency={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj._service_count)
