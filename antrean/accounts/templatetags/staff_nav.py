"""The staff navigation, by role: `{% staff_nav user as nav %}` gives `nav.home` (where the
brand link leads), `nav.reports` (the gratification reports link: the inspectorate only),
`nav.dashboard` (the dashboards link: whoever reads any dashboard) and `nav.onboard` (the
office workbook page: national and regional admins)."""

from django import template
from django.urls import reverse

from antrean.accounts.signin import staff_home_url
from antrean.tenancy import permissions

register = template.Library()


@register.simple_tag
def staff_nav(user) -> dict:
    if not getattr(user, "is_authenticated", False):
        return {
            "home": reverse("queueing:login"),
            "reports": False,
            "dashboard": False,
            "onboard": False,
        }
    return {
        "home": staff_home_url(user),
        "reports": permissions.scope_of(user).is_inspector,
        "dashboard": permissions.scope_of(user).is_regional
        or permissions.offices_with_dashboard(user).exists(),
        "onboard": permissions.may_onboard(user),
    }
