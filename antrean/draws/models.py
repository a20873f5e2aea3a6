"""A draw (undian) for one service's places on one day, its entries, and its two steps in the
office's ledger (docs/draws.md).

What is public: the commitment (SHA-256 of the secret seed) from the window's opening, the
seed from the close, every entry's hash (derived from its request code, which only the
entrant holds: no personal data), the number of places and the resulting order. The seed is
kept encrypted until the close.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from antrean.core.fields import EncryptedTextField


class DrawStatus(models.TextChoices):
    OPEN = "open", _("menerima permintaan")
    DRAWN = "drawn", _("sudah diundi")


class Draw(models.Model):
    office = models.ForeignKey(
        "tenancy.Office", verbose_name=_("kantor"), on_delete=models.PROTECT, related_name="+"
    )
    service = models.ForeignKey(
        "catalog.Service", verbose_name=_("layanan"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("hari layanan"))
    opens_at = models.DateTimeField(_("dibuka"))
    closes_at = models.DateTimeField(_("ditarik"))
    status = models.CharField(
        _("status"), max_length=8, choices=DrawStatus.choices, default=DrawStatus.OPEN
    )
    commitment = models.CharField(_("komitmen (SHA-256 benih)"), max_length=64)
    # The seed, encrypted until the draw; then published as `seed`.
    seed_sealed = EncryptedTextField(purpose="draw-seed", editable=False)
    seed = models.CharField(_("benih"), max_length=64, blank=True, default="")
    places = models.PositiveIntegerField(_("kuota diundi"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("diundi pada"), null=True, blank=True)

    class Meta:
        verbose_name = _("undian")
        verbose_name_plural = pgettext_lazy("plural", "undian")
        ordering = ["-date", "service"]
        constraints = [
            models.UniqueConstraint(fields=["service", "date"], name="draw_one_per_service_day"),
        ]
        indexes = [
            models.Index(fields=["closes_at"], condition=Q(status="open"), name="draw_due"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.date:%Y-%m-%d} ({self.status})"


class EntryStatus(models.TextChoices):
    ENTERED = "entered", _("ikut undian")
    WON = "won", _("mendapat kuota")
    WAITLISTED = "waitlisted", _("daftar tunggu")
    REFUSED = "refused", _("menang tetapi tidak dapat dipesankan")


class DrawEntry(models.Model):
    """One request in a draw: one per NIK. The identity is kept encrypted until the draw
    decides (a winner's ticket keeps it; the wait list keeps it while it can still move up)."""

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="entries")
    code = models.CharField(_("kode permintaan"), max_length=8, unique=True)
    token_hash = models.CharField(max_length=64, editable=False)
    # SHA-256 of "<draw id>:<code>": public, and only the entrant can find theirs.
    entry_hash = models.CharField(_("hash permintaan"), max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.ENTERED
    )
    rank = models.PositiveIntegerField(_("urutan undian"), null=True, blank=True)
    reason = models.CharField(_("alasan"), max_length=40, blank=True, default="")
    channel = models.CharField(_("kanal"), max_length=10)
    name = EncryptedTextField(_("nama"), purpose="name", blank=True, default="")
    nik = EncryptedTextField(_("NIK"), purpose="nik", blank=True, default="")
    nik_hash = models.CharField(max_length=64, editable=False)
    phone = EncryptedTextField(_("nomor WhatsApp"), purpose="phone", blank=True, default="")
    phone_hash = models.CharField(max_length=64, editable=False)
    whatsapp_consent = models.BooleanField(default=False)
    nik_check = models.CharField(max_length=12, blank=True, default="")
    rendering = models.ForeignKey(
        "integrity.PactRendering", on_delete=models.PROTECT, related_name="+"
    )
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(_("dibuat"))
    ticket = models.OneToOneField(
        "queueing.Ticket",
        verbose_name=_("antrean"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="draw_entry",
    )

    class Meta:
        verbose_name = _("permintaan undian")
        verbose_name_plural = pgettext_lazy("plural", "permintaan undian")
        ordering = ["draw", "rank", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "nik_hash"], name="draw_entry_one_per_nik"),
            models.UniqueConstraint(fields=["draw", "entry_hash"], name="draw_entry_hash_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.get_status_display()})"


class DrawStep(models.Model):
    """A draw's entry in the office's hash chain: "open" carries the commitment, "drawn" the
    revealed seed and digests of the entry list and of the result."""

    office = models.ForeignKey("tenancy.Office", on_delete=models.PROTECT, related_name="+")
    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(max_length=8)
    at = models.DateTimeField()
    commitment = models.CharField(max_length=64)
    seed = models.CharField(max_length=64, blank=True, default="")
    entries_sha256 = models.CharField(max_length=64, blank=True, default="")
    result_sha256 = models.CharField(max_length=64, blank=True, default="")
    places = models.PositiveIntegerField(null=True, blank=True)
    ledger_seq = models.PositiveBigIntegerField(editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    entry_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("langkah undian")
        verbose_name_plural = pgettext_lazy("plural", "langkah undian")
        ordering = ["draw", "ledger_seq"]
        constraints = [
            models.UniqueConstraint(fields=["office", "ledger_seq"], name="draw_step_seq_unique"),
            models.UniqueConstraint(fields=["draw", "kind"], name="draw_step_once"),
        ]

    def __str__(self) -> str:
        return f"{self.draw_id} {self.kind} #{self.ledger_seq}"
