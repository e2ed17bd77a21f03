"""Tables of the coupons plugin (prefix ``coupons_``; docs/design/commerce-contracts.md)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, new_id, utcnow

KINDS = ("percent", "fixed")
REDEMPTION_STATUSES = ("held", "used", "released")


class Batch(TenantScoped, Base):
    """A bulk generation: ``count`` random codes starting with ``prefix``, each a
    coupon made from ``template`` (the coupon fields, as the API took them)."""

    __tablename__ = "coupons_batches"
    __table_args__ = (sa.Index("ix_coupons_batches_tenant_created", "tenant_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    prefix: Mapped[str] = mapped_column(sa.String(20), default="")
    count: Mapped[int] = mapped_column()
    template: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Coupon(TenantScoped, Base):
    """A code worth ``percent_bp`` basis points of the applicable subtotal
    (``percent``) or ``amount_minor`` of ``currency`` (``fixed``).

    ``used_count`` counts paid orders, ``held_count`` orders placed and not yet
    settled; together they never exceed ``max_uses`` (checked under a row lock when
    an order is placed). ``course_ids`` / ``category_ids`` (UUID strings) restrict the
    discount to the matching lines; both empty: every line. ``currency`` is required
    for a fixed amount and for a minimum purchase: the code then applies only to
    orders in that currency."""

    __tablename__ = "coupons_coupons"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "code"),
        sa.CheckConstraint("kind IN ('percent', 'fixed')", name="kind"),
        sa.CheckConstraint(
            "(kind = 'percent' AND percent_bp BETWEEN 1 AND 10000)"
            " OR (kind = 'fixed' AND amount_minor > 0 AND currency IS NOT NULL)",
            name="value",
        ),
        sa.CheckConstraint("min_purchase_minor >= 0", name="min_purchase_minor"),
        sa.CheckConstraint("used_count >= 0 AND held_count >= 0", name="counts"),
        sa.Index("ix_coupons_coupons_tenant_created", "tenant_id", "created_at"),
        sa.Index("ix_coupons_coupons_batch_id", "batch_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    #: upper case; compared case-insensitively by upper-casing what buyers type
    code: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(10))
    percent_bp: Mapped[int | None] = mapped_column(default=None)
    amount_minor: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    currency: Mapped[str | None] = mapped_column(sa.String(3), default=None)
    min_purchase_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    max_uses: Mapped[int | None] = mapped_column(default=None)
    max_uses_per_user: Mapped[int | None] = mapped_column(default=None)
    used_count: Mapped[int] = mapped_column(default=0)
    held_count: Mapped[int] = mapped_column(default=0)
    valid_from: Mapped[datetime | None] = mapped_column(default=None)
    valid_until: Mapped[datetime | None] = mapped_column(default=None)
    course_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    category_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    batch_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("coupons_batches.id", ondelete="SET NULL"), default=None
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def remaining(self) -> int | None:
        if self.max_uses is None:
            return None
        return max(0, self.max_uses - self.used_count - self.held_count)


class Redemption(TenantScoped, Base):
    """One coupon on one order: ``held`` while the order is pending, then ``used``
    (paid) or ``released`` (failed, expired, cancelled). ``order_id`` has no foreign
    key: the hold is written while payments is placing the order, before its row
    exists, and coupons reaches payments only through its hooks."""

    __tablename__ = "coupons_redemptions"
    __table_args__ = (
        sa.UniqueConstraint("coupon_id", "order_id"),
        sa.CheckConstraint("status IN ('held', 'used', 'released')", name="status"),
        sa.Index("ix_coupons_redemptions_order", "tenant_id", "order_id"),
        sa.Index("ix_coupons_redemptions_coupon_user", "coupon_id", "user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    coupon_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("coupons_coupons.id", ondelete="CASCADE")
    )
    order_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    status: Mapped[str] = mapped_column(sa.String(10), default="held")
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(default=None)
