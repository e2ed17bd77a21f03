"""The value objects of a checkout, shared by payments, coupons and cart
(docs/design/commerce-contracts.md). Money is integer minor units."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

LineKind = Literal["course", "seats"]


@dataclass(frozen=True)
class DraftLine:
    """One line to buy: a course for oneself (``quantity`` 1) or ``quantity`` seats of
    it (enrolment codes), at ``unit_price_minor`` each."""

    course_id: uuid.UUID
    quantity: int
    unit_price_minor: int
    title: str
    kind: LineKind = "course"
    category_id: uuid.UUID | None = None

    @property
    def subtotal_minor(self) -> int:
        return self.quantity * self.unit_price_minor


@dataclass(frozen=True)
class OrderDraft:
    """What ``learninghub_payments_adjustments`` sees. ``order_id`` is the id the order
    will have (reservations refer to it); ``reserve`` is true only while placing it."""

    order_id: uuid.UUID
    user: Any
    currency: str
    lines: tuple[DraftLine, ...]
    codes: tuple[str, ...] = ()
    reserve: bool = False

    @property
    def subtotal_minor(self) -> int:
        return sum(line.subtotal_minor for line in self.lines)


@dataclass(frozen=True)
class Adjustment:
    """A discount (positive ``amount_minor``) granted by ``provider`` (a plugin name)
    for ``reference`` (e.g. a coupon id) under ``code``; on one line
    (``line_index``) or on the whole order (None: spread over the lines pro rata)."""

    provider: str
    reference: str
    code: str
    label: str
    amount_minor: int
    line_index: int | None = None


@dataclass(frozen=True)
class QuoteLine:
    line: DraftLine
    discount_minor: int
    tax_minor: int
    total_minor: int


@dataclass(frozen=True)
class Quote:
    """Prices of a draft: ``total_minor`` is what the buyer pays (tax included)."""

    currency: str
    lines: tuple[QuoteLine, ...]
    adjustments: tuple[Adjustment, ...]
    subtotal_minor: int
    discount_minor: int
    tax_minor: int
    total_minor: int
    tax_rate_bp: int
    tax_inclusive: bool
    messages: tuple[str, ...] = field(default=())
