"""Request and response bodies of the plans API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from learninghub.api import PageQuery

Interval = Literal["month", "year"]
PRICE_ID = r"^(price_[A-Za-z0-9_]{1,250})?$"


class PlanOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    interval: str
    price_minor: int
    currency: str
    all_courses: bool
    active: bool
    course_ids: list[uuid.UUID] = []


class AdminPlanOut(PlanOut):
    stripe_price_id: str
    created_at: datetime
    updated_at: datetime


class PlanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    interval: Interval = "month"
    price_minor: int = Field(ge=1, le=10**12, description="Price per interval, minor units")
    all_courses: bool = False
    active: bool = True
    stripe_price_id: str = Field("", max_length=255, pattern=PRICE_ID)
    course_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)


class PlanUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    interval: Interval | None = None
    price_minor: int | None = Field(None, ge=1, le=10**12)
    all_courses: bool | None = None
    active: bool | None = None
    stripe_price_id: str | None = Field(None, max_length=255, pattern=PRICE_ID)
    course_ids: list[uuid.UUID] | None = Field(None, max_length=500)


class SubscriptionOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    plan_id: uuid.UUID
    status: str
    gateway: str
    current_period_end: datetime | None
    cancel_at_period_end: bool
    canceled_at: datetime | None
    created_at: datetime
    #: until when it gives access (None: none)
    access_until: datetime | None = None


class SubscribeOut(BaseModel):
    subscription: SubscriptionOut
    #: where to pay: the gateway's checkout or our account page
    redirect_url: str


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at_period_end: bool = True


class PortalOut(BaseModel):
    url: str


class ActivateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_period_end: AwareDatetime


class AdminPlanQuery(PageQuery):
    active: bool | None = None


class AdminSubscriptionQuery(PageQuery):
    status: Literal["incomplete", "active", "past_due", "canceled"] | None = None
    user_id: uuid.UUID | None = None
    plan_id: uuid.UUID | None = None
