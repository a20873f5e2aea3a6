"""The office workbook: its sheets and columns, how a value is written for a person to edit in
a spreadsheet, and how it is read back.

No database here. `antrean.onboarding.services` turns the parsed rows into a plan and applies
it; the export writes what `services` reads from the models.

The workbook is a data format, so its own text (sheet names, headers, the README sheet) is
Indonesian whatever the reader's language: a header reads "Kode layanan (code)" and only the
key in brackets is read back, so headers may be reworded or columns moved. Values are what a
person types: times "08:00", dates "2026-06-17" (or 17-06-2026), "ya"/"tidak", lists
separated by commas, requirements one per line inside the cell. What is refused is reported
as an `Issue` naming the sheet, row and column, in the reader's language.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# An upload larger than this is refused unread: a mall with 150 services is ~100 KB.
WORKBOOK_MAX_BYTES = 2 * 1024 * 1024
# What the zip may unpack to (a compressed bomb is refused before openpyxl opens it).
UNPACKED_MAX_BYTES = 40 * 1024 * 1024
ZIP_MAX_MEMBERS = 300
SHEET_MAX_ROWS = 3000  # data rows per sheet
SCAN_MAX_ROWS = 20000  # rows read at all (formatted empty rows included)
SCAN_MAX_COLUMNS = 60
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Kinds of value.
TEXT = "text"
LINES = "lines"  # one item per line inside the cell (requirements contain commas)
INT = "int"
BOOL = "bool"
TIME = "time"
DATE = "date"
LIST = "list"  # comma-separated codes
ZONE = "zone"
WEEKDAY = "weekday"
CLOSURE_KIND = "closure_kind"
CHOICE = "choice"  # one of the column's `choices`, written as its label

YES, NO = "ya", "tidak"
_TRUE = {"ya", "y", "yes", "true", "benar", "1", "aktif"}
_FALSE = {"tidak", "t", "no", "n", "false", "salah", "0", "nonaktif", "tidak aktif"}

WEEKDAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_WEEKDAY_NAMES = {
    **{name.lower(): n for n, name in enumerate(WEEKDAYS)},
    "jum'at": 4,
    "ahad": 6,
    **{
        name: n
        for n, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
}

# Closure kinds as the sheet writes them, with the model's values.
CLOSURE_KINDS = {
    "national": "Libur nasional",
    "cuti_bersama": "Cuti bersama",
    "regional": "Libur daerah",
    "office": "Kebijakan kantor",
}
_CLOSURE_KIND_NAMES = {
    **{label.lower(): key for key, label in CLOSURE_KINDS.items()},
    **{key: key for key in CLOSURE_KINDS},
    "cuti bersama": "cuti_bersama",
    "national holiday": "national",
    "regional holiday": "regional",
}

ZONES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB (Kalimantan Barat dan Tengah)",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}
_ZONE_NAMES = {
    **{zone.lower(): zone for zone in ZONES},
    "wib": "Asia/Jakarta",
    "wita": "Asia/Makassar",
    "wit": "Asia/Jayapura",
}


@dataclass(frozen=True)
class Column:
    key: str  # machine key in the header; the model field of the same name where there is one
    label: str
    kind: str = TEXT
    required: bool = False
    help: str = ""
    example: str = ""
    default: object = None  # for an empty cell when the column is not a model field
    choices: tuple[tuple[str, str], ...] = ()  # CHOICE: (stored value, label written)

    @property
    def header(self) -> str:
        return f"{self.label} ({self.key})"


@dataclass(frozen=True)
class Sheet:
    key: str
    title: str
    columns: tuple[Column, ...]
    help: str
    one_row: bool = False

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


_ACTIVE_HELP = (
    "ya atau tidak (kosong: ya). Yang tidak aktif tetap tersimpan tetapi tidak ditawarkan."
)

OFFICE = Sheet(
    key="office",
    title="Kantor",
    one_row=True,
    help="Tepat satu baris: kantor yang didaftarkan atau diperbarui.",
    columns=(
        Column(
            "code",
            "Kode kantor",
            required=True,
            help="Huruf kecil, angka, dan tanda hubung; paling panjang 40. Tampil di alamat "
            "web. Kode yang belum terdaftar membuat kantor baru; kode yang sudah ada "
            "memperbarui kantor itu.",
            example="mpp-badung",
        ),
        Column(
            "name", "Nama kantor", required=True, example="Mal Pelayanan Publik Kabupaten Badung"
        ),
        Column(
            "region",
            "Kode wilayah Kemendagri",
            required=True,
            help="Kode kabupaten/kota (atau provinsi) menurut Kemendagri. Wilayah harus sudah "
            "terdaftar dan berada dalam wewenang Anda.",
            example="51.03",
        ),
        Column(
            "timezone",
            "Zona waktu",
            ZONE,
            required=True,
            help="Asia/Jakarta (WIB), Asia/Pontianak (WIB, Kalimantan Barat dan Tengah), "
            "Asia/Makassar (WITA) atau Asia/Jayapura (WIT). Boleh ditulis WIB, WITA, WIT.",
            example="Asia/Makassar",
        ),
        Column("address", "Alamat", example="Jl. Raya Sempidi, Mangupura, Badung, Bali 80351"),
        Column("phone", "Telepon", example="(0361) 4453 100"),
        Column(
            "booking_horizon_days",
            "Jadwal dibuka (hari ke depan)",
            INT,
            help="Berapa hari ke depan warga dapat memesan daring (kosong: 14).",
            example="14",
        ),
        Column(
            "daily_cutoff",
            "Batas pemesanan hari yang sama",
            TIME,
            help="Jam setempat; setelah jam ini antrean daring untuk hari itu ditutup. "
            "Kosong: tanpa batas.",
            example="12:00",
        ),
        Column(
            "reminder_hour",
            "Jam pengingat H-1",
            INT,
            help="Jam 0–23 waktu setempat pengingat WhatsApp dikirim sehari sebelumnya "
            "(kosong: 16).",
            example="16",
        ),
        Column(
            "checkin_before_minutes",
            "Check-in dibuka (menit sebelum jadwal)",
            INT,
            help="Kosong: 30.",
            example="30",
        ),
        Column(
            "checkin_after_minutes",
            "Check-in ditutup (menit setelah jadwal berakhir)",
            INT,
            help="Kosong: 15.",
            example="15",
        ),
        Column(
            "ontime_grace_minutes",
            "Toleransi terlambat (menit)",
            INT,
            help="Pemesan yang check-in paling lambat sekian menit setelah jadwal mulai tetap "
            "diurutkan menurut jadwalnya (kosong: 10).",
            example="10",
        ),
        Column(
            "priority_streak_limit",
            "Panggilan prioritas berturut-turut",
            INT,
            help="Aturan prioritas: setelah sekian panggilan kelompok rentan (lansia, "
            "penyandang disabilitas, ibu hamil, membawa anak kecil), satu antrean umum "
            "dipanggil (kosong: 2).",
            example="2",
        ),
        Column(
            "noshow_strikes",
            "Batas tidak hadir",
            INT,
            help="Sekian kali tidak hadir dalam rentang hitung memblokir pemesanan daring "
            "(kosong: 3).",
            example="3",
        ),
        Column(
            "noshow_window_days",
            "Rentang hitung tidak hadir (hari)",
            INT,
            help="Kosong: 30.",
            example="30",
        ),
        Column(
            "noshow_block_days",
            "Lama blokir pemesanan daring (hari)",
            INT,
            help="Kosong: 30.",
            example="30",
        ),
        Column(
            "turn_near_ahead",
            "Pemberitahuan giliran hampir tiba (orang di depan)",
            INT,
            help="Warga diberi tahu saat tinggal sekian orang di depannya (kosong: 3).",
            example="3",
        ),
        Column(
            "nik_registry_down",
            "Bila verifikasi NIK tidak tersedia",
            CHOICE,
            help="Berlaku bila verifikasi NIK ke Dukcapil aktif tetapi tidak menjawab "
            "(kosong: terima).",
            example="terima",
            choices=(("accept", "terima"), ("refuse", "tolak")),
        ),
        Column(
            "number_proof_web",
            "Bukti nomor WhatsApp (situs)",
            CHOICE,
            help="Pemesanan lewat situs menahan tempat sampai nomor WhatsApp dibuktikan "
            "(kosong: otomatis, wajib bila WhatsApp Cloud API aktif).",
            example="otomatis",
            choices=(("auto", "otomatis"), ("on", "wajib"), ("off", "tidak wajib")),
        ),
        Column(
            "number_proof_api",
            "Bukti nomor WhatsApp (API)",
            CHOICE,
            help="Sama, untuk pemesanan lewat API (kosong: otomatis).",
            example="otomatis",
            choices=(("auto", "otomatis"), ("on", "wajib"), ("off", "tidak wajib")),
        ),
        Column("is_active", "Aktif", BOOL, help=_ACTIVE_HELP, example=YES),
        Column(
            "running_text",
            "Teks berjalan layar TV",
            help="Tampil bergulir di bawah layar TV ruang tunggu. Jangan tulis data pribadi.",
            example="Semua layanan sesuai biaya resmi.",
        ),
        Column(
            "national_holidays",
            "Tambahkan libur nasional otomatis",
            BOOL,
            help="ya (kosong): libur nasional dan cuti bersama tahun ini dan tahun depan "
            "ditambahkan ke hari tutup bila tanggalnya belum tercantum di lembar Hari tutup. "
            "tidak: hanya tanggal di lembar Hari tutup yang berlaku.",
            example=YES,
            default=True,
        ),
    ),
)

AGENCIES = Sheet(
    key="agencies",
    title="Instansi",
    help="Satu baris per instansi yang membuka loket di kantor ini. Instansi dikenali dari "
    "kodenya.",
    columns=(
        Column(
            "code",
            "Kode instansi",
            required=True,
            help="Huruf kecil, angka, dan tanda hubung; unik dalam kantor.",
            example="disdukcapil",
        ),
        Column(
            "name",
            "Nama lengkap",
            required=True,
            example="Dinas Kependudukan dan Pencatatan Sipil Kabupaten Badung",
        ),
        Column("short_name", "Nama singkat", required=True, example="Disdukcapil"),
        Column(
            "position", "Urutan", INT, help="Urutan tampil (kosong: urutan baris).", example="1"
        ),
        Column("is_active", "Aktif", BOOL, help=_ACTIVE_HELP, example=YES),
    ),
)

SERVICES = Sheet(
    key="services",
    title="Layanan",
    help="Satu baris per layanan, dengan standar pelayanannya. Layanan dikenali dari kodenya.",
    columns=(
        Column(
            "code",
            "Kode layanan",
            required=True,
            help="Huruf kecil, angka, dan tanda hubung; unik dalam kantor.",
            example="ktp-el",
        ),
        Column(
            "agency",
            "Kode instansi",
            required=True,
            help="Kode instansi dari lembar Instansi.",
            example="disdukcapil",
        ),
        Column("name", "Nama layanan", required=True, example="Perekaman dan Pencetakan KTP-el"),
        Column(
            "prefix",
            "Huruf awalan nomor",
            required=True,
            help="1–2 huruf kapital di depan nomor antrean (A-001); unik dalam kantor.",
            example="A",
        ),
        Column("description", "Keterangan", example="Perekaman sidik jari, iris mata, foto."),
        Column(
            "fee",
            "Biaya resmi (Rp)",
            INT,
            help="Rupiah tanpa desimal; 0 atau kosong berarti gratis.",
            example="0",
        ),
        Column(
            "fee_note",
            "Dasar biaya",
            help="Dasar hukum biaya, misalnya nomor peraturan.",
            example="Gratis sesuai UU 24/2013 Pasal 79A",
        ),
        Column(
            "requirements",
            "Persyaratan",
            LINES,
            help="Satu persyaratan per baris di dalam sel (Alt+Enter di Excel, Ctrl+Enter di "
            "LibreOffice).",
            example="Fotokopi Kartu Keluarga",
        ),
        Column(
            "duration_minutes",
            "Waktu layanan (menit)",
            INT,
            help="Lama rata-rata melayani satu warga (kosong: 15).",
            example="10",
        ),
        Column(
            "slot_minutes",
            "Panjang jadwal (menit)",
            INT,
            help="Jam layanan dibagi menjadi jadwal sepanjang ini, paling sedikit 5 (kosong: 60).",
            example="60",
        ),
        Column(
            "slot_capacity",
            "Kuota daring per jadwal",
            INT,
            help="Kanal daring (web, WhatsApp, API): pemesanan per jadwal; 0 menutup pemesanan "
            "daring (kosong: 10).",
            example="8",
        ),
        Column(
            "walkin_daily_quota",
            "Kuota langsung per hari",
            INT,
            help="Kanal langsung (anjungan, loket): antrean per hari; 0 menutupnya (kosong: 50).",
            example="60",
        ),
        Column(
            "release_times",
            "Jam pelepasan kuota bertahap",
            help="Kosong: kuota suatu tanggal dibuka sekaligus. Misalnya 07:00, 10:00, 13:00, "
            "16:00: dibuka seperempat pada tiap jam itu, pada hari tanggal itu mulai dapat "
            "dipesan.",
            example="",
        ),
        Column(
            "release_mode",
            "Pembagian kuota daring",
            CHOICE,
            help="siapa cepat (kosong) atau undian: permintaan dikumpulkan selama masa "
            "pendaftaran lalu diundi.",
            example="siapa cepat",
            choices=(("first_come", "siapa cepat"), ("draw", "undian")),
        ),
        Column(
            "draw_open_days",
            "Undian dibuka (hari sebelum)",
            INT,
            help="Kosong: 7.",
            example="7",
        ),
        Column(
            "draw_close_days",
            "Undian ditarik (hari sebelum)",
            INT,
            help="Kosong: 6.",
            example="6",
        ),
        Column(
            "draw_time",
            "Jam buka dan tarik undian",
            TIME,
            help="Waktu setempat (kosong: 07:00).",
            example="07:00",
        ),
        Column(
            "position",
            "Urutan",
            INT,
            help="Urutan dalam instansinya (kosong: urutan baris).",
            example="1",
        ),
        Column("is_active", "Aktif", BOOL, help=_ACTIVE_HELP, example=YES),
    ),
)

COUNTERS = Sheet(
    key="counters",
    title="Loket",
    help="Satu baris per loket. Loket dikenali dari nomornya.",
    columns=(
        Column(
            "number",
            "Nomor loket",
            INT,
            required=True,
            help='Unik dalam kantor; dibacakan saat memanggil ("silakan ke loket tiga").',
            example="1",
        ),
        Column(
            "agency",
            "Kode instansi",
            required=True,
            help="Kode instansi dari lembar Instansi.",
            example="disdukcapil",
        ),
        Column("name", "Nama", help="Kosong: Loket <nomor>.", example="Loket KTP"),
        Column(
            "services",
            "Kode layanan yang dilayani",
            LIST,
            help="Kode layanan instansi loket ini, dipisah koma. Kosong: semua layanan "
            "instansinya.",
            example="ktp-el, kia",
        ),
        Column("is_active", "Aktif", BOOL, help=_ACTIVE_HELP, example=YES),
    ),
)

OPENING_HOURS = Sheet(
    key="opening_hours",
    title="Jam layanan",
    help="Satu baris per hari buka. Hari yang tidak tercantum berarti tutup.",
    columns=(
        Column(
            "weekday",
            "Hari",
            WEEKDAY,
            required=True,
            help="Senin, Selasa, Rabu, Kamis, Jumat, Sabtu, atau Minggu.",
            example="Senin",
        ),
        Column("opens", "Buka", TIME, required=True, help="Jam setempat.", example="08:00"),
        Column("closes", "Tutup", TIME, required=True, example="15:00"),
        Column(
            "break_start",
            "Istirahat mulai",
            TIME,
            help="Isi keduanya atau kosongkan keduanya.",
            example="12:00",
        ),
        Column("break_end", "Istirahat selesai", TIME, example="13:00"),
    ),
)

CLOSURES = Sheet(
    key="closures",
    title="Hari tutup",
    help="Satu baris per tanggal kantor tutup (libur nasional, cuti bersama, libur daerah, "
    "kebijakan kantor).",
    columns=(
        Column(
            "date",
            "Tanggal",
            DATE,
            required=True,
            help="TTTT-BB-HH (2026-06-17) atau HH-BB-TTTT (17-06-2026).",
            example="2026-06-17",
        ),
        Column("reason", "Keterangan", required=True, example="Hari Raya Galungan"),
        Column(
            "kind",
            "Jenis",
            CLOSURE_KIND,
            help="Libur nasional, Cuti bersama, Libur daerah, atau Kebijakan kantor "
            "(kosong: Kebijakan kantor).",
            example="Libur daerah",
        ),
    ),
)

SHEETS = (OFFICE, AGENCIES, SERVICES, COUNTERS, OPENING_HOURS, CLOSURES)
README_TITLE = "Petunjuk"

README_RULES = (
    "Lembar kerja ini berisi seluruh pengaturan satu kantor. Ubah isinya, lalu impor melalui "
    "halaman Staf → Kantor dari lembar kerja atau perintah manage.py office_import.",
    "Baris pertama setiap lembar adalah judul kolom. Yang dibaca hanya kunci di dalam "
    "kurung, misalnya (code): judul boleh diubah dan kolom boleh dipindah; kolom tanpa "
    "kunci diabaikan.",
    "Data dikenali dari kodenya (kantor, instansi, layanan), nomornya (loket), harinya (jam "
    "layanan), dan tanggalnya (hari tutup). Mengimpor berkas yang sama dua kali tidak "
    "mengubah apa pun.",
    "Seluruh lembar kerja diperiksa lebih dulu. Bila ada satu kesalahan saja, tidak ada "
    "yang disimpan, dan setiap kesalahan disebutkan dengan lembar, baris, dan kolomnya.",
    "Instansi, layanan, dan loket yang ada di sistem tetapi tidak tercantum di sini "
    "dinonaktifkan, tidak dihapus (riwayat antreannya tetap). Hari yang tidak tercantum di "
    "lembar Jam layanan menjadi hari tutup. Hari tutup yang tidak tercantum dihapus hanya "
    "bila tanggalnya masih akan datang; yang sudah lewat tetap.",
    "Kanal: kuota daring per jadwal dan kuota langsung per hari di lembar Layanan (0 menutup "
    "kanal itu). Aturan prioritas: kolom Panggilan prioritas berturut-turut di lembar "
    "Kantor.",
    "Mengubah kode kantor membuat kantor baru dengan pengaturan yang sama. Jadwal pemesanan "
    "dibuat begitu impor diterapkan; kunci tanda tangan, pakta integritas kantor, dan akun "
    "staf diatur terpisah.",
)


# --- Problems ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    """One reason the workbook cannot be imported, where it is. `row` and `column` are the
    spreadsheet's own (row 1 is the header, column "C"); None when the problem is the whole
    sheet or file."""

    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None  # letter
    header: str | None = None  # the column's label, to name it in words

    @property
    def location(self) -> str:
        parts = []
        if self.sheet:
            parts.append(_("lembar %(sheet)s") % {"sheet": self.sheet})
        if self.row:
            parts.append(_("baris %(row)d") % {"row": self.row})
        if self.column:
            column = self.column if not self.header else f"{self.column} ({self.header})"
            parts.append(_("kolom %(column)s") % {"column": column})
        return ", ".join(parts) if parts else _("berkas")

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class CellError(ValueError):
    """A cell's value cannot be read as its column's kind."""


# --- Reading values ----------------------------------------------------------------------------


def _text(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return YES if raw else NO
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, dt.datetime):
        raw = raw.date() if raw.time() == dt.time(0) else raw
    if isinstance(raw, dt.time):
        return raw.strftime("%H:%M")
    return str(raw).replace("\r\n", "\n").replace("\r", "\n").strip()


def normalise_lines(text: str) -> str:
    lines = (line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


_INT_RE = re.compile(r"^-?\d+$")
_TIME_RE = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$")
_DMY_RE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


def parse_value(column: Column, raw):
    """The typed value of a cell (None when empty), or CellError with what to type instead."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    kind = column.kind
    if kind == TEXT:
        return _text(raw)
    if kind == LINES:
        return normalise_lines(_text(raw)) or None
    if kind == INT:
        return _parse_int(raw)
    if kind == BOOL:
        if isinstance(raw, bool):
            return raw
        word = _text(raw).lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise CellError(_("Tulis ya atau tidak."))
    if kind == TIME:
        return _parse_time(raw)
    if kind == DATE:
        return _parse_date(raw)
    if kind == LIST:
        items = re.split(r"[,;\n]", _text(raw))
        return tuple(item.strip() for item in items if item.strip()) or None
    if kind == ZONE:
        zone = _ZONE_NAMES.get(_text(raw).lower())
        if zone is None:
            raise CellError(
                _(
                    "Zona waktu tidak dikenal. Tulis Asia/Jakarta, Asia/Pontianak, Asia/Makassar, "
                    "Asia/Jayapura, WIB, WITA, atau WIT."
                )
            )
        return zone
    if kind == WEEKDAY:
        day = _WEEKDAY_NAMES.get(_text(raw).lower())
        if day is None:
            raise CellError(
                _(
                    "Hari tidak dikenal. Tulis Senin, Selasa, Rabu, Kamis, Jumat, "
                    "Sabtu, atau Minggu."
                )
            )
        return day
    if kind == CHOICE:
        word = _text(raw).lower()
        for value, label in column.choices:
            if word in (value.lower(), label.lower()):
                return value
        raise CellError(
            _("Pilihan tidak dikenal. Tulis salah satu: %(labels)s.")
            % {"labels": ", ".join(label for _value, label in column.choices)}
        )
    if kind == CLOSURE_KIND:
        value = _CLOSURE_KIND_NAMES.get(_text(raw).lower())
        if value is None:
            raise CellError(
                _(
                    "Jenis tidak dikenal. Tulis Libur nasional, Cuti bersama, Libur daerah, atau "
                    "Kebijakan kantor."
                )
            )
        return value
    raise AssertionError(kind)


