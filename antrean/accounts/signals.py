"""Every failed sign-in counts towards the lock of its account and address: wrong passwords
(sent by django.contrib.auth.authenticate) and wrong codes (sent by accounts.signin)."""

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from antrean.accounts.services import signin_failure_record
from antrean.core.http import client_ip


@receiver(user_login_failed, dispatch_uid="antrean.accounts.count_failure")
def count_failure(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username")
    if request is None or not username:
        return
    until = signin_failure_record(username=username, ip=client_ip(request), now=timezone.now())
    if until is not None:
        request.signin_locked_until = until
