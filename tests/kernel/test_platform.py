"""Platform administration: platform admins of the platform tenant manage every tenant;
nobody else reaches it."""

import pytest

from learninghub.testing import PASSWORD

TENANTS = "/api/v1/platform/tenants"


@pytest.fixture
def platform(tenant_factory, lh_settings):
    return tenant_factory(slug=lh_settings["platform.tenant"], plugins=[])


def test_platform_admin_manages_tenants(platform, tenant, user_factory, client):
    operator = user_factory(platform, "platform_admin")
    c = client(platform, operator)
    listing = c.get(TENANTS + "?limit=100")
    assert listing.status_int == 200
    assert {t["slug"] for t in listing.json["items"]} >= {platform.slug, tenant.slug}
    created = c.post_json(
        TENANTS, {"slug": "newschool", "name": "New School", "plugins": ["announcements"]}
    )
    assert created.status_int == 201, created.text
    assert created.json["plugins"] == ["announcements"]
    assert c.post_json(TENANTS, {"slug": "newschool", "name": "x"}).status_int == 409
    assert c.post_json(TENANTS, {"slug": "Bad Slug", "name": "x"}).status_int == 422
    assert c.post_json(TENANTS, {"slug": "ok", "name": "x", "plugins": ["nope"]}).status_int == 422
    off = c.delete(f"{TENANTS}/newschool/plugins/announcements")
    assert off.status_int == 200 and off.json["plugins"] == []
    on = c.put_json(f"{TENANTS}/newschool/plugins/announcements")
    assert on.json["plugins"] == ["announcements"]
    assert c.put_json(f"{TENANTS}/newschool/plugins/nosuch").status_int == 404
    suspended = c.patch_json(f"{TENANTS}/newschool", {"status": "suspended"})
    assert suspended.json["status"] == "suspended"
    # a suspended tenant is no longer served
    assert client(None, host="newschool.learninghub.test").get("/").status_int == 404
    assert c.patch_json(f"{TENANTS}/{platform.slug}", {"status": "suspended"}).status_int == 409
    assert c.get(f"{TENANTS}/nosuch").status_int == 404
    assert c.patch_json(f"{TENANTS}/newschool", {"status": "deleted"}).status_int == 422


def test_tenant_admins_and_others_cannot(platform, tenant, user_factory, client):
    admin = user_factory(tenant, "admin")
    assert client(tenant, admin).get(TENANTS).status_int == 403
    platform_learner = user_factory(platform, "learner")
    assert client(platform, platform_learner).get(TENANTS).status_int == 403
    assert client(platform).get(TENANTS).status_int == 401
    # a platform admin's token means nothing on another tenant's host
    operator = user_factory(platform, "platform_admin")
    stolen = client(tenant)
    stolen.headers.update(client(platform, operator).headers)
    assert stolen.get(TENANTS).status_int == 401


def test_platform_admin_role_is_known_only_on_the_platform_tenant(
    platform, tenant, user_factory, client
):
    admin = user_factory(tenant, "admin")
    target = user_factory(tenant, "learner")
    r = client(tenant, admin).post_json(
        f"/api/v1/admin/users/{target.id}/roles", {"role": "platform_admin"}
    )
    assert r.status_int == 422
    operator = user_factory(platform, "platform_admin")
    me = client(platform, operator).get("/api/v1/me").json
    assert "platform:tenants:manage" in me["permissions"]


def test_platform_admin_signs_in_like_everyone(platform, user_factory, client):
    user_factory(platform, "platform_admin", email="op@example.org")
    r = client(platform).post_json(
        "/api/v1/auth/token", {"email": "op@example.org", "password": PASSWORD}
    )
    assert r.status_int == 200 and r.json["mfa_enrolment_due"]  # MFA required for the role
