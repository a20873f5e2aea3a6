"""Error codes shared by the citizen pages and the API.

The string values are a public contract: clients switch on them, so they never change. Each
code has its HTTP status and an Indonesian message (English through the `en` catalogue).
"""

from enum import StrEnum

from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _


class ErrorCode(StrEnum):
    INVALID_REQUEST = "invalid_request"
    MALFORMED_JSON = "malformed_json"
    REQUEST_TOO_LARGE = "request_too_large"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    BAD_TOKEN = "bad_token"  # noqa: S105 — an error code, not a secret
    FORBIDDEN = "forbidden"
    SERVER_ERROR = "server_error"
    INVALID_NAME = "invalid_name"
    INVALID_NIK = "invalid_nik"
    INVALID_PHONE = "invalid_phone"
    PACT_REQUIRED = "pact_required"
    PACT_OUTDATED = "pact_outdated"
    OFFICE_CLOSED = "office_closed"
    SLOT_PAST = "slot_past"
    CUTOFF_PASSED = "cutoff_passed"
    SLOT_FULL = "slot_full"
    DUPLICATE_BOOKING = "duplicate_booking"
    TOO_MANY_BOOKINGS = "too_many_bookings"
    NIK_DAILY_LIMIT = "nik_daily_limit"
    NIK_NOT_VERIFIED = "nik_not_verified"
    NIK_REGISTRY_UNAVAILABLE = "nik_registry_unavailable"
    # Proof of the WhatsApp number (antrean.booking.holds)
    NUMBER_PROOF_REQUIRED = "number_proof_required"
    HOLD_EXPIRED = "hold_expired"
    SLOT_HELD = "slot_held"
    SLOT_NOT_RELEASED = "slot_not_released"
    # Places released by a draw (antrean.draws)
    DRAW_NOT_OPEN = "draw_not_open"
    DUPLICATE_ENTRY = "duplicate_entry"
    BOOKING_BY_DRAW = "booking_by_draw"
    OTP_INVALID = "otp_invalid"
    OTP_EXPIRED = "otp_expired"
    OTP_LOCKED = "otp_locked"
    OTP_TOO_SOON = "otp_too_soon"
    OTP_SEND_LIMIT = "otp_send_limit"
    INVALID_TRANSITION = "invalid_transition"
    CERTIFICATE_PENDING = "certificate_pending"
    BLOCKED_NO_SHOW = "blocked_no_show"
    QUEUE_EMPTY = "queue_empty"
    OFFICER_PACT_REQUIRED = "officer_pact_required"
    BAD_CREDENTIALS = "bad_credentials"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    OTP_REQUIRED = "otp_required"
    BAD_OTP = "bad_otp"
    TWO_FACTOR_SETUP_REQUIRED = "two_factor_setup_required"
    TWO_FACTOR_REQUIRED = "two_factor_required"
    CHECKIN_REFUSED = "checkin_refused"
    CHECKIN_TOO_EARLY = "checkin_too_early"
    CHECKIN_TOO_LATE = "checkin_too_late"
    WALKIN_FULL = "walkin_full"
    REASON_REQUIRED = "reason_required"
    RATE_LIMITED = "rate_limited"
    # The citizen's voice (antrean.feedback, antrean.reports)
    SURVEY_NOT_OPEN = "survey_not_open"
    SURVEY_EXPIRED = "survey_expired"
    SURVEY_ALREADY_ANSWERED = "survey_already_answered"
    INVALID_ANSWER = "invalid_answer"
    REPORT_TEXT_REQUIRED = "report_text_required"
    ATTACHMENT_REFUSED = "attachment_refused"
    INVALID_PERIOD = "invalid_period"

    @property
    def status(self) -> int:
        return _STATUS.get(self, 422)

    @property
    def message(self) -> str:
        return str(_MESSAGES[self])


