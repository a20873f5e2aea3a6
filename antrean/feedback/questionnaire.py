"""The official SKM questionnaire (PermenPANRB No. 14 Tahun 2017): nine elements in the
regulation's order, four answers each, and the respondent's profile.

Answers are stored by meaning (`persyaratan` … `sarpras`), never by position: many published
questionnaires swap U8 and U9, and a position would silently mix them up. `u1`…`u9` are the
official numbering, used by the API and the report.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Element:
    key: str  # the stored meaning
    number: int  # 1…9, the official U-number
    name: Promise  # the element's official name
    question: Promise  # the question asked of the citizen
    answers: tuple[Promise, Promise, Promise, Promise]  # labels of 1, 2, 3, 4

    @property
    def code(self) -> str:
        return f"u{self.number}"


_SUITABLE = (
    pgettext_lazy("skm", "Tidak sesuai"),
    pgettext_lazy("skm", "Kurang sesuai"),
    pgettext_lazy("skm", "Sesuai"),
    pgettext_lazy("skm", "Sangat sesuai"),
)

ELEMENTS: tuple[Element, ...] = (
    Element(
        "persyaratan",
        1,
        _("Persyaratan"),
        _(
            "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
            "pelayanannya?"
        ),
        _SUITABLE,
    ),
    Element(
        "prosedur",
        2,
        _("Sistem, Mekanisme, dan Prosedur"),
        _("Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?"),
        (
            pgettext_lazy("skm", "Tidak mudah"),
            pgettext_lazy("skm", "Kurang mudah"),
            pgettext_lazy("skm", "Mudah"),
            pgettext_lazy("skm", "Sangat mudah"),
        ),
    ),
    Element(
        "waktu",
        3,
        _("Waktu Penyelesaian"),
        _("Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?"),
        (
            pgettext_lazy("skm", "Tidak cepat"),
            pgettext_lazy("skm", "Kurang cepat"),
            pgettext_lazy("skm", "Cepat"),
            pgettext_lazy("skm", "Sangat cepat"),
        ),
    ),
    Element(
        "biaya",
        4,
        _("Biaya/Tarif"),
        _("Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?"),
        (
            pgettext_lazy("skm", "Sangat mahal"),
            pgettext_lazy("skm", "Cukup mahal"),
            pgettext_lazy("skm", "Murah"),
            pgettext_lazy("skm", "Gratis"),
        ),
    ),
    Element(
        "produk",
        5,
        _("Produk Spesifikasi Jenis Pelayanan"),
        _(
            "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang "
            "tercantum dalam standar pelayanan dengan hasil yang diberikan?"
        ),
        _SUITABLE,
    ),
    Element(
        "kompetensi",
        6,
        _("Kompetensi Pelaksana"),
        _("Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?"),
        (
            pgettext_lazy("skm", "Tidak kompeten"),
            pgettext_lazy("skm", "Kurang kompeten"),
            pgettext_lazy("skm", "Kompeten"),
            pgettext_lazy("skm", "Sangat kompeten"),
        ),
    ),
    Element(
        "perilaku",
        7,
        _("Perilaku Pelaksana"),
        _(
            "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait "
            "kesopanan dan keramahan?"
        ),
        (
            pgettext_lazy("skm", "Tidak sopan dan ramah"),
            pgettext_lazy("skm", "Kurang sopan dan ramah"),
            pgettext_lazy("skm", "Sopan dan ramah"),
            pgettext_lazy("skm", "Sangat sopan dan ramah"),
        ),
    ),
    Element(
        "pengaduan",
        8,
        _("Penanganan Pengaduan, Saran dan Masukan"),
        _("Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?"),
        (
            pgettext_lazy("skm", "Tidak ada"),
            pgettext_lazy("skm", "Ada tetapi tidak berfungsi"),
            pgettext_lazy("skm", "Berfungsi kurang maksimal"),
            pgettext_lazy("skm", "Dikelola dengan baik"),
        ),
    ),
    Element(
        "sarpras",
        9,
        _("Sarana dan prasarana"),
        _("Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?"),
        (
            pgettext_lazy("skm", "Buruk"),
            pgettext_lazy("skm", "Cukup"),
            pgettext_lazy("skm", "Baik"),
            pgettext_lazy("skm", "Sangat Baik"),
        ),
    ),
)

ELEMENT_BY_KEY = {element.key: element for element in ELEMENTS}
ELEMENT_BY_CODE = {element.code: element for element in ELEMENTS}
ANSWER_VALUES = (1, 2, 3, 4)


class Sex(models.TextChoices):
    MALE = "L", _("Laki-laki")
    FEMALE = "P", _("Perempuan")


class AgeBand(models.TextChoices):
    UP_TO_20 = "<=20", _("20 tahun ke bawah")
    FROM_21 = "21-30", _("21–30 tahun")
    FROM_31 = "31-40", _("31–40 tahun")
    FROM_41 = "41-50", _("41–50 tahun")
    FROM_51 = "51-60", _("51–60 tahun")
    OVER_60 = ">60", _("di atas 60 tahun")


class Education(models.TextChoices):
    """The regulation's sample questionnaire: SD ke bawah … S3."""

    SD = "sd", _("SD ke bawah")
    SMP = "smp", _("SMP")
    SMA = "sma", _("SMA/SMK")
    DIPLOMA = "diploma", _("D1/D2/D3/D4")
    S1 = "s1", _("S1")
    S2 = "s2", _("S2")
    S3 = "s3", _("S3")


class Occupation(models.TextChoices):
    """The regulation's sample questionnaire: PNS, TNI, POLRI, swasta, wirausaha, lainnya."""

    PNS = "pns", _("PNS")
    TNI = "tni", _("TNI")
    POLRI = "polri", _("POLRI")
    PRIVATE = "swasta", _("Pegawai swasta")
    ENTREPRENEUR = "wirausaha", _("Wirausaha")
    STUDENT = "pelajar", _("Pelajar/Mahasiswa")
    OTHER = "lainnya", _("Lainnya")
