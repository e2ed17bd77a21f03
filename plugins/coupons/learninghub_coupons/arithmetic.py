"""Discount arithmetic in integer minor units (docs/design/commerce-contracts.md,
"Money rules"): percentages are basis points, divisions round half up to the minor
unit, and a sum split over lines adds up exactly with no part above its line."""

from __future__ import annotations

from collections.abc import Sequence


def percent_of(amount_minor: int, bp: int) -> int:
    """``bp`` basis points of ``amount_minor``, rounded half up (both non-negative)."""
    if amount_minor < 0 or bp < 0:
        raise ValueError("amount and basis points must not be negative")
    return (amount_minor * bp + 5000) // 10000


def allocate(total_minor: int, weights: Sequence[int]) -> list[int]:
    """Split ``total_minor`` over ``weights`` (line subtotals) pro rata: each part is
    the floor of its share, and the units left go one each to the parts with the
    largest remainders (ties: the later line). The parts add up to ``total_minor``,
    none is negative, and none exceeds its weight (``total_minor`` must not exceed
    their sum)."""
    if any(w < 0 for w in weights) or total_minor < 0:
        raise ValueError("amounts must not be negative")
    whole = sum(weights)
    if total_minor > whole:
        raise ValueError("cannot allocate more than the weights")
    if total_minor == 0 or whole == 0:
        return [0] * len(weights)
    parts = [total_minor * w // whole for w in weights]
    left = total_minor - sum(parts)
    # a share below its weight has a non-zero remainder, so the extra unit fits
    order = sorted(
        range(len(weights)), key=lambda i: (total_minor * weights[i] % whole, i), reverse=True
    )
    for i in order[:left]:
        parts[i] += 1
    return parts
