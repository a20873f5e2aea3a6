"""API access tokens for staff: only a hash of each secret is kept."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ApiToken(models.Model):
    """A Bearer token given to a staff account by `POST /api/v1/auth/token`.

    The secret itself is shown once, in that answer; the database holds its SHA-256, so a
    copy of the database lets nobody act as the officer. A token ends at `expires_at` or when
    revoked, whichever comes first; rows stay as a record of who had access.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("akun"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    key_hash = models.CharField(_("hash token"), max_length=64, unique=True, editable=False)
    label = models.CharField(_("label"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    last_used_at = models.DateTimeField(_("terakhir dipakai"), null=True, blank=True)
    expires_at = models.DateTimeField(_("berlaku sampai"))
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)

    class Meta:
        verbose_name = _("token API")
        verbose_name_plural = pgettext_lazy("plural", "token API")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "expires_at"], name="apitoken_user_expires")]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"

    def is_valid(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now