def _parse_int(raw) -> int:
    if isinstance(raw, bool):
        raise CellError(_("Tulis bilangan bulat, misalnya 15."))
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise CellError(_("Tulis bilangan bulat tanpa desimal."))
    text = _text(raw)
    # "Rp 50.000" and "50,000": rupiah are whole, so dots and commas are thousands.
    text = re.sub(r"(?i)^rp\.?\s*", "", text).replace(".", "").replace(",", "").replace(" ", "")
    if not _INT_RE.match(text):
        raise CellError(_("Tulis bilangan bulat, misalnya 15."))
    if len(text) > 12:
        raise CellError(_("Bilangan terlalu besar."))
    return int(text)


def _parse_time(raw) -> dt.time:
    if isinstance(raw, dt.datetime):
        return raw.time().replace(microsecond=0)
    if isinstance(raw, dt.time):
        return raw.replace(microsecond=0)
    if isinstance(raw, dt.timedelta) and dt.timedelta(0) <= raw < dt.timedelta(days=1):
        seconds = int(raw.total_seconds())
        return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60)
    match = _TIME_RE.match(_text(raw))
    if match:
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
        if hour < 24 and minute < 60 and second < 60:
            return dt.time(hour, minute, second)
    raise CellError(_("Tulis jam dengan format JJ:MM, misalnya 08:00."))


