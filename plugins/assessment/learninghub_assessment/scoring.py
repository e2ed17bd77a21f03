"""Scoring arithmetic of the assessment plugin: pure, exact, no database.

Points and percents are ``Decimal`` with two decimal places. Intermediate values are
``fractions.Fraction`` (exact); rounding happens once, at the end of a computation,
half-up to the hundredth (``round_points`` / ``round_percent``). No floats anywhere:
a float argument is refused with ``TypeError`` (``0.1`` is not a tenth).

See docs/design/assessment-contracts.md, "Numbers: points and percents".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

HUNDREDTH = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100.00")

Number = Fraction | Decimal | int


def exact(value: Number) -> Fraction:
    """``value`` as an exact ``Fraction`` (floats are refused: they are not exact)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"scoring takes Decimal, Fraction or int, not {type(value).__name__}")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value}")
        return Fraction(value)
    if isinstance(value, int):
        return Fraction(value)
    raise TypeError(f"scoring takes Decimal, Fraction or int, not {type(value).__name__}")


def _round_half_up(value: Number) -> Decimal:
    """Round to the hundredth, half away from zero (``ROUND_HALF_UP`` of ``decimal``),
    with integer arithmetic so that no intermediate is ever inexact."""
    x = exact(value)
    hundredths = abs(x) * 100
    whole = hundredths.numerator // hundredths.denominator
    if hundredths - whole >= Fraction(1, 2):
        whole += 1
    if x < 0:
        whole = -whole
    return (Decimal(whole) / 100).quantize(HUNDREDTH)


def round_points(value: Number) -> Decimal:
    """Points rounded half-up to two decimal places."""
    return _round_half_up(value)


def round_percent(value: Number) -> Decimal:
    """A percent rounded half-up to two decimal places."""
    return _round_half_up(value)


def awarded_points(points: Number, fraction: Fraction | int) -> Decimal:
    """The points a response earns: ``round_points(points × fraction)``. ``fraction``
    must lie in [0, 1] (what ``questions.types.grade`` returns)."""
    share = exact(fraction)
    if not 0 <= share <= 1:
        raise ValueError(f"fraction out of [0, 1]: {share}")
    return round_points(exact(points) * share)


def total(values: Iterable[Number]) -> Fraction:
    """The exact sum of ``values`` (round it once, at the end)."""
    return sum((exact(value) for value in values), Fraction(0))


def percent(score: Number, max_score: Number) -> Decimal:
    """``round_percent(100 × score / max_score)`` clamped to [0, 100]; 0 when
    ``max_score`` is 0 (nothing to earn). A score above the maximum (an override) is
    100; a negative one 0."""
    maximum = exact(max_score)
    if maximum <= 0:
        return ZERO
    value = 100 * exact(score) / maximum
    return round_percent(min(max(value, Fraction(0)), Fraction(100)))


def weighted_total(
    items: Sequence[tuple[Decimal, Decimal | None]], missing_as_zero: bool
) -> Decimal | None:
    """The weighted mean Σ wᵢ·pᵢ / Σ wᵢ of percents, rounded once.

    ``items`` are ``(weight, percent)`` pairs; items of weight 0 are not counted. A
    ``percent`` of None is an item not graded yet: it counts 0 when
    ``missing_as_zero`` (the gradebook's *total*) and is left out otherwise (its
    *current* grade). None when nothing is counted (no weight at all)."""
    weights = Fraction(0)
    weighted = Fraction(0)
    for weight, value in items:
        w = exact(weight)
        if w < 0:
            raise ValueError(f"negative weight: {weight}")
        if w == 0:
            continue
        if value is None:
            if not missing_as_zero:
                continue
            p = Fraction(0)
        else:
            p = exact(value)
        weights += w
        weighted += w * p
    if weights == 0:
        return None
    return round_percent(weighted / weights)
