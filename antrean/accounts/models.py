"""Sign-in locks per account and address, and the record of who lifted one."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SignInLock(models.Model):
    """Failed sign-ins of one username from one address, and its lockouts.

    `failures` counts wrong passwords and wrong codes since the last success or lockout;
    reaching the limit locks the pair until `locked_until`, for a delay that doubles with each
    lockout in a row (`lockouts`, forgotten after a quiet day). The username is kept as typed,
    so unknown names are locked exactly like real ones (no hint that an account exists).
    """

    username = models.CharField(_("nama pengguna"), max_length=150)
    ip_address = models.CharField(_("alamat"), max_length=45, blank=True)
    failures = models.PositiveIntegerField(_("gagal berturut-turut"), default=0)
    failed_at = models.DateTimeField(_("terakhir gagal"), null=True, blank=True)
    lockouts = models.PositiveIntegerField(_("jumlah penguncian"), default=0)
    locked_at = models.DateTimeField(_("terakhir dikunci"), null=True, blank=True)
    locked_until = models.DateTimeField(_("dikunci sampai"), null=True, blank=True)

    class Meta:
        verbose_name = _("kunci masuk")
        verbose_name_plural = pgettext_lazy("plural", "kunci masuk")
        constraints = [
            models.UniqueConstraint(fields=["username", "ip_address"], name="signin_lock_pair"),
        ]
        indexes = [models.Index(fields=["locked_until"], name="signin_lock_until")]

    def __str__(self) -> str:
        return f"{self.username} @ {self.ip_address or '?'}"


class AccountUnlock(models.Model):
    """An admin lifted the sign-in locks of an account: who, whom, when, which addresses."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("akun"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(_("nama pengguna"), max_length=150)
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuka oleh"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unlocked_by_username = models.CharField(_("nama pengguna pembuka"), max_length=150)
    unlocked_at = models.DateTimeField(_("waktu"))
    addresses = models.TextField(_("alamat yang dibuka"), blank=True)

    class Meta:
        verbose_name = _("pembukaan kunci akun")
        verbose_name_plural = pgettext_lazy("plural", "pembukaan kunci akun")
        ordering = ["-unlocked_at"]

    def __str__(self) -> str:
        return f"{self.username} ← {self.unlocked_by_username} {self.unlocked_at:%Y-%m-%d %H:%M}"
