"""The IKM arithmetic against values worked out by hand (no database)."""

from decimal import Decimal
from fractions import Fraction

import pytest

from antrean.feedback.ikm import (
    GRADES,
    KREJCIE_MORGAN,
    grade_of,
    ikm_from_answers,
    ikm_from_totals,
    minimum_sample,
    round_half_up,
)

CODES = [f"u{n}" for n in range(1, 10)]


def totals_summing_to(grand_total: int, respondents: int) -> dict[str, int]:
    """Nine element sums adding up to `grand_total`, each a possible sum of `respondents`
    answers (as even as possible). IKM = 25 × grand_total ÷ (9 × respondents)."""
    base, extra = divmod(grand_total, 9)
    totals = {code: base + (1 if i < extra else 0) for i, code in enumerate(CODES)}
    assert all(respondents <= t <= 4 * respondents for t in totals.values())
    return totals


def test_all_means_three_and_a_half_is_87_50_grade_b():
    # Two respondents: one answers 3 everywhere, the other 4 → every NRR 3,5.
    result = ikm_from_answers([dict.fromkeys(CODES, 3), dict.fromkeys(CODES, 4)])
    assert result.nrr == dict.fromkeys(CODES, Decimal("3.50"))
    assert result.ikm == Decimal("87.50")
    assert result.grade.letter == "B"
    assert str(result.grade.label) == "Baik"


def test_extremes_are_25_and_100():
    assert ikm_from_answers([dict.fromkeys(CODES, 1)]).ikm == Decimal("25.00")
    low = ikm_from_answers([dict.fromkeys(CODES, 1)])
    assert low.grade.letter == "D" and str(low.grade.label) == "Tidak baik"
    high = ikm_from_answers([dict.fromkeys(CODES, 4)])
    assert high.ikm == Decimal("100.00")
    assert high.grade.letter == "A" and str(high.grade.label) == "Sangat baik"


# (respondents, grand total of all answers) chosen so that 25 × total ÷ (9 × n) is exactly
# the value: 88,31 × 9 ÷ 25 = 31,7916 = 79479 ÷ 2500; 88,30 → 31,788 = 7947 ÷ 250;
# 76,61 → 27,5796 = 68949 ÷ 2500; 76,60 → 27,576 = 3447 ÷ 125; 65,00 → 23,4 = 117 ÷ 5;
# 64,99 → 23,3964 = 58491 ÷ 2500.
@pytest.mark.parametrize(
    ("respondents", "grand_total", "ikm", "letter"),
    [
        (2500, 79479, "88.31", "A"),
        (250, 7947, "88.30", "B"),
        (2500, 68949, "76.61", "B"),
        (125, 3447, "76.60", "C"),
        (5, 117, "65.00", "C"),
        (2500, 58491, "64.99", "D"),
    ],
)
def test_grade_boundaries_exactly(respondents, grand_total, ikm, letter):
    totals = totals_summing_to(grand_total, respondents)
    exact = Fraction(25 * grand_total, 9 * respondents)
    assert exact == Fraction(Decimal(ikm))  # the set lands exactly on the boundary
    result = ikm_from_totals(totals, respondents)
    assert result.ikm == Decimal(ikm)
    assert result.grade.letter == letter


def test_half_rounds_up_and_the_grade_follows_the_rounded_value():
    # 88,305 exactly (× 9 ÷ 25 = 31,7898 = 158949 ÷ 5000): rounds half up to 88,31 → A.
    result = ikm_from_totals(totals_summing_to(158949, 5000), 5000)
    assert Fraction(25 * 158949, 9 * 5000) == Fraction("88.305")
    assert result.ikm == Decimal("88.31")
    assert result.grade.letter == "A"
    # One answer point less: 88,3044… → 88,30 → B.
    below = ikm_from_totals(totals_summing_to(158948, 5000), 5000)
    assert below.ikm == Decimal("88.30")
    assert below.grade.letter == "B"


