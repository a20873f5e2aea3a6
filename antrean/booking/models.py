"""State that only online booking needs."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from antrean.core.fields import EncryptedTextField


class PhoneDayCount(models.Model):
    """Active bookings of one WhatsApp number (by keyed hash) for one local date.

    Kept in step by booking_create and booking_cancel with a conditional UPDATE, so the
    per-number limit holds under concurrency without scanning tickets.
    """

    phone_hash = models.CharField(max_length=64)
    date = models.DateField()
    active = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["phone_hash", "date"], name="phone_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.phone_hash[:8]}… {self.date:%Y-%m-%d}: {self.active}"


class NikDayCount(models.Model):
    """Bookings of one NIK (by keyed hash) for one local date, across every office and service.

    The same conditional upsert as PhoneDayCount keeps ANTREAN_MAX_BOOKINGS_PER_NIK_PER_DAY
    under concurrency; a cancellation gives the place back.
    """

    nik_hash = models.CharField(max_length=64)
    date = models.DateField()
    active = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["nik_hash", "date"], name="nik_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.nik_hash[:8]}… {self.date:%Y-%m-%d}: {self.active}"


class HoldStatus(models.TextChoices):
    HELD = "held", _("menunggu bukti nomor")
    CONFIRMED = "confirmed", _("terkonfirmasi")
    EXPIRED = "expired", _("kedaluwarsa")


class BookingHold(models.Model):
    """A place held for an online booking until its WhatsApp number is proven
    (antrean.booking.holds, docs/number-proof.md).

    The hold takes the slot's place and the per-number and per-NIK day counts in the same
    transaction a booking would, so a hold is a place until it is confirmed (it becomes the
    ticket: number, pact signature, ledger entry, certificate, message) or expires (its place
    and counts are given back, and nothing else was ever written). The identity is kept
    encrypted only while the hold waits: confirming or expiring empties it.
    """

    code = models.CharField(_("kode"), max_length=8, unique=True)
    office = models.ForeignKey(
        "tenancy.Office", verbose_name=_("kantor"), on_delete=models.CASCADE, related_name="+"
    )
    service = models.ForeignKey(
        "catalog.Service", verbose_name=_("layanan"), on_delete=models.CASCADE, related_name="+"
    )
    slot = models.ForeignKey(
        "catalog.Slot", verbose_name=_("jadwal"), on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField(_("tanggal"))
    status = models.CharField(
        _("status"), max_length=10, choices=HoldStatus.choices, default=HoldStatus.HELD
    )
    channel = models.CharField(_("kanal"), max_length=10)
    name = EncryptedTextField(_("nama"), purpose="name", blank=True, default="")
    nik = EncryptedTextField(_("NIK"), purpose="nik", blank=True, default="")
    nik_hash = models.CharField(max_length=64, editable=False)
    phone = EncryptedTextField(_("nomor WhatsApp"), purpose="phone", blank=True, default="")
    phone_hash = models.CharField(max_length=64, editable=False)
    whatsapp_consent = models.BooleanField(default=False)
    nik_check = models.CharField(max_length=12, blank=True, default="")
    # The exact pact text the citizen agreed to; signed when the hold is confirmed.
    rendering = models.ForeignKey(
        "integrity.PactRendering", on_delete=models.PROTECT, related_name="+"
    )
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True, default="")
    # The booking token handed out with the hold; the ticket keeps it.
    token_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("dibuat"))
    expires_at = models.DateTimeField(_("berlaku sampai"))
    ended_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    # The one-time code sent with WhatsApp's authentication template: only its keyed hash.
    otp_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    otp_expires_at = models.DateTimeField(null=True, blank=True)
    otp_sends = models.PositiveSmallIntegerField(default=0)
    otp_sent_at = models.DateTimeField(null=True, blank=True)
    otp_failures = models.PositiveSmallIntegerField(default=0)
    proven_by = models.CharField(
        _("bukti nomor"),
        max_length=10,
        blank=True,
        default="",
        choices=[("message", _("pesan dari warga")), ("otp", _("kode sekali pakai"))],
    )
    ticket = models.OneToOneField(
        "queueing.Ticket",
        verbose_name=_("antrean"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hold",
    )

    class Meta:
        verbose_name = _("tempat yang ditahan")
        verbose_name_plural = pgettext_lazy("plural", "tempat yang ditahan")
        constraints = [
            # One waiting hold per NIK, service and day: a second one would hold a second place
            # for the same person (the ticket's own index takes over once confirmed).
            models.UniqueConstraint(
                fields=["service", "date", "nik_hash"],
                condition=Q(status="held"),
                name="hold_one_per_nik",
            ),
        ]
        indexes = [
            models.Index(fields=["expires_at"], condition=Q(status="held"), name="hold_expiring"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.get_status_display()})"
