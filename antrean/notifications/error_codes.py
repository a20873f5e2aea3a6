"""What the Cloud API's configuration errors mean for the office admin who must fix them.

Codes from Meta's error reference; the categories themselves are decided in
gateways/cloud.py (`classify`).
"""

from django.utils.translation import gettext_lazy as _

CONFIG_ERRORS = {
    "190": _("token akses kedaluwarsa atau tidak sah"),
    "401": _("token akses ditolak"),
    "403": _("izin akun WhatsApp Business tidak cukup"),
    "132000": _("jumlah parameter tidak sesuai templat"),
    "132001": _("templat salah: nama atau bahasa tidak ada atau belum disetujui"),
    "132005": _("teks templat terlalu panjang setelah diisi"),
    "132007": _("isi templat melanggar kebijakan format"),
    "132012": _("format parameter tidak sesuai templat"),
    "132015": _("templat dijeda karena kualitas rendah"),
    "132016": _("templat dinonaktifkan"),
}


def config_error_text(code: str) -> str:
    """`132001` → `132001 (templat salah: …)`; an unlisted code is shown as it is."""
    meaning = CONFIG_ERRORS.get(str(code))
    return f"{code} ({meaning})" if meaning else str(code)
