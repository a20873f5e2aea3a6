"""Tickets (one row per place in a queue, however it was taken) and their daily numbering."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from antrean.catalog.models import Service, Slot
from antrean.core.fields import EncryptedTextField
from antrean.core.personal_data import mask_name, mask_nik, mask_phone
from antrean.integrity.models import Channel
from antrean.queueing.states import ACTIVE, Status

# Crockford's base32 without I, L, O, U: nothing to misread when a code is typed from paper.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8


def new_booking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class Priority(models.TextChoices):
    NONE = "", _("Umum")
    ELDERLY = "lansia", _("Lansia")
    DISABLED = "disabilitas", _("Penyandang disabilitas")
    PREGNANT = "ibu_hamil", _("Ibu hamil")
    CHILD = "anak", _("Membawa anak kecil")


class Ticket(models.Model):
    """A place in a queue: number `A-007`, per service per local date.

    Name, NIK and WhatsApp number are encrypted; `nik_hash` and `phone_hash` (keyed hashes)
    are what the database searches and keeps unique.
    """

    STATUS_CHOICES = [
        (Status.BOOKED, _("Terpesan")),
        (Status.WAITING, _("Menunggu")),
        (Status.CALLED, _("Dipanggil")),
        (Status.SERVING, _("Dilayani")),
        (Status.ON_HOLD, _("Ditunda")),
        (Status.DONE, _("Selesai")),
        (Status.NO_SHOW, _("Tidak hadir")),
        (Status.CANCELLED, _("Dibatalkan")),
        (Status.EXPIRED, _("Kedaluwarsa")),
    ]

    code = models.CharField(_("kode pemesanan"), max_length=CODE_LENGTH, unique=True)
    office = models.ForeignKey(
        "tenancy.Office", verbose_name=_("kantor"), on_delete=models.PROTECT, related_name="tickets"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("layanan"), on_delete=models.PROTECT, related_name="tickets"
    )
    # The service whose sequence gave the number: it stays when a ticket is transferred.
    numbered_service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", editable=False
    )
    slot = models.ForeignKey(
        Slot,
        verbose_name=_("jadwal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    date = models.DateField(_("tanggal"))
    seq = models.PositiveIntegerField(_("urutan"))
    number = models.CharField(_("nomor"), max_length=8)
    status = models.CharField(
        _("status"), max_length=10, choices=STATUS_CHOICES, default=Status.BOOKED
    )
    channel = models.CharField(_("kanal"), max_length=10, choices=Channel.choices)
    priority = models.CharField(
        _("kelompok prioritas"), max_length=12, choices=Priority.choices, blank=True, default=""
    )
    name = EncryptedTextField(_("nama"), purpose="name")
    nik = EncryptedTextField(_("NIK"), purpose="nik", blank=True, default="")
    nik_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    phone = EncryptedTextField(_("nomor WhatsApp"), purpose="phone", blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    whatsapp_consent = models.BooleanField(_("setuju dikirimi WhatsApp"), default=False)
    # What the population registry said of the NIK when it was booked (antrean.core.
    # nik_registry): "" when nobody asked (no registry configured, a walk-in), "verified", or
    # "unverified" (the registry was down and the office takes such bookings: the officer
    # checks the KTP-el at check-in).
    nik_check = models.CharField(
        _("verifikasi NIK"),
        max_length=12,
        blank=True,
        default="",
        choices=[
            ("", _("tidak diperiksa")),
            ("verified", _("cocok dengan Dukcapil")),
            ("unverified", _("belum terverifikasi: periksa KTP-el")),
        ],
    )
    token_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("dibatalkan"), null=True, blank=True)
    # The queue: when the citizen arrived (check-in or walk-in; kept on transfer), and the
    # instant the ticket is ordered by (its slot start for a booker on time, else arrival).
    arrived_at = models.DateTimeField(_("tiba"), null=True, blank=True)
    queue_key = models.DateTimeField(_("urutan antrean"), null=True, blank=True, editable=False)
    counter = models.ForeignKey(
        "catalog.Counter",
        verbose_name=_("loket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("petugas"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    called_at = models.DateTimeField(_("dipanggil"), null=True, blank=True)
    started_at = models.DateTimeField(_("mulai dilayani"), null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    # Set by the retention job (antrean.privacy) when name, NIK and number were emptied; the
    # keyed hashes, code, number, times and status stay for the ledger and the statistics.
    erased_at = models.DateTimeField(
        _("data pribadi dihapus"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("antrean")
        verbose_name_plural = pgettext_lazy("plural", "antrean")
        ordering = ["-date", "numbered_service", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["numbered_service", "date", "seq"], name="ticket_number_unique"
            ),
            models.UniqueConstraint(
                fields=["service", "date", "nik_hash"],
                condition=Q(status__in=sorted(ACTIVE)) & ~Q(nik_hash=""),
                name="ticket_one_active_per_nik",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "date", "status"], name="ticket_office_day"),
            models.Index(fields=["phone_hash", "date"], name="ticket_phone_day"),
            models.Index(fields=["nik_hash"], name="ticket_nik"),
            models.Index(
                fields=["service", "date", "queue_key"],
                condition=Q(status="waiting"),
                name="ticket_waiting",
            ),
            # The retention job's next batch: only tickets not erased yet are in it.
            models.Index(
                fields=["date"], condition=Q(erased_at__isnull=True), name="ticket_erase_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.date:%Y-%m-%d}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def masked_nik(self) -> str:
        return mask_nik(self.nik) if self.nik else ""

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone) if self.phone else ""

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


class TicketSequence(models.Model):
    """The last number given for a (service, date). Incremented inside the booking
    transaction, so a rolled-back booking gives its number back: numbers stay gapless."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    last = models.PositiveIntegerField(default=0)
    walkins = models.PositiveIntegerField(default=0)  # against Service.walkin_daily_quota

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "date"], name="sequence_per_service_day"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.date:%Y-%m-%d}: {self.last}"


