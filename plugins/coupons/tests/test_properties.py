"""Property tests of the discount arithmetic (no database): a price is never negative,
discounts are whole minor units rounded half up, restricted coupons touch only their
lines, and stacked coupons never take more than the subtotal."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from learninghub_coupons.models import Coupon
from learninghub_coupons.redeem import Refused, price
from learninghub_payments.drafts import DraftLine

COURSES = [uuid.UUID(int=i) for i in range(1, 5)]
CATEGORIES = [uuid.UUID(int=100 + i) for i in range(1, 3)]
#: currencies with 0, 2 and 3 decimals
CURRENCIES = {"JPY": 0, "EUR": 2, "KWD": 3}


@st.composite
def lines(draw):
    count = draw(st.integers(1, 5))
    return [
        DraftLine(
            course_id=draw(st.sampled_from(COURSES)),
            quantity=draw(st.integers(1, 50)),
            unit_price_minor=draw(st.integers(0, 10**7)),
            title="C",
            category_id=draw(st.none() | st.sampled_from(CATEGORIES)),
        )
        for _ in range(count)
    ]


@st.composite
def coupons(draw, currency="EUR"):
    kind = draw(st.sampled_from(["percent", "fixed"]))
    restricted = draw(st.booleans())
    return Coupon(
        code="X",
        kind=kind,
        percent_bp=draw(st.integers(1, 10000)) if kind == "percent" else None,
        amount_minor=draw(st.integers(1, 10**9)) if kind == "fixed" else None,
        currency=currency if kind == "fixed" else None,
        course_ids=[str(c) for c in draw(st.lists(st.sampled_from(COURSES), max_size=2))]
        if restricted
        else [],
        category_ids=[str(c) for c in draw(st.lists(st.sampled_from(CATEGORIES), max_size=1))]
        if restricted
        else [],
    )


def matches(coupon: Coupon, line: DraftLine) -> bool:
    if not coupon.course_ids and not coupon.category_ids:
        return True
    return str(line.course_id) in coupon.course_ids or str(line.category_id) in coupon.category_ids


@settings(max_examples=300, deadline=None)
@given(lines=lines(), coupon=coupons(), currency=st.sampled_from(sorted(CURRENCIES)))
def test_one_coupon_never_makes_a_price_negative_and_rounds_half_up(lines, coupon, currency):
    left = [line.subtotal_minor for line in lines]
    applicable = sum(line.subtotal_minor for line in lines if matches(coupon, line))
    try:
        priced = price(coupon, lines, left)
    except Refused as exc:  # only a coupon with nothing to discount is refused
        assert applicable == 0, exc
        return
    for i, line in enumerate(lines):
        part = priced.parts.get(i, 0)
        assert isinstance(part, int) and 0 <= part <= line.subtotal_minor
        assert left[i] == line.subtotal_minor - part >= 0
        if not matches(coupon, line):
            assert part == 0
    if coupon.kind == "percent":
        # the percentage of the amount in major units, rounded half up to the minor unit
        digits = CURRENCIES[currency]
        unit = Decimal(1).scaleb(-digits)
        major = Decimal(applicable).scaleb(-digits)
        expected = (major * coupon.percent_bp / 10000).quantize(unit, rounding=ROUND_HALF_UP)
        assert priced.amount_minor == int(expected.scaleb(digits))
    else:
        assert priced.amount_minor == min(coupon.amount_minor, applicable)
    assert priced.amount_minor <= applicable


@settings(max_examples=200, deadline=None)
@given(lines=lines(), stack=st.lists(coupons(), min_size=1, max_size=4))
def test_stacked_coupons_never_take_more_than_the_subtotal(lines, stack):
    left = [line.subtotal_minor for line in lines]
    total = 0
    for coupon in stack:
        try:
            total += price(coupon, lines, left).amount_minor
        except Refused:
            continue
        assert all(value >= 0 for value in left)
    subtotal = sum(line.subtotal_minor for line in lines)
    assert 0 <= total <= subtotal
    assert sum(left) == subtotal - total
