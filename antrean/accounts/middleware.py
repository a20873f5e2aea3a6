"""Ends a logged-in session that must not go on: past ANTREAN_STAFF_SESSION_HOURS since
signing in, or of an account that needs a second step this session never passed (an admin
role without an authenticator, a session from before two-factor sign-in, a role granted
meanwhile). The request goes on as anonymous, so every staff page, the console and the admin
answer as they do to anyone not signed in."""

from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext as _

from antrean.accounts.signin import session_problem

MESSAGES = {
    "expired": lambda: _("Sesi Anda sudah berakhir. Silakan masuk kembali."),
    "idle": lambda: _("Sesi Anda berakhir karena lama tidak digunakan. Silakan masuk kembali."),
    "second_factor": lambda: _(
        "Akun Anda memerlukan verifikasi dua langkah. Silakan masuk kembali."
    ),
}


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            problem = session_problem(request)
            if problem is not None:
                logout(request)
                if hasattr(request, "_messages"):
                    messages.info(request, MESSAGES[problem]())
        return self.get_response(request)
