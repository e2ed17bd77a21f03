"""Property tests of the money arithmetic (integers in minor units, half-up rounding)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learninghub_payments import money
from learninghub_payments.checkout import price
from learninghub_payments.drafts import Adjustment, DraftLine

amounts = st.integers(min_value=0, max_value=10**12)
rates = st.integers(min_value=0, max_value=10_000)
weights = st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30)


def exact_half_up(numerator: int, denominator: int) -> int:
    return int((Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), ROUND_HALF_UP))


@given(amounts, rates)
def test_percent_of_rounds_half_up(amount, bp):
    assert money.percent_of(amount, bp) == exact_half_up(amount * bp, 10_000)


def test_percent_of_examples():
    assert money.percent_of(1999, 1500) == 300  # 299.85
    assert money.percent_of(5, 5000) == 3  # 2.5 rounds up
    assert money.percent_of(4, 1250) == 1  # 0.5 rounds up
    assert money.percent_of(3, 1250) == 0  # 0.375
    with pytest.raises(ValueError):
        money.percent_of(-1, 100)


@given(amounts, weights)
def test_allocate_is_exact_and_never_negative(total, ws):
    parts = money.allocate(total, ws)
    assert sum(parts) == total and len(parts) == len(ws)
    assert all(p >= 0 for p in parts)
    whole = sum(ws)
    for part, w in zip(parts, ws, strict=True):
        if whole:
            # each part is its exact share rounded down or up
            assert abs(part * whole - total * w) < whole
        if whole and w == 0:
            assert part == 0


@given(weights, st.data())
def test_allocate_within_the_weights_never_exceeds_one(ws, data):
    total = data.draw(st.integers(min_value=0, max_value=sum(ws)))
    parts = money.allocate(total, ws)
    assert all(p <= w for p, w in zip(parts, ws, strict=True))


def test_allocate_remainder_goes_last_and_zero_weights():
    assert money.allocate(100, [1, 1, 1]) == [33, 34, 33]
    assert money.allocate(10, [0, 0]) == [0, 10]
    assert money.allocate(1, [1, 1, 0]) == [1, 0, 0]
    assert money.allocate(0, []) == []


@given(amounts, rates)
def test_exclusive_tax_round_trips(net, bp):
    tax = money.tax_added(net, bp)
    gross = net + tax
    assert money.tax_included(gross, bp) == tax


@given(amounts, rates)
def test_inclusive_tax_round_trips(gross, bp):
    tax = money.tax_included(gross, bp)
    net = gross - tax
    assert 0 <= tax <= gross and net >= 0
    # adding tax to the extracted net comes back to the price within one minor unit
    assert abs(net + money.tax_added(net, bp) - gross) <= 1


@pytest.mark.parametrize(
    ("currency", "digits", "minor", "shown"),
    [("JPY", 0, 1500, "¥1,500"), ("EUR", 2, 1999, "€19.99"), ("KWD", 3, 12345, "KWD12.345")],
)
def test_currencies_with_0_2_3_decimals(currency, digits, minor, shown):
    assert money.minor_units(currency) == digits
    assert money.to_minor(money.to_decimal(minor, currency), currency) == minor
    assert money.format_amount(minor, currency, "en").replace("\xa0", "") == shown
    with pytest.raises(ValueError):
        money.to_minor(Decimal("1.0001"), currency)


def test_format_follows_the_locale():
    assert money.format_amount(1999, "EUR", "es").replace("\xa0", " ") == "19,99 €"


lines_strategy = st.lists(
    st.tuples(st.integers(min_value=0, max_value=10**7), st.integers(min_value=1, max_value=1000)),
    min_size=1,
    max_size=8,
)


@given(
    lines_strategy,
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10**9), st.integers(min_value=-1, max_value=8)
        ),
        max_size=4,
    ),
    rates,
    st.booleans(),
)
def test_a_price_is_never_negative_and_lines_add_up(raw_lines, raw_adjs, bp, inclusive):
    import uuid

    lines = [
        DraftLine(
            course_id=uuid.uuid4(),
            quantity=q,
            unit_price_minor=p,
            title="c",
            kind="seats" if q > 1 else "course",
        )
        for p, q in raw_lines
    ]
    adjs = [Adjustment("t", "r", "C", "C", a, None if i < 0 else i) for a, i in raw_adjs]
    q = price(lines, adjs, currency="EUR", tax_rate_bp=bp, tax_inclusive=inclusive)
    assert q.subtotal_minor == sum(line.subtotal_minor for line in lines)
    assert 0 <= q.discount_minor <= q.subtotal_minor
    assert q.discount_minor == sum(a.amount_minor for a in q.adjustments)
    assert q.total_minor == sum(ql.total_minor for ql in q.lines) >= 0
    assert q.tax_minor == sum(ql.tax_minor for ql in q.lines)
    for ql in q.lines:
        assert 0 <= ql.discount_minor <= ql.line.subtotal_minor
        net = ql.line.subtotal_minor - ql.discount_minor
        assert ql.total_minor == (net if inclusive else net + ql.tax_minor)
        assert 0 <= ql.tax_minor <= max(ql.total_minor, 0)
    net_total = q.subtotal_minor - q.discount_minor
    assert q.total_minor == (net_total if inclusive else net_total + q.tax_minor)
