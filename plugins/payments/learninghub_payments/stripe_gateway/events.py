"""What each Stripe event does to our orders and subscriptions.

Orders move through the orders part's settlement functions, which only move an order
forward (a repeated or late event changes nothing); subscriptions through
:mod:`learninghub_payments.plans.lifecycle`, which keeps the newest state. Every
handler returns the outcome recorded with the event.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

log = logging.getLogger(__name__)

Handler = Callable[[Any, dict, dict], str]


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def event_time(event: dict) -> datetime:
    created = event.get("created")
    return datetime.fromtimestamp(created if isinstance(created, int) else 0, UTC)


def _ours(request, obj: dict) -> bool:
    """False for an object another tenant (or another site) created on the same
    Stripe account: its metadata names a different tenant."""
    tenant = (obj.get("metadata") or {}).get("tenant")
    return tenant is None or tenant == str(request.tenant.id)


# ----------------------------------------------------------------- orders


def _order_of(request, obj: dict):
    from ..orders.models import Order, Transaction

    metadata = obj.get("metadata") or {}
    order_id = _uuid(metadata.get("order_id") or obj.get("client_reference_id"))
    if order_id is not None:
        return request.db.get(Order, order_id)
    intent = obj.get("payment_intent") if obj.get("object") != "payment_intent" else obj["id"]
    if not intent:
        return None
    return request.db.scalar(
        sa.select(Order)
        .join(Transaction, Transaction.order_id == Order.id)
        .where(Transaction.kind == "payment", Transaction.reference == intent)
    )


def _paid(request, obj: dict) -> str:
    from ..orders import settlement
    from ..orders.models import PAID_STATUSES

    order = _order_of(request, obj)
    if order is None:
        return "ignored: unknown order"
    intent = obj.get("payment_intent") or obj["id"]
    amount = obj.get("amount_total")
    if settlement.mark_paid(request, order, intent, amount, gateway="stripe"):
        return "applied: paid"
    if order.status in PAID_STATUSES:
        return "ignored: already paid"
    return _refund_late_payment(request, order, intent, amount)


def _refund_late_payment(request, order, intent: str, amount: int | None) -> str:
    """Money came in for an order that had expired, failed or been cancelled (the
    buyer paid in a Checkout page left open past our expiry): the order stays closed
    and the payment goes back, once (the key names the payment)."""
    from .gateway import StripeGateway

    if not amount:
        return f"ignored: order {order.status}"
    result = StripeGateway(request).refund(
        request,
        order,
        SimpleNamespace(reference=intent),
        amount,
        f"order:{order.id}:late-payment:{intent}",
    )
    request.emit(
        "payments.order.late_payment_refunded",
        resource_type="order",
        resource_id=order.id,
        payload={
            "order_id": str(order.id),
            "number": order.number,
            "status": order.status,
            "amount_minor": amount,
            "currency": order.currency,
            "refund": result.reference,
        },
    )
    log.warning("late payment refunded", extra={"order_id": str(order.id)})
    return f"refunded: the order was {order.status} when the payment came in"


def checkout_completed(request, event: dict, obj: dict) -> str:
    if obj.get("mode") == "subscription":
        from ..plans import lifecycle

        return lifecycle.stripe_checkout_completed(request, event, obj)
    if obj.get("payment_status") not in ("paid", "no_payment_required"):
        return "waiting: the payment is not complete yet (asynchronous method)"
    return _paid(request, obj)


def checkout_async_succeeded(request, event: dict, obj: dict) -> str:
    return _paid(request, obj)


def _close(request, obj: dict, how: str) -> str:
    from ..orders import settlement

    order = _order_of(request, obj)
    if order is None:
        return "ignored: unknown order"
    moved = getattr(settlement, how)(request, order)
    return f"applied: {order.status}" if moved else f"ignored: order already {order.status}"


def checkout_async_failed(request, event: dict, obj: dict) -> str:
    return _close(request, obj, "mark_failed")


def checkout_expired(request, event: dict, obj: dict) -> str:
    if obj.get("mode") == "subscription":
        from ..plans import lifecycle

        return lifecycle.stripe_checkout_expired(request, event, obj)
    return _close(request, obj, "expire")


def payment_failed(request, event: dict, obj: dict) -> str:
    """A card was declined. Checkout lets the buyer try again in the same session,
    so the order stays pending (it expires with the session) unless the payment
    intent was cancelled for good."""
    if obj.get("status") != "canceled":
        return "ignored: the buyer may retry in Checkout"
    return _close(request, obj, "mark_failed")


def charge_refunded(request, event: dict, obj: dict) -> str:
    """A refund made in the Stripe dashboard (ours are recorded when we make them):
    the charge's ``amount_refunded`` is the running total, so whatever exceeds what
    the order already has is recorded, once, whatever the order of delivery. It goes
    through the orders part's refund (status, access rule, events) as already made."""
    from ..gateway import RefundResult
    from ..orders import refunds, settlement
    from ..orders.models import PAID_STATUSES

    order = _order_of(request, obj)
    if order is None:
        return "ignored: unknown order"
    order = settlement.lock_order(request, order)
    if order.status not in PAID_STATUSES:
        return f"ignored: order {order.status}"
    total_refunded = int(obj.get("amount_refunded") or 0)
    missing = min(total_refunded, order.total_minor) - order.refunded_minor
    if missing <= 0:
        return "ignored: already recorded"
    listed = (obj.get("refunds") or {}).get("data") or []
    reference = listed[0]["id"] if listed and isinstance(listed[0], dict) else obj["id"]
    refunds.refund(
        request,
        order,
        missing,
        reason="refunded in the Stripe dashboard",
        already_made=RefundResult(reference, "succeeded"),
    )
    return f"applied: {missing} refunded"


def _subscription_handler(name: str) -> Handler:
    def handle(request, event: dict, obj: dict) -> str:
        from ..plans import lifecycle

        return getattr(lifecycle, name)(request, event, obj)

    return handle


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": checkout_completed,
    "checkout.session.async_payment_succeeded": checkout_async_succeeded,
    "checkout.session.async_payment_failed": checkout_async_failed,
    "checkout.session.expired": checkout_expired,
    "payment_intent.payment_failed": payment_failed,
    "charge.refunded": charge_refunded,
    "customer.subscription.created": _subscription_handler("stripe_subscription_changed"),
    "customer.subscription.updated": _subscription_handler("stripe_subscription_changed"),
    "customer.subscription.deleted": _subscription_handler("stripe_subscription_changed"),
    "invoice.paid": _subscription_handler("stripe_invoice_paid"),
    "invoice.payment_failed": _subscription_handler("stripe_invoice_failed"),
}


def apply(request, event: dict) -> str:
    handler = HANDLERS.get(event["type"])
    if handler is None:
        return "ignored: event type not handled"
    obj = ((event.get("data") or {}).get("object")) or {}
    if not isinstance(obj, dict) or not _ours(request, obj):
        return "ignored: not this site's"
    return handler(request, event, obj)
