"""Who may see and do what, and where: the one place that decides.

Every staff action is scoped here and enforced in the services (which raise
`DomainError(FORBIDDEN)`); views, the API, the kiosk, the console and the admin ask the same
functions, so a page can never allow what its service refuses.

Scopes come from `Membership` rows:

| role             | sees and acts on                                                      |
| ---------------- | --------------------------------------------------------------------- |
| superuser        | everything (the installation's operator)                              |
| national_admin   | every office and region; creates offices anywhere                     |
| province_admin   | the offices of its province (its regencies' and cities'), as an       |
|                  | office admin does; the province's and its regencies' dashboards;      |
|                  | creates offices there                                                 |
| regency_admin    | the same for one regency or city (the government owning the MPP)      |
| office_head      | its office, as its office admin does, and the office's monthly report |
| office_admin     | its office: configuration, all agencies, counters, tickets, audit    |
| agency_admin     | its agency at its office: services, counters, officers, tickets      |
| officer          | its agency's counters and tickets at its office                      |
| inspectorate     | the gratification reports of its region's offices, and nothing else  |

A level grants the roles below it, inside its own scope (`can_grant`): national any; a
province the regency admins of its regencies and every office role of its offices; a regency
every office role of its offices; an office head its office's admins, agency admins and
officers; an office admin the same (its peers included, as before regions existed); an agency
admin its officers. The inspectorate is granted only from above the region it inspects (the
national admin for a province's, national or the province for a regency's): nobody appoints
their own overseer.

Survey figures (IKM, `can_see_satisfaction`): office and national admins see the whole
office; agency admins and officers their agency's figures only; figures per officer or per
counter (`can_see_satisfaction_by_person`) only those who administer the agency, and only
from `feedback.models.ANONYMITY_MIN` responses. No one sees which ticket gave which answers.

Pacts and keys: the national pact text, and a full text that replaces it at one office, are
published by national admins only (`can_publish_pact`, `can_set_pact_mode`); an office's
administrators publish its additional clauses and choose between adopting and extending the
national text, and make its signing key and install the certificate a CA issued for it
(`can_manage_signing_keys`).

The inspectorate (APIP) is bound to a region (a regency/city, or a province and so every
office of its regencies). It is deliberately outside `everything`: a national admin or the
installation's superuser does not read reports, and the inspectorate sees no ticket, message
or configuration. The regional admins widen `Scope.office_ids` to their region's offices;
`Scope.region_ids` holds the regions whose dashboards they read and where they create offices.

A user's scope is read once per request and kept on the user object (`scope_of`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from antrean.core.errors import DomainError, ErrorCode
from antrean.tenancy.models import Agency, Membership, Office, Region

Role = Membership.Role

# Roles bound to one agency, and roles that administer (configure) what they are bound to.
AGENCY_ROLES = (Role.OFFICER, Role.AGENCY_ADMIN)
OFFICE_WHOLE_ROLES = (Role.OFFICE_ADMIN, Role.OFFICE_HEAD)  # administer one office whole
REGION_ADMIN_ROLES = (Role.PROVINCE_ADMIN, Role.REGENCY_ADMIN)  # administer a region's offices
ADMIN_ROLES = (
    Role.AGENCY_ADMIN,
    *OFFICE_WHOLE_ROLES,
    *REGION_ADMIN_ROLES,
    Role.NATIONAL_ADMIN,
)

_CACHE_ATTR = "_antrean_scope"


@dataclass(frozen=True)
class Scope:
    """What one account reaches. `everything` overrides the sets."""

    everything: bool = False
    office_ids: frozenset[int] = frozenset()  # offices it administers whole
    agency_ids: frozenset[int] = frozenset()  # agencies it works for (officer or agency admin)
    admin_agency_ids: frozenset[int] = frozenset()  # agencies it administers
    member_office_ids: frozenset[int] = frozenset()  # offices where it holds any role
    inspected_office_ids: frozenset[int] = frozenset()  # offices whose reports it handles
    region_ids: frozenset[int] = frozenset()  # regions it administers (a province's regencies too)
    head_office_ids: frozenset[int] = frozenset()  # offices it heads (the monthly report)

    @property
    def is_staff_anywhere(self) -> bool:
        return self.everything or bool(self.member_office_ids)

    @property
    def is_admin(self) -> bool:
        """Holds a role that configures something (two-factor sign-in is required for it)."""
        return self.everything or bool(self.office_ids or self.admin_agency_ids or self.region_ids)

    @property
    def is_regional(self) -> bool:
        """Administers at least one region (or everything): sees regional dashboards."""
        return self.everything or bool(self.region_ids)

    @property
    def is_inspector(self) -> bool:
        return bool(self.inspected_office_ids)


NOBODY = Scope()


def scope_of(user) -> Scope:
    """The account's scope (inactive and anonymous accounts reach nothing)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(everything=True)
    else:
        rows = list(
            Membership.objects.filter(user=user).values_list("role", "office", "agency", "region")
        )
        inspected_regions = [g for r, _o, _a, g in rows if r == Role.INSPECTORATE and g]
        inspected = (
            frozenset(_offices_of_regions(inspected_regions)) if inspected_regions else frozenset()
        )
        if any(role == Role.NATIONAL_ADMIN for role, _o, _a, _g in rows):
            scope = Scope(everything=True, inspected_office_ids=inspected)
        else:
            admin_regions = [g for r, _o, _a, g in rows if r in REGION_ADMIN_ROLES and g]
            region_ids = frozenset(_regions_within(admin_regions)) if admin_regions else frozenset()
            regional_offices = (
                frozenset(_offices_of_regions(list(region_ids))) if region_ids else frozenset()
            )
            whole = frozenset(o for r, o, _a, _g in rows if r in OFFICE_WHOLE_ROLES and o)
            scope = Scope(
                inspected_office_ids=inspected,
                office_ids=whole | regional_offices,
                agency_ids=frozenset(a for r, _o, a, _g in rows if r in AGENCY_ROLES and a),
                admin_agency_ids=frozenset(
                    a for r, _o, a, _g in rows if r == Role.AGENCY_ADMIN and a
                ),
                member_office_ids=frozenset(o for _r, o, _a, _g in rows if o) | regional_offices,
                region_ids=region_ids,
                head_office_ids=frozenset(
                    o for r, o, _a, _g in rows if r == Role.OFFICE_HEAD and o
                ),
            )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def _offices_of_regions(region_ids: list[int]) -> list[int]:
    """Offices in the regions, a province's regencies and cities included."""
    return list(
        Office.objects.filter(
            Q(region__in=region_ids) | Q(region__parent__in=region_ids)
        ).values_list("pk", flat=True)
    )


