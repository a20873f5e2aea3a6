"""The admin, scoped: every ModelAdmin of the project shows and changes only what
`tenancy.permissions` lets the account see and administer.

Django's per-model permission checkboxes play no part: a staff account reaches what its roles
(`Membership`) reach. A ModelAdmin says where its rows belong with class attributes

    scope_office = "office"            # lookup path to the row's office (None: national rows)
    scope_agency = "service__agency"   # lookup path to its agency, for agency-bound rows
    scope_account = "user"             # or: the staff account the row belongs to
    scope_national = True              # rows without an office are national: seen, not changed

and this mixin derives the rest (docs/security-notes/admin.md has the resulting matrix):

- lists, change pages, history, delete pages and the autocomplete endpoint reach only rows in
  scope (`permissions.filter_in_scope`); another office's row is a 404, as a missing one is;
- view for anyone in scope; add, change and delete for administrators of the row's office
  or agency (`permissions.filter_administered`), and only where the ModelAdmin allows them at
  all: its own `has_change_permission` returning False keeps it read-only;
- foreign-key and many-to-many choices, and the choices of the list filters, hold only rows in
  scope; saving a row that the account does not administer, before or after the change, is
  refused with 403 and changes nothing, whatever the POST says;
- actions run on the selected rows the account administers (`scope_view_actions` names the
  ones that only read).

ModelAdmins that do not use the mixin (Django's groups, django-axes' records, task results, or
any admin a package adds later) are for superusers only: `restrict_unscoped` wraps them once
every app is loaded (tenancy/apps.py).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.auth import get_user_model
from django.core.exceptions import (
    FieldDoesNotExist,
    ObjectDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from antrean.tenancy import permissions
from antrean.tenancy.models import Agency, Membership, Office, Region

# Who may add and delete rows, beyond changing them (`ScopedAdmin.scope_add_delete_by`).
BY_ROW = "row"  # whoever administers the row
BY_OFFICE_ADMIN = "office_admin"  # administrators of the row's office (not agency admins)
BY_NATIONAL_ADMIN = "national_admin"  # national admins and superusers

# Account fields that only superusers set (their own permission system, and who is one).
SUPERUSER_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")
# Account fields kept as recorded for everyone else.
RECORDED_FIELDS = ("last_login", "date_joined")


def _is_superuser(user) -> bool:
    return bool(user.is_active and user.is_superuser)


def _everything(request) -> bool:
    return permissions.scope_of(request.user).everything


def _resolve(obj, path: str | None):
    """The id at the end of a lookup path, read from an instance, saved or not (None where the
    path breaks off)."""
    if path is None or obj is None:
        return None
    *hops, last = path.split("__")
    try:
        for hop in hops:
            obj = getattr(obj, hop)
            if obj is None:
                return None
        if last == "pk":
            return obj.pk
        return getattr(obj, obj._meta.get_field(last).attname)
    except ObjectDoesNotExist:
        return None


def scoped_choices(request, model, *, write: bool, site=None) -> QuerySet:
    """The rows of `model` that the account may pick in a form (`write`) or filter a list by."""
    user = request.user
    if model is Office:
        return (
            permissions.offices_administered(user) if write else permissions.offices_in_scope(user)
        )
    if model is Agency:
        return (
            permissions.agencies_administered(user)
            if write
            else permissions.agencies_in_scope(user)
        )
    rows = model._default_manager.all()
    if model is Region:
        return rows  # public reference data (Kemendagri codes)
    if model is get_user_model():
        return permissions.accounts_in_scope(user)
    model_admin = (site or admin.site)._registry.get(model)
    if isinstance(model_admin, ScopedAdmin):
        return model_admin.scope_filter(request, rows, write=write)
    return rows if _is_superuser(user) else rows.none()


def _narrowed(queryset, db_field, allowed) -> QuerySet:
    if queryset is None:
        queryset = db_field.remote_field.model._default_manager.all()
    return queryset.filter(pk__in=allowed.values("pk"))


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A related-field filter that offers only the offices, agencies … the account sees."""

    def field_choices(self, field, request, model_admin):
        allowed = scoped_choices(
            request, field.related_model, write=False, site=model_admin.admin_site
        )
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(
            include_blank=False,
            limit_choices_to={"pk__in": allowed.values("pk")},
            ordering=ordering,
        )


