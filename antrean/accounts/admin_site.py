"""The admin site: Django's, but reached only by a fully signed-in session, and signed into
through the staff sign-in (password, then the second step) instead of its own form."""

from django.contrib.admin import AdminSite
from django.urls import reverse

from antrean.accounts.signin import signin_is_complete


class StaffAdminSite(AdminSite):
    def has_permission(self, request):
        return super().has_permission(request) and signin_is_complete(request)

    def login(self, request, extra_context=None):
        from antrean.accounts.views import StaffLoginView

        view = StaffLoginView.as_view(
            # An account already signed in but without admin rights sees the form again
            # instead of bouncing between the admin and this page.
            redirect_authenticated_user=False,
            next_page=reverse("admin:index", current_app=self.name),
        )
        return view(request)