def _regions_within(region_ids: list[int]) -> list[int]:
    """The regions and, for a province, its regencies and cities."""
    return list(
        Region.objects.filter(Q(pk__in=region_ids) | Q(parent__in=region_ids)).values_list(
            "pk", flat=True
        )
    )


def scope_forget(user) -> None:
    """Drop the cached scope (after the account's memberships changed)."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def require(allowed: bool) -> None:
    """Refuse with `forbidden` unless `allowed`."""
    if not allowed:
        raise DomainError(ErrorCode.FORBIDDEN)


# --- Offices and agencies ----------------------------------------------------------------------


def can_see_office(user, office_id: int | None) -> bool:
    """Holds any role at the office (its staff pages, its inbox, its counters list)."""
    scope = scope_of(user)
    return scope.everything or office_id in scope.member_office_ids


def can_administer_office(user, office_id: int | None) -> bool:
    """Configures the office, reviews its audit, manages its kiosks and staff."""
    scope = scope_of(user)
    return scope.everything or office_id in scope.office_ids


def can_administer_agency(user, *, agency_id: int | None, office_id: int | None) -> bool:
    """Configures the agency's services and counters and manages its officers."""
    scope = scope_of(user)
    return scope.everything or office_id in scope.office_ids or agency_id in scope.admin_agency_ids


def can_act_for(user, *, office_id: int | None, agency_id: int | None) -> bool:
    """Works for an agency's services at an office: officers and agency admins of the agency,
    office admins of the office."""
    scope = scope_of(user)
    return scope.everything or office_id in scope.office_ids or agency_id in scope.agency_ids


def offices_in_scope(user) -> QuerySet[Office]:
    """Offices where the account holds any role."""
    scope = scope_of(user)
    offices = Office.objects.all()
    return offices if scope.everything else offices.filter(pk__in=scope.member_office_ids)


def offices_administered(user) -> QuerySet[Office]:
    """Offices the account administers whole."""
    scope = scope_of(user)
    offices = Office.objects.all()
    return offices if scope.everything else offices.filter(pk__in=scope.office_ids)


def agencies_in_scope(user) -> QuerySet[Agency]:
    """Agencies the account works for, or that belong to an office it administers."""
    scope = scope_of(user)
    agencies = Agency.objects.all()
    if scope.everything:
        return agencies
    return agencies.filter(Q(office__in=scope.office_ids) | Q(pk__in=scope.agency_ids))


