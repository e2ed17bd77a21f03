"""Settling orders: the service every gateway calls (offline pages, Stripe's webhook).

Gateway-agnostic: a gateway says *what happened* (paid with this reference, failed,
expired, cancelled) and these functions apply it to the order, once. Each runs in the
caller's transaction inside a savepoint, so a failure half-way (an enrolment that
cannot be written, a coupon plugin refusing) leaves the order exactly as it was.

Rules:

* Statuses only move forward (:data:`~learninghub_payments.orders.models.FORWARD`):
  a late or repeated call for an order already past that point changes nothing and
  returns ``False`` (webhooks may arrive twice or out of order).
* Each transition calls ``learninghub_payments_order_settled`` **inside** the
  transaction with the new status as outcome (coupons turn holds into uses or release
  them), and emits ``payments.order.<status>`` after commit.
* :func:`mark_paid` fulfils: the buyer is enrolled (source ``purchase``) in every
  ``course`` item, every ``seats`` item gets its N seat codes.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from learninghub.api import ProblemError
from learninghub.db import utcnow

from .models import FORWARD, Order, OrderItem, Transaction

EVENT_PREFIX = "payments.order."


def lock_order(request, order_or_id: Any) -> Order:
    """The order re-read under a row lock (``SELECT ... FOR UPDATE`` on PostgreSQL),
    fresh from the database: concurrent settlements of one order queue up here."""
    order_id = order_or_id.id if isinstance(order_or_id, Order) else order_or_id
    order = request.db.scalar(
        sa.select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise ProblemError(404, "Not found", "no such order")
    return order


def can_move(order: Order, status: str) -> bool:
    return status in FORWARD.get(order.status, ())


def items_of(request, order: Order) -> list[OrderItem]:
    return list(
        request.db.scalars(
            sa.select(OrderItem).where(OrderItem.order_id == order.id).order_by(OrderItem.position)
        )
    )


def event_payload(order: Order) -> dict[str, Any]:
    return {
        "order_id": str(order.id),
        "number": order.number,
        "user_id": str(order.user_id),
        "total_minor": order.total_minor,
        "currency": order.currency,
        "refunded_minor": order.refunded_minor,
    }


def emit_order_event(request, order: Order, verb: str, **extra: Any) -> None:
    request.emit(
        EVENT_PREFIX + verb,
        resource_type="order",
        resource_id=order.id,
        payload={**event_payload(order), **extra},
    )


def settled(request, order: Order, outcome: str) -> None:
    """Tell the other plugins (inside the transaction; a refusal propagates)."""
    request.hooks.strict.learninghub_payments_order_settled(
        request=request, order=order, outcome=outcome
    )


def buyer_of(request, order: Order):
    from learninghub.identity import User

    user = request.db.get(User, order.user_id)
    if user is None:
        raise ProblemError(409, "Conflict", "the buyer of this order no longer exists")
    return user


def mark_paid(
    request,
    order: Order,
    reference: str | None = None,
    amount_minor: int | None = None,
    *,
    gateway: str | None = None,
    actor_id: uuid.UUID | None = None,
) -> bool:
    """Record that ``order`` was paid: ``amount_minor`` (None: its total) under the
    gateway's ``reference`` (a Stripe payment intent, an offline note).

    In one savepoint: status ``paid`` and ``paid_at``; a ``payment`` transaction;
    the buyer enrolled in each ``course`` item (``enrol(..., "purchase")``); N seat
    codes per ``seats`` item; ``learninghub_payments_order_settled(outcome="paid")``.
    Then ``payments.order.paid`` after commit.

    Idempotent and forward-only: returns ``False`` and changes nothing when the order
    is not ``pending`` (already paid by an earlier delivery, or expired/failed/
    cancelled: a gateway that took money for such an order must refund it).
    Raises ``ProblemError(409)`` when ``amount_minor`` is not the order's total."""
    from learninghub_courses.services import get_course
    from learninghub_enrollment.services import enrol

    from .seats import create_codes

    order = lock_order(request, order)
    if not can_move(order, "paid"):
        return False
    if amount_minor is not None and amount_minor != order.total_minor:
        raise ProblemError(
            409,
            "Conflict",
            f"the amount paid ({amount_minor}) is not the order's total ({order.total_minor})",
        )
    db = request.db
    with db.begin_nested():
        now = utcnow()
        order.status = "paid"
        order.paid_at = now
        order.expires_at = None
        if gateway:
            order.gateway = gateway
        if reference:
            order.gateway_reference = reference
        db.add(
            Transaction(
                order_id=order.id,
                kind="payment",
                gateway=order.gateway,
                reference=reference,
                amount_minor=order.total_minor,
                status="succeeded",
                created_by=actor_id,
                created_at=now,
            )
        )
        buyer = buyer_of(request, order)
        for item in items_of(request, order):
            if item.kind == "course" and item.course_id is not None:
                course = get_course(db, item.course_id)
                if course is None:
                    raise ProblemError(409, "Conflict", f"the course {item.title!r} is gone")
                enrol(request, course, buyer, "purchase")
            elif item.kind == "seats" and item.course_id is not None:
                create_codes(request, order, item)
        db.flush()
        settled(request, order, "paid")
    emit_order_event(request, order, "paid")
    return True


def _close(request, order: Order, status: str) -> bool:
    order = lock_order(request, order)
    if not can_move(order, status):
        return False
    with request.db.begin_nested():
        order.status = status
        order.expires_at = None
        request.db.flush()
        settled(request, order, status)
    emit_order_event(request, order, status)
    return True


def mark_failed(request, order: Order) -> bool:
    """The gateway refused the payment: ``pending`` → ``failed`` (holds released
    through the settled hook). Forward-only and idempotent like :func:`mark_paid`."""
    return _close(request, order, "failed")


def expire(request, order: Order) -> bool:
    """Nobody paid in time: ``pending`` → ``expired``. Used by the expiry task, the
    ``learninghub payments expire-orders`` sweep and gateways whose session expired."""
    return _close(request, order, "expired")


def cancel(request, order: Order) -> bool:
    """The buyer or an admin gave up on the order: ``pending`` → ``cancelled``."""
    return _close(request, order, "cancelled")


def expire_due(request, now=None, limit: int = 500) -> int:
    """Expire the tenant's pending orders whose ``expires_at`` passed; returns how
    many (the sweep behind ``learninghub payments expire-orders``)."""
    now = now or utcnow()
    ids = list(
        request.db.scalars(
            sa.select(Order.id)
            .where(Order.status == "pending", Order.expires_at.is_not(None))
            .where(Order.expires_at <= now)
            .order_by(Order.expires_at)
            .limit(limit)
        )
    )
    return sum(1 for order_id in ids if expire(request, order_id))
