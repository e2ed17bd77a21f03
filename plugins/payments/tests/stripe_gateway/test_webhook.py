"""The Stripe webhook: signatures (the library's own scheme), once-only processing,
replays, out-of-order deliveries, and what each event does to orders."""

from __future__ import annotations

import json
import time

import pytest
import sqlalchemy as sa

from .conftest import WEBHOOK, make_event, session_object, sign


def _state(db, order_id):
    from learninghub_payments.orders.models import Order, Transaction
    from learninghub_payments.stripe_gateway.models import GatewayEvent

    db.expire_all()
    order = db.get(Order, order_id)
    kinds = db.scalars(
        sa.select(Transaction.kind)
        .where(Transaction.order_id == order_id)
        .order_by(Transaction.created_at)
    ).all()
    return order.status, list(kinds), db.scalar(sa.select(sa.func.count(GatewayEvent.id)))


def test_a_signed_completed_checkout_pays_and_enrols_once(
    shop, place_order, deliver, db, enrollment_row, events
):
    order_id, _ = place_order(shop)
    event = make_event("checkout.session.completed", session_object(order_id, shop.tenant))
    r = deliver(shop.tenant, event)
    assert r.status_int == 200, r.text
    assert r.json == {"received": True, "outcome": "applied: paid"}
    assert _state(db, order_id) == ("paid", ["payment"], 1)
    assert enrollment_row(shop.course.id, shop.learner).source == "purchase"
    replay = deliver(shop.tenant, event)  # Stripe retries: answered 2xx, nothing more
    assert replay.status_int == 200 and replay.json["outcome"] == "duplicate"
    assert _state(db, order_id) == ("paid", ["payment"], 1)
    assert events.names().count("payments.order.paid") == 1


BAD = {
    "tampered body": dict(body_change=True),
    "wrong secret": dict(secret="whsec_someone_else"),
    "old timestamp": dict(timestamp=lambda: int(time.time()) - 301),
    "missing header": dict(no_header=True),
}


@pytest.mark.parametrize("case", list(BAD))
def test_unverifiable_events_are_refused_and_change_nothing(
    case, shop, place_order, deliver, client, db
):
    order_id, _ = place_order(shop)
    event = make_event("checkout.session.completed", session_object(order_id, shop.tenant))
    bad = BAD[case]
    if bad.get("no_header"):
        r = client(shop.tenant).post(
            WEBHOOK, json.dumps(event), headers={"Content-Type": "application/json"}
        )
    elif bad.get("body_change"):
        tampered = json.loads(json.dumps(event))
        tampered["data"]["object"]["amount_total"] = 1
        r = deliver(shop.tenant, event, body=json.dumps(tampered))
    else:
        timestamp = bad.get("timestamp")
        r = deliver(
            shop.tenant,
            event,
            secret=bad.get("secret", "whsec_test_learninghub"),
            timestamp=timestamp() if timestamp else None,
        )
    assert r.status_int == 400, r.text
    assert r.content_type == "application/problem+json"
    assert r.json["title"] == "Invalid signature"
    assert _state(db, order_id) == ("pending", [], 0)


def test_the_webhook_needs_a_configured_secret_and_a_known_host(tenant, client):
    body = json.dumps(make_event("invoice.paid", {}))
    headers = {"Stripe-Signature": sign(body), "Content-Type": "application/json"}
    r = client(tenant).post(WEBHOOK, body, headers=headers)
    assert r.status_int == 503 and "not configured" in r.json["detail"]
    assert (
        client(None, host="nobody.example").post(WEBHOOK, body, headers=headers).status_int == 404
    )


def test_another_tenants_secret_and_orders_do_not_count(
    shop, place_order, deliver, tenant_factory, plugin_admin, db
):
    """Each tenant verifies with its own secret; an event naming another tenant's order
    changes nothing here."""
    from .conftest import stripe_settings

    other = tenant_factory()
    plugin_admin.settings(other, **stripe_settings(stripe_webhook_secret="whsec_other"))
    order_id, _ = place_order(shop)
    event = make_event("checkout.session.completed", session_object(order_id, shop.tenant))
    assert deliver(other, event).status_int == 400  # signed with the first tenant's secret
    r = deliver(other, event, secret="whsec_other")
    assert r.status_int == 200 and r.json["outcome"] == "ignored: not this site's"
    assert _state(db, order_id)[0] == "pending"


