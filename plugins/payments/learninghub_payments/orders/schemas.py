"""Input and output models of the orders API (money: integer minor units)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from learninghub.api import PageQuery

from .models import ORDER_STATUSES

OrderStatus = Literal[
    "pending", "paid", "failed", "expired", "cancelled", "partially_refunded", "refunded"
]
assert set(OrderStatus.__args__) == set(ORDER_STATUSES)  # type: ignore[attr-defined]


class ItemOut(BaseModel):
    id: uuid.UUID
    kind: str
    course_id: uuid.UUID | None
    plan_id: uuid.UUID | None
    title: str
    quantity: int
    unit_price_minor: int
    subtotal_minor: int
    discount_minor: int
    tax_minor: int
    total_minor: int
    refunded_minor: int
    access_revoked_at: datetime | None


class AdjustmentOut(BaseModel):
    id: uuid.UUID
    item_id: uuid.UUID | None
    provider: str
    code: str
    label: str
    amount_minor: int


class TransactionOut(BaseModel):
    id: uuid.UUID
    kind: str
    gateway: str
    reference: str | None
    amount_minor: int
    status: str
    reason: str
    item_ids: list[str]
    created_by: uuid.UUID | None
    created_at: datetime


class SeatCodeOut(BaseModel):
    code: str
    course_id: uuid.UUID
    status: str
    redeemed_at: datetime | None


class OrderSummary(BaseModel):
    id: uuid.UUID
    number: str
    user_id: uuid.UUID
    status: str
    currency: str
    subtotal_minor: int
    discount_minor: int
    tax_minor: int
    total_minor: int
    refunded_minor: int
    gateway: str
    origin: str
    created_at: datetime
    paid_at: datetime | None
    expires_at: datetime | None


class OrderOut(OrderSummary):
    tax_country: str | None
    tax_rate_bp: int
    tax_inclusive: bool
    checkout_url: str | None
    items: list[ItemOut]
    adjustments: list[AdjustmentOut]
    seat_codes: list[SeatCodeOut]
    #: the buyer may complete this offline order themselves (``offline_self_confirm``)
    can_self_confirm: bool


class AdminOrderOut(OrderOut):
    gateway_reference: str | None
    transactions: list[TransactionOut]


class OrdersQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")
    status: OrderStatus | None = None


class AdminOrdersQuery(OrdersQuery):
    user_id: uuid.UUID | None = None


class MarkPaidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: str | None = Field(
        None, max_length=200, description="The bank transfer or invoice it was paid with."
    )


class RefundIn(BaseModel):
    """``amount_minor`` and/or ``item_ids``: an amount on the order or on those items;
    the items alone: what is left on them; neither: everything that is left."""

    model_config = ConfigDict(extra="forbid")
    amount_minor: int | None = Field(None, ge=1, le=10**13)
    item_ids: list[uuid.UUID] | None = Field(None, min_length=1, max_length=100)
    reason: str = Field(min_length=3, max_length=500)

    @field_validator("reason")
    @classmethod
    def _stripped(cls, value: str) -> str:
        value = value.strip()
        if len(value) < 3:
            raise ValueError("say why, in at least 3 characters")
        return value


class RefundOut(BaseModel):
    transaction: TransactionOut
    order: AdminOrderOut


class RedeemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=40)


class RedeemOut(BaseModel):
    course_id: uuid.UUID
    course_title: str
    course_url: str


class TaxRateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    rate_bp: int = Field(ge=0, le=10000, description="Basis points: 2000 = 20 %")
    label: str = Field("", max_length=100)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        value = value.upper()
        if not value.isascii() or not value.isalpha():
            raise ValueError("an ISO 3166-1 alpha-2 code such as FR")
        return value


class TaxRatesIn(BaseModel):
    """The whole set (replaces the tenant's rates)."""

    model_config = ConfigDict(extra="forbid")
    rates: list[TaxRateIn] = Field(max_length=300)

    @field_validator("rates")
    @classmethod
    def _unique(cls, rates: list[TaxRateIn]) -> list[TaxRateIn]:
        seen: set[str] = set()
        for rate in rates:
            if rate.country in seen:
                raise ValueError(f"{rate.country} appears twice")
            seen.add(rate.country)
        return rates


class TaxRateOut(BaseModel):
    country: str
    rate_bp: int
    label: str


class TaxRatesOut(BaseModel):
    tax_inclusive: bool
    rates: list[TaxRateOut]
