"""The satisfaction index (IKM) of PermenPANRB No. 14 Tahun 2017: pure arithmetic, no database.

IKM = 25 × the mean over the nine elements of NRR, where an element's NRR (nilai rata-rata)
is the sum of its answers ÷ the respondents. Everything is exact (fractions of integers) until
the very end: only the final IKM is rounded, half up, to 2 decimals; the grade is read from
that rounded value, so a page never shows 88,31 next to grade B.

NRRs are shown rounded too (`display_nrr`), but the IKM never comes from shown values: a
report that rounds NRRs first can differ in the second decimal (see the tests).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cached_property

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from antrean.feedback.questionnaire import ELEMENTS

CONVERSION = 25  # answers 1…4 → index 25…100
# The weight the regulation prints next to each element (1/9, written 0,111): used for the
# report's "NRR tertimbang" column only; the IKM itself uses the exact mean.
PRINTED_WEIGHT = Decimal("0.111")
TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Grade:
    letter: str  # A, B, C, D (mutu pelayanan)
    label: Promise  # kinerja unit pelayanan
    minimum: Decimal  # lowest IKM (rounded) that earns it

    def __str__(self) -> str:
        return self.letter


# Highest first. The regulation's intervals: A 88,31–100; B 76,61–88,30; C 65,00–76,60;
# D 25,00–64,99.
GRADES: tuple[Grade, ...] = (
    Grade("A", _("Sangat baik"), Decimal("88.31")),
    Grade("B", _("Baik"), Decimal("76.61")),
    Grade("C", _("Kurang baik"), Decimal("65.00")),
    Grade("D", _("Tidak baik"), Decimal("25.00")),
)
GRADE_BY_LETTER = {grade.letter: grade for grade in GRADES}


def round_half_up(value: Fraction, places: int = 2) -> Decimal:
    """`value` rounded half up to `places` decimals, exactly (no float, no precision limit)."""
    scale = 10**places
    scaled = value * scale
    whole = (scaled.numerator * 2 + scaled.denominator) // (scaled.denominator * 2)
    return (Decimal(whole) / scale).quantize(Decimal(1).scaleb(-places))


def grade_of(ikm: Decimal) -> Grade:
    """The grade of a rounded IKM (values under 25 cannot happen; they read as D)."""
    for grade in GRADES:
        if ikm >= grade.minimum:
            return grade
    return GRADES[-1]


@dataclass(frozen=True)
class IkmResult:
    respondents: int
    totals: dict[str, int]  # u1…u9 → sum of answers
    ikm: Decimal  # rounded half up to 2 decimals, only here
    grade: Grade

    @cached_property
    def nrr_exact(self) -> dict[str, Fraction]:
        """u1…u9 → total ÷ respondents, exact. Computed when asked (a national dashboard
        makes an IkmResult per office and shows no NRR)."""
        return {code: Fraction(total, self.respondents) for code, total in self.totals.items()}

    @property
    def nrr(self) -> dict[str, Decimal]:
        """NRRs as shown (2 decimals); never recompute the IKM from these."""
        return {code: display_nrr(value) for code, value in self.nrr_exact.items()}

    @property
    def weighted_nrr(self) -> dict[str, Decimal]:
        """The report's NRR × 0,111 column (3 decimals, as the regulation prints it)."""
        return {
            code: (Decimal(value.numerator) / Decimal(value.denominator) * PRINTED_WEIGHT).quantize(
                Decimal("0.001"), rounding=ROUND_HALF_UP
            )
            for code, value in self.nrr_exact.items()
        }

    def element_index(self, code: str) -> Decimal:
        """One element's NRR converted to 25…100 (for a per-element grade)."""
        return round_half_up(self.nrr_exact[code] * CONVERSION)


def display_nrr(value: Fraction) -> Decimal:
    return round_half_up(value, 2)