def _parse_date(raw) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = _text(raw)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    match = _DMY_RE.match(text)
    if match:
        try:
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
        except ValueError:
            pass
    raise CellError(_("Tulis tanggal dengan format 2026-06-17 atau 17-06-2026."))


# --- Writing values ----------------------------------------------------------------------------


def cell_text(column: Column, value) -> str | int | None:
    """How a value is written in the sheet (and shown in a preview of changes)."""
    if value is None:
        return None
    kind = column.kind
    if kind == BOOL:
        return YES if value else NO
    if kind == TIME:
        return value.strftime("%H:%M") if value.second == 0 else value.strftime("%H:%M:%S")
    if kind == DATE:
        return value.isoformat()
    if kind == LIST:
        return ", ".join(value)
    if kind == WEEKDAY:
        return WEEKDAYS[value]
    if kind == CLOSURE_KIND:
        return CLOSURE_KINDS.get(value, value)
    if kind == CHOICE:
        return dict(column.choices).get(value, value)
    if kind == INT:
        return int(value)
    return str(value)


# --- The file ----------------------------------------------------------------------------------


@dataclass
class ParsedRow:
    row: int  # the spreadsheet's row number
    values: dict  # key -> typed value (None: empty); a cell with an error is left out
    columns: dict[str, str]  # key -> column letter, for later issues

    def issue(self, sheet: Sheet, key: str | None, message: str) -> Issue:
        if key is None or key not in self.columns:
            return Issue(message, sheet.title, self.row)
        header = sheet.column(key).label if any(c.key == key for c in sheet.columns) else None
        return Issue(message, sheet.title, self.row, self.columns[key], header)


