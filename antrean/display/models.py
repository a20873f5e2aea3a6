"""What the hall shows (the TV board's running text) and the registered kiosks."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Board(models.Model):
    """The TV display of an office: its running text, edited by the office admin."""

    office = models.OneToOneField(
        "tenancy.Office",
        verbose_name=_("kantor"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="board",
    )
    running_text = models.TextField(
        _("teks berjalan"),
        blank=True,
        default="Semua layanan sesuai biaya resmi. Jangan memberi imbalan apa pun kepada petugas.",
        help_text=_("Tampil bergulir di bagian bawah layar TV. Jangan tulis data pribadi."),
    )
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("layar TV")
        verbose_name_plural = pgettext_lazy("plural", "layar TV")

    def __str__(self) -> str:
        return str(self.office)


class Kiosk(models.Model):
    """A kiosk (anjungan) registered by the office admin: it works with its own secret token,
    never as an open page. Its printer is an ESC/POS thermal printer on the network, or none
    (then the citizen takes the ticket on screen)."""

    class Paper(models.IntegerChoices):
        MM80 = 80, _("80 mm")
        MM58 = 58, _("58 mm")

    office = models.ForeignKey(
        "tenancy.Office", verbose_name=_("kantor"), on_delete=models.CASCADE, related_name="kiosks"
    )
    name = models.CharField(_("nama"), max_length=80)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    printer_host = models.CharField(_("alamat printer"), max_length=120, blank=True)
    printer_port = models.PositiveIntegerField(_("port printer"), default=9100)
    paper = models.PositiveSmallIntegerField(_("lebar kertas"), choices=Paper.choices, default=80)
    is_active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(_("didaftarkan"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("terakhir aktif"), null=True, blank=True)

    class Meta:
        verbose_name = _("anjungan")
        verbose_name_plural = pgettext_lazy("plural", "anjungan")
        ordering = ["office", "name"]

    def __str__(self) -> str:
        return f"{self.office} — {self.name}"
