"""The admin site: Django's, but reached only by a fully signed-in session that passed a second
factor, and signed into through the staff sign-in (password, then the second step) instead of
its own form.

Every account needs the second step here, officers included (ASVS 4.3.1: administrative
interfaces use multi-factor authentication): an officer who signed in with the password alone
uses the console, and is shown how to turn two-factor sign-in on to open the admin.
"""

from django.contrib.admin import AdminSite
from django.shortcuts import render
from django.urls import reverse

from antrean.accounts.signin import signin_is_complete


def _verified(request) -> bool:
    is_verified = getattr(request.user, "is_verified", None)
    return callable(is_verified) and is_verified()


class StaffAdminSite(AdminSite):
    def has_permission(self, request):
        return (
            super().has_permission(request) and signin_is_complete(request) and _verified(request)
        )

    def login(self, request, extra_context=None):
        from antrean.accounts.views import StaffLoginView

        if signin_is_complete(request) and request.user.is_staff and not _verified(request):
            # Signed in with the password alone: the admin needs the second step.
            return render(request, "accounts/admin_needs_two_factor.html", status=403)

        view = StaffLoginView.as_view(
            # An account already signed in but without admin rights sees the form again
            # instead of bouncing between the admin and this page.
            redirect_authenticated_user=False,
            next_page=reverse("admin:index", current_app=self.name),
        )
        return view(request)
