"""The WhatsApp outbox: one row per message, written in the transaction of the event that
causes it, sent by the worker, updated by the provider's status webhooks."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from antrean.core.fields import EncryptedTextField


class Kind(models.TextChoices):
    BOOKING_CONFIRMED = "booking_confirmed", _("Pemesanan berhasil")
    BOOKING_CANCELLED = "booking_cancelled", _("Pemesanan dibatalkan")
    REMINDER_DAY = "reminder_day", _("Pengingat sehari sebelum")
    REMINDER_HOUR = "reminder_hour", _("Pengingat satu jam sebelum")
    TURN_NEAR = "turn_near", _("Giliran hampir tiba")
    CALLED = "called", _("Dipanggil ke loket")
    SURVEY = "survey", _("Survei kepuasan")
    REPORT_RECEIVED = "report_received", _("Laporan gratifikasi diterima")
    # WhatsApp's authentication template: the one-time code that proves a booking's number
    # (antrean.booking.holds). Its code is scrubbed from the row once sent through the Cloud
    # API, and no staff page shows it (the console gateway's inbox, a developer's phone, does).
    NUMBER_CODE = "number_code", _("Kode verifikasi nomor WhatsApp")


# Messages no staff page or admin list shows: a report's receipt would tell the office who
# reported (antrean.reports).
STAFF_HIDDEN_KINDS = (Kind.REPORT_RECEIVED,)
# And these when messages really leave (not the console gateway): a one-time code is the
# citizen's alone.
STAFF_HIDDEN_WHEN_SENT = (Kind.NUMBER_CODE,)
SCRUBBED = "••••••"


def staff_hidden_kinds() -> tuple[str, ...]:
    from django.conf import settings

    if settings.WHATSAPP_GATEWAY == "console":
        return STAFF_HIDDEN_KINDS
    return (*STAFF_HIDDEN_KINDS, *STAFF_HIDDEN_WHEN_SENT)


class Status(models.TextChoices):
    PENDING = "pending", _("Menunggu dikirim")
    SENDING = "sending", _("Sedang dikirim")
    SENT = "sent", _("Terkirim")
    DELIVERED = "delivered", _("Sampai")
    READ = "read", _("Dibaca")
    FAILED = "failed", _("Gagal")
    AMBIGUOUS = "ambiguous", _("Tidak pasti (proses terhenti saat mengirim)")
    CANCELLED = "cancelled", _("Tidak jadi dikirim")


# Provider statuses only move forward: a late "delivered" never undoes "read".
STATUS_RANK = {
    Status.PENDING: 0,
    Status.SENDING: 1,
    Status.AMBIGUOUS: 1,
    Status.SENT: 2,
    Status.DELIVERED: 3,
    Status.READ: 4,
}


class ErrorCategory(models.TextChoices):
    TRANSIENT = "transient", _("Sementara (dicoba lagi)")
    PERMANENT = "permanent", _("Permanen")
    CONFIG = "config", _("Kesalahan konfigurasi (templat atau token)")
    NOT_ON_WHATSAPP = "not_on_whatsapp", _("Nomor tidak memakai WhatsApp")


class Message(models.Model):
    office = models.ForeignKey(
        "tenancy.Office", verbose_name=_("kantor"), on_delete=models.PROTECT, related_name="+"
    )
    ticket = models.ForeignKey(
        "queueing.Ticket",
        verbose_name=_("antrean"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices)
    recipient = EncryptedTextField(_("penerima"), purpose="phone")
    recipient_hash = models.CharField(max_length=64, editable=False)
    template_name = models.CharField(_("templat"), max_length=100)
    language = models.CharField(_("bahasa"), max_length=10, default="id")
    params = models.JSONField(_("parameter"), default=list)
    with_certificate = models.BooleanField(_("lampiran piagam"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    next_attempt_at = models.DateTimeField(_("percobaan berikut"))
    claimed_by = models.CharField(max_length=40, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set and committed just before the request leaves: a worker that dies after this point
    # may have been heard by the provider, so the message is not sent again blindly.
    request_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    provider_id = models.CharField(  # noqa: DJ001 — NULL until sent; unique when set
        _("ID penyedia"), max_length=128, null=True, blank=True
    )
    error_code = models.CharField(_("kode galat"), max_length=20, blank=True)
    error_category = models.CharField(
        _("jenis galat"), max_length=20, choices=ErrorCategory.choices, blank=True
    )
    error_detail = models.TextField(_("keterangan galat"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    sent_at = models.DateTimeField(_("terkirim"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("sampai"), null=True, blank=True)
    read_at = models.DateTimeField(_("dibaca"), null=True, blank=True)
    failed_at = models.DateTimeField(_("gagal"), null=True, blank=True)

    class Meta:
        verbose_name = _("pesan")
        verbose_name_plural = pgettext_lazy("plural", "pesan")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=Q(ticket__isnull=False),
                name="message_once_per_ticket_kind",
            ),
            models.UniqueConstraint(
                fields=["provider_id"],
                condition=Q(provider_id__isnull=False),
                name="message_provider_id_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="message_due",
            ),
            models.Index(fields=["status", "created_at"], name="message_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.masked_recipient}"

    @property
    def masked_recipient(self) -> str:
        from antrean.core.personal_data import mask_phone

        return mask_phone(self.recipient) if self.recipient else ""


class MessageEvent(models.Model):
    """Append-only history of a message: attempts, errors, provider statuses, admin actions."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("waktu"))
    event = models.CharField(_("peristiwa"), max_length=20)
    detail = models.TextField(_("keterangan"), blank=True)

    class Meta:
        verbose_name = _("riwayat pesan")
        verbose_name_plural = pgettext_lazy("plural", "riwayat pesan")
        ordering = ["message", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.event}"


