"""The plans part's events reach integrations: webhook event types and the audit trail."""

from __future__ import annotations

SUBSCRIPTION_EVENTS = {
    "payments.subscription.activated",
    "payments.subscription.updated",
    "payments.subscription.cancelled",
}


def test_subscription_events_are_subscribable_and_plans_audited(catalog, make_plan, client):
    admin = client(catalog.tenant, catalog.admin)
    r = admin.get("/api/v1/webhooks/event-types")
    assert r.status_int == 200, r.text
    names = {t["name"]: t["description"] for t in r.json}
    assert SUBSCRIPTION_EVENTS <= set(names) and all(names[n] for n in SUBSCRIPTION_EVENTS)
    plan = make_plan(catalog)
    trail = admin.get("/api/v1/audit/events", params={"action": "payments.plan.created"})
    assert trail.status_int == 200, trail.text
    assert [e["resource_id"] for e in trail.json["items"]] == [plan["id"]]
