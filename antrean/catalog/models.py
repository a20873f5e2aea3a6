"""Services with their service standard, and the bookable time slots of each day."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from antrean.catalog.releases import validate_release_times
from antrean.tenancy.models import Agency, Office

prefix_validator = RegexValidator(
    r"^[A-Z]{1,2}$", _("Awalan nomor antrean terdiri atas 1–2 huruf kapital, misalnya A.")
)


class Service(models.Model):
    """A layanan of an agency, with its service standard (requirements, fee, duration)."""

    office = models.ForeignKey(
        Office,
        verbose_name=_("kantor"),
        on_delete=models.PROTECT,
        related_name="services",
        editable=False,
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("instansi"), on_delete=models.PROTECT, related_name="services"
    )
    code = models.SlugField(_("kode"), max_length=40)
    name = models.CharField(_("nama layanan"), max_length=200)
    description = models.TextField(_("keterangan"), blank=True)
    prefix = models.CharField(
        _("awalan nomor"),
        max_length=2,
        validators=[prefix_validator],
        help_text=_("Huruf di depan nomor antrean (A-001). Unik dalam satu kantor."),
    )
    fee = models.PositiveIntegerField(
        _("biaya resmi (Rp)"), default=0, help_text=_("0 berarti gratis.")
    )
    fee_note = models.CharField(_("dasar biaya"), max_length=200, blank=True)
    requirements = models.TextField(
        _("persyaratan"), blank=True, help_text=_("Satu persyaratan per baris.")
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("waktu layanan (menit)"), default=15, help_text=_("Lama rata-rata melayani satu warga.")
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("panjang jadwal (menit)"),
        default=60,
        help_text=_("Jam layanan dibagi menjadi jadwal sepanjang ini untuk pemesanan daring."),
    )
    slot_capacity = models.PositiveSmallIntegerField(_("kuota daring per jadwal"), default=10)
    walkin_daily_quota = models.PositiveSmallIntegerField(
        _("kuota langsung per hari"),
        default=50,
        help_text=_("Antrean yang diambil langsung di kantor (anjungan atau loket)."),
    )
    # Places of a day released in parts (antrean.catalog.releases): local times, comma-separated.
    release_times = models.CharField(
        _("jam pelepasan kuota bertahap"),
        max_length=200,
        blank=True,
        default="",
        validators=[validate_release_times],
        help_text=_(
            "Kosong: semua kuota suatu tanggal dibuka sekaligus. Misalnya 07:00, 10:00, 13:00, "
            "16:00: pada hari tanggal itu mulai dapat dipesan, kuotanya dibuka seperempat pada "
            "tiap jam tersebut (waktu setempat)."
        ),
    )
    # How a day's online places are given (antrean.draws, docs/draws.md): first come, or by a
    # public, verifiable draw among the requests made during a window before the day.
    release_mode = models.CharField(
        _("cara pembagian kuota daring"),
        max_length=10,
        choices=[("first_come", _("siapa cepat dia dapat")), ("draw", _("undian"))],
        default="first_come",
    )
    draw_open_days = models.PositiveSmallIntegerField(
        _("undian dibuka (hari sebelum)"),
        default=7,
        help_text=_("Permintaan undian dibuka sekian hari sebelum hari layanan."),
    )
    draw_close_days = models.PositiveSmallIntegerField(
        _("undian ditutup (hari sebelum)"),
        default=6,
        help_text=_("Undian ditarik sekian hari sebelum hari layanan."),
    )
    draw_time = models.TimeField(
        _("jam buka dan tarik undian"),
        default=datetime.time(7),
        help_text=_("Waktu setempat kantor."),
    )
    is_active = models.BooleanField(_("aktif"), default=True)
    position = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("layanan")
        verbose_name_plural = pgettext_lazy("plural", "layanan")
        ordering = ["office", "agency__position", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["office", "code"], name="service_code_per_office"),
            models.UniqueConstraint(fields=["office", "prefix"], name="service_prefix_per_office"),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5), name="service_slot_minutes_min"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # The office is the agency's; it is stored too so that prefixes can be unique per office.
        self.office_id = self.agency.office_id
        super().save(*args, **kwargs)

    def clean(self):
        # `office` is not a form field (it follows the agency), so the database's per-office
        # unique constraints would only fail at save time; say it here, next to the field.
        if self.agency_id is None:
            return
        errors = {}
        office_id = Agency.objects.filter(pk=self.agency_id).values_list("office_id", flat=True)
        others = Service.objects.filter(office_id__in=office_id).exclude(pk=self.pk)
        if self.prefix and others.filter(prefix=self.prefix).exists():
            errors["prefix"] = _("Awalan ini sudah dipakai layanan lain di kantor yang sama.")
        if self.code and others.filter(code=self.code).exists():
            errors["code"] = _("Kode ini sudah dipakai layanan lain di kantor yang sama.")
        if self.slot_minutes is not None and self.slot_minutes < 5:
            errors["slot_minutes"] = _("Panjang jadwal paling sedikit 5 menit.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_free(self) -> bool:
        return self.fee == 0

    @property
    def requirement_list(self) -> list[str]:
        return [line.strip() for line in self.requirements.splitlines() if line.strip()]


class Slot(models.Model):
    """A bookable period of one service on one local date.

    `booked` counts active bookings. It only changes through a conditional UPDATE checked by
    row count (see booking.services); the CHECK constraint is the last line of defence.
    """

    service = models.ForeignKey(
        Service, verbose_name=_("layanan"), on_delete=models.CASCADE, related_name="slots"
    )
    date = models.DateField(_("tanggal"))
    start = models.TimeField(_("mulai"))
    end = models.TimeField(_("selesai"))
    starts_at = models.DateTimeField(_("mulai (UTC)"), editable=False)
    ends_at = models.DateTimeField(_("selesai (UTC)"), editable=False)
    capacity = models.PositiveSmallIntegerField(_("kuota"))
    booked = models.PositiveSmallIntegerField(_("terpesan"), default=0, editable=False)
    # Of `booked`, the places held for a WhatsApp number not proven yet (antrean.booking.
    # holds): capped at a share of the capacity, so numbers nobody proves cannot block a
    # whole slot for the hold's ten minutes.
    held = models.PositiveSmallIntegerField(_("ditahan"), default=0, editable=False)

    class Meta:
        verbose_name = _("jadwal")
        verbose_name_plural = pgettext_lazy("plural", "jadwal")
        ordering = ["service", "date", "start"]
        constraints = [
            models.UniqueConstraint(fields=["service", "date", "start"], name="slot_unique_start"),
            models.CheckConstraint(
                condition=Q(booked__lte=F("capacity")), name="slot_within_capacity"
            ),
            models.CheckConstraint(condition=Q(booked__gte=0), name="slot_booked_not_negative"),
            models.CheckConstraint(condition=Q(held__lte=F("booked")), name="slot_held_booked"),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="slot_order"),
        ]
        indexes = [models.Index(fields=["date", "service"], name="slot_by_date")]

    def __str__(self) -> str:
        return f"{self.service} {self.date:%Y-%m-%d} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self):
        # Read `booked` fresh: bookings keep coming while an admin has the form open.
        if self.pk is None or self.capacity is None:
            return
        booked = Slot.objects.filter(pk=self.pk).values_list("booked", flat=True).first() or 0
        if self.capacity < booked:
            raise ValidationError(
                {
                    "capacity": _(
                        "Kuota tidak boleh lebih kecil dari jumlah yang sudah terpesan "
                        "(%(booked)d)."
                    )
                    % {"booked": booked}
                }
            )

    # Set by antrean.catalog.releases.releases_apply where places are released in parts.
    released: int | None = None
    next_release = None

    @property
    def remaining(self) -> int:
        cap = self.capacity if self.released is None else min(self.capacity, self.released)
        return max(cap - self.booked, 0)


class Counter(models.Model):
    """A loket: a desk of one agency where an officer serves a chosen set of its services."""

    office = models.ForeignKey(
        Office,
        verbose_name=_("kantor"),
        on_delete=models.PROTECT,
        related_name="counters",
        editable=False,
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("instansi"), on_delete=models.PROTECT, related_name="counters"
    )
    number = models.PositiveSmallIntegerField(
        _("nomor loket"), help_text=_('Dibacakan saat memanggil: "silakan ke loket tiga".')
    )
    name = models.CharField(_("nama"), max_length=60, blank=True)
    services = models.ManyToManyField(Service, verbose_name=_("layanan"), related_name="counters")
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("loket")
        verbose_name_plural = pgettext_lazy("plural", "loket")
        ordering = ["office", "number"]
        constraints = [
            models.UniqueConstraint(fields=["office", "number"], name="counter_number_per_office"),
        ]

    def __str__(self) -> str:
        return self.name or f"Loket {self.number}"

    def save(self, *args, **kwargs):
        self.office_id = self.agency.office_id
        super().save(*args, **kwargs)