class CheckInAttempts(models.Model):
    """Wrong NIK endings typed for one booking on one local day, wherever they were typed
    (kiosk, counter console, API): after CHECKIN_ATTEMPTS the booking cannot be checked in
    anywhere until the next day. Kept apart from Ticket so the booking path never writes it."""

    ticket = models.OneToOneField(
        Ticket, primary_key=True, on_delete=models.CASCADE, related_name="checkin_attempts"
    )
    date = models.DateField()  # the office's local day the count belongs to
    failures = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.date:%Y-%m-%d}: {self.failures}"


class TicketEvent(models.Model):
    """Append-only history of a ticket: every move, who made it, at which counter, when.
    Wait and service times are derived from it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    move = models.CharField(_("tindakan"), max_length=12)
    from_status = models.CharField(_("dari"), max_length=10, blank=True)
    to_status = models.CharField(_("menjadi"), max_length=10)
    at = models.DateTimeField(_("waktu"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("petugas"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    counter = models.ForeignKey(
        "catalog.Counter",
        verbose_name=_("loket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    service = models.ForeignKey(Service, verbose_name=_("layanan"), on_delete=models.PROTECT)
    note = models.TextField(_("catatan"), blank=True)

    class Meta:
        verbose_name = _("riwayat antrean")
        verbose_name_plural = pgettext_lazy("plural", "riwayat antrean")
        ordering = ["ticket", "at", "pk"]
        indexes = [models.Index(fields=["officer", "move", "at"], name="event_officer_move")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.move} {self.at:%H:%M:%S}"


class CallState(models.Model):
    """How many priority tickets an office has called in a row (the K-then-one-regular rule)."""

    office = models.OneToOneField(
        "tenancy.Office", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    priority_streak = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.office_id}: {self.priority_streak}"


class AuditFlag(models.Model):
    """A call or service that deserves a second look. Never deleted: acknowledged with a note."""

    class Kind(models.TextChoices):
        OUT_OF_ORDER = "out_of_order", _("Dipanggil tidak berurutan")
        NO_WAIT = "no_wait", _("Dilayani tanpa menunggu antrean")
        TOO_FAST = "too_fast", _("Selesai jauh lebih cepat dari waktu layanan")
        REPEATED_NO_SHOW = "repeated_no_show", _("Banyak tidak hadir oleh satu petugas")

    office = models.ForeignKey(
        "tenancy.Office", verbose_name=_("kantor"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices)
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("antrean"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_flags",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("petugas"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    counter = models.ForeignKey(
        "catalog.Counter",
        verbose_name=_("loket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("waktu"))
    detail = models.TextField(_("keterangan"), blank=True)
    acknowledged_at = models.DateTimeField(_("ditanggapi"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ditanggapi oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledgement = models.TextField(_("catatan tanggapan"), blank=True)

    class Meta:
        verbose_name = _("tanda audit")
        verbose_name_plural = pgettext_lazy("plural", "tanda audit")
        ordering = ["-at"]
        indexes = [models.Index(fields=["office", "at"], name="audit_office_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"
