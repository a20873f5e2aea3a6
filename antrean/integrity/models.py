"""Integrity pacts: the versioned texts, the exact text each signer saw, and the signatures."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Max, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from antrean.tenancy.models import Agency, Office


class Audience(models.TextChoices):
    CITIZEN = "citizen", _("Pengguna layanan")
    OFFICER = "officer", _("Petugas")


class PactText(models.Model):
    """One version of a pact. A published version is never edited: a change is a new version.

    `office` empty means the national default, used by every office without its own text.
    The body may hold `{kantor}` and `{instansi}`, filled with the office's and agency's names.
    """

    office = models.ForeignKey(
        Office,
        verbose_name=_("kantor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pacts",
        help_text=_("Kosongkan untuk teks nasional (bawaan)."),
    )
    audience = models.CharField(_("untuk"), max_length=10, choices=Audience.choices)
    version = models.PositiveIntegerField(_("versi"))
    language = models.CharField(_("bahasa"), max_length=8, default="id")
    title = models.CharField(_("judul"), max_length=200)
    body = models.TextField(_("isi"))
    published_at = models.DateTimeField(_("diterbitkan"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("teks pakta integritas")
        verbose_name_plural = pgettext_lazy("plural", "teks pakta integritas")
        ordering = ["office__name", "audience", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "audience", "language", "version"],
                condition=Q(office__isnull=False),
                name="pact_version_per_office",
            ),
            models.UniqueConstraint(
                fields=["audience", "language", "version"],
                condition=Q(office__isnull=True),
                name="pact_version_national",
            ),
        ]

    def __str__(self) -> str:
        scope = self.office.code if self.office_id else "nasional"
        return f"{self.title} ({scope}, v{self.version})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def clean(self):
        if (
            self.pk is not None
            and PactText.objects.filter(pk=self.pk, published_at__isnull=False).exists()
        ):
            raise ValidationError(
                _("Teks yang sudah diterbitkan tidak dapat diubah. Buat versi baru.")
            )
        if self.version is None or not self.audience:
            return
        same = PactText.objects.filter(
            office_id=self.office_id, audience=self.audience, language=self.language
        ).exclude(pk=self.pk)
        if same.filter(version=self.version).exists():
            raise ValidationError({"version": _("Versi ini sudah ada.")})
        newest = same.filter(published_at__isnull=False).aggregate(v=Max("version"))["v"]
        if newest is not None and self.version <= newest:
            # A lower version could never come into force: the newest published one wins.
            raise ValidationError(
                {
                    "version": _("Versi harus lebih besar dari versi terbit terakhir (%(v)d).")
                    % {"v": newest}
                }
            )


class PactRendering(models.Model):
    """The exact text a signer was shown: a pact version with the names filled in.

    Kept so that what a signer agreed to stays provable even if the office is renamed or a new
    version is published; `sha256` is over the UTF-8 bytes of `text`.
    """

    pact = models.ForeignKey(PactText, on_delete=models.PROTECT, related_name="renderings")
    office = models.ForeignKey(Office, on_delete=models.PROTECT)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT)
    text = models.TextField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("teks pakta yang ditampilkan")
        verbose_name_plural = pgettext_lazy("plural", "teks pakta yang ditampilkan")
        constraints = [
            models.UniqueConstraint(fields=["pact", "office", "sha256"], name="rendering_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.pact} {self.sha256[:12]}"


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    KIOSK = "kiosk", _("Anjungan")
    COUNTER = "counter", _("Loket")
    WHATSAPP = "whatsapp", _("WhatsApp")


class PactSignature(models.Model):
    """A signed pact: who agreed to which exact text, when and through which channel.

    A citizen's signature is created in the same transaction as the ticket it belongs to, so
    no ticket exists without one.
    """

    office = models.ForeignKey(Office, verbose_name=_("kantor"), on_delete=models.PROTECT)
    audience = models.CharField(_("untuk"), max_length=10, choices=Audience.choices)
    rendering = models.ForeignKey(
        PactRendering, verbose_name=_("teks"), on_delete=models.PROTECT, related_name="signatures"
    )
    pact_version = models.PositiveIntegerField(_("versi pakta"))
    pact_sha256 = models.CharField(_("sha256 pakta"), max_length=64)
    ticket = models.OneToOneField(
        "queueing.Ticket",
        verbose_name=_("antrean"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pact_signature",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("petugas"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pact_signatures",
    )
    signed_at = models.DateTimeField(_("waktu (UTC)"))
    channel = models.CharField(_("kanal"), max_length=10, choices=Channel.choices)
    client_ip = models.GenericIPAddressField(_("alamat IP"), null=True, blank=True)
    user_agent = models.CharField(_("peramban"), max_length=300, blank=True)
    # The office's hash chain (integrity.ledger): position, the previous entry's hash, and
    # sha256 over this entry's canonical record.
    ledger_seq = models.PositiveBigIntegerField(_("posisi buku besar"), null=True, editable=False)
    prev_hash = models.CharField(_("hash sebelumnya"), max_length=64, blank=True, editable=False)
    entry_hash = models.CharField(_("hash buku besar"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("tanda tangan pakta")
        verbose_name_plural = pgettext_lazy("plural", "tanda tangan pakta")
        ordering = ["-signed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ticket__isnull=False) | Q(officer__isnull=False),
                name="signature_has_signer",
            ),
            models.UniqueConstraint(fields=["office", "ledger_seq"], name="ledger_seq_unique"),
            models.UniqueConstraint(
                fields=["office", "prev_hash"],
                condition=~Q(prev_hash=""),
                name="ledger_prev_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_audience_display()} v{self.pact_version} {self.signed_at:%Y-%m-%d %H:%M}"


class LedgerHead(models.Model):
    """The newest entry of an office's chain. Appending locks this row, so the offices' chains
    grow independently and never wait on each other."""

    office = models.OneToOneField(
        Office, primary_key=True, on_delete=models.CASCADE, related_name="ledger_head"
    )
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("kepala buku besar")
        verbose_name_plural = pgettext_lazy("plural", "kepala buku besar")

    def __str__(self) -> str:
        return f"{self.office_id} #{self.seq} {self.hash[:12]}"


class SigningKey(models.Model):
    """A key an office signs certificates with. Only the certificate is stored here; the
    private key stays in a file (a development key under var/keys/signing/, or the office's
    own PKCS#12). Retired keys stay on record so that what they signed still verifies."""

    class Source(models.TextChoices):
        DEVELOPMENT = "development", _("Kunci pengembangan (swasertifikasi)")
        PKCS12 = "pkcs12", _("Kunci kantor (PKCS#12)")

    office = models.ForeignKey(
        Office, verbose_name=_("kantor"), on_delete=models.PROTECT, related_name="signing_keys"
    )
    key_id = models.CharField(_("ID kunci"), max_length=16, unique=True)
    source = models.CharField(_("sumber"), max_length=12, choices=Source.choices)
    certificate_pem = models.TextField(_("sertifikat (PEM)"))
    key_path = models.CharField(_("berkas kunci"), max_length=500)
    activated_at = models.DateTimeField(_("aktif sejak"))
    retired_at = models.DateTimeField(_("dipensiunkan"), null=True, blank=True)

    class Meta:
        verbose_name = _("kunci tanda tangan")
        verbose_name_plural = pgettext_lazy("plural", "kunci tanda tangan")
        ordering = ["office", "-activated_at"]

    def __str__(self) -> str:
        return f"{self.office_id} {self.key_id}"


class Certificate(models.Model):
    """The piagam of one signature: a signed PDF made once by a task, then served as stored."""

    class Status(models.TextChoices):
        VALID = "valid", _("Sah")
        REVOKED = "revoked", _("Dicabut")

    signature = models.OneToOneField(
        PactSignature,
        verbose_name=_("tanda tangan"),
        on_delete=models.PROTECT,
        related_name="certificate",
    )
    office = models.ForeignKey(Office, verbose_name=_("kantor"), on_delete=models.PROTECT)
    number = models.CharField(_("nomor piagam"), max_length=80, unique=True)
    verification_code = models.CharField(_("kode verifikasi"), max_length=24, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.VALID
    )
    pdf = models.FileField(_("berkas PDF"), upload_to="certificates/%Y/%m/", blank=True)
    pdf_sha256 = models.CharField(_("sha256 PDF"), max_length=64, blank=True, db_index=True)
    signing_key = models.ForeignKey(
        SigningKey, verbose_name=_("kunci"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    rendered_at = models.DateTimeField(_("PDF dibuat"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("dicabut pada"), null=True, blank=True)
    revoked_reason = models.TextField(_("alasan pencabutan"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dicabut oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The retention job deletes the file (it carries the full name) and keeps the record:
    # the verification page still says the certificate existed, and an uploaded copy still
    # matches `pdf_sha256`.
    pdf_erased_at = models.DateTimeField(
        _("berkas dihapus (retensi)"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("piagam")
        verbose_name_plural = pgettext_lazy("plural", "piagam")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(rendered_at__isnull=True),
                name="certificate_pending",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_ready(self) -> bool:
        """Its PDF can be downloaded: rendered, and not erased under the retention policy."""
        return bool(self.pdf_sha256) and self.pdf_erased_at is None

    @property
    def is_erased(self) -> bool:
        return self.pdf_erased_at is not None
