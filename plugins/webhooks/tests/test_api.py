"""The JSON API: the contract, every route's allowed/forbidden/anonymous/cross-tenant
answers, invalid input, the secret shown once, the event type registry."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from learninghub.db import bind_tenant, system_session
from learninghub.hookspecs import hookimpl
from learninghub.plugins import TenantPlugins
from learninghub.testing.plugin_contract import PluginContractTests
from learninghub_webhooks.models import Delivery, Endpoint

BASE = "/api/v1/webhooks"
ENDPOINTS = BASE + "/endpoints"
EVENT = "tenant.settings_changed"


class TestWebhooksContract(PluginContractTests):
    plugin = "webhooks"
    probes = [
        ("GET", ENDPOINTS),
        ("GET", BASE + "/event-types"),
        ("GET", "/admin/webhooks"),
    ]

    def create_resource(self, client, tenant, user):
        # a public IP literal: accepted without DNS, and nothing is ever sent to it
        r = client(tenant, user).post_json(
            ENDPOINTS, {"url": "https://93.184.216.34/hook", "event_types": [EVENT]}
        )
        assert r.status_int == 201, r.text
        return r.json["api_url"]


def test_purge_deletes_only_this_tenants_rows(
    registry, db, tenant, other_tenant, make_endpoint, change_settings, receiver, allow_loopback
):
    make_endpoint(tenant, receiver.url())
    kept = make_endpoint(other_tenant, receiver.url())
    change_settings(tenant)
    change_settings(other_tenant)
    bind_tenant(db, tenant.id)
    try:
        TenantPlugins(registry, db, tenant.orm).purge("webhooks")
    finally:
        system_session(db)
    assert [str(i) for i in db.scalars(sa.select(Endpoint.id))] == [kept["id"]]
    assert len(db.scalars(sa.select(Delivery.id)).all()) == 1


# ----------------------------------------------------------------- authorization


def routes(endpoint_id: str, delivery_id: str) -> list[tuple[str, str, dict | None]]:
    item = f"{ENDPOINTS}/{endpoint_id}"
    return [
        ("GET", BASE + "/event-types", None),
        ("GET", ENDPOINTS, None),
        ("POST", ENDPOINTS, {"url": "http://127.0.0.1:9/x", "event_types": [EVENT]}),
        ("GET", item, None),
        ("PATCH", item, {"description": "changed"}),
        ("POST", item + "/secret", {}),
        ("GET", item + "/deliveries", None),
        ("POST", item + "/test", {}),
        ("POST", f"{BASE}/deliveries/{delivery_id}/replay", {}),
        ("DELETE", item, None),
    ]


def call(c, method, path, body):
    if method == "GET":
        return c.get(path)
    if method == "DELETE":
        return c.delete(path)
    return getattr(c, method.lower() + "_json")(path, body)


@pytest.fixture
def resources(tenant, receiver, make_endpoint, change_settings, db, allow_loopback):
    endpoint = make_endpoint(tenant, receiver.url())
    change_settings(tenant)
    delivery_id = db.scalar(sa.select(Delivery.id))
    return endpoint["id"], str(delivery_id)


def test_admin_may_call_every_route(tenant, client, admin_of, resources, allow_loopback):
    c = client(tenant, admin_of(tenant))
    for method, path, body in routes(*resources):
        r = call(c, method, path, body)
        assert r.status_int in (200, 201, 202, 204), (method, path, r.status, r.text)


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_other_roles_are_forbidden(tenant, client, user_factory, resources, role):
    c = client(tenant, user_factory(tenant, role))
    for method, path, body in routes(*resources):
        r = call(c, method, path, body)
        assert r.status_int == 403, (method, path, r.status)
        assert r.content_type == "application/problem+json"
        assert "tenant:webhooks:manage" in r.json["detail"]


def test_anonymous_gets_401(tenant, client, resources):
    for method, path, body in routes(*resources):
        r = call(client(tenant), method, path, body)
        assert r.status_int == 401, (method, path, r.status)


def test_another_tenants_admin_sees_and_touches_nothing(
    tenant, other_tenant, client, admin_of, resources, rows, receiver
):
    foreign = client(other_tenant, admin_of(other_tenant))
    for method, path, body in routes(*resources):
        if path == ENDPOINTS or path.endswith("/event-types"):
            continue  # collections: checked below
        r = call(foreign, method, path, body)
        assert r.status_int == 404, (method, path, r.status)
    assert foreign.get(ENDPOINTS).json["items"] == []
    assert len(receiver.requests) == 1  # no test event, no replay
    endpoint_id, _ = resources
    mine = client(tenant, admin_of(tenant)).get(f"{ENDPOINTS}/{endpoint_id}")
    assert mine.status_int == 200 and mine.json["description"] == ""


def test_a_token_of_another_tenant_is_refused(
    tenant, other_tenant, client, admin_of, resources, foreign_client
):
    probe = foreign_client(tenant, other_tenant)
    for method, path, body in routes(*resources):
        assert call(probe, method, path, body).status_int == 401, (method, path)


# ----------------------------------------------------------------- endpoints


def test_create_returns_the_secret_once(tenant, client, admin_of, allow_loopback, db):
    c = client(tenant, admin_of(tenant))
    r = c.post_json(
        ENDPOINTS,
        {
            "url": "http://127.0.0.1:9/in",
            "event_types": [EVENT, "accounts.role.granted", EVENT],
            "description": "  CRM sync ",
        },
    )
    assert r.status_int == 201, r.text
    secret = r.json["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    assert r.headers["Location"] == r.json["api_url"]
    assert r.json["event_types"] == [EVENT, "accounts.role.granted"]
    assert r.json["description"] == "CRM sync" and r.json["enabled"] is True
    assert r.json["html_url"].endswith(f"/admin/webhooks/{r.json['id']}")
    for answer in (c.get(r.json["api_url"]), c.get(ENDPOINTS), c.patch_json(r.json["api_url"], {})):
        assert answer.status_int == 200
        assert secret not in answer.text and "secret" not in answer.text
    rotated = c.post_json(r.json["api_url"] + "/secret")
    assert rotated.status_int == 200
    assert rotated.json["secret"].startswith("whsec_") and rotated.json["secret"] != secret
    stored = db.scalar(sa.select(Endpoint.secret).where(Endpoint.id == uuid.UUID(r.json["id"])))
    from learninghub.secrets import secret_box

    assert stored.startswith("lhsec1:") and rotated.json["secret"] not in stored
    assert secret_box(c.registry).open(stored) == rotated.json["secret"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"event_types": [EVENT]}, ["body", "url"]),
        ({"url": "http://127.0.0.1:9/", "event_types": []}, ["body", "event_types"]),
        ({"url": "http://127.0.0.1:9/"}, ["body", "event_types"]),
        ({"url": "http://127.0.0.1:9/", "event_types": ["nope.never"]}, ["body", "event_types"]),
        ({"url": "http://127.0.0.1:9/", "event_types": ["webhooks.test"]}, ["body", "event_types"]),
        ({"url": "x" * 2001, "event_types": [EVENT]}, ["body", "url"]),
        (
            {"url": "http://127.0.0.1:9/", "event_types": [EVENT], "secret": "mine"},
            ["body", "secret"],
        ),
        (
            {"url": "http://127.0.0.1:9/", "event_types": [EVENT], "description": "d" * 201},
            ["body", "description"],
        ),
    ],
)
def test_invalid_create_bodies(tenant, client, admin_of, allow_loopback, body, path):
    r = client(tenant, admin_of(tenant)).post_json(ENDPOINTS, body)
    assert r.status_int == 422, r.text
    assert path in [e["path"] for e in r.json["errors"]], r.json


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"url": None}, ["body", "url"]),
        ({"enabled": "maybe"}, ["body", "enabled"]),
        ({"event_types": ["nope.never"]}, ["body", "event_types"]),
        ({"colour": "red"}, ["body", "colour"]),
    ],
)
def test_invalid_update_bodies(tenant, client, admin_of, make_endpoint, allow_loopback, body, path):
    endpoint = make_endpoint(tenant, "http://127.0.0.1:9/x")
    r = client(tenant, admin_of(tenant)).patch_json(endpoint["api_url"], body)
    assert r.status_int == 422, r.text
    assert path in [e["path"] for e in r.json["errors"]]


def test_invalid_delivery_queries(tenant, client, admin_of, make_endpoint, allow_loopback):
    endpoint = make_endpoint(tenant, "http://127.0.0.1:9/x")
    c = client(tenant, admin_of(tenant))
    r = c.get(endpoint["deliveries_url"], params={"status": "lost"})
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["query", "status"]
    assert c.get(endpoint["deliveries_url"], params={"cursor": "bad!"}).status_int == 400


def test_update_enable_disable_and_delete(
    tenant, client, admin_of, make_endpoint, allow_loopback, events
):
    endpoint = make_endpoint(tenant, "http://127.0.0.1:9/x")
    c = client(tenant, admin_of(tenant))
    r = c.patch_json(
        endpoint["api_url"],
        {"description": "new", "event_types": ["accounts.role.granted"], "enabled": False},
    )
    assert r.status_int == 200
    assert r.json["description"] == "new" and r.json["event_types"] == ["accounts.role.granted"]
    assert r.json["enabled"] is False and r.json["disabled_reason"] == "manual"
    r = c.patch_json(endpoint["api_url"], {"enabled": True})
    assert r.json["enabled"] is True and r.json["disabled_reason"] == ""
    assert c.delete(endpoint["api_url"]).status_int == 204
    assert c.get(endpoint["api_url"]).status_int == 404
    names = [e.name for e in events.events]
    assert names == [
        "webhooks.endpoint.created",
        "webhooks.endpoint.updated",
        "webhooks.endpoint.updated",
        "webhooks.endpoint.deleted",
    ]
    assert all("secret" not in str(e.payload) for e in events.events)


def test_malformed_and_unknown_ids_answer_404(tenant, client, admin_of):
    c = client(tenant, admin_of(tenant))
    for raw in ("nope", uuid.uuid4(), "1" * 300):
        assert c.get(f"{ENDPOINTS}/{raw}").status_int == 404
        assert c.post_json(f"{BASE}/deliveries/{raw}/replay").status_int == 404


def test_endpoint_limit(tenant, client, admin_of, plugin_admin, allow_loopback):
    plugin_admin.settings(tenant, max_endpoints=2)
    c = client(tenant, admin_of(tenant))
    body = {"url": "http://127.0.0.1:9/x", "event_types": [EVENT]}
    assert [c.post_json(ENDPOINTS, body).status_int for _ in range(3)] == [201, 201, 409]


def test_deliveries_are_paginated_newest_first_with_the_attempt_log(
    tenant, client, admin_of, make_endpoint, change_settings, receiver, allow_loopback
):
    endpoint = make_endpoint(tenant, receiver.url())
    receiver.script = [(500, {"X-Why": "busy"}, b"try later")]
    for _ in range(3):
        change_settings(tenant)
    c = client(tenant, admin_of(tenant))
    first = c.get(endpoint["deliveries_url"], params={"limit": 2})
    assert first.status_int == 200
    second = c.get(
        endpoint["deliveries_url"], params={"limit": 2, "cursor": first.json["next_cursor"]}
    )
    items = first.json["items"] + second.json["items"]
    assert second.json["next_cursor"] is None and len(items) == 3
    oldest = items[-1]
    assert oldest["status"] == "pending" and oldest["last_status_code"] == 500
    [attempt] = oldest["attempt_log"]
    assert attempt["response_excerpt"] == "try later"
    assert attempt["response_headers"]["x-why"] == "busy"
    assert attempt["request_headers"]["webhook-id"] == oldest["message_id"]
    assert oldest["request_body"].startswith('{"type":"tenant.settings_changed"')
    failed = c.get(endpoint["deliveries_url"], params={"status": "pending"}).json["items"]
    assert [d["id"] for d in failed] == [oldest["id"]]


# ----------------------------------------------------------------- the registry


class OtherPlugin:
    @hookimpl
    def learninghub_webhooks_event_types(self, request):
        return [("courses.course.published", "A course was published."), "orders.order.paid", 42]


@pytest.fixture
def other_plugin(registry):
    pm = registry["plugins"].pm
    pm.register(OtherPlugin(), name="webhooks-test-other")
    yield
    pm.unregister(name="webhooks-test-other")


def test_event_types_come_from_the_hook(tenant, client, admin_of, other_plugin, allow_loopback):
    c = client(tenant, admin_of(tenant))
    names = {t["name"]: t["description"] for t in c.get(BASE + "/event-types").json}
    assert names["courses.course.published"] == "A course was published."
    assert names["orders.order.paid"] == ""
    assert names["accounts.role.granted"] and names[EVENT]
    assert "webhooks.test" not in names and "accounts.mfa.email_code_sent" not in names
    r = c.post_json(ENDPOINTS, {"url": "http://127.0.0.1:9/", "event_types": ["orders.order.paid"]})
    assert r.status_int == 201
