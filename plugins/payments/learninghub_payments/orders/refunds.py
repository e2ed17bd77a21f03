"""Refunds: money back through the gateway that took it, and access per the tenant's
``refund_revokes_access`` setting. Gateway-agnostic (the admin pages and API call it;
a gateway's webhook reporting a refund made elsewhere may call it too)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa

from learninghub.api import ProblemError
from learninghub.db import utcnow
from learninghub.i18n import N_

from .. import money
from ..gateway import GATEWAYS, RefundResult
from .models import OrderItem, SeatCode, Transaction
from .settlement import can_move, emit_order_event, items_of, lock_order, settled

PLUGIN = "payments"


def _invalid(field: str, message: str) -> ProblemError:
    return ProblemError(
        422,
        "Validation failed",
        message,
        errors=[{"path": ["body", field], "message": message, "type": "value_error"}],
    )


def payment_of(request, order) -> Transaction | None:
    return request.db.scalar(
        sa.select(Transaction)
        .where(Transaction.order_id == order.id, Transaction.kind == "payment")
        .order_by(Transaction.created_at)
        .limit(1)
    )


def _split(request, order, items: list[OrderItem], amount_minor: int | None, item_ids) -> dict:
    """item id -> amount to refund on it."""
    _ = request.gettext
    remaining = {item.id: item.total_minor - item.refunded_minor for item in items}
    if item_ids:
        wanted = []
        known = {item.id: item for item in items}
        for raw in item_ids:
            try:
                item_id = raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
            except ValueError:
                raise _invalid(
                    "item_ids", _(N_("%(id)s is not an item of this order"), id=raw)
                ) from None
            if item_id not in known:
                raise _invalid("item_ids", _(N_("%(id)s is not an item of this order"), id=raw))
            if item_id not in wanted:
                wanted.append(item_id)
    else:
        wanted = [item.id for item in items]
    available = sum(remaining[i] for i in wanted)
    if amount_minor is None:
        amount_minor = available
    if amount_minor <= 0:
        if available == 0:
            raise ProblemError(409, "Conflict", _(N_("nothing is left to refund")))
        raise _invalid("amount_minor", _(N_("the amount must be positive")))
    if amount_minor > available:
        left = money.format_money(request, available, order.currency)
        raise _invalid(
            "amount_minor",
            _(N_("at most %(amount)s (%(minor)s) can be refunded"), amount=left, minor=available),
        )
    parts = money.allocate(amount_minor, [remaining[i] for i in wanted])
    return dict(zip(wanted, parts, strict=True))


def refund(
    request,
    order,
    amount_minor: int | None = None,
    item_ids: Sequence | None = None,
    reason: str = "",
    actor=None,
    already_made: RefundResult | None = None,
) -> Transaction:
    """Refund ``amount_minor`` of a paid ``order`` (None: all that is left), on the
    items ``item_ids`` (None: spread over every item pro rata to what is left on it).

    * 409 when the order was not paid or nothing is left; 422 when the amount is not
      positive or above what is left (``refunded_minor`` never exceeds what was paid),
      or an item is not the order's.
    * The gateway that took the payment refunds it with the idempotency key
      ``refund:<transaction id>`` (the offline gateway records it as done: the money
      goes back outside the system). A gateway error (``ProblemError(502)``) rolls
      everything back.
    * Status ``partially_refunded``, or ``refunded`` when everything was given back
      (then ``learninghub_payments_order_settled(outcome="refunded")``).
    * Access (setting ``refund_revokes_access``): ``always`` ends the access of every
      item refunded at all, ``full_only`` of items refunded in full, ``never`` none:
      the buyer's enrolment (``course``) or the enrolments of redeemed seat codes are
      cancelled, unused seat codes revoked.
    * Emits ``payments.order.refunded`` (audited) with the amount and reason.
    * ``already_made``: the provider already refunded (a refund made in its own
      dashboard, learnt from a webhook): it is recorded as given, the gateway is not
      called.
    """
    order = lock_order(request, order)
    if not order.is_paid:
        raise ProblemError(
            409, "Conflict", request.gettext(N_("only a paid order can be refunded"))
        )
    reason = (reason or "").strip()[:500]
    items = items_of(request, order)
    shares = _split(request, order, items, amount_minor, item_ids)
    amount = sum(shares.values())
    payment = payment_of(request, order)
    factory = GATEWAYS.get(order.gateway)
    if payment is None or factory is None:
        raise ProblemError(409, "Conflict", "this order has no payment to refund")
    db = request.db
    with db.begin_nested():
        transaction = Transaction(
            order_id=order.id,
            kind="refund",
            gateway=order.gateway,
            amount_minor=amount,
            status="pending",
            reason=reason,
            item_ids=[str(i) for i, share in shares.items() if share] if item_ids else [],
            created_by=getattr(actor, "id", actor),
            created_at=utcnow(),
        )
        db.add(transaction)
        db.flush()
        result = already_made or factory(request).refund(
            request, order, payment, amount, f"refund:{transaction.id}"
        )
        if result.status == "failed":
            raise ProblemError(502, "Bad gateway", "the payment provider refused the refund")
        transaction.status = result.status
        transaction.reference = result.reference
        rule = request.plugin_settings(PLUGIN).refund_revokes_access
        by_id = {item.id: item for item in items}
        for item_id, share in shares.items():
            by_id[item_id].refunded_minor += share
        order.refunded_minor += amount
        full = order.refunded_minor >= order.total_minor
        status = "refunded" if full else "partially_refunded"
        if can_move(order, status):
            order.status = status
        for item in items:
            touched = shares.get(item.id, 0) > 0
            whole = item.refunded_minor >= item.total_minor and (touched or full)
            if item.access_revoked_at is None and (
                (rule == "always" and (touched or full)) or (rule == "full_only" and whole)
            ):
                revoke_access(request, order, item)
        db.flush()
        if full:
            settled(request, order, "refunded")
    emit_order_event(
        request,
        order,
        "refunded",
        amount_minor=amount,
        reason=reason,
        transaction_id=str(transaction.id),
        full=full,
    )
    return transaction


def revoke_access(request, order, item: OrderItem) -> None:
    """End the access ``item`` gave: the buyer's enrolment in its course (``course``),
    the enrolments of its redeemed seat codes and its unused codes (``seats``)."""
    from learninghub_enrollment.services import cancel, find_enrollment

    now = utcnow()
    db = request.db
    users: list = []
    if item.kind == "course":
        users.append(order.user_id)
    elif item.kind == "seats":
        for seat in db.scalars(sa.select(SeatCode).where(SeatCode.item_id == item.id)):
            if seat.status == "unused":
                seat.status = "revoked"
                seat.revoked_at = now
            elif seat.status == "redeemed" and seat.redeemed_by is not None:
                users.append(seat.redeemed_by)
    if item.course_id is not None:
        for user_id in users:
            enrollment = find_enrollment(db, item.course_id, user_id)
            if enrollment is not None and enrollment.status != "cancelled":
                cancel(request, enrollment, reason="refunded")
    item.access_revoked_at = now
