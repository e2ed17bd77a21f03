"""Tables of the orders part (revision ``pa0001``): ``payments_orders``,
``payments_order_items``, ``payments_order_adjustments``, ``payments_transactions``,
``payments_seat_codes`` and ``payments_tax_rates``.

Money is integer minor units in the order's ``currency``. An order's totals are the sums
of its items' (``subtotal - discount (+ tax when exclusive) = total``), written once when
it is placed; afterwards only ``status``, ``refunded_minor`` and the gateway fields move.
Statuses only move forward (:data:`FORWARD`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, new_id, utcnow

ORDER_STATUSES = (
    "pending",
    "paid",
    "failed",
    "expired",
    "cancelled",
    "partially_refunded",
    "refunded",
)
#: status -> the statuses it may move to (nothing ever moves back)
FORWARD: dict[str, tuple[str, ...]] = {
    "pending": ("paid", "failed", "expired", "cancelled"),
    "paid": ("partially_refunded", "refunded"),
    "partially_refunded": ("partially_refunded", "refunded"),
    "failed": (),
    "expired": (),
    "cancelled": (),
    "refunded": (),
}
#: statuses in which the order was paid (receipts, seat codes, refunds)
PAID_STATUSES = ("paid", "partially_refunded", "refunded")
ITEM_KINDS = ("course", "seats", "plan")
ORIGINS = ("cart", "buy_now", "plan", "admin")
TRANSACTION_KINDS = ("payment", "refund")
TRANSACTION_STATUSES = ("succeeded", "pending", "failed")
SEAT_CODE_STATUSES = ("unused", "redeemed", "revoked")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Order(TenantScoped, Base):
    """One purchase. ``number`` (``2026-000042``) is for people; URLs use ``id``.
    ``tax_rate_bp``/``tax_inclusive``/``tax_country`` are the rule applied when it was
    placed. ``idempotency_key`` (optional) makes placing the same order twice return
    the first."""

    __tablename__ = "payments_orders"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "number"),
        sa.UniqueConstraint("tenant_id", "user_id", "idempotency_key"),
        sa.CheckConstraint(_in("status", ORDER_STATUSES), name="status"),
        sa.CheckConstraint(
            "subtotal_minor >= 0 AND discount_minor >= 0 AND tax_minor >= 0 "
            "AND total_minor >= 0 AND refunded_minor >= 0",
            name="amounts",
        ),
        sa.CheckConstraint("refunded_minor <= total_minor", name="refunded"),
        sa.Index("ix_payments_orders_tenant_user_created", "tenant_id", "user_id", "created_at"),
        sa.Index("ix_payments_orders_tenant_status_created", "tenant_id", "status", "created_at"),
        sa.Index("ix_payments_orders_tenant_status_expires", "tenant_id", "status", "expires_at"),
        sa.Index("ix_payments_orders_tenant_gateway_reference", "tenant_id", "gateway_reference"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(sa.String(20))
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    currency: Mapped[str] = mapped_column(sa.String(3))
    subtotal_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    discount_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    tax_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    refunded_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    tax_country: Mapped[str | None] = mapped_column(sa.String(2), default=None)
    tax_rate_bp: Mapped[int] = mapped_column(default=0)
    tax_inclusive: Mapped[bool] = mapped_column(default=True)
    gateway: Mapped[str] = mapped_column(sa.String(20))
    gateway_reference: Mapped[str | None] = mapped_column(sa.String(255), default=None)
    checkout_url: Mapped[str | None] = mapped_column(sa.String(2000), default=None)
    origin: Mapped[str] = mapped_column(sa.String(20), default="cart")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(200), default=None)

    @property
    def is_paid(self) -> bool:
        return self.status in PAID_STATUSES

    @property
    def refundable_minor(self) -> int:
        return self.total_minor - self.refunded_minor if self.is_paid else 0


class OrderItem(TenantScoped, Base):
    """One line: a course for the buyer (``course``), ``quantity`` seat codes of a
    course (``seats``) or a plan (``plan``). ``access_revoked_at``: a refund ended
    the access it gave."""

    __tablename__ = "payments_order_items"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", ITEM_KINDS), name="kind"),
        sa.CheckConstraint("quantity >= 1", name="quantity"),
        sa.CheckConstraint(
            "unit_price_minor >= 0 AND subtotal_minor >= 0 AND discount_minor >= 0 "
            "AND tax_minor >= 0 AND total_minor >= 0 AND refunded_minor >= 0 "
            "AND refunded_minor <= total_minor AND discount_minor <= subtotal_minor",
            name="amounts",
        ),
        sa.Index("ix_payments_order_items_tenant_order", "tenant_id", "order_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("payments_orders.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(sa.String(10), default="course")
    course_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("courses.id", ondelete="SET NULL"), default=None
    )
    #: a ``payments_plans`` id (the plans part's table, created later: no foreign key)
    plan_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)
    title: Mapped[str] = mapped_column(sa.String(200))
    quantity: Mapped[int] = mapped_column(default=1)
    unit_price_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    subtotal_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    discount_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    tax_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    refunded_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    access_revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class OrderAdjustment(TenantScoped, Base):
    """A discount granted by ``provider`` (a plugin) for ``reference`` (e.g. a coupon
    id) under ``code``; ``amount_minor`` is what was applied after clamping. On one
    item (``item_id``) or the whole order (None: spread over the items pro rata)."""

    __tablename__ = "payments_order_adjustments"
    __table_args__ = (
        sa.CheckConstraint("amount_minor >= 0", name="amount_minor"),
        sa.Index("ix_payments_order_adjustments_tenant_order", "tenant_id", "order_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("payments_orders.id", ondelete="CASCADE")
    )
    item_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("payments_order_items.id", ondelete="CASCADE"), default=None
    )
    provider: Mapped[str] = mapped_column(sa.String(40))
    reference: Mapped[str] = mapped_column(sa.String(200))
    code: Mapped[str] = mapped_column(sa.String(100), default="")
    label: Mapped[str] = mapped_column(sa.String(200), default="")
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class Transaction(TenantScoped, Base):
    """Money that moved: a ``payment`` (one per paid order) or a ``refund``.
    ``item_ids`` are the items a refund was for (empty: an amount on the order)."""

    __tablename__ = "payments_transactions"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", TRANSACTION_KINDS), name="kind"),
        sa.CheckConstraint(_in("status", TRANSACTION_STATUSES), name="status"),
        sa.CheckConstraint("amount_minor >= 0", name="amount_minor"),
        sa.Index(
            "ix_payments_transactions_tenant_order_created", "tenant_id", "order_id", "created_at"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("payments_orders.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(sa.String(10))
    gateway: Mapped[str] = mapped_column(sa.String(20))
    reference: Mapped[str | None] = mapped_column(sa.String(255), default=None)
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    status: Mapped[str] = mapped_column(sa.String(10), default="succeeded")
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    item_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SeatCode(TenantScoped, Base):
    """One seat of a ``seats`` item: a code someone redeems to be enrolled in
    ``course_id`` (once). ``code`` is stored upper-case and compared upper-case."""

    __tablename__ = "payments_seat_codes"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "code"),
        sa.CheckConstraint(_in("status", SEAT_CODE_STATUSES), name="status"),
        sa.Index("ix_payments_seat_codes_tenant_order", "tenant_id", "order_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("payments_orders.id", ondelete="CASCADE")
    )
    item_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("payments_order_items.id", ondelete="CASCADE")
    )
    course_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("courses.id", ondelete="CASCADE")
    )
    code: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(10), default="unused")
    redeemed_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    redeemed_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TaxRate(TenantScoped, Base):
    """The tax rate (basis points, ``2000`` = 20 %) for buyers in ``country``
    (ISO 3166-1 alpha-2, upper-case)."""

    __tablename__ = "payments_tax_rates"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "country"),
        sa.CheckConstraint("rate_bp >= 0 AND rate_bp <= 10000", name="rate_bp"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    country: Mapped[str] = mapped_column(sa.String(2))
    rate_bp: Mapped[int] = mapped_column()
    label: Mapped[str] = mapped_column(sa.String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
