"""Properties of the scoring arithmetic (learninghub_assessment.scoring)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learninghub_assessment import scoring

points = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1000), places=2)
fractions = st.fractions(min_value=0, max_value=1, max_denominator=1000)
percents = st.decimals(min_value=0, max_value=100, places=2)
weights = st.decimals(min_value=0, max_value=100, places=2)


@settings(deadline=None)  # no timing assertions (shared machines)
@given(points, fractions)
def test_awarded_points_lie_between_zero_and_the_points(value, fraction):
    awarded = scoring.awarded_points(value, fraction)
    assert Decimal(0) <= awarded <= value
    assert awarded == awarded.quantize(Decimal("0.01"))


@settings(deadline=None)  # no timing assertions (shared machines)
@given(points)
def test_full_and_no_credit_are_exact(value):
    assert scoring.awarded_points(value, Fraction(1)) == value
    assert scoring.awarded_points(value, Fraction(0)) == Decimal("0.00")


@settings(deadline=None)  # no timing assertions (shared machines)
@given(st.integers(min_value=-(10**9), max_value=10**9), st.integers(min_value=1, max_value=10**4))
def test_rounding_is_half_up_like_decimal(numerator, denominator):
    """Exact Fraction rounding agrees with Decimal's ROUND_HALF_UP on exact decimals."""
    value = Fraction(numerator, denominator)
    expected_source = Decimal(numerator) / Decimal(denominator)
    rounded = scoring.round_points(value)
    assert abs(Fraction(rounded) - value) <= Fraction(1, 200)
    if (value * 1000).denominator == 1:  # exactly representable with 3 places
        assert rounded == expected_source.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@settings(deadline=None)  # no timing assertions (shared machines)
@given(st.integers(min_value=0, max_value=10**6))
def test_half_a_hundredth_goes_up(minor):
    value = Fraction(minor, 100) + Fraction(1, 200)
    assert scoring.round_points(value) == (Decimal(minor + 1) / 100).quantize(Decimal("0.01"))
    assert scoring.round_percent(-value) == -(Decimal(minor + 1) / 100).quantize(Decimal("0.01"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.005"), Decimal("0.01")),
        (Decimal("0.004999"), Decimal("0.00")),
        (Decimal("2.675"), Decimal("2.68")),
        (Fraction(2, 3), Decimal("0.67")),
        (Fraction(1, 3), Decimal("0.33")),
        (Decimal("-0.005"), Decimal("-0.01")),
        (7, Decimal("7.00")),
    ],
)
def test_rounding_examples(value, expected):
    assert scoring.round_points(value) == expected
    assert scoring.round_percent(value) == expected


def test_floats_are_refused():
    with pytest.raises(TypeError):
        scoring.round_points(0.1)
    with pytest.raises(TypeError):
        scoring.percent(1.0, Decimal(2))
    with pytest.raises(TypeError):
        scoring.awarded_points(Decimal(1), True)


def test_fraction_out_of_range_is_refused():
    with pytest.raises(ValueError):
        scoring.awarded_points(Decimal(1), Fraction(3, 2))
    with pytest.raises(ValueError):
        scoring.awarded_points(Decimal(1), Fraction(-1, 2))


@settings(deadline=None)  # no timing assertions (shared machines)
@given(st.lists(points, max_size=30))
def test_total_is_the_exact_sum(values):
    assert scoring.total(values) == sum((Fraction(v) for v in values), Fraction(0))
    assert scoring.round_points(scoring.total(values)) == sum(values, Decimal(0))


def test_sums_round_once_at_the_end():
    thirds = [scoring.exact(Decimal(1)) * Fraction(1, 3)] * 3
    assert scoring.round_points(scoring.total(thirds)) == Decimal("1.00")
    # rounding each third first would give 0.99
    assert sum(scoring.round_points(t) for t in thirds) == Decimal("0.99")


@settings(deadline=None)  # no timing assertions (shared machines)
@given(st.decimals(min_value=-100, max_value=2000, places=2), points)
def test_percent_lies_between_0_and_100(score, maximum):
    value = scoring.percent(score, maximum)
    assert Decimal(0) <= value <= Decimal(100)
    if 0 <= score <= maximum:
        exact = Fraction(score) * 100 / Fraction(maximum)
        assert abs(Fraction(value) - exact) <= Fraction(1, 200)


@settings(deadline=None)  # no timing assertions (shared machines)
@given(st.decimals(min_value=0, max_value=100, places=2))
def test_percent_of_nothing_is_zero(score):
    assert scoring.percent(score, Decimal(0)) == Decimal("0.00")


def test_percent_examples():
    assert scoring.percent(Decimal(1), Decimal(3)) == Decimal("33.33")
    assert scoring.percent(Decimal(2), Decimal(3)) == Decimal("66.67")
    assert scoring.percent(Decimal("0.5"), Decimal(200)) == Decimal("0.25")
    assert scoring.percent(Decimal(5), Decimal(5)) == Decimal("100.00")


@settings(deadline=None)  # no timing assertions (shared machines)
@given(st.lists(st.tuples(weights, st.one_of(st.none(), percents)), max_size=20), st.booleans())
def test_weighted_total_lies_within_the_counted_percents(items, missing_as_zero):
    result = scoring.weighted_total(items, missing_as_zero)
    counted = [
        (Decimal(0) if p is None else p)
        for w, p in items
        if w > 0 and (p is not None or missing_as_zero)
    ]
    if not counted:
        assert result is None
    else:
        assert min(counted) <= result <= max(counted)
        assert Decimal(0) <= result <= Decimal(100)


@settings(deadline=None)  # no timing assertions (shared machines)
@given(
    st.lists(percents, min_size=1, max_size=20),
    st.decimals(min_value="0.01", max_value=50, places=2),
)
def test_equal_weights_give_the_mean(values, weight):
    result = scoring.weighted_total([(weight, p) for p in values], missing_as_zero=True)
    assert result == scoring.round_percent(Fraction(sum(values)) / len(values))


@settings(deadline=None)  # no timing assertions (shared machines)
@given(st.lists(st.tuples(weights, percents), max_size=10), percents)
def test_ungraded_items_count_zero_only_in_the_total(items, extra):
    with_missing = [*items, (Decimal(1), None)]
    current = scoring.weighted_total(with_missing, missing_as_zero=False)
    assert current == scoring.weighted_total(items, missing_as_zero=False)
    total = scoring.weighted_total(with_missing, missing_as_zero=True)
    assert total is not None
    assert current is None or total <= current


def test_weighted_total_examples():
    items = [(Decimal(1), Decimal(80)), (Decimal(3), Decimal(40)), (Decimal(0), Decimal(0))]
    assert scoring.weighted_total(items, missing_as_zero=True) == Decimal("50.00")
    assert scoring.weighted_total([], missing_as_zero=True) is None
    assert scoring.weighted_total([(Decimal(0), Decimal(10))], missing_as_zero=True) is None
    assert scoring.weighted_total([(Decimal(2), None)], missing_as_zero=False) is None
    assert scoring.weighted_total([(Decimal(2), None)], missing_as_zero=True) == Decimal("0.00")
    with pytest.raises(ValueError):
        scoring.weighted_total([(Decimal(-1), Decimal(10))], missing_as_zero=True)