@dataclass
class ParsedWorkbook:
    rows: dict[str, list[ParsedRow]] = field(default_factory=dict)  # by sheet key
    issues: list[Issue] = field(default_factory=list)


_HEADER_KEY_RE = re.compile(r"\(\s*([a-z_]+)\s*\)\s*$")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def container_problem(data: bytes) -> str | None:
    """Why these bytes are not an .xlsx workbook we will open, or None.

    Checked before openpyxl reads anything: the size, the zip container with the parts of a
    workbook, what it unpacks to, and no DTD in any XML part (a workbook never has one; an
    entity declaration is how XML bombs and external entities come in)."""
    if len(data) > WORKBOOK_MAX_BYTES:
        return _("Berkas terlalu besar (paling besar %(mb)d MB).") % {
            "mb": WORKBOOK_MAX_BYTES // (1024 * 1024)
        }
    if not data:
        return _("Berkas kosong.")
    if data.startswith(_OLE_MAGIC):
        return _(
            "Berkas ini berformat .xls lama atau terkunci kata sandi. Simpan sebagai Buku Kerja "
            "Excel (.xlsx) tanpa kata sandi, lalu unggah lagi."
        )
    not_xlsx = _("Berkas ini bukan lembar kerja .xlsx. Simpan sebagai Buku Kerja Excel (.xlsx).")
    if not data.startswith(b"PK\x03\x04"):
        return not_xlsx
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                return not_xlsx
            if len(members) > ZIP_MAX_MEMBERS or (
                sum(member.file_size for member in members) > UNPACKED_MAX_BYTES
            ):
                return _("Isi berkas terlalu besar untuk sebuah lembar kerja kantor.")
            for member in members:
                if not member.filename.endswith((".xml", ".rels")):
                    continue
                with archive.open(member) as part:
                    head = part.read(4096)
                if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
                    return not_xlsx
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError):
        return not_xlsx
    return None