def test_rounding_only_at_the_end():
    # Three respondents, every element summing to 10: NRR 3,333… each. Exact IKM 83,333… →
    # 83,33; rounding each NRR to 3,33 first would give 3,33 × 25 = 83,25.
    result = ikm_from_totals(dict.fromkeys(CODES, 10), 3)
    assert result.nrr["u1"] == Decimal("3.33")
    shown_first = sum(result.nrr.values()) / 9 * 25
    assert shown_first == Decimal("83.25")
    assert result.ikm == Decimal("83.33")


def test_rounding_nrrs_first_can_cross_a_grade_boundary():
    # Seven respondents; one element sums to 9, the other eight to 23. Exact IKM
    # 25 × (9 + 8×23) ÷ 63 = 76,587… → 76,59, grade C. Rounded NRRs first: 9/7 → 1,29 and
    # 23/7 → 3,29, (1,29 + 8×3,29) ÷ 9 × 25 = 76,694… → 76,69, which would read as B.
    totals = {code: (9 if i == 0 else 23) for i, code in enumerate(CODES)}
    result = ikm_from_totals(totals, 7)
    assert result.ikm == Decimal("76.59")
    assert result.grade.letter == "C"
    shown_first = round_half_up(Fraction(sum(result.nrr.values()) / 9 * 25), 2)
    assert shown_first == Decimal("76.69")
    assert grade_of(shown_first).letter == "B"


def test_weighted_nrr_uses_the_printed_weight():
    result = ikm_from_answers([dict.fromkeys(CODES, 3), dict.fromkeys(CODES, 4)])
    assert result.weighted_nrr["u1"] == Decimal("0.389")  # 3,5 × 0,111 = 0,3885 → 0,389
    assert result.element_index("u1") == Decimal("87.50")


def test_impossible_totals_are_refused():
    with pytest.raises(ValueError):
        ikm_from_totals(dict.fromkeys(CODES, 3), 0)
    with pytest.raises(ValueError):
        ikm_from_totals(dict.fromkeys(CODES, 5), 1)  # an answer above 4
    with pytest.raises(ValueError):
        ikm_from_totals(dict.fromkeys(CODES[:8], 3), 1)  # an element missing


def test_grade_of_reads_the_regulation_intervals():
    assert [g.letter for g in GRADES] == ["A", "B", "C", "D"]
    assert grade_of(Decimal("100.00")).letter == "A"
    assert grade_of(Decimal("76.61")).letter == "B"
    assert grade_of(Decimal("65.00")).letter == "C"
    assert grade_of(Decimal("25.00")).letter == "D"


# --- Krejcie–Morgan ---


@pytest.mark.parametrize(
    ("population", "sample"),
    [
        (100, 80),
        (200, 132),
        (500, 217),
        (1000, 278),
        (2000, 322),
        (10000, 370),
        (100000, 384),
        (1000000, 384),
        (5000000, 384),
    ],
)
def test_minimum_sample_reference_points(population, sample):
    assert minimum_sample(population) == sample


def test_minimum_sample_between_rows_takes_the_next_larger_row():
    assert minimum_sample(101) == 86  # between 100 (80) and 110 (86)
    assert minimum_sample(1001) == 285
    assert minimum_sample(75001) == 384


def test_minimum_sample_never_exceeds_the_population():
    assert minimum_sample(0) == 0
    assert minimum_sample(1) == 1
    assert minimum_sample(9) == 9
    assert minimum_sample(10) == 10
    assert minimum_sample(12) == 12  # the next row (15) asks 14: more than there are
    assert minimum_sample(15) == 14


def test_table_follows_the_formula_it_was_printed_from():
    # S = χ²NP(1−P) ÷ (d²(N−1) + χ²P(1−P)), χ² = 3,841, P = 0,5, d = 0,05: every printed row
    # is the formula rounded, which catches a mistyped row.
    previous = (0, 0)
    for population, sample in KREJCIE_MORGAN:
        formula = 3.841 * population * 0.25 / (0.0025 * (population - 1) + 3.841 * 0.25)
        assert abs(formula - sample) < 0.6, population
        assert population > previous[0] and sample >= previous[1]
        previous = (population, sample)
    assert len(KREJCIE_MORGAN) == 90
