"""The Indonesian text of each message template, as approved in WhatsApp Manager.

The Cloud API sends only a template's name and parameters; these bodies are what the
citizen's phone shows, used here to preview messages on the staff inbox and in docs. Keep
them in step with the templates registered for the office's number (docs/whatsapp.md).
"""

from antrean.notifications.models import Kind

BODIES = {
    Kind.BOOKING_CONFIRMED: (
        "Nomor antrean Anda {1} untuk layanan {2} di {3}, jadwal {4}. Kode pemesanan {5}. "
        "Terlampir Piagam Pakta Integritas Anda. Layanan sesuai biaya resmi; jangan memberi "
        "imbalan apa pun kepada petugas."
    ),
    Kind.BOOKING_CANCELLED: "Antrean {1} untuk layanan {2} ({3}) telah dibatalkan.",
    Kind.REMINDER_DAY: (
        "Pengingat: besok Anda memiliki antrean {1} untuk layanan {2}, jadwal {3}, di {4}. "
        "Bawalah persyaratan yang diperlukan."
    ),
    Kind.REMINDER_HOUR: (
        "Pengingat: antrean {1} untuk layanan {2} dimulai satu jam lagi ({3}) di {4}. "
        "Lakukan check-in di anjungan dengan kode pemesanan Anda."
    ),
    Kind.TURN_NEAR: "Giliran Anda hampir tiba: antrean {1}, {2} orang lagi di depan Anda.",
    Kind.CALLED: "Antrean {1}, silakan menuju loket {2}. Terima kasih atas kesabaran Anda.",
    Kind.SURVEY: (
        "Terima kasih telah berkunjung. Mohon isi survei kepuasan layanan di {1} agar "
        "pelayanan kami makin baik."
    ),
    Kind.REPORT_RECEIVED: (
        "Laporan Anda diterima dan diteruskan kepada Inspektorat. Kode pelacakan: {1}. "
        "Pantau statusnya di {2} dengan kode ini. Identitas Anda tidak diberitahukan kepada "
        "petugas."
    ),
    Kind.NUMBER_CODE: (
        "*{1}* adalah kode verifikasi Anda. Demi keamanan, jangan berikan kode ini kepada "
        "siapa pun. Kode ini kedaluwarsa dalam 5 menit."
    ),
}


def preview_text(kind: str, params: list) -> str:
    text = BODIES.get(kind, "")
    for index, value in enumerate(params, start=1):
        text = text.replace("{%d}" % index, str(value))  # noqa: UP031 — literal braces
    return text
