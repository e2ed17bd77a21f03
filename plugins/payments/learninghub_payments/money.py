"""Money arithmetic of the commerce plugins (docs/design/commerce-contracts.md).

Amounts are integers in the currency's minor unit (cents; none for JPY; fils for KWD,
three decimals), never floats. Percentages are basis points (``2000`` = 20 %). Every
division rounds **half up** to the minor unit; a total split into parts is computed once
and split with :func:`allocate`, so the parts always add up to it exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from babel import numbers as babel_numbers

BP = 10_000  # basis points in 100 %


def minor_units(currency: str) -> int:
    """Digits after the decimal point of ``currency`` (JPY 0, EUR 2, KWD 3)."""
    return babel_numbers.get_currency_precision(currency.upper())


def to_decimal(amount_minor: int, currency: str) -> Decimal:
    """``1999`` EUR -> ``Decimal("19.99")`` (exact)."""
    return Decimal(int(amount_minor)).scaleb(-minor_units(currency))


def to_minor(amount: Decimal | str | int, currency: str) -> int:
    """``Decimal("19.99")`` EUR -> ``1999``; refuses amounts finer than the minor unit."""
    value = Decimal(str(amount)).scaleb(minor_units(currency))
    if value != value.to_integral_value():
        raise ValueError(f"{amount} has more decimals than {currency} allows")
    return int(value)


def format_amount(amount_minor: int, currency: str, locale) -> str:
    """``1999`` EUR in ``locale`` (a Babel ``Locale`` or a name): ``€19.99``, ``19,99 €``."""
    return babel_numbers.format_currency(
        to_decimal(amount_minor, currency), currency.upper(), locale=locale
    )


def format_money(request, amount_minor: int, currency: str) -> str:
    """An amount in the request's locale (the one its pages are rendered in)."""
    from learninghub.i18n import request_locale

    return format_amount(amount_minor, currency, request_locale(request))


def _div_half_up(numerator: int, denominator: int) -> int:
    """``round(numerator / denominator)`` with halves rounded up, for non-negative
    integers (exact: no floats)."""
    if numerator < 0 or denominator <= 0:
        raise ValueError("half-up division takes a non-negative numerator")
    return (2 * numerator + denominator) // (2 * denominator)


def percent_of(amount_minor: int, bp: int) -> int:
    """``bp`` basis points of ``amount_minor``, rounded half up to the minor unit:
    ``percent_of(1999, 1500) == 300`` (299.85), ``percent_of(5, 5000) == 3`` (2.5)."""
    if amount_minor < 0 or bp < 0:
        raise ValueError("amounts and rates are non-negative")
    return _div_half_up(amount_minor * bp, BP)


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` over ``weights`` pro rata, in minor units.

    Cumulative half-up rounding: part *i* is ``round(total * W_i / W) - round(total *
    W_(i-1) / W)`` where ``W_i`` is the sum of the first *i* weights, so the parts add up
    to ``total`` exactly, the last part takes the remainder, no part is negative, a part
    of weight 0 is 0, and when ``total <= sum(weights)`` no part exceeds its weight (a
    discount never makes a line negative). With every weight 0 the last part takes it
    all."""
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("allocate takes non-negative amounts")
    if not weights:
        if total:
            raise ValueError("nothing to allocate over")
        return []
    whole = sum(weights)
    if whole == 0:
        return [0] * (len(weights) - 1) + [total]
    parts: list[int] = []
    running = 0
    before = 0
    for weight in weights[:-1]:
        running += weight
        upto = _div_half_up(total * running, whole)
        parts.append(upto - before)
        before = upto
    parts.append(total - before)
    return parts


def tax_added(net_minor: int, rate_bp: int) -> int:
    """Tax **added** to a net price (prices exclusive of tax): ``percent_of``."""
    return percent_of(net_minor, rate_bp)


def tax_included(gross_minor: int, rate_bp: int) -> int:
    """Tax **contained** in a price that includes it (prices inclusive of tax):
    ``gross * rate / (1 + rate)``, rounded half up. ``gross - tax`` is the net price;
    adding tax to a net price and extracting it again gives the same tax."""
    if gross_minor < 0 or rate_bp < 0:
        raise ValueError("amounts and rates are non-negative")
    return _div_half_up(gross_minor * rate_bp, BP + rate_bp)
