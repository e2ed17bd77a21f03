"""The Stripe gateway's outgoing calls, against the Stripe double on loopback."""

from __future__ import annotations

import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from learninghub.api import ProblemError

from .conftest import SECRET_KEY


def test_checkout_session_carries_the_order_and_a_key(shop, place_order, stripe_double, db):
    from learninghub_payments.orders.models import Order
    from learninghub_payments.plans.models import Customer

    order_id, url = place_order(shop)
    customer_call, session_call = stripe_double.calls()
    assert customer_call.path == "/v1/customers"
    assert customer_call.idempotency_key == f"customer:{shop.learner.id}"
    assert customer_call.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert session_call.path == "/v1/checkout/sessions"
    assert session_call.idempotency_key == f"order:{order_id}:checkout"
    params = session_call.params
    assert params["mode"] == "payment"
    assert params["line_items"] == [
        {
            "price_data": {
                "currency": "eur",
                "unit_amount": "1999",
                "product_data": {"name": shop.course.course.title},
            },
            "quantity": "1",
        }
    ]
    assert params["metadata"] == {
        "order_id": str(order_id),
        "order_number": params["metadata"]["order_number"],
        "tenant": str(shop.tenant.id),
    }
    assert params["payment_intent_data"]["metadata"]["order_id"] == str(order_id)
    assert params["client_reference_id"] == str(order_id)
    assert params["success_url"] == f"http://{shop.tenant.host}/orders/{order_id}?checkout=success"
    assert params["customer"].startswith("cus_")
    order = db.get(Order, order_id)
    created = int(order.created_at.timestamp())
    assert created + 30 * 60 < int(params["expires_at"]) <= created + 24 * 3600
    assert url.startswith("https://checkout.stripe.test/") and order.checkout_url == url
    assert order.gateway == "stripe" and order.gateway_reference.startswith("cs_")
    assert db.scalar(sa.select(Customer.customer_id)) == params["customer"]


def test_a_retried_checkout_gets_the_same_session_and_customer(
    shop, place_order, stripe_double, tenant_request, db
):
    from learninghub_payments.checkout import begin_payment
    from learninghub_payments.orders.models import Order

    order_id, first = place_order(shop)
    with tenant_request(shop.tenant) as request:
        again = begin_payment(request, request.db.get(Order, order_id))
    assert again == first
    sessions = stripe_double.calls("/v1/checkout/sessions")
    assert len(sessions) == 2 and sessions[0].params == sessions[1].params
    assert len(stripe_double.calls("/v1/customers")) == 1  # the customer row was reused


def test_line_items_charge_exactly_the_order_total():
    from learninghub_payments.stripe_gateway.gateway import order_line_items, session_expiry

    order = SimpleNamespace(currency="EUR", total_minor=1000 + 333, number="2026-000001")
    items = [
        SimpleNamespace(title="A", quantity=1, total_minor=1000),
        SimpleNamespace(title="B", quantity=3, total_minor=333),  # 111 each
        SimpleNamespace(title="Free", quantity=1, total_minor=0),
    ]
    lines = order_line_items(order, items)
    assert [(li["price_data"]["unit_amount"], li["quantity"]) for li in lines] == [
        (1000, 1),
        (111, 3),
    ]
    items[1] = SimpleNamespace(title="B", quantity=3, total_minor=334)  # not divisible
    order.total_minor = 1334
    lines = order_line_items(order, items)
    assert lines[1]["price_data"]["product_data"]["name"] == "B × 3"
    assert sum(li["price_data"]["unit_amount"] * li["quantity"] for li in lines) == 1334
    order.total_minor = 9999  # items that do not add up: one line of the total
    assert [li["price_data"]["unit_amount"] for li in order_line_items(order, items)] == [9999]
    from learninghub.db import utcnow

    now = utcnow()
    assert session_expiry(now, now + timedelta(minutes=5)) == int(
        (now + timedelta(minutes=31)).timestamp()
    )
    assert session_expiry(now, now + timedelta(days=9)) == int(
        (now + timedelta(hours=23, minutes=50)).timestamp()
    )


def test_refunds_full_and_partial_with_the_callers_key(shop, stripe_double, tenant_request):
    from learninghub_payments.stripe_gateway.gateway import StripeGateway

    order = SimpleNamespace(id=uuid.uuid4())
    payment = SimpleNamespace(reference="pi_test_9")
    with tenant_request(shop.tenant) as request:
        gateway = StripeGateway(request)
        part = gateway.refund(request, order, payment, 500, "refund:t1")
        again = gateway.refund(request, order, payment, 500, "refund:t1")
        full = gateway.refund(request, order, payment, 1499, "refund:t2")
    assert part.status == "succeeded" and part.reference == again.reference
    assert full.reference != part.reference
    calls = stripe_double.calls("/v1/refunds")
    assert [(c.idempotency_key, c.params["amount"], c.params["payment_intent"]) for c in calls] == [
        ("refund:t1", "500", "pi_test_9"),
        ("refund:t1", "500", "pi_test_9"),
        ("refund:t2", "1499", "pi_test_9"),
    ]
    assert calls[1].status == 200 and calls[0].params["metadata"]["order_id"] == str(order.id)


def test_stripe_errors_are_502_problems(shop, stripe_double, tenant_request):
    from learninghub_payments.stripe_gateway.gateway import StripeGateway

    stripe_double.fail_next("/v1/refunds", 400, "Charge already refunded", "invalid_request_error")
    with tenant_request(shop.tenant, commit=False) as request:
        with pytest.raises(ProblemError) as error:
            StripeGateway(request).refund(
                request, SimpleNamespace(id=uuid.uuid4()), SimpleNamespace(reference="pi"), 1, "k"
            )
    assert error.value.status == 502
    assert error.value.detail == "Stripe could not refund the payment: Charge already refunded"


def test_without_a_secret_key_stripe_is_unavailable(tenant, plugin_admin, tenant_request):
    from learninghub_payments.stripe_gateway.gateway import StripeGateway

    plugin_admin.settings(tenant, gateway="stripe")
    with tenant_request(tenant, commit=False) as request:
        with pytest.raises(ProblemError) as error:
            StripeGateway(request).refund(
                request, SimpleNamespace(id=uuid.uuid4()), SimpleNamespace(reference="pi"), 1, "k"
            )
    assert error.value.status == 503


def test_the_api_base_is_not_a_tenant_setting(tenant, plugin_admin):
    with pytest.raises(Exception, match="stripe_api_base"):
        plugin_admin.settings(tenant, stripe_api_base="http://attacker.example")