def agencies_administered(user) -> QuerySet[Agency]:
    scope = scope_of(user)
    agencies = Agency.objects.all()
    if scope.everything:
        return agencies
    return agencies.filter(Q(office__in=scope.office_ids) | Q(pk__in=scope.admin_agency_ids))


def filter_in_scope(
    user, queryset: QuerySet, *, office: str = "office", agency: str | None = None
) -> QuerySet:
    """Rows the account may see: those of the offices it administers and, when the rows
    belong to an agency (`agency` is the lookup path to its id), of the agencies it works for.

    Rows without an agency path are office-level (closures, kiosks, ledger): only office
    administrators see them.
    """
    scope = scope_of(user)
    if scope.everything:
        return queryset
    allowed = Q(**{f"{office}__in": scope.office_ids})
    if agency is not None:
        allowed |= Q(**{f"{agency}__in": scope.agency_ids})
    return queryset.filter(allowed)


def filter_administered(
    user, queryset: QuerySet, *, office: str = "office", agency: str | None = None
) -> QuerySet:
    """Rows the account may change: of offices it administers, and of agencies it administers
    when the rows belong to an agency."""
    scope = scope_of(user)
    if scope.everything:
        return queryset
    allowed = Q(**{f"{office}__in": scope.office_ids})
    if agency is not None:
        allowed |= Q(**{f"{agency}__in": scope.admin_agency_ids})
    return queryset.filter(allowed)


# --- Counters, tickets, messages, audit flags --------------------------------------------------


def can_operate_counter(user, counter) -> bool:
    """Officers and agency admins at their agency's counters; office admins at any counter of
    their office."""
    return can_act_for(user, office_id=counter.office_id, agency_id=counter.agency_id)


def can_act_on_ticket(user, ticket) -> bool:
    """Staff of the ticket's service's agency, or administrators of its office."""
    return can_act_for(user, office_id=ticket.office_id, agency_id=ticket.service.agency_id)


def can_see_message(user, message) -> bool:
    """A WhatsApp message is seen by whoever may act on its ticket (office admins see every
    message of their office, the ticket-less ones too)."""
    if can_administer_office(user, message.office_id):
        return True
    ticket = message.ticket
    return ticket is not None and can_act_on_ticket(user, ticket)


def can_review_audit(user, office_id: int | None) -> bool:
    """Fair-call audit flags are reviewed by the office's administrators."""
    return can_administer_office(user, office_id)


def counters_operable(user, queryset: QuerySet) -> QuerySet:
    """The counters of `queryset` the account may operate."""
    return filter_in_scope(user, queryset, office="office", agency="agency")


# --- Survey figures (IKM) ---------------------------------------------------------------------


def can_see_satisfaction(user, *, office_id: int | None, agency_id: int | None) -> bool:
    """Reads the survey figures of an office (`agency_id` None: all its agencies) or of one
    of its agencies: office and national admins any, agency admins and officers their own
    agency's. The inspectorate is not staff of an office: nothing."""
    scope = scope_of(user)
    if scope.everything or office_id in scope.office_ids:
        return office_id is not None
    return agency_id is not None and agency_id in scope.agency_ids


def can_see_satisfaction_by_person(user, *, office_id: int | None, agency_id: int | None) -> bool:
    """Reads figures per officer and per counter (still only from ANONYMITY_MIN responses):
    those who administer the agency (or, `agency_id` None, the whole office)."""
    if agency_id is None:
        return office_id is not None and can_administer_office(user, office_id)
    return can_administer_agency(user, agency_id=agency_id, office_id=office_id)


# --- Integrity pacts and signing keys ----------------------------------------------------------

# The mode in which an office signs a full text of its own instead of the national one
# (integrity.models.PactMode.OWN), spelled here so that tenancy does not import integrity.
PACT_MODE_OWN = "own"


def can_publish_pact(user, *, office_id: int | None, full_text: bool) -> bool:
    """Publishes a pact version. The national text, and a full text that replaces it at one
    office, are the ministry's (national admins): every office signs the national pledge
    unless the ministry decides otherwise. An office's additional clauses: whoever administers
    the office."""
    scope = scope_of(user)
    if scope.everything:
        return True
    return office_id is not None and not full_text and office_id in scope.office_ids


