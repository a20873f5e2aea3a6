"""Reports of solicited gratification (pungli), their attachments and their handling steps.

A report is bound to a ticket when it can be (the ticket's facts are copied at report time:
service, counter, the officer who called or served it, the times), or to an office alone.
What the citizen wrote, their contact and their files are personal data: encrypted at rest.

Every handling step (received, under review, closed) is a row of the office's hash chain
(antrean.integrity.ledger), next to the pact signatures. A step's record covers the report's
content by a keyed hash, so editing a report or deleting a step breaks `verify_ledger`.
"""

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from antrean.core.fields import EncryptedTextField

# Crockford's base32 without I, L, O, U (as booking codes): nothing to misread on paper.
TRACKING_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TRACKING_LENGTH = 12  # 60 bits: not guessable, still short enough to type from a phone


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def format_tracking_code(code: str) -> str:
    """`ABCD2345WXYZ` → `ABCD-2345-WXYZ` (how it is shown and read out)."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_tracking_code(text: str) -> str:
    return (text or "").strip().upper().replace("-", "").replace(" ", "")[:40]


class ReportChannel(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    WHATSAPP = "whatsapp", _("WhatsApp")
    KIOSK = "kiosk", _("Anjungan")


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("Diterima")
    UNDER_REVIEW = "under_review", _("Sedang ditelaah")
    CLOSED = "closed", _("Selesai")


class Outcome(models.TextChoices):
    NONE = "", _("—")
    SUBSTANTIATED = "substantiated", _("Terbukti")
    NOT_SUBSTANTIATED = "not_substantiated", _("Tidak terbukti")
    REFERRED_LAPOR = "referred_lapor", _("Diteruskan ke SP4N-LAPOR!")
    REFERRED_SABER_PUNGLI = "referred_saber_pungli", _("Diteruskan ke Saber Pungli")
    REFERRED_KPK = "referred_kpk", _("Diteruskan ke KPK")


@dataclass(frozen=True)
class ChainedState:
    """A report's status and outcome as its latest chained step says (not the row's copy)."""

    status: str
    outcome: str
    at: dt.datetime | None

    @property
    def status_label(self) -> str:
        return str(ReportStatus(self.status).label) if self.status in ReportStatus.values else ""

    @property
    def outcome_label(self) -> str:
        return str(Outcome(self.outcome).label) if self.outcome in Outcome.values else ""

    @property
    def is_closed(self) -> bool:
        return self.status == ReportStatus.CLOSED


class ReportQuerySet(models.QuerySet):
    def with_chain(self) -> "ReportQuerySet":
        """Annotate each report with its latest chained step (`chain_status`, `chain_outcome`,
        `chain_at`): what pages and the API show, and what filters by status read."""
        latest = ReportStep.objects.filter(report=OuterRef("pk")).order_by("-ledger_seq", "-pk")
        return self.annotate(
            chain_status=Subquery(latest.values("kind")[:1]),
            chain_outcome=Subquery(latest.values("outcome")[:1]),
            chain_at=Subquery(latest.values("at")[:1]),
        )


class Report(models.Model):
    """One report. Its content never changes after filing; its status moves by steps.

    `status` and `outcome` are copies kept for indexes; what is shown and acted on is the
    latest chained step (`chained`), and `verify_ledger` names a report whose copy disagrees.
    """

    office = models.ForeignKey(
        "tenancy.Office", verbose_name=_("kantor"), on_delete=models.PROTECT, related_name="+"
    )
    ticket = models.ForeignKey(
        "queueing.Ticket",
        verbose_name=_("antrean"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    tracking_code = models.CharField(_("kode pelacakan"), max_length=TRACKING_LENGTH, unique=True)
    channel = models.CharField(_("kanal"), max_length=10, choices=ReportChannel.choices)
    # The ticket's facts at report time (they stay even if the ticket is transferred later).
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("layanan"),
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
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("petugas yang bertugas"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ticket_number = models.CharField(_("nomor antrean"), max_length=8, blank=True)
    ticket_date = models.DateField(_("tanggal antrean"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("tiba"), null=True, blank=True)
    called_at = models.DateTimeField(_("dipanggil"), null=True, blank=True)
    started_at = models.DateTimeField(_("mulai dilayani"), null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    text = EncryptedTextField(_("isi laporan"), purpose="report-text")
    contact = EncryptedTextField(_("kontak pelapor"), purpose="report-contact", blank=True)
    identity_to_office = models.BooleanField(_("kantor boleh mengetahui identitas"), default=False)
    status = models.CharField(
        _("status"), max_length=14, choices=ReportStatus.choices, default=ReportStatus.RECEIVED
    )
    outcome = models.CharField(
        _("hasil"), max_length=24, choices=Outcome.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(_("dilaporkan"))
    updated_at = models.DateTimeField(_("diperbarui"))
    # Keyed hash of the provider's message id for reports sent by WhatsApp: webhooks repeat.
    source_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    # Keyed hash of the text and contact as filed. The chain covers the live text while it is
    # held and this hash once the retention job has erased it, so the chain still verifies
    # after erasure (docs/decisions/0013-report-erasure.md).
    personal_hash = models.CharField(max_length=64, default="", editable=False)
    erased_at = models.DateTimeField(
        _("data pribadi dihapus"), null=True, blank=True, editable=False
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("laporan gratifikasi")
        verbose_name_plural = pgettext_lazy("plural", "laporan gratifikasi")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["office", "status", "created_at"], name="report_office_status"),
            models.Index(fields=["officer"], name="report_officer"),
        ]

    def __str__(self) -> str:
        return format_tracking_code(self.tracking_code)

    @property
    def tracking_display(self) -> str:
        return format_tracking_code(self.tracking_code)

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @cached_property
    def chained(self) -> ChainedState:
        """The status and outcome of the latest chained step (from `with_chain()` when the
        queryset was annotated, else one query)."""
        if hasattr(self, "chain_status"):
            return ChainedState(self.chain_status or "", self.chain_outcome or "", self.chain_at)
        step = self.steps.order_by("-ledger_seq", "-pk").values("kind", "outcome", "at").first()
        if step is None:
            return ChainedState("", "", None)
        return ChainedState(step["kind"], step["outcome"], step["at"])


# Attachments: what the citizen may send, recognised by their first bytes, never by the name
# or the type the client claims.
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENTS_MAX = 3


class ReportAttachment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="attachments")
    content_type = models.CharField(_("jenis berkas"), max_length=40)
    size = models.PositiveIntegerField(_("ukuran (bita)"))
    sha256 = models.CharField(_("sha256"), max_length=64)
    data = models.BinaryField(_("isi (terenkripsi)"))

    class Meta:
        verbose_name = _("lampiran laporan")
        verbose_name_plural = pgettext_lazy("plural", "lampiran laporan")
        ordering = ["report", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.content_type} {self.sha256[:12]}"

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}.get(
            self.content_type, "bin"
        )


class ReportStep(models.Model):
    """One handling step, chained in the office's ledger. Append-only."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="steps")
    office = models.ForeignKey(
        "tenancy.Office", verbose_name=_("kantor"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("langkah"), max_length=14, choices=ReportStatus.choices)
    outcome = models.CharField(
        _("hasil"), max_length=24, choices=Outcome.choices, blank=True, default=""
    )
    reason = EncryptedTextField(_("alasan"), purpose="report-reason", blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("waktu"))
    ledger_seq = models.PositiveBigIntegerField(_("posisi buku besar"), editable=False)
    prev_hash = models.CharField(_("hash sebelumnya"), max_length=64, editable=False)
    entry_hash = models.CharField(_("hash buku besar"), max_length=64, editable=False)

    class Meta:
        verbose_name = _("langkah laporan")
        verbose_name_plural = pgettext_lazy("plural", "langkah laporan")
        ordering = ["report", "ledger_seq"]
        constraints = [
            models.UniqueConstraint(fields=["office", "ledger_seq"], name="report_step_seq_unique"),
            models.UniqueConstraint(
                fields=["office", "prev_hash"],
                condition=~Q(prev_hash=""),
                name="report_step_prev_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind} #{self.ledger_seq}"
