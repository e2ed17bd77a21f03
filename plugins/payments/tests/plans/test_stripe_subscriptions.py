"""Subscriptions through Stripe: Checkout in subscription mode, cancellation and the
billing portal against the Stripe double; subscription events delivered out of order
end in the right state."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from ..stripe_gateway.conftest import make_event, stripe_settings


@pytest.fixture
def stripe_catalog(catalog, plugin_admin, stripe_double):
    plugin_admin.settings(catalog.tenant, **stripe_settings())
    return catalog


def _subscribe(client, catalog, plan):
    r = client(catalog.tenant, catalog.learner).post_json(f"/api/v1/plans/{plan['id']}/subscribe")
    assert r.status_int == 201, r.text
    return r.json


def _sub_object(sub_id, tenant, *, status="active", period_end=None, **extra):
    return {
        "id": "sub_test_x",
        "object": "subscription",
        "status": status,
        "customer": "cus_test_000001",
        "cancel_at_period_end": False,
        "metadata": {"subscription_id": sub_id, "tenant": str(tenant.id)},
        "items": {
            "object": "list",
            "data": [{"id": "si_1", "current_period_end": period_end}],
        },
        **extra,
    }


def _invoice(tenant, sub_id, period_end):
    return {
        "id": f"in_{period_end}",
        "object": "invoice",
        "status": "paid",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {
                "subscription": "sub_test_x",
                "metadata": {"subscription_id": sub_id, "tenant": str(tenant.id)},
            },
        },
        "lines": {"object": "list", "data": [{"period": {"end": period_end}}]},
    }


def _at(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def test_subscription_checkout_cancel_and_portal(
    stripe_catalog, make_plan, client, stripe_double, deliver
):
    catalog = stripe_catalog
    plan = make_plan(catalog, interval="year", price_minor=12000)
    answer = _subscribe(client, catalog, plan)
    sub_id = answer["subscription"]["id"]
    assert answer["subscription"]["status"] == "incomplete"
    assert answer["redirect_url"].startswith("https://checkout.stripe.test/")
    (session,) = stripe_double.calls("/v1/checkout/sessions")
    assert session.idempotency_key == f"subscription:{sub_id}:checkout"
    assert session.params["mode"] == "subscription"
    price = session.params["line_items"][0]["price_data"]
    assert (price["unit_amount"], price["currency"], price["recurring"]) == (
        "12000",
        "eur",
        {"interval": "year"},
    )
    assert session.params["subscription_data"]["metadata"]["subscription_id"] == sub_id
    # once active, a second subscription is refused
    end = int(time.time()) + 365 * 86400
    stripe_double.add_subscription(id="sub_test_x", current_period_end=end)
    deliver(
        catalog.tenant,
        make_event(
            "customer.subscription.created", _sub_object(sub_id, catalog.tenant, period_end=end)
        ),
    )
    mine = client(catalog.tenant, catalog.learner).get("/api/v1/subscriptions").json["items"]
    assert [(s["id"], s["status"]) for s in mine] == [(sub_id, "active")]
    again = client(catalog.tenant, catalog.learner).post_json(
        f"/api/v1/plans/{plan['id']}/subscribe"
    )
    assert again.status_int == 409

    r = client(catalog.tenant, catalog.learner).post_json(
        f"/api/v1/subscriptions/{sub_id}/cancel", {"at_period_end": True}
    )
    assert r.status_int == 200 and r.json["cancel_at_period_end"] is True
    assert r.json["status"] == "active" and r.json["access_until"] is not None
    (update,) = stripe_double.calls("/v1/subscriptions/sub_test_x", "POST")
    assert update.params == {"cancel_at_period_end": "true"}
    assert update.idempotency_key == f"subscription:{sub_id}:cancel-at-period-end"

    portal = client(catalog.tenant, catalog.learner).post_json("/api/v1/billing-portal")
    assert portal.status_int == 200 and portal.json["url"].startswith(
        "https://billing.stripe.test/"
    )
    (call,) = stripe_double.calls("/v1/billing_portal/sessions")
    assert call.params["customer"] == "cus_test_000001"
    assert call.params["return_url"] == f"http://{catalog.tenant.host}/account/subscription"
    assert call.idempotency_key.startswith(f"portal:{catalog.learner.id}:")

    now = client(catalog.tenant, catalog.learner).post_json(
        f"/api/v1/subscriptions/{sub_id}/cancel", {"at_period_end": False}
    )
    assert now.json["status"] == "canceled"
    assert stripe_double.calls("/v1/subscriptions/sub_test_x", "DELETE")[0].idempotency_key == (
        f"subscription:{sub_id}:cancel"
    )


def test_a_stripe_failure_writes_nothing(stripe_catalog, make_plan, client, stripe_double, db):
    import sqlalchemy as sa

    from learninghub_payments.plans.models import Customer, Subscription

    plan = make_plan(stripe_catalog)
    stripe_double.fail_next("/v1/checkout/sessions", 400, "No such price", "invalid_request_error")
    r = client(stripe_catalog.tenant, stripe_catalog.learner).post_json(
        f"/api/v1/plans/{plan['id']}/subscribe"
    )
    assert r.status_int == 502 and r.json["detail"] == (
        "Stripe could not start the subscription: No such price"
    )
    assert db.scalar(sa.select(sa.func.count(Subscription.id))) == 0
    assert db.scalar(sa.select(sa.func.count(Customer.id))) == 0


def test_events_out_of_order_end_in_the_right_state(
    stripe_catalog, make_plan, client, deliver, enrollment_row
):
    catalog = stripe_catalog
    plan = make_plan(catalog)
    sub_id = _subscribe(client, catalog, plan)["subscription"]["id"]
    t0 = int(time.time()) - 100
    p1, p2, p3 = t0 + 30 * 86400, t0 + 60 * 86400, t0 + 90 * 86400

    def send(kind, obj, created):
        r = deliver(catalog.tenant, make_event(kind, obj, created=created))
        assert r.status_int == 200, r.text
        return r.json["outcome"]

    def state():
        (s,) = client(catalog.tenant, catalog.learner).get("/api/v1/subscriptions").json["items"]
        return s["status"], s["current_period_end"]

    # updated (newer) arrives before created (older): the older one is ignored
    updated = _sub_object(sub_id, catalog.tenant, period_end=p2)
    assert send("customer.subscription.updated", updated, t0 + 10) == "applied: active"
    created = _sub_object(sub_id, catalog.tenant, status="incomplete", period_end=p1)
    assert send("customer.subscription.created", created, t0).startswith("ignored")
    assert state() == ("active", _at(p2).isoformat().replace("+00:00", "Z"))
    assert enrollment_row(catalog.course.id, catalog.learner).expires_at == _at(p2)

    assert send("invoice.payment_failed", _invoice(catalog.tenant, sub_id, p2), t0 + 20) == (
        "applied: past_due"
    )
    assert enrollment_row(catalog.course.id, catalog.learner).expires_at == _at(p2 + 3 * 86400)
    assert send("invoice.paid", _invoice(catalog.tenant, sub_id, p3), t0 + 30) == "applied: active"
    assert enrollment_row(catalog.course.id, catalog.learner).expires_at == _at(p3)
    # a failed invoice delivered late (older than the payment) changes nothing
    assert send("invoice.payment_failed", _invoice(catalog.tenant, sub_id, p2), t0 + 25).startswith(
        "ignored"
    )

    deleted = _sub_object(sub_id, catalog.tenant, status="canceled", period_end=p3)
    assert send("customer.subscription.deleted", deleted, t0 + 40) == "applied: canceled"
    # invoice.paid delivered after the deletion does not bring it back
    assert send("invoice.paid", _invoice(catalog.tenant, sub_id, p3 + 86400), t0 + 50) == (
        "ignored: the subscription is canceled"
    )
    assert state()[0] == "canceled"
    assert not enrollment_row(catalog.course.id, catalog.learner).has_access_at(_at(t0 + 200))


def test_a_paid_subscription_checkout_activates_until_the_events_say_more(
    stripe_catalog, make_plan, client, deliver, enrollment_row
):
    catalog = stripe_catalog
    plan = make_plan(catalog)
    sub_id = _subscribe(client, catalog, plan)["subscription"]["id"]
    t0 = int(time.time())
    session = {
        "id": "cs_test_sub",
        "object": "checkout.session",
        "mode": "subscription",
        "payment_status": "paid",
        "subscription": "sub_test_x",
        "metadata": {"subscription_id": sub_id, "tenant": str(catalog.tenant.id)},
    }
    r = deliver(catalog.tenant, make_event("checkout.session.completed", session, created=t0))
    assert r.json["outcome"] == "applied: active"
    # the subscription's own event, created a second earlier, still sets the real period
    real_end = t0 + 20 * 86400
    created = _sub_object(sub_id, catalog.tenant, period_end=real_end)
    r = deliver(
        catalog.tenant, make_event("customer.subscription.created", created, created=t0 - 1)
    )
    assert r.json["outcome"] == "applied: active"
    assert enrollment_row(catalog.course.id, catalog.learner).expires_at == _at(real_end)
