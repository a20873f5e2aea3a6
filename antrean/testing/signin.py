"""Signing a test client in as the staff sign-in would, without typing codes."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from antrean.accounts.services import two_factor_required


def sign_in(client, user, *, second_step: bool | None = None):
    """Log `client` in as `user`; an account that needs a second step (or any account, with
    `second_step=True`: an officer who turned it on, as the admin asks) gets a confirmed
    authenticator (when it has none) and a session that passed the step with it."""
    client.force_login(user)
    if second_step is None:
        second_step = two_factor_required(user)
    if second_step:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="uji", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