def can_set_pact_mode(user, *, office_id: int | None, mode: str) -> bool:
    """Chooses whether the office adopts the national text or extends it with its clauses
    (the office's administrators), or signs a full text of its own (national admins only)."""
    scope = scope_of(user)
    if office_id is None:
        return False
    if scope.everything:
        return True
    return mode != PACT_MODE_OWN and office_id in scope.office_ids


def can_manage_signing_keys(user, office_id: int | None) -> bool:
    """Makes the office's key and CSR, and installs the certificate a CA issued for it: the
    office's administrators (the key signs in the office's name)."""
    return office_id is not None and can_administer_office(user, office_id)


# --- Staff accounts and their roles ------------------------------------------------------------

# What an office admin or head may give at its own office: the office roles up to the admin's.
OFFICE_GRANTABLE = (Role.OFFICER, Role.AGENCY_ADMIN, Role.OFFICE_ADMIN)
# What a regional admin may give at the offices of its region: every office role.
REGION_OFFICE_GRANTABLE = (*OFFICE_GRANTABLE, Role.OFFICE_HEAD)
# What a province may give in its regencies and cities (the inspectorate: from above only).
SUBREGION_GRANTABLE = (Role.REGENCY_ADMIN, Role.INSPECTORATE)


def can_grant(
    user,
    role: str,
    *,
    office_id: int | None,
    agency_id: int | None,
    region_id: int | None = None,
) -> bool:
    """May give (or take back) `role` at the office and agency, or over the region: see the
    module's table. Never a role above one's own, never outside one's scope."""
    scope = scope_of(user)
    if role not in Role.values:
        return False
    if scope.everything:
        return True
    if role in (Role.NATIONAL_ADMIN, Role.PROVINCE_ADMIN):
        return False
    if role in SUBREGION_GRANTABLE:
        if region_id is None or office_id is not None or agency_id is not None:
            return False
        parent = Region.objects.filter(pk=region_id).values_list("parent", flat=True).first()
        return parent is not None and parent in scope.region_ids
    if office_id is None or region_id is not None:
        return False
    if agency_id is not None and not Agency.objects.filter(pk=agency_id, office=office_id).exists():
        return False
    if office_id in scope.office_ids:
        if (
            scope.region_ids
            and Office.objects.filter(pk=office_id, region__in=scope.region_ids).exists()
        ):
            return role in REGION_OFFICE_GRANTABLE
        return role in OFFICE_GRANTABLE
    return role == Role.OFFICER and agency_id in scope.admin_agency_ids


def filter_grantable(user, memberships: QuerySet[Membership]) -> QuerySet[Membership]:
    """The memberships the account may change or take back (`can_grant` on each row)."""
    scope = scope_of(user)
    if scope.everything:
        return memberships
    return memberships.filter(
        Q(office__in=scope.office_ids, role__in=OFFICE_GRANTABLE)
        | Q(office__region__in=scope.region_ids, role__in=REGION_OFFICE_GRANTABLE)
        | Q(agency__in=scope.admin_agency_ids, role=Role.OFFICER)
        | Q(region__parent__in=scope.region_ids, role__in=SUBREGION_GRANTABLE)
    )


def filter_memberships_seen(user, memberships: QuerySet[Membership]) -> QuerySet[Membership]:
    """The memberships the account sees: those of the offices and agencies it administers, and
    the regional roles of the regions below its own."""
    scope = scope_of(user)
    if scope.everything:
        return memberships
    return filter_administered(user, memberships, agency="agency") | memberships.filter(
        region__parent__in=scope.region_ids
    )


def accounts_in_scope(user) -> QuerySet:
    """Staff accounts the account sees: those holding a role at an office or agency it
    administers (everyone for national admins and superusers)."""
    from django.contrib.auth import get_user_model

    scope = scope_of(user)
    accounts = get_user_model().objects.all()
    if scope.everything:
        return accounts
    memberships = filter_memberships_seen(user, Membership.objects.all())
    return accounts.filter(pk__in=memberships.values("user"))


def accounts_administered(user) -> QuerySet:
    """Staff accounts the account may change (names, password, active, roles): every role they
    hold is one it may grant. A superuser's account is changed only by superusers."""
    from django.contrib.auth import get_user_model

    scope = scope_of(user)
    accounts = get_user_model().objects.all()
    if not (scope.everything and user.is_superuser):
        accounts = accounts.filter(is_superuser=False)
    if scope.everything:
        return accounts
    grantable = filter_grantable(user, Membership.objects.all())
    others = Membership.objects.exclude(pk__in=grantable.values("pk"))
    return accounts.filter(pk__in=grantable.values("user")).exclude(pk__in=others.values("user"))