def read_workbook(data: bytes) -> ParsedWorkbook:
    """Every sheet's rows as typed values, with every problem found on the way (nothing is
    refused before all of the workbook is read)."""
    parsed = ParsedWorkbook()
    problem = container_problem(data)
    if problem:
        parsed.issues.append(Issue(problem))
        return parsed
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # any reader failure means "not a workbook we can read"
        parsed.issues.append(
            Issue(
                _(
                    "Berkas tidak dapat dibaca sebagai lembar kerja .xlsx. Simpan ulang sebagai "
                    "Buku Kerja Excel (.xlsx)."
                )
            )
        )
        return parsed
    try:
        titles = {title.strip().lower(): title for title in workbook.sheetnames}
        for sheet in SHEETS:
            title = titles.get(sheet.title.lower())
            if title is None:
                parsed.issues.append(
                    Issue(
                        _(
                            "Lembar %(sheet)s tidak ada. Unduh templat untuk melihat lembar yang "
                            "diperlukan."
                        )
                        % {"sheet": sheet.title}
                    )
                )
                continue
            try:
                parsed.rows[sheet.key] = _read_sheet(sheet, workbook[title], parsed.issues)
            except Exception:  # a broken part of the file, not a bad value
                parsed.issues.append(Issue(_("Lembar ini tidak dapat dibaca."), sheet.title))
    finally:
        workbook.close()
    return parsed


