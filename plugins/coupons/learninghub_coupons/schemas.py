"""Validated input and output of the coupons API (and of the admin forms, which build
the same models)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from learninghub.api import PageQuery

CODE_PATTERN = r"^[A-Za-z0-9_-]{3,64}$"
PREFIX_PATTERN = r"^[A-Za-z0-9-]{0,20}$"
MAX_RESTRICTIONS = 200
MAX_BATCH = 5000


def _currency(value: str | None) -> str | None:
    if value is None:
        return None
    from babel.numbers import get_currency_name

    code = value.upper()
    if len(code) != 3 or not code.isalpha() or get_currency_name(code, locale="en") == code:
        raise ValueError(f"{value!r} is not an ISO 4217 currency code")
    return code


class CouponRules(BaseModel):
    """What a coupon grants and when: shared by single coupons and batch templates."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["percent", "fixed"]
    percent_bp: int | None = Field(
        None, ge=1, le=10000, description="Percent coupons: basis points (2000 = 20 %)"
    )
    amount_minor: int | None = Field(
        None, ge=1, le=10**12, description="Fixed coupons: the amount in minor units"
    )
    currency: str | None = Field(
        None,
        description="ISO 4217; required for a fixed amount or a minimum purchase: the "
        "code then applies only to orders in this currency",
    )
    min_purchase_minor: int = Field(0, ge=0, le=10**12)
    max_uses: int | None = Field(None, ge=1, le=10**9, description="Uses in all; null: unlimited")
    max_uses_per_user: int | None = Field(None, ge=1, le=10**6)
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    course_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_RESTRICTIONS)
    category_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_RESTRICTIONS)
    active: bool = True

    @field_validator("currency")
    @classmethod
    def _check_currency(cls, value: str | None) -> str | None:
        return _currency(value)

    @model_validator(mode="after")
    def _consistent(self):
        if self.kind == "percent":
            if self.percent_bp is None:
                raise ValueError("a percent coupon needs percent_bp")
            if self.amount_minor is not None:
                raise ValueError("a percent coupon has no amount_minor")
        else:
            if self.amount_minor is None or self.currency is None:
                raise ValueError("a fixed coupon needs amount_minor and currency")
            if self.percent_bp is not None:
                raise ValueError("a fixed coupon has no percent_bp")
        if self.min_purchase_minor and self.currency is None:
            raise ValueError("a minimum purchase needs a currency")
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        if self.max_uses and self.max_uses_per_user and self.max_uses_per_user > self.max_uses:
            raise ValueError("max_uses_per_user cannot exceed max_uses")
        return self


class CouponIn(CouponRules):
    code: str | None = Field(
        None,
        pattern=CODE_PATTERN,
        description="3-64 letters, digits, - or _ (case-insensitive); omitted: a random code",
    )


class CouponPatch(BaseModel):
    """Any field of a coupon but its code; the result must still be a valid coupon."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["percent", "fixed"] | None = None
    percent_bp: int | None = None
    amount_minor: int | None = None
    currency: str | None = None
    min_purchase_minor: int | None = None
    max_uses: int | None = None
    max_uses_per_user: int | None = None
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    course_ids: list[uuid.UUID] | None = None
    category_ids: list[uuid.UUID] | None = None
    active: bool | None = None


class BatchIn(CouponRules):
    prefix: str = Field("", pattern=PREFIX_PATTERN, description="Upper-cased; up to 20 characters")
    count: int = Field(ge=1, le=MAX_BATCH)


class CouponOut(BaseModel):
    id: uuid.UUID
    code: str
    kind: str
    percent_bp: int | None
    amount_minor: int | None
    currency: str | None
    min_purchase_minor: int
    max_uses: int | None
    max_uses_per_user: int | None
    used_count: int
    held_count: int
    remaining: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    course_ids: list[uuid.UUID]
    category_ids: list[uuid.UUID]
    active: bool
    batch_id: uuid.UUID | None
    created_at: datetime


class BatchOut(BaseModel):
    id: uuid.UUID
    prefix: str
    count: int
    created_at: datetime
    codes_url: str
    codes: list[str]


class CouponListQuery(PageQuery):
    q: str | None = Field(None, max_length=64, description="Part of the code")
    active: bool | None = None
    batch_id: uuid.UUID | None = None
