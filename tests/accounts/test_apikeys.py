"""Personal access tokens: shown once, hashed, scoped, expiring, revocable, recorded."""

from datetime import timedelta

import sqlalchemy as sa

from learninghub.accounts.models import ApiKey
from learninghub.db import utcnow


def make_key(client, tenant, user, scopes, **extra):
    r = client(tenant, user).post_json(
        "/api/v1/me/api-keys", {"name": "ci", "scopes": scopes, **extra}
    )
    assert r.status_int == 201, r.text
    return r.json


def key_client(client, tenant, key):
    c = client(tenant)
    c.headers["Authorization"] = "Bearer " + key["key"]
    return c


def test_key_is_shown_once_and_hashed(tenant, user_factory, client, db):
    user = user_factory(tenant)
    key = make_key(client, tenant, user, ["read"])
    assert key["key"].startswith("lhk_" + key["prefix"] + "_")
    listing = client(tenant, user).get("/api/v1/me/api-keys").json["items"]
    assert listing[0]["id"] == key["id"] and "key" not in listing[0]
    assert key["key"] not in db.scalars(sa.select(ApiKey.token_hash)).all()


def test_read_only_key_reads_but_cannot_write(tenant, user_factory, client, db):
    admin = user_factory(tenant, "admin")
    key = make_key(client, tenant, admin, ["read"])
    c = key_client(client, tenant, key)
    assert c.get("/api/v1/me").json["id"] == str(admin.id)
    assert c.get("/api/v1/announcements").status_int == 200
    write = c.post_json("/api/v1/announcements", {"title": "no", "body": "<p>x</p>"})
    assert write.status_int == 403
    # last use is recorded
    row = db.get(ApiKey, __import__("uuid").UUID(key["id"]))
    db.refresh(row)
    assert row.last_used_at is not None and row.last_used_ip


def test_permission_scoped_key(tenant, user_factory, client):
    admin = user_factory(tenant, "admin")
    key = make_key(client, tenant, admin, ["announcements:announcement:create"])
    c = key_client(client, tenant, key)
    created = c.post_json("/api/v1/announcements", {"title": "via key", "body": "<p>x</p>"})
    assert created.status_int == 201, created.text
    # not in scope: listing needs announcements:announcement:view
    assert c.get("/api/v1/announcements").status_int == 403


def test_key_never_exceeds_its_owner(tenant, user_factory, client):
    learner = user_factory(tenant, "learner")
    key = make_key(client, tenant, learner, ["*"])
    c = key_client(client, tenant, key)
    r = c.post_json("/api/v1/announcements", {"title": "no", "body": "<p>x</p>"})
    assert r.status_int == 403


def test_keys_cannot_manage_credentials(tenant, user_factory, client):
    user = user_factory(tenant)
    key = make_key(client, tenant, user, ["*"])
    c = key_client(client, tenant, key)
    assert c.post_json("/api/v1/me/api-keys", {"name": "x", "scopes": ["*"]}).status_int == 403
    assert c.get("/api/v1/me/sessions").status_int == 403
    r = c.post_json("/api/v1/me/password", {"current_password": "x", "new_password": "y"})
    assert r.status_int == 403


def test_revoked_and_expired_keys_fail(tenant, user_factory, client, db):
    user = user_factory(tenant)
    key = make_key(client, tenant, user, ["read"])
    c = key_client(client, tenant, key)
    assert c.get("/api/v1/me").status_int == 200
    assert client(tenant, user).delete(f"/api/v1/me/api-keys/{key['id']}").status_int == 204
    assert c.get("/api/v1/me").status_int == 401
    other = make_key(client, tenant, user, ["read"])
    row = db.scalar(sa.select(ApiKey).where(ApiKey.prefix == other["prefix"]))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.flush()
    assert key_client(client, tenant, other).get("/api/v1/me").status_int == 401
    forged = dict(other, key=other["key"][:-2] + "xx")
    assert key_client(client, tenant, forged).get("/api/v1/me").status_int == 401


def test_key_validation_and_cross_tenant(tenant, other_tenant, user_factory, client):
    user = user_factory(tenant)
    c = client(tenant, user)
    for body in (
        {"name": "", "scopes": ["read"]},
        {"name": "x", "scopes": []},
        {"name": "x", "scopes": ["write"]},
        {"name": "x", "scopes": ["nope:no:such"]},
        {"name": "x", "scopes": ["read"], "expires_in_days": 0},
        {"name": "x", "scopes": ["read"], "extra": 1},
    ):
        assert c.post_json("/api/v1/me/api-keys", body).status_int == 422, body
    assert (
        client(tenant)
        .post_json("/api/v1/me/api-keys", {"name": "x", "scopes": ["read"]})
        .status_int
        == 401
    )
    key = make_key(client, tenant, user, ["read"])
    # a key of tenant A is unknown on tenant B's host, and B cannot revoke it
    assert key_client(client, other_tenant, key).get("/api/v1/me").status_int == 401
    stranger = user_factory(other_tenant)
    assert (
        client(other_tenant, stranger).delete(f"/api/v1/me/api-keys/{key['id']}").status_int == 404
    )
    assert client(tenant, user).delete("/api/v1/me/api-keys/not-a-uuid").status_int == 404