def _read_sheet(sheet: Sheet, worksheet, issues: list[Issue]) -> list[ParsedRow]:
    from openpyxl.utils import get_column_letter

    rows = worksheet.iter_rows(values_only=True, max_col=SCAN_MAX_COLUMNS)
    header = next(rows, None) or ()
    known = {column.key: column for column in sheet.columns}
    by_label = {column.label.lower(): column.key for column in sheet.columns}
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        text = _text(cell)
        if not text:
            continue
        match = _HEADER_KEY_RE.search(text)
        key = match[1] if match else by_label.get(text.lower())
        if key is None:
            continue  # a column of the person's own (notes): not ours
        letter = get_column_letter(index + 1)
        if key not in known:
            issues.append(
                Issue(
                    _("Kolom dengan kunci (%(key)s) tidak dikenal di lembar ini.") % {"key": key},
                    sheet.title,
                    1,
                    letter,
                )
            )
        elif key in positions:
            issues.append(
                Issue(_("Kolom (%(key)s) muncul dua kali.") % {"key": key}, sheet.title, 1, letter)
            )
        else:
            positions[key] = index
    missing = [c for c in sheet.columns if c.required and c.key not in positions]
    for column in missing:
        issues.append(
            Issue(
                _("Kolom wajib %(header)s tidak ada pada baris judul.") % {"header": column.header},
                sheet.title,
                1,
            )
        )
    letters = {key: get_column_letter(index + 1) for key, index in positions.items()}
    result: list[ParsedRow] = []
    for number, values in enumerate(rows, start=2):
        if number > SCAN_MAX_ROWS:
            issues.append(Issue(_("Terlalu banyak baris."), sheet.title, number))
            break
        if not any(v is not None and _text(v) != "" for v in values):
            continue
        if len(result) >= SHEET_MAX_ROWS:
            issues.append(
                Issue(
                    _("Terlalu banyak baris data (paling banyak %(n)d).") % {"n": SHEET_MAX_ROWS},
                    sheet.title,
                    number,
                )
            )
            break
        row = ParsedRow(row=number, values={}, columns=letters)
        for key, index in positions.items():
            column = known[key]
            raw = values[index] if index < len(values) else None
            try:
                value = parse_value(column, raw)
            except CellError as error:
                issues.append(row.issue(sheet, key, str(error)))
                continue
            if value is None and column.required:
                issues.append(row.issue(sheet, key, _("Wajib diisi.")))
                continue
            row.values[key] = value
        result.append(row)
    if sheet.one_row and not missing:
        if not result:
            issues.append(
                Issue(_("Isi tepat satu baris data di bawah baris judul."), sheet.title, 2)
            )
        for extra in result[1:]:
            issues.append(
                Issue(_("Lembar ini hanya boleh berisi satu baris data."), sheet.title, extra.row)
            )
    return result


