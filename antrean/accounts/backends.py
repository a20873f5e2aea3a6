"""The first authentication backend: refuses a locked account-and-address pair before any
password is checked, on every sign-in path (staff page, admin, API)."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from antrean.accounts.services import signin_locked_until
from antrean.core.http import client_ip


class SignInLockBackend:
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or not username:
            return None
        until = signin_locked_until(username=username, ip=client_ip(request), now=timezone.now())
        if until is not None:
            request.signin_locked_until = until
            # Stops authenticate() here: no other backend checks the password.
            raise PermissionDenied
        return None

    # No get_user(): it never signs anyone in, so sessions (and the test client's
    # force_login) name the backend that did.