def can_administer_account(user, account) -> bool:
    return account.pk is not None and accounts_administered(user).filter(pk=account.pk).exists()


# --- Sign-in -----------------------------------------------------------------------------------


def requires_two_factor(user) -> bool:
    """Accounts that configure something, and the inspectorate (it reads reporters'
    identities), sign in with a second factor (antrean.accounts enforces it outside DEBUG;
    anyone may turn it on for their own account)."""
    scope = scope_of(user)
    return scope.is_admin or scope.is_inspector


# --- Gratification reports ---------------------------------------------------------------------


def can_handle_reports(user, office_id: int | None) -> bool:
    """Reads and moves the office's gratification reports: only the inspectorate of the
    office's region. Nobody else, not the office's admins, not a national admin."""
    return office_id is not None and office_id in scope_of(user).inspected_office_ids


def offices_inspected(user) -> QuerySet[Office]:
    """Offices whose reports the account handles."""
    return Office.objects.filter(pk__in=scope_of(user).inspected_office_ids)


def can_unlock_account(user, account) -> bool:
    """Lifts the sign-in lock of `account`: national admins and superusers any account, office
    admins the accounts holding a role at an office they administer."""
    scope = scope_of(user)
    if scope.everything:
        return True
    if not scope.office_ids or account is None:
        return False
    return Membership.objects.filter(user=account, office__in=scope.office_ids).exists()


def accounts_unlockable(user) -> QuerySet:
    """The accounts whose sign-in lock `user` may lift (see `can_unlock_account`)."""
    scope = scope_of(user)
    accounts = get_user_model().objects.all()
    if scope.everything:
        return accounts
    held = Membership.objects.filter(office__in=scope.office_ids).values("user")
    return accounts.filter(pk__in=held)


def may_unlock_accounts(user) -> bool:
    """Sees the page of locked accounts: office admins, national admins, superusers."""
    scope = scope_of(user)
    return scope.everything or bool(scope.office_ids)


# --- Regions, dashboards and onboarding --------------------------------------------------------


def regions_in_scope(user) -> QuerySet[Region]:
    """Regions whose figures the account reads and where it onboards offices: every region
    for national admins, a province with its regencies and cities, one regency or city."""
    scope = scope_of(user)
    regions = Region.objects.all()
    return regions if scope.everything else regions.filter(pk__in=scope.region_ids)


def can_see_region(user, region_id: int | None) -> bool:
    scope = scope_of(user)
    return region_id is not None and (scope.everything or region_id in scope.region_ids)


def can_see_nation(user) -> bool:
    """Reads the national dashboard (every office side by side): national admins and the
    installation's operator."""
    return scope_of(user).everything


def can_see_dashboard(user, office_id: int | None) -> bool:
    """Reads an office's dashboard, its exports and its monthly report: whoever administers
    the office whole (its admins and head, its region's admins, national), and an agency
    admin for its own agency's part (`dashboard_agency_ids`)."""
    scope = scope_of(user)
    if office_id is None:
        return False
    if scope.everything or office_id in scope.office_ids:
        return True
    return Agency.objects.filter(pk__in=scope.admin_agency_ids, office=office_id).exists()


def dashboard_agency_ids(user, office_id: int) -> frozenset[int] | None:
    """The agencies whose figures the account reads on the office's dashboard: None for the
    whole office, else the agencies it administers there (empty: nothing)."""
    scope = scope_of(user)
    if scope.everything or office_id in scope.office_ids:
        return None
    return frozenset(
        Agency.objects.filter(pk__in=scope.admin_agency_ids, office=office_id).values_list(
            "pk", flat=True
        )
    )


def offices_with_dashboard(user) -> QuerySet[Office]:
    """Offices whose dashboard the account reads (whole or in part)."""
    scope = scope_of(user)
    offices = Office.objects.all()
    if scope.everything:
        return offices
    return offices.filter(
        Q(pk__in=scope.office_ids) | Q(agencies__in=scope.admin_agency_ids)
    ).distinct()


def is_office_head(user, office_id: int | None) -> bool:
    """Heads the office: the monthly report is made for (and sent to) them."""
    return office_id is not None and office_id in scope_of(user).head_office_ids


def may_onboard(user) -> bool:
    """Sees the onboarding (office workbook import) page: national and regional admins."""
    return scope_of(user).is_regional


def can_onboard(user, region_id: int | None) -> bool:
    """Creates an office in the region, or updates one of its offices from a workbook (an
    update that moves an office to another region needs both regions)."""
    return can_see_region(user, region_id)
