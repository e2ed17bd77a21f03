"""Tables of the plans part: plans, their courses, subscriptions, the enrolments a
subscription granted and each user's customer record at a gateway."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, new_id, utcnow

INTERVALS = ("month", "year")
STATUSES = ("incomplete", "active", "past_due", "canceled")
#: statuses that give access (past_due during the grace period)
ACCESS_STATUSES = ("active", "past_due")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Plan(TenantScoped, Base):
    """A recurring offer: ``price_minor`` every ``interval`` for its courses, or for
    every published course (``all_courses``)."""

    __tablename__ = "payments_plans"
    __table_args__ = (
        sa.CheckConstraint(_in("interval", INTERVALS), name="interval"),
        sa.CheckConstraint("price_minor > 0", name="price_minor"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    interval: Mapped[str] = mapped_column(sa.String(10), default="month")
    price_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    all_courses: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    #: a Price of the tenant's Stripe account; empty: Checkout gets the price inline
    stripe_price_id: Mapped[str] = mapped_column(sa.String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PlanCourse(TenantScoped, Base):
    __tablename__ = "payments_plan_courses"
    __table_args__ = (sa.UniqueConstraint("plan_id", "course_id"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    plan_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("payments_plans.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )


class Subscription(TenantScoped, Base):
    """A user's subscription to a plan. ``status`` follows the gateway (webhooks for
    Stripe, an admin for the offline gateway); ``updated_from_event_at`` is the time
    of the newest gateway event applied, so an older one delivered late is ignored."""

    __tablename__ = "payments_subscriptions"
    __table_args__ = (
        sa.CheckConstraint(_in("status", STATUSES), name="status"),
        sa.Index("ix_payments_subscriptions_tenant_user", "tenant_id", "user_id", "created_at"),
        sa.Index(
            "ix_payments_subscriptions_tenant_gateway_reference",
            "tenant_id",
            "gateway",
            "gateway_reference",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE")
    )
    plan_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("payments_plans.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(12), default="incomplete")
    gateway: Mapped[str] = mapped_column(sa.String(20))
    #: the gateway's subscription id (Stripe ``sub_...``), once known
    gateway_reference: Mapped[str | None] = mapped_column(sa.String(255), default=None)
    #: the gateway's checkout session that started it
    checkout_reference: Mapped[str | None] = mapped_column(sa.String(255), default=None)
    checkout_url: Mapped[str | None] = mapped_column(sa.Text, default=None)
    current_period_end: Mapped[datetime | None] = mapped_column(default=None)
    cancel_at_period_end: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    canceled_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_from_event_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SubscriptionGrant(TenantScoped, Base):
    """An enrolment a subscription gave (its window follows the subscription)."""

    __tablename__ = "payments_subscription_grants"
    __table_args__ = (sa.UniqueConstraint("subscription_id", "course_id"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("payments_subscriptions.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Customer(TenantScoped, Base):
    """The user's customer record at a gateway (Stripe ``cus_...``): one per user and
    gateway, reused by every checkout, subscription and the billing portal."""

    __tablename__ = "payments_customers"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "user_id", "gateway"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE")
    )
    gateway: Mapped[str] = mapped_column(sa.String(20))
    customer_id: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