def test_asynchronous_payments_wait_then_settle_forward_only(shop, place_order, deliver, db):
    order_id, _ = place_order(shop)
    unpaid = session_object(order_id, shop.tenant, payment_status="unpaid")
    r = deliver(shop.tenant, make_event("checkout.session.completed", unpaid))
    assert r.json["outcome"].startswith("waiting")
    assert _state(db, order_id)[0] == "pending"
    paid = session_object(order_id, shop.tenant)
    deliver(shop.tenant, make_event("checkout.session.async_payment_succeeded", paid))
    late = deliver(shop.tenant, make_event("checkout.session.async_payment_failed", unpaid))
    assert late.status_int == 200 and late.json["outcome"] == "ignored: order already paid"
    expired = deliver(shop.tenant, make_event("checkout.session.expired", unpaid))
    assert expired.json["outcome"] == "ignored: order already paid"
    assert _state(db, order_id) == ("paid", ["payment"], 4)


def test_a_payment_completed_after_the_order_expired_is_refunded(
    shop, place_order, deliver, stripe_double, db, enrollment_row
):
    order_id, _ = place_order(shop)
    open_session = session_object(order_id, shop.tenant, payment_status="unpaid")
    deliver(shop.tenant, make_event("checkout.session.expired", open_session))
    assert _state(db, order_id)[0] == "expired"
    r = deliver(
        shop.tenant,
        make_event("checkout.session.completed", session_object(order_id, shop.tenant)),
    )
    assert r.json["outcome"] == "refunded: the order was expired when the payment came in"
    (refund,) = stripe_double.calls("/v1/refunds")
    assert refund.params["payment_intent"] == "pi_test_a1" and refund.params["amount"] == "1999"
    assert refund.idempotency_key == f"order:{order_id}:late-payment:pi_test_a1"
    assert _state(db, order_id) == ("expired", [], 2)
    assert enrollment_row(shop.course.id, shop.learner) is None


def test_a_declined_card_leaves_the_order_open_until_cancelled(shop, place_order, deliver, db):
    order_id, _ = place_order(shop)
    intent = {
        "id": "pi_test_d",
        "object": "payment_intent",
        "status": "requires_payment_method",
        "metadata": {"order_id": str(order_id), "tenant": str(shop.tenant.id)},
    }
    r = deliver(shop.tenant, make_event("payment_intent.payment_failed", intent))
    assert r.json["outcome"] == "ignored: the buyer may retry in Checkout"
    intent["status"] = "canceled"
    r = deliver(shop.tenant, make_event("payment_intent.payment_failed", intent))
    assert r.json["outcome"] == "applied: failed"


def test_a_dashboard_refund_is_recorded_once(
    shop, place_order, deliver, stripe_double, db, enrollment_row
):
    order_id, _ = place_order(shop)
    deliver(
        shop.tenant, make_event("checkout.session.completed", session_object(order_id, shop.tenant))
    )
    charge = {
        "id": "ch_test_1",
        "object": "charge",
        "payment_intent": "pi_test_a1",
        "amount": 1999,
        "amount_refunded": 500,
        "refunded": False,
        "metadata": {},
        "refunds": {"object": "list", "data": [{"id": "re_dash_1", "amount": 500}]},
    }
    first = deliver(shop.tenant, make_event("charge.refunded", charge))
    assert first.json["outcome"] == "applied: 500 refunded"
    # the same state in another event (Stripe sends charge.refund.updated-like repeats)
    again = deliver(shop.tenant, make_event("charge.refunded", charge))
    assert again.json["outcome"] == "ignored: already recorded"
    charge.update(amount_refunded=1999, refunded=True)
    charge["refunds"]["data"].insert(0, {"id": "re_dash_2", "amount": 1499})
    rest = deliver(shop.tenant, make_event("charge.refunded", charge))
    assert rest.json["outcome"] == "applied: 1499 refunded"
    assert _state(db, order_id) == ("refunded", ["payment", "refund", "refund"], 4)
    assert stripe_double.calls("/v1/refunds") == []  # recorded, never made again
    assert enrollment_row(shop.course.id, shop.learner).status == "cancelled"  # full_only


def test_an_amount_that_is_not_the_total_is_recorded_as_refused(shop, place_order, deliver, db):
    order_id, _ = place_order(shop)
    event = make_event(
        "checkout.session.completed", session_object(order_id, shop.tenant, amount=1)
    )
    r = deliver(shop.tenant, event)
    assert r.status_int == 200 and r.json["outcome"].startswith("refused: the amount paid (1)")
    assert _state(db, order_id) == ("pending", [], 1)


def test_unhandled_and_malformed_events(shop, deliver, client):
    r = deliver(shop.tenant, make_event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert r.status_int == 200 and r.json["outcome"] == "ignored: event type not handled"
    body = "not json"
    r = client(shop.tenant).post(
        WEBHOOK, body, headers={"Stripe-Signature": sign(body), "Content-Type": "application/json"}
    )
    assert r.status_int == 400 and r.json["title"] == "Malformed JSON"
    assert client(shop.tenant).get(WEBHOOK).status_int == 405
