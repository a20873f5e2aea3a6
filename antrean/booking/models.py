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