def ikm_from_totals(totals: Mapping[str, int], respondents: int) -> IkmResult:
    """The IKM of `respondents` answers whose per-element sums are `totals` (keyed u1…u9).

    Refuses impossible input: every element answered by every respondent, 1 to 4 each.
    """
    if respondents <= 0:
        raise ValueError("An IKM needs at least one respondent.")
    codes = [element.code for element in ELEMENTS]
    if set(totals) != set(codes):
        raise ValueError(f"Totals must name exactly {', '.join(codes)}.")
    for code in codes:
        if not respondents <= totals[code] <= 4 * respondents:
            raise ValueError(f"{code}: a sum of {respondents} answers lies in 1…4 each.")
    # The mean of the nine NRRs (each total ÷ respondents) × 25, as one fraction: the same
    # exact value as adding nine fractions, at a tenth of the cost.
    exact = Fraction(sum(totals[code] for code in codes) * CONVERSION, respondents * len(codes))
    ikm = round_half_up(exact, 2)
    return IkmResult(
        respondents=respondents,
        totals={code: totals[code] for code in codes},
        ikm=ikm,
        grade=grade_of(ikm),
    )


def ikm_from_answers(rows: list[Mapping[str, int]]) -> IkmResult:
    """The IKM of a few answer sets (`{"u1": 3, …}` each): for tests and small samples; the
    selectors sum in the database instead."""
    codes = [element.code for element in ELEMENTS]
    totals = {code: sum(row[code] for row in rows) for code in codes}
    return ikm_from_totals(totals, len(rows))


# --- Minimum sample (Krejcie & Morgan 1970, the table the regulation uses) ---------------------

# (population N, sample S): the published table, every row. Between rows the next larger row
# applies (never under-sample); above the last, its 384.
KREJCIE_MORGAN: tuple[tuple[int, int], ...] = (
    (10, 10), (15, 14), (20, 19), (25, 24), (30, 28), (35, 32), (40, 36), (45, 40),
    (50, 44), (55, 48), (60, 52), (65, 56), (70, 59), (75, 63), (80, 66), (85, 70),
    (90, 73), (95, 76), (100, 80), (110, 86), (120, 92), (130, 97), (140, 103), (150, 108),
    (160, 113), (170, 118), (180, 123), (190, 127), (200, 132), (210, 136), (220, 140),
    (230, 144), (240, 148), (250, 152), (260, 155), (270, 159), (280, 162), (290, 165),
    (300, 169), (320, 175), (340, 181), (360, 186), (380, 191), (400, 196), (420, 201),
    (440, 205), (460, 210), (480, 214), (500, 217), (550, 226), (600, 234), (650, 242),
    (700, 248), (750, 254), (800, 260), (850, 265), (900, 269), (950, 274), (1000, 278),
    (1100, 285), (1200, 291), (1300, 297), (1400, 302), (1500, 306), (1600, 310),
    (1700, 313), (1800, 317), (1900, 320), (2000, 322), (2200, 327), (2400, 331),
    (2600, 335), (2800, 338), (3000, 341), (3500, 346), (4000, 351), (4500, 354),
    (5000, 357), (6000, 361), (7000, 364), (8000, 367), (9000, 368), (10000, 370),
    (15000, 375), (20000, 377), (30000, 379), (40000, 380), (50000, 381), (75000, 382),
    (1000000, 384),
)  # fmt: skip
_POPULATIONS = [population for population, _sample in KREJCIE_MORGAN]


def minimum_sample(population: int) -> int:
    """Respondents needed for a population of `population` served citizens.

    Between rows the next larger row's sample, but never more than the population itself
    (below 10, or 11…14 where the next row asks 14, every citizen); 0 → 0.
    """
    if population <= 0:
        return 0
    index = bisect.bisect_left(_POPULATIONS, population)
    sample = KREJCIE_MORGAN[min(index, len(KREJCIE_MORGAN) - 1)][1]
    return min(sample, population)
