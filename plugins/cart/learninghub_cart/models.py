"""Tables of the cart plugin (prefix ``cart_``; fixed by docs/design/commerce-contracts.md)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learninghub.db import Base, TenantScoped, new_id, utcnow


class Cart(TenantScoped, Base):
    """A signed-in user's cart (one per user and tenant). ``codes`` are the coupon
    codes applied (upper case). ``updated_at`` moves on every change of the items or
    codes, which also clears ``abandoned_at`` and ``reminded_at``: abandonment is
    tracked once per change."""

    __tablename__ = "cart_carts"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    codes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    abandoned_at: Mapped[datetime | None] = mapped_column(default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)

    items: Mapped[list[CartItem]] = relationship(
        back_populates="cart",
        cascade="all, delete-orphan",
        order_by="(CartItem.added_at, CartItem.id)",
        lazy="selectin",
    )


class CartItem(TenantScoped, Base):
    """A course in a cart: ``quantity`` 1 buys it for oneself, more buys seats
    (enrolment codes). The price and currency are those of the course when it was
    added; checkout compares them with the course's current price."""

    __tablename__ = "cart_items"
    __table_args__ = (
        sa.UniqueConstraint("cart_id", "course_id"),
        sa.CheckConstraint("quantity >= 1 AND quantity <= 1000", name="quantity"),
        sa.CheckConstraint("price_at_add_minor >= 0", name="price"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    cart_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("cart_carts.id", ondelete="CASCADE")
    )
    course_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int] = mapped_column(default=1)
    price_at_add_minor: Mapped[int] = mapped_column()
    currency: Mapped[str] = mapped_column(sa.String(3))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    cart: Mapped[Cart] = relationship(back_populates="items")
