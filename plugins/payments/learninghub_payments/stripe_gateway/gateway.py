"""The Stripe gateway (``GATEWAYS["stripe"]``): Checkout Sessions for orders and plans,
refunds, subscription cancellation, the customer portal, one Stripe customer per user.

Every call carries an idempotency key derived from our ids (``order:<id>:checkout``,
``subscription:<id>:checkout``, ``customer:<user id>``, the refund key the orders part
gives, ...), and the parameters of a keyed call are a function of our rows only, so a
retried request gets Stripe's first answer instead of a second session, charge or
refund. A Stripe error is a 502 problem and rolls the request back.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from zope.interface import implementer

from ..gateway import CheckoutStart, IPaymentGateway, RefundResult
from .client import call, make_client, options

NAME = "stripe"
#: Stripe accepts a Checkout Session expiry between 30 minutes and 24 hours ahead
SESSION_MIN = timedelta(minutes=31)
SESSION_MAX = timedelta(hours=23, minutes=50)
REFUND_STATUSES = {"succeeded": "succeeded", "pending": "pending", "requires_action": "pending"}


def session_expiry(created_at: datetime, expires_at: datetime | None) -> int:
    """The session's ``expires_at`` (Unix time) for an order: the order's own expiry
    kept inside Stripe's window, computed from the order's creation so that a retried
    call sends the same parameters."""
    target = expires_at or created_at + SESSION_MAX
    target = min(max(target, created_at + SESSION_MIN), created_at + SESSION_MAX)
    return int(target.timestamp())


def order_line_items(order, items) -> list[dict[str, Any]]:
    """Stripe line items charging exactly ``order.total_minor``: each item at its
    total (discount and tax applied) as ``unit × quantity`` when that divides evenly,
    else as one line "title × quantity"; free items are left out."""
    currency = order.currency.lower()
    lines: list[dict[str, Any]] = []
    for item in items:
        if item.total_minor <= 0:
            continue
        if item.total_minor % item.quantity == 0:
            unit, quantity, name = item.total_minor // item.quantity, item.quantity, item.title
        else:
            unit, quantity, name = item.total_minor, 1, f"{item.title} × {item.quantity}"
        lines.append(
            {
                "price_data": {
                    "currency": currency,
                    "unit_amount": unit,
                    "product_data": {"name": name[:250]},
                },
                "quantity": quantity,
            }
        )
    charged = sum(line["price_data"]["unit_amount"] * line["quantity"] for line in lines)
    if charged != order.total_minor:  # never charge anything but the order's total
        lines = [
            {
                "price_data": {
                    "currency": currency,
                    "unit_amount": order.total_minor,
                    "product_data": {"name": f"Order {order.number}"},
                },
                "quantity": 1,
            }
        ]
    return lines


@implementer(IPaymentGateway)
class StripeGateway:
    """:class:`learninghub_payments.gateway.IPaymentGateway` on Stripe."""

    name = NAME

    def __init__(self, request) -> None:
        self.request = request

    # ------------------------------------------------------------ helpers

    def _tenant(self, request) -> str:
        return str(request.tenant.id)

    def _user(self, request, user_id):
        from learninghub.identity import User

        return request.db.get(User, user_id)

    def customer_id(self, request, user) -> str:
        """The user's Stripe customer, created (once per user) when first needed."""
        from ..plans.models import Customer

        db = request.db
        stmt = sa.select(Customer.customer_id).where(
            Customer.user_id == user.id, Customer.gateway == NAME
        )
        known = db.scalar(stmt)
        if known:
            return known
        client = make_client(request)
        customer = call(
            "create the customer",
            client.v1.customers.create,
            params={
                "email": user.email,
                "metadata": {"user_id": str(user.id), "tenant": self._tenant(request)},
            },
            options=options(f"customer:{user.id}"),
        )
        try:
            with db.begin_nested():
                db.add(Customer(user_id=user.id, gateway=NAME, customer_id=customer.id))
                db.flush()
        except IntegrityError:  # a concurrent request recorded it (the same customer)
            return db.scalar(stmt) or customer.id
        return customer.id

    def known_customer_id(self, request, user_id) -> str | None:
        from ..plans.models import Customer

        return request.db.scalar(
            sa.select(Customer.customer_id).where(
                Customer.user_id == user_id, Customer.gateway == NAME
            )
        )

    # ------------------------------------------------------------ IPaymentGateway

    def start_checkout(self, request, order) -> CheckoutStart:
        from ..orders.models import OrderItem

        items = request.db.scalars(
            sa.select(OrderItem).where(OrderItem.order_id == order.id).order_by(OrderItem.position)
        ).all()
        user = self._user(request, order.user_id)
        metadata = {
            "order_id": str(order.id),
            "order_number": order.number,
            "tenant": self._tenant(request),
        }
        order_url = request.route_url("payments.page.order", id=str(order.id))
        client = make_client(request)
        session = call(
            "start the checkout",
            client.v1.checkout.sessions.create,
            params={
                "mode": "payment",
                "line_items": order_line_items(order, items),
                "customer": self.customer_id(request, user),
                "client_reference_id": str(order.id),
                "metadata": metadata,
                "payment_intent_data": {"metadata": metadata},
                "success_url": f"{order_url}?checkout=success",
                "cancel_url": f"{order_url}?checkout=cancelled",
                "expires_at": session_expiry(order.created_at, order.expires_at),
            },
            options=options(f"order:{order.id}:checkout"),
        )
        return CheckoutStart(redirect_url=session.url, reference=session.id)

    def refund(self, request, order, payment, amount_minor, key) -> RefundResult:
        client = make_client(request)
        refund = call(
            "refund the payment",
            client.v1.refunds.create,
            params={
                "payment_intent": payment.reference,
                "amount": amount_minor,
                "metadata": {"order_id": str(order.id), "tenant": self._tenant(request)},
            },
            options=options(key),
        )
        return RefundResult(refund.id, REFUND_STATUSES.get(refund.status or "", "failed"))

    def start_subscription(self, request, plan, subscription) -> CheckoutStart:
        user = self._user(request, subscription.user_id)
        if plan.stripe_price_id:
            line: dict[str, Any] = {"price": plan.stripe_price_id, "quantity": 1}
        else:
            line = {
                "price_data": {
                    "currency": plan.currency.lower(),
                    "unit_amount": plan.price_minor,
                    "recurring": {"interval": plan.interval},
                    "product_data": {"name": plan.name[:250]},
                },
                "quantity": 1,
            }
        metadata = {
            "subscription_id": str(subscription.id),
            "plan_id": str(plan.id),
            "tenant": self._tenant(request),
        }
        base = request.application_url
        client = make_client(request)
        session = call(
            "start the subscription",
            client.v1.checkout.sessions.create,
            params={
                "mode": "subscription",
                "line_items": [line],
                "customer": self.customer_id(request, user),
                "client_reference_id": str(subscription.id),
                "metadata": metadata,
                "subscription_data": {"metadata": metadata},
                "success_url": f"{base}/account/subscription?checkout=success",
                "cancel_url": f"{base}/plans?checkout=cancelled",
            },
            options=options(f"subscription:{subscription.id}:checkout"),
        )
        return CheckoutStart(redirect_url=session.url, reference=session.id)

    def cancel_subscription(self, request, subscription, at_period_end) -> None:
        if not subscription.gateway_reference:
            return  # the checkout never completed: nothing exists at Stripe
        client = make_client(request)
        if at_period_end:
            call(
                "schedule the cancellation",
                client.v1.subscriptions.update,
                subscription.gateway_reference,
                params={"cancel_at_period_end": True},
                options=options(f"subscription:{subscription.id}:cancel-at-period-end"),
            )
        else:
            call(
                "cancel the subscription",
                client.v1.subscriptions.cancel,
                subscription.gateway_reference,
                options=options(f"subscription:{subscription.id}:cancel"),
            )

    def portal_url(self, request, user, return_url) -> str | None:
        customer = self.known_customer_id(request, user.id)
        if customer is None:
            return None  # never paid through Stripe: nothing to manage there
        request_id = getattr(request, "request_id", None) or uuid.uuid4().hex
        client = make_client(request)
        session = call(
            "open the billing portal",
            client.v1.billing_portal.sessions.create,
            params={"customer": customer, "return_url": return_url},
            options=options(f"portal:{user.id}:{request_id}"),
        )
        return session.url
