"""Regions, offices (a public service mall or any service unit) and the agencies inside them."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from antrean.core.timezones import ZONE_CHOICES, zone_label


class Region(models.Model):
    """A Kemendagri region: province (`51`), regency or city (`51.03`)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Provinsi")
        REGENCY = "regency", _("Kabupaten")
        CITY = "city", _("Kota")

    code = models.CharField(_("kode Kemendagri"), max_length=13, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    level = models.CharField(_("tingkat"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("induk"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("wilayah")
        verbose_name_plural = pgettext_lazy("plural", "wilayah")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


NUMBER_PROOF_CHOICES = [
    ("auto", _("otomatis: wajib bila WhatsApp Cloud API aktif")),
    ("on", _("wajib")),
    ("off", _("tidak wajib")),
]


class Office(models.Model):
    code = models.SlugField(
        _("kode"),
        max_length=40,
        unique=True,
        help_text=_("Contoh: mpp-badung. Tampil di alamat web."),
    )
    name = models.CharField(_("nama"), max_length=200)
    region = models.ForeignKey(Region, verbose_name=_("wilayah"), on_delete=models.PROTECT)
    address = models.TextField(_("alamat"), blank=True)
    phone = models.CharField(_("telepon"), max_length=40, blank=True)
    timezone = models.CharField(_("zona waktu"), max_length=40, choices=ZONE_CHOICES)
    booking_horizon_days = models.PositiveSmallIntegerField(
        _("jadwal dibuka (hari ke depan)"),
        default=14,
        help_text=_("Berapa hari ke depan warga dapat memesan antrean daring."),
    )
    daily_cutoff = models.TimeField(
        _("batas pemesanan hari yang sama"),
        null=True,
        blank=True,
        help_text=_("Setelah jam ini (waktu setempat) antrean daring untuk hari ini ditutup."),
    )
    reminder_hour = models.PositiveSmallIntegerField(
        _("jam pengingat H-1"),
        default=16,
        validators=[MaxValueValidator(23)],
        help_text=_("Jam (waktu setempat) pengingat WhatsApp dikirim sehari sebelum jadwal."),
    )
    checkin_before_minutes = models.PositiveSmallIntegerField(
        _("check-in dibuka (menit sebelum jadwal)"), default=30
    )
    checkin_after_minutes = models.PositiveSmallIntegerField(
        _("check-in ditutup (menit setelah jadwal berakhir)"), default=15
    )
    ontime_grace_minutes = models.PositiveSmallIntegerField(
        _("toleransi terlambat (menit)"),
        default=10,
        help_text=_(
            "Pemesan yang check-in paling lambat sekian menit setelah jadwal mulai tetap "
            "diurutkan menurut jadwalnya; yang lebih lambat menurut waktu check-in."
        ),
    )
    priority_streak_limit = models.PositiveSmallIntegerField(
        _("panggilan prioritas berturut-turut"),
        default=2,
        help_text=_("Setelah sekian panggilan kelompok prioritas, satu antrean umum dipanggil."),
    )
    noshow_strikes = models.PositiveSmallIntegerField(_("batas tidak hadir"), default=3)
    noshow_window_days = models.PositiveSmallIntegerField(
        _("rentang hitung tidak hadir (hari)"), default=30
    )
    noshow_block_days = models.PositiveSmallIntegerField(
        _("lama blokir pemesanan daring (hari)"), default=30
    )
    turn_near_ahead = models.PositiveSmallIntegerField(
        _("pemberitahuan giliran hampir tiba (orang di depan)"),
        default=3,
        help_text=_("Warga diberi tahu (halaman status dan WhatsApp) saat tinggal sekian orang."),
    )
    nik_registry_down = models.CharField(
        _("bila verifikasi NIK tidak tersedia"),
        max_length=10,
        choices=[
            ("accept", _("terima pemesanan, tandai NIK belum terverifikasi")),
            ("refuse", _("tolak pemesanan")),
        ],
        default="accept",
        help_text=_(
            "Berlaku bila verifikasi NIK ke Dukcapil aktif tetapi layanannya tidak menjawab. "
            "Antrean yang diterima tanpa verifikasi ditandai agar petugas memeriksa KTP-el "
            "saat check-in."
        ),
    )
    # Proof of the WhatsApp number before an online booking is confirmed (antrean.booking.
    # holds, docs/number-proof.md), per channel. "auto": on when messages really leave (the
    # Cloud API gateway), off with the console gateway of a laptop.
    number_proof_web = models.CharField(
        _("bukti nomor WhatsApp: pemesanan lewat situs"),
        max_length=4,
        choices=NUMBER_PROOF_CHOICES,
        default="auto",
        help_text=_(
            "Bila wajib, pemesanan daring menahan tempat selama 10 menit sampai warga "
            "membuktikan nomor WhatsApp-nya (mengirim pesan berisi kode, atau mengetik kode "
            "yang dikirim lewat WhatsApp). Antrean langsung dan kios tidak memerlukannya."
        ),
    )
    number_proof_api = models.CharField(
        _("bukti nomor WhatsApp: pemesanan lewat API"),
        max_length=4,
        choices=NUMBER_PROOF_CHOICES,
        default="auto",
    )
    is_active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("kantor")
        verbose_name_plural = pgettext_lazy("plural", "kantor")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def zone_label(self) -> str:
        return zone_label(self.timezone)

    def local_now(self, now: dt.datetime | None = None) -> dt.datetime:
        return (now or timezone.now()).astimezone(self.zone)

    def local_today(self, now: dt.datetime | None = None) -> dt.date:
        return self.local_now(now).date()


class OpeningHours(models.Model):
    """Service hours for one weekday; a weekday without a row is closed."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Senin")
        TUESDAY = 1, _("Selasa")
        WEDNESDAY = 2, _("Rabu")
        THURSDAY = 3, _("Kamis")
        FRIDAY = 4, _("Jumat")
        SATURDAY = 5, _("Sabtu")
        SUNDAY = 6, _("Minggu")

    office = models.ForeignKey(
        Office, verbose_name=_("kantor"), on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("hari"), choices=Weekday.choices)
    opens = models.TimeField(_("buka"))
    closes = models.TimeField(_("tutup"))
    break_start = models.TimeField(_("istirahat mulai"), null=True, blank=True)
    break_end = models.TimeField(_("istirahat selesai"), null=True, blank=True)

    class Meta:
        verbose_name = _("jam layanan")
        verbose_name_plural = pgettext_lazy("plural", "jam layanan")
        ordering = ["office", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["office", "weekday"], name="opening_hours_one_per_day"),
            models.CheckConstraint(condition=Q(opens__lt=F("closes")), name="opening_hours_order"),
            models.CheckConstraint(
                condition=Q(break_start__isnull=True, break_end__isnull=True)
                | Q(
                    break_start__gt=F("opens"),
                    break_end__gt=F("break_start"),
                    break_end__lt=F("closes"),
                ),
                name="opening_hours_break_inside",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self):
        # The CHECK constraints say the same; these messages are what an admin can act on.
        if self.opens is None or self.closes is None:
            return
        if self.opens >= self.closes:
            raise ValidationError({"closes": _("Jam tutup harus setelah jam buka.")})
        if (self.break_start is None) != (self.break_end is None):
            raise ValidationError(
                {"break_end": _("Isi jam mulai dan selesai istirahat, atau kosongkan keduanya.")}
            )
        if self.break_start is not None and not (
            self.opens < self.break_start < self.break_end < self.closes
        ):
            raise ValidationError(
                {
                    "break_start": _(
                        "Istirahat harus berada di dalam jam layanan dan selesai setelah mulai."
                    )
                }
            )


class Closure(models.Model):
    """A date the office is closed: national holidays and cuti bersama are seeded, the rest
    (regional days such as Nyepi, office events) the admin adds."""

    class Kind(models.TextChoices):
        NATIONAL = "national", _("Libur nasional")
        CUTI_BERSAMA = "cuti_bersama", _("Cuti bersama")
        REGIONAL = "regional", _("Libur daerah")
        OFFICE = "office", _("Kebijakan kantor")

    office = models.ForeignKey(
        Office, verbose_name=_("kantor"), on_delete=models.CASCADE, related_name="closures"
    )
    date = models.DateField(_("tanggal"))
    reason = models.CharField(_("keterangan"), max_length=200)
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices, default=Kind.OFFICE)

    class Meta:
        verbose_name = _("hari tutup")
        verbose_name_plural = pgettext_lazy("plural", "hari tutup")
        ordering = ["office", "date"]
        constraints = [
            models.UniqueConstraint(fields=["office", "date"], name="closure_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.reason}"


class Agency(models.Model):
    """An instansi with a booth in an office (Disdukcapil, Imigrasi, Samsat, BPJS …)."""

    office = models.ForeignKey(
        Office, verbose_name=_("kantor"), on_delete=models.PROTECT, related_name="agencies"
    )
    code = models.SlugField(_("kode"), max_length=40)
    name = models.CharField(_("nama lengkap"), max_length=200)
    short_name = models.CharField(_("nama singkat"), max_length=60)
    is_active = models.BooleanField(_("aktif"), default=True)
    position = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("instansi")
        verbose_name_plural = pgettext_lazy("plural", "instansi")
        ordering = ["office", "position", "short_name"]
        constraints = [
            models.UniqueConstraint(fields=["office", "code"], name="agency_code_per_office"),
        ]

    def __str__(self) -> str:
        return self.short_name


class Membership(models.Model):
    """What a staff account may do, and where: an officer of one agency at one office, an
    agency admin, an office admin or head, the admin of a regency/city or a province (the
    offices of the region), a national admin (no office), or the inspectorate (APIP) of a
    region, which handles the gratification reports of the region's offices and nothing
    else. `antrean.tenancy.permissions` turns these rows into what the account reaches."""

    class Role(models.TextChoices):
        OFFICER = "officer", _("Petugas loket")
        AGENCY_ADMIN = "agency_admin", _("Admin instansi")
        OFFICE_ADMIN = "office_admin", _("Admin kantor")
        OFFICE_HEAD = "office_head", _("Kepala kantor")
        REGENCY_ADMIN = "regency_admin", _("Admin kabupaten/kota")
        PROVINCE_ADMIN = "province_admin", _("Admin provinsi")
        NATIONAL_ADMIN = "national_admin", _("Admin nasional")
        INSPECTORATE = "inspectorate", _("Inspektorat (APIP)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("akun"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("peran"), max_length=20, choices=Role.choices)
    office = models.ForeignKey(
        Office,
        verbose_name=_("kantor"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("instansi"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
    )

    # Only for the regional roles (province, regency, inspectorate): a province reaches its
    # regencies' offices.
    region = models.ForeignKey(
        Region,
        verbose_name=_("wilayah"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )

    class Meta:
        verbose_name = _("keanggotaan staf")
        verbose_name_plural = pgettext_lazy("plural", "keanggotaan staf")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "office", "agency", "region"], name="membership_unique"
            ),
            models.CheckConstraint(
                condition=~Q(role__in=["inspectorate", "province_admin", "regency_admin"])
                | Q(region__isnull=False, office__isnull=True, agency__isnull=True),
                name="regional_role_has_region",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["inspectorate", "province_admin", "regency_admin"])
                | Q(region__isnull=True),
                name="only_regional_roles_have_region",
            ),
        ]

    def __str__(self) -> str:
        where = self.agency or self.office or self.region or _("nasional")
        return f"{self.user} — {self.get_role_display()} ({where})"

    def clean(self):
        if self.role in REGIONAL_ROLES:
            if not self.region_id:
                raise ValidationError({"region": _("Peran ini harus terikat pada satu wilayah.")})
            if self.office_id or self.agency_id:
                raise ValidationError(
                    {"office": _("Peran ini terikat pada wilayah, bukan kantor atau instansi.")}
                )
            level = self.region.level
            if self.role == self.Role.PROVINCE_ADMIN and level != Region.Level.PROVINCE:
                raise ValidationError({"region": _("Admin provinsi harus terikat pada provinsi.")})
            if self.role == self.Role.REGENCY_ADMIN and level == Region.Level.PROVINCE:
                raise ValidationError(
                    {"region": _("Admin kabupaten/kota harus terikat pada kabupaten atau kota.")}
                )
            return
        if self.region_id:
            raise ValidationError(
                {"region": _("Hanya peran wilayah dan inspektorat yang terikat pada wilayah.")}
            )
        needs_agency = self.role in (self.Role.OFFICER, self.Role.AGENCY_ADMIN)
        if needs_agency and not self.agency_id:
            raise ValidationError({"agency": _("Petugas dan admin instansi harus punya instansi.")})
        if self.role != self.Role.NATIONAL_ADMIN and not self.office_id:
            raise ValidationError({"office": _("Peran ini harus terikat pada satu kantor.")})
        if self.agency_id and self.office_id and self.agency.office_id != self.office_id:
            raise ValidationError({"agency": _("Instansi ini bukan bagian dari kantor tersebut.")})


# Roles bound to a region rather than an office.
REGIONAL_ROLES = (
    Membership.Role.PROVINCE_ADMIN,
    Membership.Role.REGENCY_ADMIN,
    Membership.Role.INSPECTORATE,
)
