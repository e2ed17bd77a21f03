"""Property tests of the gradebook's arithmetic (gradebook.compute with
scoring.weighted_total): totals, current grades, overrides, rounding."""

from __future__ import annotations

import uuid
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from learninghub_assessment.gradebook.compute import TOTAL, build_row
from learninghub_assessment.gradebook.sources import GradedItem, ItemGrade

HUNDREDTHS = st.integers(min_value=0, max_value=10_000).map(lambda n: Decimal(n) / 100)
PERCENTS = HUNDREDTHS.map(lambda d: d.quantize(Decimal("0.01")))
WEIGHTS = st.integers(min_value=0, max_value=100_000).map(
    lambda n: (Decimal(n) / 100).quantize(Decimal("0.01"))
)
USER = uuid.UUID(int=1)


def item(i: int, weight: Decimal, passing: Decimal | None = None) -> GradedItem:
    return GradedItem(
        key=f"assignment:{uuid.UUID(int=i + 100)}",
        kind="assignment",
        title=f"A{i}",
        weight=weight,
        required=False,
        passing_percent=passing,
        due_at=None,
        position=(0, i),
        lesson_id=None,
    )


cells = st.lists(st.tuples(WEIGHTS, st.one_of(st.none(), PERCENTS)), min_size=1, max_size=12)


def setup(pairs):
    items = [item(i, w) for i, (w, _p) in enumerate(pairs)]
    grades = {
        it.key: ItemGrade(percent=p, passed=None, graded_at=None)
        for it, (_w, p) in zip(items, pairs, strict=True)
        if p is not None
    }
    return items, grades


def exact_mean(pairs, missing_as_zero: bool):
    num = den = Fraction(0)
    for w, p in pairs:
        if w == 0 or (p is None and not missing_as_zero):
            continue
        num += Fraction(w) * Fraction(p or 0)
        den += Fraction(w)
    return None if den == 0 else num / den


@settings(deadline=None)  # no timing assertions: the machine is shared
@given(cells)
def test_totals_are_percents_with_two_places_and_current_at_least_total(pairs):
    items, grades = setup(pairs)
    row = build_row(USER, items, grades, {})
    for value in (row.total, row.current):
        if value is not None:
            assert Decimal("0") <= value <= Decimal("100")
            assert value == value.quantize(Decimal("0.01"))
    if row.total is not None and row.current is not None:
        assert row.current >= row.total
    if any(w > 0 for w, _ in pairs):
        assert row.total is not None
    else:
        assert row.total is None and row.current is None


@settings(deadline=None)  # no timing assertions: the machine is shared
@given(cells)
def test_total_is_the_exact_weighted_mean_rounded_once_half_up(pairs):
    items, grades = setup(pairs)
    row = build_row(USER, items, grades, {})
    expected = exact_mean(pairs, missing_as_zero=True)
    if expected is None:
        assert row.total is None
    else:
        # within half a hundredth of the exact value, never further (rounded once)
        assert abs(Fraction(row.total) - expected) <= Fraction(1, 200)
        hundredths = expected * 100
        floor = hundredths.numerator // hundredths.denominator
        up = floor + (1 if hundredths - floor >= Fraction(1, 2) else 0)
        assert row.total == (Decimal(up) / 100).quantize(Decimal("0.01"))


@settings(deadline=None)  # no timing assertions: the machine is shared
@given(st.lists(PERCENTS, min_size=1, max_size=10), WEIGHTS.filter(lambda w: w > 0))
def test_equal_weights_give_the_mean(percents, weight):
    pairs = [(weight, p) for p in percents]
    items, grades = setup(pairs)
    row = build_row(USER, items, grades, {})
    mean = sum(Fraction(p) for p in percents) / len(percents)
    assert abs(Fraction(row.total) - mean) <= Fraction(1, 200)
    assert row.total == row.current


@settings(deadline=None)  # no timing assertions: the machine is shared
@given(cells, st.integers(min_value=2, max_value=50))
def test_scaling_every_weight_leaves_the_total_unchanged(pairs, factor):
    items, grades = setup(pairs)
    scaled_items = [GradedItem(**{**it.__dict__, "weight": it.weight * factor}) for it in items]
    row = build_row(USER, items, grades, {})
    scaled = build_row(USER, scaled_items, grades, {})
    assert (row.total, row.current) == (scaled.total, scaled.current)


@settings(deadline=None)  # no timing assertions: the machine is shared
@given(cells, PERCENTS)
def test_zero_weight_items_do_not_count(pairs, extra):
    items, grades = setup(pairs)
    row = build_row(USER, items, grades, {})
    ignored = item(99, Decimal("0"))
    with_ignored = build_row(
        USER, [*items, ignored], {**grades, ignored.key: ItemGrade(extra, True, None)}, {}
    )
    assert (row.total, row.current) == (with_ignored.total, with_ignored.current)
    assert with_ignored.cells[ignored.key].percent == extra


@settings(deadline=None)  # no timing assertions: the machine is shared
@given(cells, st.data())
def test_an_item_override_replaces_exactly_one_cell(pairs, data):
    items, grades = setup(pairs)
    target = data.draw(st.sampled_from(items))
    value = data.draw(PERCENTS)
    before = build_row(USER, items, grades, {})
    after = build_row(USER, items, grades, {target.key: value})
    for it in items:
        if it.key == target.key:
            assert after.cells[it.key].percent == value and after.cells[it.key].overridden
            assert after.cells[it.key].computed == before.cells[it.key].percent
        else:
            assert after.cells[it.key] == before.cells[it.key]
    # the total is the one the overridden grades give
    replaced = [
        (w, value if it.key == target.key else p) for it, (w, p) in zip(items, pairs, strict=True)
    ]
    items2, grades2 = setup(replaced)
    assert after.total == build_row(USER, items2, grades2, {}).total


@settings(deadline=None)  # no timing assertions: the machine is shared
@given(cells, PERCENTS)
def test_a_total_override_replaces_the_total_only(pairs, value):
    items, grades = setup(pairs)
    before = build_row(USER, items, grades, {})
    after = build_row(USER, items, grades, {TOTAL: value})
    assert after.total == value and after.total_overridden
    assert after.computed_total == before.total
    assert after.cells == before.cells


def test_passed_follows_an_override():
    gated = item(1, Decimal("1"), passing=Decimal("50"))
    grades = {gated.key: ItemGrade(Decimal("40"), False, None)}
    assert build_row(USER, [gated], grades, {}).cells[gated.key].passed is False
    row = build_row(USER, [gated], grades, {gated.key: Decimal("50")})
    assert row.cells[gated.key].passed is True
    assert row.total == Decimal("50.00")
