"""Indonesia's three time zones and their labels."""

from django.utils.translation import gettext_lazy as _

# IANA zones used in Indonesia, with the label people read on a clock.
ZONE_LABELS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}

ZONE_CHOICES = [
    ("Asia/Jakarta", _("WIB — Asia/Jakarta (UTC+7)")),
    ("Asia/Pontianak", _("WIB — Asia/Pontianak (UTC+7, Kalimantan Barat dan Tengah)")),
    ("Asia/Makassar", _("WITA — Asia/Makassar (UTC+8)")),
    ("Asia/Jayapura", _("WIT — Asia/Jayapura (UTC+9)")),
]


def zone_label(zone: str) -> str:
    return ZONE_LABELS.get(zone, zone)
