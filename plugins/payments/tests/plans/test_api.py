"""The plans API: who may call each route, tenant isolation, invalid inputs, and the
offline flow (an admin activates an invoiced subscription)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest


@pytest.fixture
def setup(catalog, make_plan, user_factory, subscription_of):
    plan = make_plan(catalog)
    sub_id = subscription_of(catalog, plan["id"])
    return {
        "plan": plan,
        "sub": str(sub_id),
        "guest": user_factory(catalog.tenant, "guest"),  # a role without payments grants
        "other": user_factory(catalog.tenant, "learner"),
    }


def routes(setup):
    plan, sub = setup["plan"]["id"], setup["sub"]
    future = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    return [
        # (method, path, body, permission holder, allowed status)
        ("GET", "/api/v1/plans", None, None, 200),
        ("POST", f"/api/v1/plans/{plan}/subscribe", None, "other", 201),
        ("GET", "/api/v1/subscriptions", None, "learner", 200),
        ("POST", f"/api/v1/subscriptions/{sub}/cancel", {"at_period_end": True}, "learner", 200),
        ("POST", "/api/v1/billing-portal", None, "learner", 409),  # offline: no portal
        ("GET", "/api/v1/admin/plans", None, "admin", 200),
        ("POST", "/api/v1/admin/plans", {"name": "Y", "price_minor": 5}, "admin", 201),
        ("PATCH", f"/api/v1/admin/plans/{plan}", {"name": "Z"}, "admin", 200),
        ("GET", "/api/v1/admin/subscriptions", None, "admin", 200),
        (
            "POST",
            f"/api/v1/admin/subscriptions/{sub}/activate",
            {"current_period_end": future},
            "admin",
            200,
        ),
        (
            "POST",
            f"/api/v1/admin/subscriptions/{sub}/cancel",
            {"at_period_end": False},
            "admin",
            200,
        ),
    ]


def _call(c, method, path, body):
    if method == "GET":
        return c.get(path)
    return getattr(c, f"{method.lower()}_json")(path, body if body is not None else {})


def test_every_route_answers_allowed_forbidden_anonymous_and_foreign(
    catalog, setup, client, foreign_client, other_tenant
):
    users = {"learner": catalog.learner, "admin": catalog.admin, "other": setup["other"]}
    for method, path, body, holder, allowed in routes(setup):
        if holder is None:  # the public list
            assert _call(client(catalog.tenant), method, path, body).status_int == 200
            continue
        assert _call(client(catalog.tenant), method, path, body).status_int == 401, path
        assert (
            _call(foreign_client(catalog.tenant, other_tenant), method, path, body).status_int
            == 401
        )
        forbidden = setup["guest"] if holder != "admin" else catalog.learner
        assert _call(client(catalog.tenant, forbidden), method, path, body).status_int == 403, path
        r = _call(client(catalog.tenant, users[holder]), method, path, body)
        assert r.status_int == allowed, (path, r.text)


def test_tenants_see_only_their_plans_and_subscriptions(
    catalog, setup, client, tenant_factory, user_factory
):
    other = tenant_factory()
    admin = user_factory(other, "admin")
    learner = user_factory(other, "learner")
    assert client(other).get("/api/v1/plans").json["items"] == []
    assert client(other, admin).get("/api/v1/admin/subscriptions").json["items"] == []
    plan, sub = setup["plan"]["id"], setup["sub"]
    assert client(other, learner).post_json(f"/api/v1/plans/{plan}/subscribe").status_int == 404
    assert (
        client(other, admin).patch_json(f"/api/v1/admin/plans/{plan}", {"name": "x"}).status_int
        == 404
    )
    r = client(other, admin).post_json(f"/api/v1/admin/subscriptions/{sub}/cancel", {})
    assert r.status_int == 404
    # another user's subscription is not one's own
    r = client(catalog.tenant, setup["other"]).post_json(f"/api/v1/subscriptions/{sub}/cancel", {})
    assert r.status_int == 404
    mine = client(catalog.tenant, setup["other"]).get("/api/v1/subscriptions").json["items"]
    assert mine == []


@pytest.mark.parametrize(
    "body, path",
    [
        ({"name": "", "price_minor": 100}, ["body", "name"]),
        ({"name": "x", "price_minor": 0}, ["body", "price_minor"]),
        ({"name": "x", "price_minor": 1.5}, ["body", "price_minor"]),
        ({"name": "x", "price_minor": 100, "interval": "week"}, ["body", "interval"]),
        (
            {"name": "x", "price_minor": 100, "stripe_price_id": "prod_1"},
            ["body", "stripe_price_id"],
        ),
        ({"name": "x", "price_minor": 100, "course_ids": ["nope"]}, ["body", "course_ids", 0]),
        ({"name": "x", "price_minor": 100, "currency": "USD"}, ["body", "currency"]),
    ],
)
def test_invalid_plans_are_refused(catalog, client, body, path):
    r = client(catalog.tenant, catalog.admin).post_json("/api/v1/admin/plans", body)
    assert r.status_int == 422 and path in [e["path"] for e in r.json["errors"]], r.text


def test_unknown_courses_and_invalid_updates_are_refused(catalog, setup, client):
    admin = client(catalog.tenant, catalog.admin)
    r = admin.post_json(
        "/api/v1/admin/plans", {"name": "x", "price_minor": 100, "course_ids": [str(uuid.uuid4())]}
    )
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "course_ids"]
    r = admin.patch_json(f"/api/v1/admin/plans/{setup['plan']['id']}", {"price_minor": -1})
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "price_minor"]
    r = client(catalog.tenant, catalog.learner).post_json(
        f"/api/v1/subscriptions/{setup['sub']}/cancel", {"at_period_end": "soon"}
    )
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "at_period_end"]
    r = client(catalog.tenant, catalog.admin).get("/api/v1/admin/subscriptions?status=paused")
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["query", "status"]


def test_offline_subscription_activated_by_an_admin(
    catalog, setup, client, user_factory, enrollment_row
):
    plan = setup["plan"]  # the catalog's learner is already subscribed to it
    buyer = user_factory(catalog.tenant, "learner")
    r = client(catalog.tenant, buyer).post_json(f"/api/v1/plans/{plan['id']}/subscribe")
    assert r.status_int == 201 and r.json["redirect_url"] == "/account/subscription"
    sub = r.json["subscription"]["id"]
    assert enrollment_row(catalog.course.id, buyer) is None  # nothing before payment
    admin = client(catalog.tenant, catalog.admin)
    for bad, field in (
        ({"current_period_end": "2020-01-01T00:00:00Z"}, "current_period_end"),  # past
        ({"current_period_end": "2099-01-01T00:00:00"}, "current_period_end"),  # naive
        ({}, "current_period_end"),
    ):
        r = admin.post_json(f"/api/v1/admin/subscriptions/{sub}/activate", bad)
        assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", field], r.text
    until = datetime(2099, 1, 1, tzinfo=UTC)
    r = admin.post_json(
        f"/api/v1/admin/subscriptions/{sub}/activate", {"current_period_end": until.isoformat()}
    )
    assert r.status_int == 200 and r.json["status"] == "active"
    assert enrollment_row(catalog.course.id, buyer).expires_at == until
    query = f"/api/v1/admin/subscriptions?status=active&plan_id={plan['id']}&limit=1"
    first = admin.get(query).json
    second = admin.get(f"{query}&cursor={first['next_cursor']}").json
    assert [s["id"] for s in first["items"] + second["items"]] == [sub, setup["sub"]]
    assert second["next_cursor"] is None
    cancelled = admin.post_json(
        f"/api/v1/admin/subscriptions/{sub}/cancel", {"at_period_end": False}
    )
    assert cancelled.json["status"] == "canceled"
    again = admin.post_json(f"/api/v1/admin/subscriptions/{sub}/cancel", {})
    assert again.status_int == 409


def test_plans_priced_in_another_currency_cannot_be_bought(catalog, setup, client, plugin_admin):
    plugin_admin.settings(catalog.tenant, currency="USD")
    r = client(catalog.tenant, setup["other"]).post_json(
        f"/api/v1/plans/{setup['plan']['id']}/subscribe"
    )
    assert r.status_int == 409 and "EUR" in r.json["detail"] and "USD" in r.json["detail"]
