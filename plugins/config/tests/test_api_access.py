"""Every API route: admins allowed; visitors 401; learners and instructors 403; a token
of another tenant 401; tenant B's admin cannot read or change tenant A's data."""

from __future__ import annotations

import pytest

ROUTES = [
    ("GET", "/api/v1/config/plugins", None),
    ("GET", "/api/v1/config/plugins/announcements/settings", None),
    ("PUT", "/api/v1/config/plugins/announcements/settings", {"values": {"max_body_chars": 900}}),
    ("GET", "/api/v1/config/plugins/announcements/versions", None),
    ("POST", "/api/v1/config/plugins/announcements/versions/1/rollback", None),
    ("GET", "/api/v1/config/flags", None),
    ("POST", "/api/v1/config/flags", {"key": "fresh"}),
    ("GET", "/api/v1/config/flags/beta", None),
    ("PATCH", "/api/v1/config/flags/beta", {"percentage": 10}),
    ("DELETE", "/api/v1/config/flags/beta", None),
    ("GET", "/api/v1/config/flags/beta/versions", None),
]


def call(c, method, path, body):
    if method == "GET":
        return c.get(path)
    if method == "DELETE":
        return c.delete(path)
    return getattr(c, method.lower() + "_json")(path, body or {})


@pytest.fixture
def seeded(tenant, admin, client):
    c = client(tenant, admin)
    assert c.post_json("/api/v1/config/flags", {"key": "beta", "enabled": True}).status_int == 201
    c.put_json("/api/v1/config/plugins/announcements/settings", {"values": {"max_body_chars": 500}})
    return c


@pytest.mark.parametrize("method, path, body", ROUTES)
def test_admin_is_allowed(seeded, method, path, body):
    r = call(seeded, method, path, body)
    assert r.status_int in (200, 201, 204), (method, path, r.text)


@pytest.mark.parametrize("method, path, body", ROUTES)
def test_visitor_gets_401(seeded, tenant, client, method, path, body):
    r = call(client(tenant), method, path, body)
    assert r.status_int == 401 and r.content_type == "application/problem+json"


@pytest.mark.parametrize("method, path, body", ROUTES)
@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_other_roles_get_403(seeded, tenant, user_factory, client, method, path, body, role):
    r = call(client(tenant, user_factory(tenant, role)), method, path, body)
    assert r.status_int == 403 and r.content_type == "application/problem+json"
    assert seeded.get("/api/v1/config/flags/beta").json["percentage"] == 100  # untouched


@pytest.mark.parametrize("method, path, body", ROUTES)
def test_token_of_another_tenant_gets_401(
    seeded, tenant, other_tenant, foreign_client, method, path, body
):
    assert call(foreign_client(tenant, other_tenant), method, path, body).status_int == 401


def test_other_tenants_admin_sees_and_changes_only_their_own(
    seeded, tenant, other_tenant, user_factory, client
):
    theirs = client(other_tenant, user_factory(other_tenant, "admin"))
    settings = "/api/v1/config/plugins/announcements/settings"
    assert theirs.get(settings).json["values"]["max_body_chars"] == 20000
    assert theirs.get("/api/v1/config/plugins/announcements/versions").json["items"] == []
    assert (
        theirs.post_json("/api/v1/config/plugins/announcements/versions/2/rollback").status_int
        == 404
    )
    assert theirs.get("/api/v1/config/flags/beta").status_int == 404
    assert theirs.patch_json("/api/v1/config/flags/beta", {"enabled": False}).status_int == 404
    assert theirs.delete("/api/v1/config/flags/beta").status_int == 404
    assert theirs.get("/api/v1/config/flags/beta/versions").status_int == 404
    theirs.put_json(settings, {"values": {"max_body_chars": 300}})
    assert seeded.get(settings).json["values"]["max_body_chars"] == 500
    assert seeded.get("/api/v1/config/flags/beta").json["enabled"] is True


def test_openapi_lists_the_endpoints(tenant, admin, client):
    paths = client(tenant, admin).get("/api/v1/openapi.json").json["paths"]
    assert "/api/v1/config/plugins/{plugin}/settings" in paths
    assert set(paths["/api/v1/config/flags/{key}"]) == {"get", "patch", "delete"}
    schema = client(tenant, admin).get("/api/v1/openapi.json").json["components"]["schemas"]
    assert "SettingsPut" in schema