def write_workbook(rows: dict[str, list[dict]]) -> bytes:
    """A workbook of the given rows (typed values by column key, per sheet key), with the
    README sheet first. Empty `rows` gives the blank template."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    readme = workbook.active
    readme.title = README_TITLE
    _write_readme(readme)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    choices = {
        BOOL: f'"{YES},{NO}"',
        WEEKDAY: '"' + ",".join(WEEKDAYS) + '"',
        CLOSURE_KIND: '"' + ",".join(CLOSURE_KINDS.values()) + '"',
        ZONE: '"' + ",".join(ZONES) + '"',
    }
    for sheet in SHEETS:
        worksheet = workbook.create_sheet(sheet.title)
        worksheet.freeze_panes = "A2"
        for index, column in enumerate(sheet.columns, start=1):
            cell = worksheet.cell(row=1, column=index, value=column.header)
            cell.font = bold
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            letter = get_column_letter(index)
            width = 48 if column.kind == LINES or column.key in ("name", "address") else 18
            worksheet.column_dimensions[letter].width = width
            listed = choices.get(column.kind)
            if column.kind == CHOICE:
                listed = '"' + ",".join(label for _value, label in column.choices) + '"'
            if listed:
                validation = DataValidation(type="list", formula1=listed, allow_blank=True)
                validation.add(f"{letter}2:{letter}{SHEET_MAX_ROWS + 1}")
                worksheet.add_data_validation(validation)
        for row_number, values in enumerate(rows.get(sheet.key, []), start=2):
            for index, column in enumerate(sheet.columns, start=1):
                value = cell_text(column, values.get(column.key))
                if value is None or value == "":
                    continue
                cell = worksheet.cell(row=row_number, column=index)
                if isinstance(value, str):
                    # Text stays text: "08:00" is not turned into a time, and a value that
                    # starts with "=" is never a formula.
                    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                    cell.data_type = "s"
                    cell.number_format = "@"
                    if "\n" in value:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
                else:
                    cell.value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_readme(worksheet) -> None:
    from openpyxl.styles import Alignment, Font

    worksheet.column_dimensions["A"].width = 16
    worksheet.column_dimensions["B"].width = 44
    worksheet.column_dimensions["C"].width = 10
    worksheet.column_dimensions["D"].width = 80
    worksheet.column_dimensions["E"].width = 28
    worksheet.append(["Lembar kerja pengaturan kantor — Antrean"])
    worksheet["A1"].font = Font(bold=True, size=14)
    for rule in README_RULES:
        worksheet.append([rule])
    worksheet.append([])
    worksheet.append(["Lembar", "Kolom (kunci)", "Wajib", "Isi", "Contoh"])
    for cell in worksheet[worksheet.max_row]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for sheet in SHEETS:
        worksheet.append([sheet.title, "", "", sheet.help])
        worksheet.cell(row=worksheet.max_row, column=1).font = Font(bold=True)
        worksheet.cell(row=worksheet.max_row, column=4).alignment = wrap
        for column in sheet.columns:
            worksheet.append(
                [
                    sheet.title,
                    column.header,
                    YES if column.required else "",
                    column.help,
                    column.example,
                ]
            )
            for cell in worksheet[worksheet.max_row]:
                cell.alignment = wrap
                cell.data_type = "s"
