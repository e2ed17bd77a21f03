"""JSON API: GET /api/v1/audit/events, /api/v1/audit/events/{id}, /api/v1/audit/verify."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from learninghub.db import utcnow
from learninghub.testing.plugin import PASSWORD

EVENTS = "/api/v1/audit/events"
VERIFY = "/api/v1/audit/verify"


@pytest.fixture
def activity(tenant, admin, user_factory, client, sign_in):
    """A sign-in of a learner, a failed one, a role grant and a settings change."""
    learner = user_factory(tenant, "learner", email="lena@example.org")
    assert sign_in(tenant, learner.email, PASSWORD).status_int == 200
    assert sign_in(tenant, learner.email, "not the password").status_int == 401
    c = client(tenant, admin)
    granted = c.post_json(f"/api/v1/admin/users/{learner.id}/roles", {"role": "instructor"})
    assert granted.status_int == 200
    assert c.patch_json("/api/v1/tenant/settings", {"name": "Audited"}).status_int == 200
    return learner


def actions(response) -> list[str]:
    return [item["action"] for item in response.json["items"]]


def test_admin_lists_the_trail_newest_first(tenant, admin, client, activity):
    r = client(tenant, admin).get(EVENTS)
    assert r.status_int == 200, r.text
    assert actions(r) == [
        "tenant.settings_changed",
        "accounts.role.granted",
        "accounts.signin.failed",
        "accounts.signin.succeeded",
    ]
    item = r.json["items"][-1]
    assert item["actor"] == "lena@example.org" and item["actor_id"] == str(activity.id)
    assert item["ip"] == "203.0.113.7" and item["request_id"] == "req-audit-0001"
    assert item["seq"] == 1 and item["kind"] == "event" and len(item["hash"]) == 64
    assert r.json["next_cursor"] is None


def test_filters(tenant, admin, client, activity):
    c = client(tenant, admin)
    assert actions(c.get(EVENTS, params={"actor": "LENA@"})) == ["accounts.signin.succeeded"]
    assert actions(c.get(EVENTS, params={"actor": str(admin.id)})) == [
        "tenant.settings_changed",
        "accounts.role.granted",
    ]
    assert actions(c.get(EVENTS, params={"action": "accounts.signin.failed"})) == [
        "accounts.signin.failed"
    ]
    prefixed = ["accounts.role.granted", "accounts.signin.failed", "accounts.signin.succeeded"]
    assert actions(c.get(EVENTS, params={"action": "accounts."})) == prefixed
    assert actions(c.get(EVENTS, params={"action": "accounts.*"})) == prefixed
    assert actions(c.get(EVENTS, params={"action": "accounts%"})) == []  # no LIKE injection
    by_id = c.get(EVENTS, params={"resource_id": str(activity.id)})
    assert len(by_id.json["items"]) == 3
    # role events name the user as their resource (the grant's scope is in the details)
    by_resource = c.get(EVENTS, params={"resource_type": "user", "resource_id": str(activity.id)})
    assert actions(by_resource) == [
        "accounts.role.granted",
        "accounts.signin.failed",
        "accounts.signin.succeeded",
    ]
    assert actions(c.get(EVENTS, params={"resource_type": "tenant"})) == ["tenant.settings_changed"]
    now = utcnow()
    assert (
        len(c.get(EVENTS, params={"since": (now - timedelta(hours=1)).isoformat()}).json["items"])
        == 4
    )
    assert (
        c.get(EVENTS, params={"until": (now - timedelta(hours=1)).isoformat()}).json["items"] == []
    )


def test_pagination(tenant, admin, client, activity):
    c = client(tenant, admin)
    first = c.get(EVENTS, params={"limit": 3})
    assert len(first.json["items"]) == 3 and first.json["next_cursor"]
    second = c.get(EVENTS, params={"limit": 3, "cursor": first.json["next_cursor"]})
    assert actions(second) == ["accounts.signin.succeeded"]
    assert second.json["next_cursor"] is None


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, None),
        ({"limit": "0"}, ("query", "limit")),
        ({"since": "yesterday"}, ("query", "since")),
        ({"colour": "red"}, ("query", "colour")),
        ({"action": "x" * 201}, ("query", "action")),
    ],
)
def test_invalid_queries_are_refused(tenant, admin, client, params, path):
    r = client(tenant, admin).get(EVENTS, params=params)
    assert r.status_int == 422, r.text
    assert r.content_type == "application/problem+json"
    if path:
        assert path in {tuple(e["path"][:2]) for e in r.json["errors"]}


def test_bad_cursor_is_a_400(tenant, admin, client):
    r = client(tenant, admin).get(EVENTS, params={"cursor": "garbage!"})
    assert r.status_int == 400 and r.content_type == "application/problem+json"


@pytest.mark.parametrize("url", [EVENTS, VERIFY, f"{EVENTS}/{uuid.uuid4()}"])
def test_learners_and_instructors_are_refused(tenant, user_factory, client, url):
    for role in ("learner", "instructor"):
        r = client(tenant, user_factory(tenant, role)).get(url)
        assert r.status_int == 403, (role, r.text)
        assert r.content_type == "application/problem+json"


@pytest.mark.parametrize("url", [EVENTS, VERIFY, f"{EVENTS}/{uuid.uuid4()}"])
def test_anonymous_and_foreign_tokens_get_401(tenant, other_tenant, client, foreign_client, url):
    assert client(tenant).get(url).status_int == 401
    assert foreign_client(tenant, other_tenant).get(url).status_int == 401


def test_each_admin_sees_only_their_tenants_trail(
    tenant, other_tenant, admin, user_factory, client, activity
):
    other_admin = user_factory(other_tenant, "admin")
    c = client(other_tenant, other_admin)
    c.patch_json("/api/v1/tenant/settings", {"name": "Other"})
    theirs = c.get(EVENTS)
    assert actions(theirs) == ["tenant.settings_changed"]
    assert all(i["actor_id"] == str(other_admin.id) for i in theirs.json["items"])
    # one of tenant A's rows, asked for on B's host by B's admin
    ours = client(tenant, admin).get(EVENTS).json["items"][0]
    assert c.get(f"{EVENTS}/{ours['id']}").status_int == 404
    assert client(tenant, admin).get(f"{EVENTS}/{ours['id']}").json == ours
    assert c.get(f"{EVENTS}/not-a-uuid").status_int == 404
    # each tenant's chain is its own: B's starts at seq 1
    assert theirs.json["items"][0]["seq"] == 1
    assert c.get(VERIFY).json["checked"] == 1
    assert client(tenant, admin).get(VERIFY).json["checked"] == 4


def test_verify_reports_ok(tenant, admin, client, activity):
    r = client(tenant, admin).get(VERIFY)
    assert r.status_int == 200
    assert r.json == {
        "ok": True,
        "checked": 4,
        "first_seq": 1,
        "last_seq": 4,
        "last_hash": r.json["last_hash"],
        "pending": 0,
        "checkpoints": 0,
        "broken": None,
    }


def test_endpoints_are_in_the_openapi_document(tenant, client):
    paths = client(tenant).get("/api/v1/openapi.json").json["paths"]
    assert {EVENTS, f"{EVENTS}/{{id}}", VERIFY} <= set(paths)
