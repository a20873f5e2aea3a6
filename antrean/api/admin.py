"""Admin for API tokens: a record of who had access; the only change is revoking."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from antrean.api.auth import api_token_revoke
from antrean.api.models import ApiToken
from antrean.tenancy.admin_scope import ScopedAdmin


class ValidFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "berlaku"

    def lookups(self, request, model_admin):
        return [("ya", _("Berlaku")), ("tidak", _("Berakhir atau dicabut"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "ya":
            return queryset.filter(revoked_at__isnull=True, expires_at__gt=now)
        if self.value() == "tidak":
            return queryset.exclude(revoked_at__isnull=True, expires_at__gt=now)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedAdmin, admin.ModelAdmin):
    # Seen with the account's page; revoked by whoever may change the account.
    scope_account = "user"

    list_display = ["user", "label", "created_at", "last_used_at", "expires_at", "valid"]
    list_filter = [ValidFilter]
    search_fields = ["user__username", "label"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    fields = ["user", "label", "created_at", "last_used_at", "expires_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens come from logging in through the API

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request) -> bool:
        return self.scope_reaches_any(request, write=True)

    @admin.display(description=_("berlaku"), boolean=True)
    def valid(self, obj: ApiToken) -> bool:
        return obj.is_valid()

    @admin.action(description=_("Cabut token terpilih"), permissions=["revoke"])
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token)
            count += 1
        self.message_user(request, _("%(n)d token dicabut.") % {"n": count}, messages.SUCCESS)