class ScopedAdmin:
    """Mixin for every ModelAdmin of the project: put it first, `(ScopedAdmin, ModelAdmin)`."""

    scope_office: str | None = "office"
    scope_agency: str | None = None
    scope_account: str | None = None
    scope_national: bool = False
    scope_add_delete_by: str = BY_ROW
    scope_national_fields: tuple[str, ...] = ()  # read-only below national admins
    scope_view_actions: tuple[str, ...] = ()  # actions that only read: on rows in view scope

    # --- the rule ----------------------------------------------------------------------------

    def scope_filter(self, request, queryset: QuerySet, *, write: bool) -> QuerySet:
        """The rows of `queryset` the account sees, or administers (`write`)."""
        user = request.user
        if self.scope_account is not None:
            accounts = (
                permissions.accounts_administered(user)
                if write
                else permissions.accounts_in_scope(user)
            )
            return queryset.filter(**{f"{self.scope_account}__in": accounts.values("pk")})
        if self.scope_office is None:
            return queryset if _everything(request) else queryset.none()
        narrow = permissions.filter_administered if write else permissions.filter_in_scope
        rows = narrow(user, queryset, office=self.scope_office, agency=self.scope_agency)
        if self.scope_national and not write and self.scope_reaches_any(request, write=False):
            rows = rows | queryset.filter(**{f"{self.scope_office}__isnull": True})
        return rows

    def scope_allows(self, request, obj, *, write: bool) -> bool:
        """Whether the account sees, or administers (`write`), this row as it stands (saved
        or about to be)."""
        user = request.user
        if self.scope_account is not None:
            accounts = (
                permissions.accounts_administered(user)
                if write
                else permissions.accounts_in_scope(user)
            )
            account_id = _resolve(obj, self.scope_account)
            return account_id is not None and accounts.filter(pk=account_id).exists()
        if self.scope_office is None:
            return _everything(request)
        office_id = _resolve(obj, self.scope_office)
        agency_id = _resolve(obj, self.scope_agency)
        if write:
            return permissions.can_administer_agency(user, agency_id=agency_id, office_id=office_id)
        if self.scope_national and office_id is None:
            return self.scope_reaches_any(request, write=False)
        return permissions.can_act_for(user, office_id=office_id, agency_id=agency_id)

    def scope_reaches_any(self, request, *, write: bool) -> bool:
        """Whether the account could see (or administer) any row of this admin at all."""
        scope = permissions.scope_of(request.user)
        if scope.everything:
            return True
        if self.scope_account is not None:
            return scope.is_admin
        if self.scope_office is None:
            return False
        if scope.office_ids:
            return True
        if self.scope_agency is None:
            return False
        return bool(scope.admin_agency_ids if write else scope.agency_ids)

    def scope_require_write(self, request, obj) -> None:
        """Refuse unless the account administers the row both as stored and as it would be
        saved: a crafted POST cannot move a row into, or out of, another office."""
        if obj.pk is not None:
            stored = self.model._default_manager.filter(pk=obj.pk).first()
            if stored is not None and not self.scope_allows(request, stored, write=True):
                raise PermissionDenied
        if not self.scope_allows(request, obj, write=True):
            raise PermissionDenied

    def _may_add_or_delete(self, request, obj=None) -> bool:
        if self.scope_add_delete_by == BY_NATIONAL_ADMIN:
            return _everything(request)
        if self.scope_add_delete_by == BY_OFFICE_ADMIN:
            if obj is None:
                scope = permissions.scope_of(request.user)
                return scope.everything or bool(scope.office_ids)
            office_id = _resolve(obj, self.scope_office)
            return permissions.can_administer_office(request.user, office_id)
        if obj is None:
            return self.scope_reaches_any(request, write=True)
        return self.scope_allows(request, obj, write=True)

    # --- Django's permission hooks -----------------------------------------------------------

    def has_module_permission(self, request):
        return self.scope_reaches_any(request, write=False)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return self.scope_reaches_any(request, write=False)
        return self.scope_allows(request, obj, write=False)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return self.scope_reaches_any(request, write=True)
        return self.scope_allows(request, obj, write=True)

    def has_add_permission(self, request):
        return self._may_add_or_delete(request)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not self.scope_allows(request, obj, write=True):
            return False
        return self._may_add_or_delete(request, obj)

    # --- rows --------------------------------------------------------------------------------

    def get_queryset(self, request):
        return self.scope_filter(request, super().get_queryset(request), write=False)

    def get_object(self, request, object_id, from_field=None):
        # Out of scope is not found: the same 404 as an id that does not exist.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def save_form(self, request, form, change):
        obj = super().save_form(request, form, change)
        self.scope_require_write(request, obj)
        return obj

    def delete_model(self, request, obj):
        if not self.scope_allows(request, obj, write=True):
            raise PermissionDenied
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, self.scope_filter(request, queryset, write=True))

    def response_action(self, request, queryset):
        if self._posted_action(request) not in self.scope_view_actions:
            queryset = self.scope_filter(request, queryset, write=True)
        return super().response_action(request, queryset)

    @staticmethod
    def _posted_action(request) -> str:
        # As ModelAdmin.response_action picks it: the form whose button was pressed.
        try:
            index = int(request.POST.get("index", 0))
            return request.POST.getlist("action")[index]
        except (ValueError, IndexError):
            return ""

    # --- forms and filters -------------------------------------------------------------------

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if self.scope_national_fields and not _everything(request):
            fields = [*fields, *(f for f in self.scope_national_fields if f not in fields)]
        return fields

    def scope_field_choices(self, request, db_field) -> QuerySet:
        """What a foreign-key or many-to-many field of the form may hold."""
        model = db_field.remote_field.model
        return scoped_choices(request, model, write=True, site=self.admin_site)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        base = kwargs.get("queryset")
        if base is None:
            base = self.get_field_queryset(None, db_field, request)
        kwargs["queryset"] = _narrowed(base, db_field, self.scope_field_choices(request, db_field))
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and self._is_national_choice(db_field) and not _everything(request):
            field.required = True  # the empty choice means "national"
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        base = kwargs.get("queryset")
        if base is None:
            base = self.get_field_queryset(None, db_field, request)
        kwargs["queryset"] = _narrowed(base, db_field, self.scope_field_choices(request, db_field))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _is_national_choice(self, db_field) -> bool:
        return (
            self.scope_office is not None
            and db_field.name == self.scope_office.split("__")[0]
            and db_field.null
        )

    def get_list_filter(self, request):
        return [self._scoped_list_filter(item) for item in super().get_list_filter(request)]

    def _scoped_list_filter(self, item):
        if not isinstance(item, str):
            return item
        try:
            field = get_fields_from_path(self.model, item)[-1]
        except (FieldDoesNotExist, NotRelationField):
            return item
        return (item, ScopedRelatedFieldListFilter) if field.is_relation else item


