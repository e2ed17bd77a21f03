"""Fixtures of the Stripe gateway's tests: the Stripe double on loopback, a tenant
selling through Stripe, orders placed and paid through the real checkout, and signed
webhook deliveries."""

from __future__ import annotations

import functools
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

import pytest
import stripe

from .double import StripeServer

SECRET_KEY = "sk_test_learninghub"
WEBHOOK_SECRET = "whsec_test_learninghub"
WEBHOOK = "/api/v1/payments/stripe/webhook"
_event_ids = itertools.count(1)


@pytest.fixture(scope="session")
def stripe_server():
    server = StripeServer()
    yield server
    server.close()


@pytest.fixture
def stripe_double(stripe_server, registry, monkeypatch):
    """The Stripe double, empty, and the instance setting pointing the gateway at it."""
    double = stripe_server.double
    double.requests.clear()
    double.subscriptions.clear()
    double._responses.clear()
    double._failures.clear()
    defaults = registry["plugins"].instance_defaults
    if "payments" not in defaults:
        monkeypatch.setitem(defaults, "payments", {})
    monkeypatch.setitem(defaults["payments"], "stripe_api_base", double.base_url)
    return double


def stripe_settings(**extra: Any) -> dict[str, Any]:
    return {
        "gateway": "stripe",
        "stripe_secret_key": SECRET_KEY,
        "stripe_webhook_secret": WEBHOOK_SECRET,
        **extra,
    }


@pytest.fixture
def make_course(make_course):
    """Courses for sale: one lesson, 19.99 EUR unless told."""
    return functools.partial(make_course, lessons=1, price_minor=1999)


@dataclass
class Shop:
    tenant: Any
    learner: Any
    admin: Any
    course: Any


@pytest.fixture
def shop(tenant, user_factory, make_course, plugin_admin, stripe_double) -> Shop:
    """A tenant selling through Stripe (keys set), a learner, an admin, a course."""
    plugin_admin.settings(tenant, **stripe_settings())
    return Shop(
        tenant, user_factory(tenant, "learner"), user_factory(tenant, "admin"), make_course(tenant)
    )


@pytest.fixture
def place_order(tenant_request):
    """``place_order(shop, *courses)``: a pending order of the learner for the courses
    (default: the shop's), sent to Stripe Checkout as the cart would; returns
    ``(order id, checkout URL)``."""
    from learninghub_payments.checkout import begin_payment, place_order
    from learninghub_payments.drafts import DraftLine

    def place(shop: Shop, *courses):
        courses = courses or (shop.course,)
        with tenant_request(shop.tenant) as request:
            lines = [
                DraftLine(
                    course_id=c.id,
                    quantity=1,
                    unit_price_minor=c.course.price_minor,
                    title=c.course.title,
                )
                for c in courses
            ]
            order = place_order(request, shop.learner, lines)
            url = begin_payment(request, order)
            return order.id, url

    return place


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header made with the library's own scheme."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = stripe.WebhookSignature._compute_signature(f"{timestamp}.{payload}", secret)
    return f"t={timestamp},{stripe.WebhookSignature.EXPECTED_SCHEME}={signature}"


def make_event(type: str, obj: dict[str, Any], created: int | None = None, **extra: Any) -> dict:
    return {
        "id": f"evt_test_{next(_event_ids):06d}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()) if created is None else created,
        "type": type,
        "livemode": False,
        "pending_webhooks": 1,
        "data": {"object": obj},
        **extra,
    }


@pytest.fixture
def deliver(client):
    """``deliver(tenant, event, secret=..., timestamp=..., body=...)``: POST the event,
    signed, to the tenant's webhook; returns the response."""

    def post(tenant, event: dict, *, secret: str = WEBHOOK_SECRET, timestamp=None, body=None):
        payload = json.dumps(event) if body is None else body
        header = sign(json.dumps(event), secret, timestamp) if body is not None else None
        header = header or sign(payload, secret, timestamp)
        return client(tenant).post(
            WEBHOOK,
            payload,
            headers={"Stripe-Signature": header, "Content-Type": "application/json"},
        )

    return post


def session_object(order_id, tenant, *, payment_status="paid", amount=1999, **extra) -> dict:
    """A ``checkout.session`` as Stripe sends it for one of our orders."""
    return {
        "id": extra.pop("id", "cs_test_a1"),
        "object": "checkout.session",
        "mode": "payment",
        "status": "complete" if payment_status == "paid" else "open",
        "payment_status": payment_status,
        "amount_total": amount,
        "currency": "eur",
        "client_reference_id": str(order_id),
        "metadata": {"order_id": str(order_id), "tenant": str(tenant.id)},
        "payment_intent": extra.pop("payment_intent", "pi_test_a1"),
        **extra,
    }