class StatusReceipt(models.Model):
    """One provider status seen by the webhook, kept once: duplicates are recognised."""

    provider_id = models.CharField(max_length=128)
    status = models.CharField(max_length=12)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider_id", "status"], name="receipt_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.status}"


class InboundMessage(models.Model):
    """A message a citizen sent to the office's number, kept for later use (complaints,
    replies). The sender and what they wrote are personal data (people send their NIK, their
    name, their complaint): both encrypted, the sender with a keyed hash. The retention job
    empties both once the message is older than the retention period."""

    provider_id = models.CharField(max_length=128, unique=True)
    sender = EncryptedTextField(_("pengirim"), purpose="phone")
    sender_hash = models.CharField(max_length=64, db_index=True, editable=False)
    kind = models.CharField(_("jenis"), max_length=20)
    text = EncryptedTextField(_("isi"), purpose="inbound-text", blank=True)
    sent_at = models.DateTimeField(_("waktu kirim"))
    received_at = models.DateTimeField(_("diterima"), auto_now_add=True)

    class Meta:
        verbose_name = _("pesan masuk")
        verbose_name_plural = pgettext_lazy("plural", "pesan masuk")
        ordering = ["-sent_at"]
        indexes = [
            # What the retention job looks for: messages whose sender is not erased yet.
            models.Index(fields=["sent_at"], condition=~Q(sender=""), name="inbound_not_erased"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.sent_at:%Y-%m-%d %H:%M}"


class UnreachableNumber(models.Model):
    """A number the provider said is not on WhatsApp (131026): later bookings with it are told
    that the certificate stays on the web."""

    phone_hash = models.CharField(max_length=64, unique=True)
    marked_at = models.DateTimeField()

    class Meta:
        verbose_name = _("nomor tanpa WhatsApp")
        verbose_name_plural = pgettext_lazy("plural", "nomor tanpa WhatsApp")

    def __str__(self) -> str:
        return f"{self.phone_hash[:10]}…"


class TemplateName(models.Model):
    """The approved WhatsApp template name for a kind of message, per office (or nationally
    when office is empty). Without a row the default `antrean_<kind>` is used."""

    office = models.ForeignKey(
        "tenancy.Office",
        verbose_name=_("kantor"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("nama templat"), max_length=100)
    language = models.CharField(_("bahasa"), max_length=10, default="id")

    class Meta:
        verbose_name = _("nama templat WhatsApp")
        verbose_name_plural = pgettext_lazy("plural", "nama templat WhatsApp")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "kind"],
                condition=Q(office__isnull=False),
                name="template_per_office",
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(office__isnull=True), name="template_national"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.name}"


class MediaUpload(models.Model):
    """A certificate PDF uploaded to the provider's media store (kept there 30 days), so a
    retry or a second message reuses it instead of uploading again."""

    certificate = models.OneToOneField(
        "integrity.Certificate", on_delete=models.CASCADE, related_name="media_upload"
    )
    media_id = models.CharField(max_length=128)
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.media_id


class OutboxWorker(models.Model):
    """A running sender, seen recently. Messages claimed by a worker that stopped being seen
    are recovered; those of a live worker are left alone, however long its batch takes."""

    worker_id = models.CharField(max_length=40, primary_key=True)
    last_seen = models.DateTimeField()

    def __str__(self) -> str:
        return self.worker_id