class ScopedInline:
    """Mixin for inlines: the rows belong to the page's row, so the parent admin decides."""

    def _parent_admin(self):
        return self.admin_site._registry[self.parent_model]

    def _parent_may_write(self, request, obj) -> bool:
        parent = self._parent_admin()
        if obj is None:
            return parent.has_add_permission(request)
        return parent.has_change_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        return self._parent_admin().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._parent_may_write(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._parent_may_write(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._parent_may_write(request, obj)

    def scope_field_choices(self, request, db_field) -> QuerySet:
        model = db_field.remote_field.model
        return scoped_choices(request, model, write=True, site=self.admin_site)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        allowed = self.scope_field_choices(request, db_field)
        kwargs["queryset"] = _narrowed(kwargs.get("queryset"), db_field, allowed)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        allowed = self.scope_field_choices(request, db_field)
        kwargs["queryset"] = _narrowed(kwargs.get("queryset"), db_field, allowed)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


# --- Staff accounts and their roles ------------------------------------------------------------


def _granting_form(form_class, user):
    """`form_class` refusing any role the user may not grant there (`permissions.can_grant`)."""

    class GrantingForm(form_class):
        def clean(self):
            data = super().clean()
            role = data.get("role")
            office = data.get("office")
            agency = data.get("agency")
            region = data.get("region")
            if role and not permissions.can_grant(
                user,
                role,
                office_id=office.pk if office else None,
                agency_id=agency.pk if agency else None,
                region_id=region.pk if region else None,
            ):
                raise ValidationError(
                    _("Anda tidak berwenang memberi peran ini di kantor atau instansi tersebut.")
                )
            return data

    GrantingForm.__name__ = form_class.__name__
    return GrantingForm


def _grant_office_choices(request) -> QuerySet[Office]:
    """Offices where the account may grant some role: those it administers, and the offices of
    the agencies it administers."""
    user = request.user
    return Office.objects.filter(
        Q(pk__in=permissions.offices_administered(user).values("pk"))
        | Q(pk__in=permissions.agencies_administered(user).values("office"))
    )


class MembershipScope(ScopedAdmin):
    """Roles: seen by the administrators of their office or agency, given and taken back only
    as `permissions.can_grant` allows (never above one's own role, never elsewhere)."""

    scope_agency = "agency"

    def scope_filter(self, request, queryset, *, write):
        if write:
            return permissions.filter_grantable(request.user, queryset)
        return permissions.filter_memberships_seen(request.user, queryset)

    def scope_allows(self, request, obj, *, write):
        user = request.user
        if write:
            return permissions.can_grant(
                user,
                obj.role,
                office_id=obj.office_id,
                agency_id=obj.agency_id,
                region_id=obj.region_id,
            )
        return permissions.filter_memberships_seen(
            user, Membership.objects.filter(pk=obj.pk)
        ).exists()

    def scope_reaches_any(self, request, *, write):
        return permissions.scope_of(request.user).is_admin

    def get_form(self, request, obj=None, **kwargs):
        return _granting_form(super().get_form(request, obj, **kwargs), request.user)

    def scope_field_choices(self, request, db_field):
        if db_field.name == "office":
            return _grant_office_choices(request)
        if db_field.name == "region":
            return _grant_region_choices(request)
        return super().scope_field_choices(request, db_field)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "office" and permissions.scope_of(request.user).is_regional:
            field.required = False  # a regional role has no office (can_grant still decides)
        return field

    def get_readonly_fields(self, request, obj=None):
        return _region_read_only(request, super().get_readonly_fields(request, obj))


def _grant_region_choices(request) -> QuerySet[Region]:
    """Regions a regional role may be given over: those below one's own (a province's
    regencies and cities); every region for national admins."""
    if _everything(request):
        return Region.objects.all()
    return Region.objects.filter(parent__in=permissions.scope_of(request.user).region_ids)


def _region_read_only(request, fields):
    """Only national and regional admins set a membership's region."""
    if permissions.scope_of(request.user).is_regional:
        return fields
    return [*fields, *(f for f in ("region",) if f not in fields)]


class MembershipInlineScope(ScopedInline):
    """The roles on an account's page: those the viewer administers; a new account made by
    anyone below a national admin starts with one role the maker may grant."""

    def get_queryset(self, request):
        return permissions.filter_memberships_seen(request.user, super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        return _region_read_only(request, super().get_readonly_fields(request, obj))

    def get_min_num(self, request, obj=None, **kwargs):
        return 1 if obj is None and not _everything(request) else super().get_min_num(request, obj)

    def get_formset(self, request, obj=None, **kwargs):
        if obj is None and not _everything(request):
            kwargs.setdefault("validate_min", True)
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = _granting_form(formset.form, request.user)
        return formset

    def scope_field_choices(self, request, db_field):
        if db_field.name == "office":
            return _grant_office_choices(request)
        if db_field.name == "region":
            return _grant_region_choices(request)
        return super().scope_field_choices(request, db_field)


class AccountScope(ScopedAdmin):
    """Staff accounts: seen by the administrators of where they work, changed only when the
    viewer may grant every role the account holds; a superuser's account only by superusers.
    Superuser status, the staff flag, groups and Django permissions are the superusers' own."""

    scope_account = "pk"

    def scope_allows(self, request, obj, *, write):
        if obj.pk is None:  # a new account: its first role is checked as it is saved
            return self.scope_reaches_any(request, write=True)
        return super().scope_allows(request, obj, write=write)

    def has_delete_permission(self, request, obj=None):
        # Accounts leave by being deactivated: their records keep pointing at them.
        return _everything(request) and super().has_delete_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if _is_superuser(request.user):
            return fieldsets
        hidden = {f for f in SUPERUSER_FIELDS if f != "is_staff"}
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if _is_superuser(request.user):
            return fields
        return [*fields, "is_staff", *RECORDED_FIELDS]

    def save_model(self, request, obj, form, change):
        if not change and not _is_superuser(request.user):
            obj.is_staff = True  # an account made here is a staff account; the flag is not theirs
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change and not self.scope_allows(request, form.instance, write=True):
            raise PermissionDenied  # the new account is rolled back with its roles


# --- Admins that say nothing of their scope ----------------------------------------------------


class SuperuserOnlyAdmin:
    """For superusers only, and then as the wrapped admin allows."""

    def has_module_permission(self, request):
        return _is_superuser(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return _is_superuser(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args, **kwargs):
        return _is_superuser(request.user) and super().has_add_permission(request, *args, **kwargs)

    def has_change_permission(self, request, obj=None):
        return _is_superuser(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_superuser(request.user) and super().has_delete_permission(request, obj)


def restrict_unscoped(site=None) -> None:
    """Make every registered admin that does not use `ScopedAdmin` superuser-only: Django's
    groups, django-axes' login records, task results, and whatever a package adds later
    (deny by default)."""
    site = site or admin.site
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, ScopedAdmin | SuperuserOnlyAdmin):
            continue
        original = type(model_admin)
        restricted = type(
            original.__name__,
            (SuperuserOnlyAdmin, original),
            {"__module__": original.__module__, "__doc__": original.__doc__},
        )
        site.unregister(model)
        site.register(model, restricted)