_STATUS = {
    ErrorCode.MALFORMED_JSON: 400,
    ErrorCode.REQUEST_TOO_LARGE: 413,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.BAD_TOKEN: 403,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.SERVER_ERROR: 500,
    ErrorCode.SLOT_FULL: 409,
    ErrorCode.DUPLICATE_BOOKING: 409,
    ErrorCode.TOO_MANY_BOOKINGS: 409,
    ErrorCode.NIK_DAILY_LIMIT: 409,
    ErrorCode.NIK_REGISTRY_UNAVAILABLE: 503,
    ErrorCode.NUMBER_PROOF_REQUIRED: 409,
    ErrorCode.HOLD_EXPIRED: 410,
    ErrorCode.SLOT_HELD: 409,
    ErrorCode.SLOT_NOT_RELEASED: 409,
    ErrorCode.DRAW_NOT_OPEN: 409,
    ErrorCode.DUPLICATE_ENTRY: 409,
    ErrorCode.BOOKING_BY_DRAW: 409,
    ErrorCode.OTP_EXPIRED: 410,
    ErrorCode.OTP_LOCKED: 429,
    ErrorCode.OTP_TOO_SOON: 429,
    ErrorCode.OTP_SEND_LIMIT: 429,
    ErrorCode.INVALID_TRANSITION: 409,
    ErrorCode.CERTIFICATE_PENDING: 409,
    ErrorCode.BLOCKED_NO_SHOW: 403,
    ErrorCode.QUEUE_EMPTY: 404,
    ErrorCode.OFFICER_PACT_REQUIRED: 403,
    ErrorCode.BAD_CREDENTIALS: 401,
    ErrorCode.TOO_MANY_ATTEMPTS: 429,
    ErrorCode.OTP_REQUIRED: 401,
    ErrorCode.BAD_OTP: 401,
    ErrorCode.TWO_FACTOR_SETUP_REQUIRED: 403,
    ErrorCode.TWO_FACTOR_REQUIRED: 403,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.WALKIN_FULL: 409,
    ErrorCode.SURVEY_NOT_OPEN: 409,
    ErrorCode.SURVEY_EXPIRED: 410,
    ErrorCode.SURVEY_ALREADY_ANSWERED: 409,
    ErrorCode.ATTACHMENT_REFUSED: 422,
}

