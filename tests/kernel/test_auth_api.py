"""Identity core through the API: tokens, /me, tenant binding of tokens."""

from learninghub.testing import PASSWORD


def test_token_and_me(tenant, user_factory, client):
    user = user_factory(tenant, "instructor", email="Ann@Example.org")
    c = client(tenant)
    r = c.post_json("/api/v1/auth/token", {"email": "Ann@example.org", "password": PASSWORD})
    assert r.status_int == 200, r.text
    assert r.json["token_type"] == "Bearer" and r.json["expires_in"] == 900
    me = c.get("/api/v1/me", headers={"Authorization": "Bearer " + r.json["access_token"]})
    assert me.status_int == 200
    assert me.json["id"] == str(user.id)
    assert me.json["roles"] == ["instructor"]
    assert me.json["tenant"] == tenant.slug


def test_wrong_password_and_unknown_user_look_the_same(tenant, user_factory, client):
    user_factory(tenant, email="bob@example.org")
    c = client(tenant)
    wrong = c.post_json("/api/v1/auth/token", {"email": "bob@example.org", "password": "nope"})
    unknown = c.post_json("/api/v1/auth/token", {"email": "zed@example.org", "password": "x"})
    assert wrong.status_int == unknown.status_int == 401
    assert wrong.content_type == "application/problem+json"
    assert wrong.json["detail"] == unknown.json["detail"]


def test_user_of_other_tenant_cannot_sign_in(tenant, other_tenant, user_factory, client):
    user_factory(tenant, email="carol@example.org")
    r = client(other_tenant).post_json(
        "/api/v1/auth/token", {"email": "carol@example.org", "password": PASSWORD}
    )
    assert r.status_int == 401


def test_token_of_one_tenant_is_refused_by_another(tenant, other_tenant, user_factory, client):
    user = user_factory(tenant)
    token_header = client(tenant, user).headers
    r = client(other_tenant).get("/api/v1/me", headers=token_header)
    assert r.status_int == 401


def test_me_requires_authentication(tenant, client):
    r = client(tenant).get("/api/v1/me")
    assert r.status_int == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert r.json["status"] == 401


def test_suspended_user_token_stops_working(tenant, user_factory, client, db):
    user = user_factory(tenant)
    c = client(tenant, user)
    assert c.get("/api/v1/me").status_int == 200
    user.status = "suspended"
    db.flush()
    assert c.get("/api/v1/me").status_int == 401


def test_invalid_token_body(tenant, client):
    c = client(tenant)
    r = c.post_json("/api/v1/auth/token", {"email": "not-an-email", "password": "x", "x": 1})
    assert r.status_int == 422
    paths = {tuple(e["path"]) for e in r.json["errors"]}
    assert ("body", "email") in paths and ("body", "x") in paths
    r = c.post("/api/v1/auth/token", "{not json", headers={"Content-Type": "application/json"})
    assert r.status_int == 400
    r = c.post("/api/v1/auth/token", "email=a", headers={"Content-Type": "text/plain"})
    assert r.status_int == 415


def test_oversized_body_is_413(tenant, client):
    big = {"email": "a@b.example", "password": "x" * (1_100_000)}
    r = client(tenant).post_json("/api/v1/auth/token", big)
    assert r.status_int == 413
    assert r.content_type == "application/problem+json"


def test_resource_roles_count_only_on_their_resource(tenant, user_factory, registry, db):
    """A role granted on one resource (course X) applies in that resource's context
    only; tenant-wide roles apply everywhere."""
    from learninghub.db import bind_tenant
    from learninghub.identity import effective_permissions, grant_role, user_roles
    from learninghub.tasks import make_tenant_request

    user = user_factory(tenant, "learner")
    bind_tenant(db, tenant.id)
    grant_role(db, user, "instructor", "course", "course-x")
    db.flush()

    class Course:
        def __init__(self, cid):
            self.__lh_resource__ = ("course", cid)

    request = make_tenant_request(registry, registry["tenancy.resolver"].by_id(tenant.id), None)
    request.__dict__["db"] = db
    request.__dict__["_lh_identity"] = user
    assert user_roles(request) == {"learner"}
    assert user_roles(request, Course("course-x")) == {"learner", "instructor"}
    assert user_roles(request, Course("course-y")) == {"learner"}
    create = "announcements:announcement:create"  # an instructor's permission, not a learner's
    assert create in effective_permissions(request, Course("course-x"))
    assert create not in effective_permissions(request, Course("course-y"))
