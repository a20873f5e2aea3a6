"""State that only online booking needs."""

from django.db import models


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