_MESSAGES = {
    ErrorCode.INVALID_REQUEST: _("Permintaan tidak lengkap atau isinya tidak sesuai."),
    ErrorCode.MALFORMED_JSON: _("Isi permintaan bukan JSON yang sah."),
    ErrorCode.REQUEST_TOO_LARGE: _("Permintaan terlalu besar."),
    ErrorCode.NOT_FOUND: _("Data yang dicari tidak ditemukan."),
    ErrorCode.METHOD_NOT_ALLOWED: _("Metode permintaan ini tidak didukung."),
    ErrorCode.BAD_TOKEN: _("Token pemesanan tidak sah untuk antrean ini."),
    ErrorCode.FORBIDDEN: _("Anda tidak berwenang melakukan tindakan ini."),
    ErrorCode.SERVER_ERROR: _("Terjadi kesalahan pada sistem. Silakan coba lagi."),
    ErrorCode.INVALID_NAME: _("Nama harus 2 sampai 100 karakter."),
    ErrorCode.INVALID_NIK: _(
        "NIK tidak sah. NIK terdiri atas 16 angka sesuai KTP-el atau Kartu Keluarga."
    ),
    ErrorCode.INVALID_PHONE: _(
        "Nomor WhatsApp tidak sah. Gunakan nomor ponsel Indonesia, misalnya 0812 3456 7890."
    ),
    ErrorCode.PACT_REQUIRED: _(
        "Anda harus menyetujui Pakta Integritas untuk mengambil nomor antrean."
    ),
    ErrorCode.PACT_OUTDATED: _(
        "Pakta Integritas telah diperbarui. Bacalah versi terbaru lalu setujui kembali."
    ),
    ErrorCode.OFFICE_CLOSED: _("Kantor tutup pada tanggal tersebut."),
    ErrorCode.SLOT_PAST: _("Jadwal tersebut sudah lewat. Silakan pilih jadwal lain."),
    ErrorCode.CUTOFF_PASSED: _(
        "Pemesanan untuk hari ini sudah ditutup. Silakan pilih tanggal lain."
    ),
    ErrorCode.SLOT_FULL: _("Kuota jadwal ini sudah penuh. Silakan pilih jadwal lain."),
    ErrorCode.DUPLICATE_BOOKING: _(
        "NIK ini sudah memiliki antrean aktif untuk layanan yang sama pada tanggal tersebut."
    ),
    ErrorCode.TOO_MANY_BOOKINGS: _(
        "Nomor WhatsApp ini sudah mencapai batas antrean aktif pada tanggal tersebut."
    ),
    ErrorCode.NIK_DAILY_LIMIT: _(
        "NIK ini sudah mencapai batas antrean aktif pada tanggal tersebut."
    ),
    ErrorCode.NIK_NOT_VERIFIED: _(
        "NIK dan nama tidak cocok dengan data kependudukan (Dukcapil). Periksa kembali NIK dan "
        "nama lengkap sesuai KTP-el."
    ),
    ErrorCode.NIK_REGISTRY_UNAVAILABLE: _(
        "Verifikasi NIK ke Dukcapil sedang tidak tersedia, dan kantor ini hanya menerima "
        "pemesanan dengan NIK terverifikasi. Silakan coba lagi beberapa menit lagi."
    ),
    ErrorCode.NUMBER_PROOF_REQUIRED: _(
        "Kantor ini meminta bukti nomor WhatsApp sebelum antrean daring dikonfirmasi."
    ),
    ErrorCode.HOLD_EXPIRED: _(
        "Waktu untuk membuktikan nomor WhatsApp sudah habis dan tempat Anda telah dilepas. "
        "Silakan pesan kembali."
    ),
    ErrorCode.SLOT_HELD: _(
        "Tempat yang tersisa pada jadwal ini sedang ditahan untuk warga yang belum membuktikan "
        "nomor WhatsApp-nya. Coba lagi beberapa menit lagi, atau pilih jadwal lain."
    ),
    ErrorCode.SLOT_NOT_RELEASED: _(
        "Kuota jadwal ini dibuka bertahap dan tempat yang sudah dibuka telah habis. Bagian "
        "berikutnya dibuka pada jam yang tertera di halaman jadwal."
    ),
    ErrorCode.DRAW_NOT_OPEN: _(
        "Undian untuk layanan dan tanggal ini sedang tidak menerima permintaan. Lihat jadwal "
        "pembukaan undian pada halaman layanan."
    ),
    ErrorCode.DUPLICATE_ENTRY: _(
        "NIK ini sudah terdaftar dalam undian layanan dan tanggal yang sama."
    ),
    ErrorCode.BOOKING_BY_DRAW: _(
        "Kuota daring layanan ini pada tanggal tersebut dibagikan lewat undian, bukan siapa "
        "cepat dia dapat. Ikuti undiannya selama masa pendaftaran."
    ),
    ErrorCode.OTP_INVALID: _("Kode verifikasi salah. Periksa pesan WhatsApp Anda dan coba lagi."),
    ErrorCode.OTP_EXPIRED: _(
        "Kode verifikasi sudah tidak berlaku atau belum dikirim. Mintalah kode baru."
    ),
    ErrorCode.OTP_LOCKED: _(
        "Terlalu banyak kode yang salah. Mintalah kode baru, atau kirim pesan konfirmasi "
        "lewat WhatsApp."
    ),
    ErrorCode.OTP_TOO_SOON: _("Kode baru saja dikirim. Tunggu sebentar sebelum meminta lagi."),
    ErrorCode.OTP_SEND_LIMIT: _(
        "Kode sudah dikirim beberapa kali. Kirim pesan konfirmasi lewat WhatsApp, atau pesan "
        "kembali."
    ),
    ErrorCode.RATE_LIMITED: _(
        "Terlalu banyak permintaan pemesanan dari jaringan Anda. Silakan coba lagi beberapa "
        "menit lagi."
    ),
    ErrorCode.CERTIFICATE_PENDING: _(
        "Piagam sedang disiapkan dan akan tersedia dalam beberapa detik. Coba lagi sebentar lagi."
    ),
    ErrorCode.BLOCKED_NO_SHOW: _(
        "NIK ini sementara tidak dapat memesan antrean daring karena beberapa kali tidak hadir. "
        "Silakan datang langsung ke kantor."
    ),
    ErrorCode.QUEUE_EMPTY: _("Tidak ada antrean yang menunggu untuk loket ini."),
    ErrorCode.OFFICER_PACT_REQUIRED: _(
        "Tandatangani Pakta Integritas Petugas hari ini sebelum memanggil antrean."
    ),
    ErrorCode.BAD_CREDENTIALS: _("Nama pengguna atau kata sandi salah."),
    ErrorCode.TOO_MANY_ATTEMPTS: _(
        "Terlalu banyak percobaan masuk yang gagal. Akun dikunci sementara; coba lagi nanti."
    ),
    ErrorCode.OTP_REQUIRED: _(
        "Akun ini memakai verifikasi dua langkah. Sertakan kode 6 angka dari aplikasi "
        "autentikator (atau satu kode pemulihan)."
    ),
    ErrorCode.BAD_OTP: _("Kode verifikasi salah atau sudah tidak berlaku."),
    ErrorCode.TWO_FACTOR_SETUP_REQUIRED: _(
        "Akun dengan peran admin wajib memasang verifikasi dua langkah. Masuk lewat halaman "
        "staf (/staf/masuk/) untuk memasangnya, lalu coba lagi."
    ),
    ErrorCode.TWO_FACTOR_REQUIRED: _(
        "Akun dengan peran admin wajib memakai verifikasi dua langkah; verifikasi ini tidak "
        "dapat dimatikan."
    ),
    ErrorCode.CHECKIN_REFUSED: _(
        "Kode pemesanan atau 4 angka terakhir NIK tidak cocok dengan antrean mana pun."
    ),
    ErrorCode.CHECKIN_TOO_EARLY: _(
        "Check-in belum dibuka untuk jadwal ini. Silakan kembali mendekati jadwal Anda."
    ),
    ErrorCode.CHECKIN_TOO_LATE: _(
        "Waktu check-in untuk jadwal ini sudah lewat. Silakan ambil antrean langsung."
    ),
    ErrorCode.WALKIN_FULL: _("Kuota antrean langsung untuk layanan ini hari ini sudah habis."),
    ErrorCode.REASON_REQUIRED: _(
        "Tuliskan alasan memanggil antrean ini di luar urutan (paling sedikit 5 karakter)."
    ),
    ErrorCode.INVALID_TRANSITION: _(
        "Tindakan ini tidak dapat dilakukan pada status antrean saat ini."
    ),
    ErrorCode.SURVEY_NOT_OPEN: _(
        "Survei kepuasan dibuka setelah layanan Anda selesai. Silakan isi setelah dilayani."
    ),
    ErrorCode.SURVEY_EXPIRED: _(
        "Tautan survei ini sudah tidak berlaku (berlaku 7 hari setelah layanan selesai)."
    ),
    ErrorCode.SURVEY_ALREADY_ANSWERED: _(
        "Survei untuk layanan ini sudah diisi. Terima kasih atas penilaian Anda."
    ),
    ErrorCode.INVALID_ANSWER: _("Jawaban survei tidak lengkap atau ada nilai yang tidak sah."),
    ErrorCode.REPORT_TEXT_REQUIRED: _(
        "Ceritakan apa yang terjadi (paling sedikit 10 karakter) agar laporan dapat "
        "ditindaklanjuti."
    ),
    ErrorCode.ATTACHMENT_REFUSED: _(
        "Lampiran ditolak: gunakan foto JPG/PNG atau PDF, paling besar 5 MB."
    ),
    ErrorCode.INVALID_PERIOD: _(
        "Periode tidak sah: tanggal awal harus sebelum atau sama dengan tanggal akhir, dan "
        "periode (dibulatkan ke bulan penuh) paling panjang 12 bulan."
    ),
}


class DomainError(Exception):
    """A refused action: a stable code, the form field it belongs to (if any), and a message."""

    def __init__(
        self,
        code: ErrorCode,
        *,
        field: str | None = None,
        message: str | None = None,
        retry_after: int | None = None,
    ):
        self.code = code
        self.field = field
        self.message = message or code.message
        # Seconds until trying again makes sense (a lockout): the API's Retry-After header.
        self.retry_after = retry_after
        super().__init__(f"{code}: {self.message}")


def error_json(
    code: ErrorCode,
    *,
    message: str | None = None,
    field: str | None = None,
    status: int | None = None,
) -> JsonResponse:
    """The JSON shape of every refusal outside the pages: `{"error", "message"[, "field"]}`.

    The message is rendered now, so it follows the language the request activated.
    """
    body = {"error": str(code), "message": message or code.message}
    if field:
        body["field"] = field
    return JsonResponse(body, status=status or code.status)
