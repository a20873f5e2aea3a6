"""Reads of the onboarding page."""

from django.db.models import QuerySet

from antrean.tenancy import permissions
from antrean.tenancy.models import Office


def offices_exportable(user) -> QuerySet[Office]:
    """Offices whose workbook the account may download: those of the regions it onboards in."""
    return (
        Office.objects.filter(region__in=permissions.regions_in_scope(user))
        .select_related("region")
        .order_by("region__code", "name")
    )
