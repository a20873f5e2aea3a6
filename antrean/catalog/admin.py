"""Admin for services (with their service standard), the capacity of their slots, and the
counters (loket) that serve them."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from antrean.catalog.models import Counter, Service, Slot
from antrean.catalog.services import booking_dates, slots_ensure
from antrean.tenancy import permissions
from antrean.tenancy.admin_scope import ScopedAdmin
from antrean.tenancy.models import Agency


def rupiah(amount: int) -> str:
    return _("Gratis") if amount == 0 else "Rp " + f"{amount:,}".replace(",", ".")


class _ScopedFilter(admin.SimpleListFilter):
    """A choice list narrowed to the office already chosen in the office filter.

    Two offices both have a "Disdukcapil": without the office, each choice names its office.
    """

    office_param = ""

    def office_id(self, request) -> str | None:
        value = request.GET.get(self.office_param, "")
        return value if value.isdigit() else None


class AgencyFilter(_ScopedFilter):
    title = _("instansi")
    parameter_name = "agency"
    office_param = "office__id__exact"

    def lookups(self, request, model_admin):
        agencies = (
            permissions.agencies_in_scope(request.user)
            .select_related("office")
            .order_by("office__name", "position", "short_name")
        )
        office_id = self.office_id(request)
        if office_id:
            return [(a.pk, a.short_name) for a in agencies.filter(office_id=office_id)]
        return [(a.pk, f"{a.short_name} · {a.office.code}") for a in agencies]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(agency_id=value) if value and value.isdigit() else queryset


class ServiceFilter(_ScopedFilter):
    title = _("layanan")
    parameter_name = "service"
    office_param = "service__office__id__exact"

    def lookups(self, request, model_admin):
        # Offered once an office is chosen: all services of all offices make too long a list.
        office_id = self.office_id(request)
        if not office_id:
            return []
        services = permissions.filter_in_scope(
            request.user, Service.objects.filter(office_id=office_id), agency="agency"
        )
        return [(s.pk, f"{s.prefix} · {s.name}") for s in services]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(service_id=value) if value and value.isdigit() else queryset


@admin.register(Service)
class ServiceAdmin(ScopedAdmin, admin.ModelAdmin):
    # Through the agency: the stored office follows it on save.
    scope_office = "agency__office"
    scope_agency = "agency"

    list_display = [
        "prefix_display",
        "name",
        "agency",
        "office_code",
        "fee_display",
        "minutes",
        "online_quota",
        "walkin_quota",
        "is_active",
        "slots_link",
    ]
    list_display_links = ["prefix_display", "name"]
    list_filter = ["office", AgencyFilter, "is_active"]
    search_fields = ["name", "code", "prefix", "agency__short_name", "agency__name"]
    list_select_related = ["agency", "office"]
    ordering = ["office__name", "agency__position", "position", "name"]
    readonly_fields = ["office"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "agency",
                    "office",
                    "code",
                    "name",
                    "description",
                    "is_active",
                    "position",
                ]
            },
        ),
        (
            _("Standar pelayanan"),
            {"fields": ["requirements", "fee", "fee_note", "duration_minutes"]},
        ),
        (
            _("Nomor antrean dan kuota"),
            {
                "fields": [
                    "prefix",
                    "slot_minutes",
                    "slot_capacity",
                    "walkin_daily_quota",
                    "release_times",
                ],
                "description": _(
                    "Kuota baru berlaku untuk jadwal yang dibuat sesudahnya; kuota jadwal "
                    "yang sudah ada diubah di halaman Jadwal."
                ),
            },
        ),
        (
            _("Pembagian kuota daring"),
            {
                "fields": ["release_mode", "draw_open_days", "draw_close_days", "draw_time"],
                "description": _(
                    "Undian: permintaan dikumpulkan selama masa pendaftaran, lalu kuota hari "
                    "itu diundi secara terbuka dan dapat diperiksa siapa pun (docs/draws.md)."
                ),
            },
        ),
    ]
    actions = ["ensure_slots"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agency":
            kwargs["queryset"] = Agency.objects.select_related("office").order_by(
                "office__name", "position", "short_name"
            )
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = lambda agency: f"{agency.short_name} — {agency.office.name}"
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # Short column titles: the field labels are long for a table of 40 services.
    @admin.display(description=_("awalan"), ordering="prefix")
    def prefix_display(self, obj: Service) -> str:
        return obj.prefix

    @admin.display(description=_("menit"), ordering="duration_minutes")
    def minutes(self, obj: Service) -> int:
        return obj.duration_minutes

    @admin.display(description=_("kuota jadwal"), ordering="slot_capacity")
    def online_quota(self, obj: Service) -> int:
        return obj.slot_capacity

    @admin.display(description=_("kuota langsung"), ordering="walkin_daily_quota")
    def walkin_quota(self, obj: Service) -> int:
        return obj.walkin_daily_quota

    @admin.display(description=_("kantor"), ordering="office__code")
    def office_code(self, obj: Service) -> str:
        return obj.office.code

    @admin.display(description=_("biaya"), ordering="fee")
    def fee_display(self, obj: Service) -> str:
        return rupiah(obj.fee)

    @admin.display(description=_("jadwal"))
    def slots_link(self, obj: Service) -> str:
        url = reverse("admin:catalog_slot_changelist") + f"?service={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Lihat"))

    @admin.action(
        description=_("Buat jadwal pemesanan untuk hari-hari mendatang"), permissions=["change"]
    )
    def ensure_slots(self, request, queryset):
        created = 0
        for service in queryset.select_related("office"):
            created += slots_ensure(service=service, dates=booking_dates(office=service.office))
        self.message_user(
            request,
            ngettext("%(n)d jadwal baru dibuat.", "%(n)d jadwal baru dibuat.", created)
            % {"n": created},
            messages.SUCCESS,
        )


@admin.register(Slot)
class SlotAdmin(ScopedAdmin, admin.ModelAdmin):
    """Slots are made from opening hours; here an admin only changes their capacity."""

    scope_office = "service__office"
    scope_agency = "service__agency"

    list_display = [
        "service_display",
        "office",
        "date",
        "start",
        "end",
        "capacity",
        "booked",
        "remaining_display",
    ]
    list_display_links = ["service_display"]
    list_per_page = 50
    list_editable = ["capacity"]
    list_filter = ["service__office", ServiceFilter, ("date", admin.DateFieldListFilter)]
    date_hierarchy = "date"
    search_fields = ["service__name", "service__prefix"]
    list_select_related = ["service__office"]
    ordering = ["date", "start", "service__prefix"]
    fields = ["service", "date", "start", "end", "capacity", "booked", "remaining_display"]
    readonly_fields = ["service", "date", "start", "end", "booked", "remaining_display"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A slot with bookings must stay; an unwanted one is closed by setting its capacity to 0.
        return False

    def save_model(self, request, obj, form, change):
        # Only capacity: `booked` moves with every booking and must never be written back.
        obj.save(update_fields=["capacity"])

    @admin.display(description=_("layanan"), ordering="service__prefix")
    def service_display(self, obj: Slot) -> str:
        return f"{obj.service.prefix} · {obj.service.name}"

    @admin.display(description=_("kantor"), ordering="service__office__code")
    def office(self, obj: Slot) -> str:
        return obj.service.office.code

    @admin.display(description=_("sisa"))
    def remaining_display(self, obj: Slot) -> int:
        return obj.remaining


class CounterForm(forms.ModelForm):
    class Meta:
        model = Counter
        fields = ["agency", "number", "name", "services", "is_active"]

    def clean(self):
        data = super().clean()
        agency = data.get("agency")
        services = data.get("services")
        if agency is not None and services is not None:
            foreign = [s for s in services if s.agency_id != agency.pk]
            if foreign:
                self.add_error(
                    "services",
                    _("Loket hanya melayani layanan instansinya sendiri: %(names)s bukan.")
                    % {"names": ", ".join(s.name for s in foreign)},
                )
        number = data.get("number")
        if agency is not None and number is not None:
            taken = Counter.objects.filter(office_id=agency.office_id, number=number).exclude(
                pk=self.instance.pk
            )
            if taken.exists():
                self.add_error("number", _("Nomor loket ini sudah dipakai di kantor yang sama."))
        return data


@admin.register(Counter)
class CounterAdmin(ScopedAdmin, admin.ModelAdmin):
    scope_office = "agency__office"
    scope_agency = "agency"

    form = CounterForm
    list_display = ["__str__", "number", "agency", "office", "service_count", "is_active"]
    list_display_links = ["__str__"]
    list_filter = ["office", AgencyFilter, "is_active"]
    list_editable = ["is_active"]
    search_fields = ["name", "agency__short_name", "agency__name"]
    list_select_related = ["agency", "office"]
    ordering = ["office__name", "number"]
    filter_horizontal = ["services"]
    fields = ["agency", "office", "number", "name", "services", "is_active"]
    readonly_fields = ["office"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_service_count=Count("services"))

    @admin.display(description=_("layanan"), ordering="_service_count")
    def service_count(self, obj: Counter) -> int:
        return obj._service_count

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agency":
            kwargs["queryset"] = Agency.objects.select_related("office").order_by(
                "office__name", "position", "short_name"
            )
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = lambda agency: f"{agency.short_name} — {agency.office.name}"
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "services":
            kwargs["queryset"] = Service.objects.select_related("agency", "office").order_by(
                "office__name", "agency__position", "prefix"
            )
            field = super().formfield_for_manytomany(db_field, request, **kwargs)
            field.label_from_instance = lambda s: (
                f"{s.prefix} · {s.name} ({s.agency.short_name}, {s.office.code})"
            )
            return field
        return super().formfield_for_manytomany(db_field, request, **kwargs)
