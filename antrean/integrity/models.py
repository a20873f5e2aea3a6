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


class PactKind(models.TextChoices):
    FULL = "full", _("Teks lengkap")
    CLAUSES = "clauses", _("Klausul tambahan kantor")


# Clauses are printed on the one-page certificate under the national text (~800 characters).
CLAUSES_MAX_CHARS = 1200


class PactText(models.Model):
    """One version of a pact. A published version is never edited: a change is a new version.

    `office` empty means the national text, which every office signs unless the national
    administrators let it use a full text of its own. An office's `clauses` are appended to
    the national text in force when the office extends it (`PactPolicy`); full texts and
    clauses are numbered apart. The body may hold `{kantor}` and `{instansi}`, filled with the
    office's and agency's names.
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
    kind = models.CharField(
        _("jenis"),
        max_length=10,
        choices=PactKind.choices,
        default=PactKind.FULL,
        help_text=_(
            "Klausul tambahan ditambahkan di bawah teks nasional yang berlaku. Teks nasional "
            "selalu teks lengkap."
        ),
    )
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
                fields=["office", "audience", "language", "kind", "version"],
                condition=Q(office__isnull=False),
                name="pact_version_per_office",
            ),
            models.UniqueConstraint(
                fields=["audience", "language", "version"],
                condition=Q(office__isnull=True),
                name="pact_version_national",
            ),
            models.CheckConstraint(
                condition=Q(office__isnull=False) | Q(kind="full"),
                name="pact_national_is_full",
            ),
        ]

    def __str__(self) -> str:
        scope = self.office.code if self.office_id else "nasional"
        if self.kind == PactKind.CLAUSES:
            scope += ", klausul"
        return f"{self.title} ({scope}, v{self.version})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_clauses(self) -> bool:
        return self.kind == PactKind.CLAUSES

    def clean(self):
        if (
            self.pk is not None
            and PactText.objects.filter(pk=self.pk, published_at__isnull=False).exists()
        ):
            raise ValidationError(
                _("Teks yang sudah diterbitkan tidak dapat diubah. Buat versi baru.")
            )
        if self.office_id is None and self.kind == PactKind.CLAUSES:
            raise ValidationError(
                {"kind": _("Klausul tambahan selalu milik satu kantor: pilih kantornya.")}
            )
        if self.kind == PactKind.CLAUSES and len(self.body or "") > CLAUSES_MAX_CHARS:
            # The piagam is one page: the national text and the clauses must fit on it.
            raise ValidationError(
                {
                    "body": _("Klausul tambahan paling panjang %(n)d karakter.")
                    % {"n": CLAUSES_MAX_CHARS}
                }
            )
        if self.version is None or not self.audience:
            return
        same = PactText.objects.filter(
            office_id=self.office_id,
            audience=self.audience,
            language=self.language,
            kind=self.kind,
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


class PactMode(models.TextChoices):
    ADOPT = "adopt", _("Memakai teks nasional apa adanya")
    EXTEND = "extend", _("Teks nasional ditambah klausul kantor")
    OWN = "own", _("Teks lengkap kantor sendiri (ditetapkan admin nasional)")


class PactPolicy(models.Model):
    """How an office's pacts relate to the national text. An office without a row adopts it.

    `extend` appends the office's newest published clauses (per audience) to the national
    text in force; `own` replaces the national text by the office's newest published full
    text, where it has one, and only the national administrators choose it.
    """

    office = models.OneToOneField(
        Office,
        verbose_name=_("kantor"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="pact_policy",
    )
    mode = models.CharField(
        _("mode pakta"), max_length=10, choices=PactMode.choices, default=PactMode.ADOPT
    )
    changed_at = models.DateTimeField(_("diubah"), null=True, blank=True, editable=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diubah oleh"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("mode pakta kantor")
        verbose_name_plural = pgettext_lazy("plural", "mode pakta kantor")
        ordering = ["office__name"]

    def __str__(self) -> str:
        return f"{self.office} — {self.get_mode_display()}"


class PactRendering(models.Model):
    """The exact text a signer was shown: a pact version with the names filled in, and the
    office's clauses after it when the office extends the national text.

    Kept so that what a signer agreed to stays provable even if the office is renamed or a new
    version is published; `sha256` is over the UTF-8 bytes of `text`.
    """

    pact = models.ForeignKey(PactText, on_delete=models.PROTECT, related_name="renderings")
    clauses = models.ForeignKey(
        PactText,
        verbose_name=_("klausul tambahan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clause_renderings",
    )
    office = models.ForeignKey(Office, on_delete=models.PROTECT)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT)
    text = models.TextField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("teks pakta yang ditampilkan")
        verbose_name_plural = pgettext_lazy("plural", "teks pakta yang ditampilkan")
        constraints = [
            models.UniqueConstraint(
                fields=["pact", "office", "sha256"],
                condition=Q(clauses__isnull=True),
                name="rendering_unique",
            ),
            models.UniqueConstraint(
                fields=["pact", "clauses", "office", "sha256"],
                condition=Q(clauses__isnull=False),
                name="rendering_with_clauses_unique",
            ),
        ]

    def __str__(self) -> str:
        if self.clauses_id:
            return f"{self.pact} + {self.clauses} {self.sha256[:12]}"
        return f"{self.pact} {self.sha256[:12]}"

    @property
    def is_national(self) -> bool:
        """The base text is the national one (with or without the office's clauses)."""
        return self.pact.office_id is None

    @property
    def version_label(self) -> str:
        """What the signer is told they agree to: "3 (nasional) + klausul kantor 2"."""
        return pact_version_label(
            version=self.pact.version,
            national=self.is_national,
            clauses_version=self.clauses.version if self.clauses_id else None,
        )


def pact_version_label(*, version: int, national: bool, clauses_version: int | None) -> str:
    if national:
        label = _("%(v)d (nasional)") % {"v": version}
    else:
        label = _("%(v)d (teks kantor)") % {"v": version}
    if clauses_version is not None:
        label = _("%(base)s + klausul kantor %(m)d") % {"base": label, "m": clauses_version}
    return str(label)


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
    # The version of the base text (national, or the office's own full text), and of the
    # office's clauses appended to it; `pact_sha256` covers the whole text as signed.
    pact_version = models.PositiveIntegerField(_("versi pakta"))
    pact_clauses_version = models.PositiveIntegerField(
        _("versi klausul kantor"), null=True, blank=True
    )
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
        version = f"v{self.pact_version}"
        if self.pact_clauses_version is not None:
            version += f"+k{self.pact_clauses_version}"
        return f"{self.get_audience_display()} {version} {self.signed_at:%Y-%m-%d %H:%M}"

    @property
    def version_label(self) -> str:
        """The versions agreed to: "3 (nasional) + klausul kantor 2"."""
        return pact_version_label(
            version=self.pact_version,
            national=self.rendering.pact.office_id is None,
            clauses_version=self.pact_clauses_version,
        )


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
    private key stays in a file (a development key under var/keys/signing/, the office's own
    PKCS#12, or a key made here for a certificate authority's CSR, sealed with the data keys).
    Retired keys stay on record so that what they signed still verifies."""

    class Source(models.TextChoices):
        DEVELOPMENT = "development", _("Kunci pengembangan (swasertifikasi)")
        PKCS12 = "pkcs12", _("Kunci kantor (PKCS#12)")
        CSR = "csr", _("Kunci kantor (CSR, sertifikat dari CA)")

    office = models.ForeignKey(
        Office, verbose_name=_("kantor"), on_delete=models.PROTECT, related_name="signing_keys"
    )
    key_id = models.CharField(_("ID kunci"), max_length=16, unique=True)
    source = models.CharField(_("sumber"), max_length=12, choices=Source.choices)
    certificate_pem = models.TextField(_("sertifikat (PEM)"))
    # The issuing authorities' certificates (intermediate first), put into every signature so
    # that a reader can build the path to the authority's root.
    chain_pem = models.TextField(_("rantai sertifikat CA (PEM)"), blank=True)
    key_path = models.CharField(_("berkas kunci"), max_length=500)
    activated_at = models.DateTimeField(_("aktif sejak"))
    retired_at = models.DateTimeField(_("dipensiunkan"), null=True, blank=True)

    class Meta:
        verbose_name = _("kunci tanda tangan")
        verbose_name_plural = pgettext_lazy("plural", "kunci tanda tangan")
        ordering = ["office", "-activated_at"]

    def __str__(self) -> str:
        return f"{self.office_id} {self.key_id}"


class SigningKeyRequest(models.Model):
    """A private key made here, waiting for the certificate a CA issues for its CSR.

    The key is sealed in a file under the key directory; the CSR is public and kept to be
    downloaded again. One request per office is pending at a time: a new one replaces it.
    Importing the issued chain turns the request into the office's active `SigningKey`.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu sertifikat")
        ACTIVATED = "activated", _("Sertifikat dipasang")
        REPLACED = "replaced", _("Diganti permintaan baru")

    office = models.ForeignKey(
        Office,
        verbose_name=_("kantor"),
        on_delete=models.PROTECT,
        related_name="signing_key_requests",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    key_type = models.CharField(_("jenis kunci"), max_length=12)
    csr_pem = models.TextField(_("CSR (PEM)"))
    public_key_sha256 = models.CharField(_("sidik kunci publik"), max_length=64)
    key_path = models.CharField(_("berkas kunci"), max_length=500)
    created_at = models.DateTimeField(_("dibuat"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signing_key = models.OneToOneField(
        SigningKey,
        verbose_name=_("kunci aktif"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="request",
    )

    class Meta:
        verbose_name = _("permintaan sertifikat")
        verbose_name_plural = pgettext_lazy("plural", "permintaan sertifikat")
        ordering = ["office", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["office"],
                condition=Q(status="pending"),
                name="one_pending_key_request_per_office",
            )
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.public_key_sha256[:16]} ({self.status})"


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
