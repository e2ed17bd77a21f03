"""Tenant administration of users: list, detail, status changes, forced reset, roles."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from learninghub.accounts.models import UserSession
from learninghub.identity import RoleGrant
from learninghub.testing import PASSWORD

USERS = "/api/v1/admin/users"
ACTIONS = ("suspend", "ban", "reactivate", "verify", "force-password-reset")


def sign_in(client, tenant, email, password=PASSWORD):
    return client(tenant).post_json("/api/v1/auth/token", {"email": email, "password": password})


def delete_json(c, url, body):
    return c.delete(url, params=json.dumps(body), content_type="application/json")


def emails(response) -> list[str]:
    return [item["email"] for item in response.json["items"]]


# ----------------------------------------------------------------- list and detail


def test_list_users_of_the_tenant_only(tenant, other_tenant, client, user_factory):
    admin = user_factory(tenant, "admin", email="admin@example.org")
    user_factory(tenant, "learner", email="lea@example.org")
    user_factory(other_tenant, "learner", email="outsider@example.org")
    r = client(tenant, admin).get(USERS)
    assert r.status_int == 200, r.text
    assert sorted(emails(r)) == ["admin@example.org", "lea@example.org"]
    item = next(i for i in r.json["items"] if i["email"] == "lea@example.org")
    assert item["roles"] == ["learner"] and item["status"] == "active"
    assert "password_hash" not in item and item["has_password"] is True


def test_list_users_access(tenant, other_tenant, client, user_factory, foreign_client):
    assert client(tenant, user_factory(tenant, "admin")).get(USERS).status_int == 200
    # instructors see their courses' learners through the courses plugin, not everyone
    assert client(tenant, user_factory(tenant, "instructor")).get(USERS).status_int == 403
    assert client(tenant, user_factory(tenant, "learner")).get(USERS).status_int == 403
    assert client(tenant).get(USERS).status_int == 401
    assert foreign_client(tenant, other_tenant).get(USERS).status_int == 401


def test_list_users_filters_and_pages(tenant, client, user_factory, db):
    admin = user_factory(tenant, "admin", email="boss@example.org")
    for name in ("ann", "bob", "cyd", "a_b"):
        user_factory(tenant, email=f"{name}@Example.org")
    sus = user_factory(tenant, email="sus@example.org")
    sus.status = "suspended"
    db.flush()
    c = client(tenant, admin)
    assert emails(c.get(USERS, params={"status": "suspended"})) == ["sus@example.org"]
    assert emails(c.get(USERS, params={"q": "BOB"})) == ["bob@example.org"]
    assert emails(c.get(USERS, params={"q": "a_b"})) == ["a_b@example.org"]  # _ is literal
    assert emails(c.get(USERS, params={"q": "%"})) == []
    first = c.get(USERS, params={"limit": 2})
    assert len(first.json["items"]) == 2 and first.json["next_cursor"]
    seen = emails(first)
    cursor = first.json["next_cursor"]
    while cursor:
        page = c.get(USERS, params={"limit": 2, "cursor": cursor})
        seen += emails(page)
        cursor = page.json["next_cursor"]
    assert len(seen) == len(set(seen)) == 6


@pytest.mark.parametrize(
    "params",
    [{"status": "zombie"}, {"limit": 0}, {"limit": 1000}, {"q": ""}, {"sort": "email"}],
)
def test_list_users_invalid_query(tenant, client, user_factory, params):
    r = client(tenant, user_factory(tenant, "admin")).get(USERS, params=params)
    assert r.status_int == 422, r.text


def test_user_detail_with_roles_and_permissions(tenant, client, user_factory, db):
    admin = user_factory(tenant, "admin")
    target = user_factory(tenant, "instructor")
    db.add(
        RoleGrant(
            tenant_id=tenant.id,
            user_id=target.id,
            role="admin",
            resource_type="course",
            resource_id="c1",
        )
    )
    db.flush()
    r = client(tenant, admin).get(f"{USERS}/{target.id}")
    assert r.status_int == 200, r.text
    assert r.json["roles"] == ["instructor"]  # tenant-wide only
    assert {"role": "admin", "resource_type": "course", "resource_id": "c1"} in r.json["grants"]
    assert "announcements:announcement:create" in r.json["permissions"]
    assert "tenant:users:manage" not in r.json["permissions"]  # resource roles do not count
    assert (
        client(tenant, user_factory(tenant, "instructor")).get(f"{USERS}/{target.id}").status_int
        == 403
    )
    assert (
        client(tenant, user_factory(tenant, "learner")).get(f"{USERS}/{target.id}").status_int
        == 403
    )
    assert client(tenant).get(f"{USERS}/{target.id}").status_int == 401


def test_detail_of_another_tenants_user_is_404(
    tenant, other_tenant, client, user_factory, foreign_client
):
    outsider = user_factory(other_tenant)
    c = client(tenant, user_factory(tenant, "admin"))
    assert c.get(f"{USERS}/{outsider.id}").status_int == 404
    assert c.get(f"{USERS}/not-a-uuid").status_int == 404
    foreign = foreign_client(tenant, other_tenant)
    assert foreign.get(f"{USERS}/{outsider.id}").status_int == 401


# ----------------------------------------------------------------- status changes


def test_suspension_rejects_the_users_tokens_at_once(
    tenant, client, user_factory, db, session_cookie, events, fresh
):
    admin = user_factory(tenant, "admin")
    target = user_factory(tenant, "learner", email="target@example.org")
    bearer = client(tenant, target)
    assert bearer.get("/api/v1/me").status_int == 200
    session_cookie(tenant, target)
    r = client(tenant, admin).post_json(f"{USERS}/{target.id}/suspend")
    assert r.status_int == 200, r.text
    assert r.json["status"] == "suspended"
    assert bearer.get("/api/v1/me").status_int == 401
    target = fresh(db, target)
    assert target.status == "suspended"
    sessions = db.scalars(sa.select(UserSession).where(UserSession.user_id == target.id)).all()
    assert sessions and all(s.revoked_at is not None for s in sessions)
    assert sign_in(client, tenant, "target@example.org").status_int == 401
    assert "accounts.user.suspended" in events.names()
    again = client(tenant, admin).post_json(f"{USERS}/{target.id}/reactivate")
    assert again.status_int == 200 and again.json["status"] == "active"
    assert sign_in(client, tenant, "target@example.org").status_int == 200
    assert bearer.get("/api/v1/me").status_int == 401  # old tokens stay dead
    assert "accounts.user.reactivated" in events.names()


def test_ban(tenant, client, user_factory, db, events):
    admin = user_factory(tenant, "admin")
    target = user_factory(tenant)
    bearer = client(tenant, target)
    r = client(tenant, admin).post_json(f"{USERS}/{target.id}/ban")
    assert r.status_int == 200 and r.json["status"] == "banned"
    assert bearer.get("/api/v1/me").status_int == 401
    assert "accounts.user.banned" in events.names()


@pytest.mark.parametrize("action", ["suspend", "ban"])
def test_admin_cannot_suspend_or_ban_themselves(tenant, client, user_factory, db, action, fresh):
    admin = user_factory(tenant, "admin")
    r = client(tenant, admin).post_json(f"{USERS}/{admin.id}/{action}")
    assert r.status_int == 409
    assert fresh(db, admin).status == "active"


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_access(
    tenant, other_tenant, client, user_factory, db, action, fresh, foreign_client
):
    target = user_factory(tenant)
    url = f"{USERS}/{target.id}/{action}"
    assert client(tenant, user_factory(tenant, "instructor")).post_json(url).status_int == 403
    assert client(tenant, user_factory(tenant, "learner")).post_json(url).status_int == 403
    assert client(tenant).post_json(url).status_int == 401
    assert foreign_client(tenant, other_tenant).post_json(url).status_int == 401
    # an admin of the other tenant, on their own host, cannot reach this user
    outsider_admin = client(other_tenant, user_factory(other_tenant, "admin"))
    assert outsider_admin.post_json(url).status_int == 404
    assert fresh(db, target).status == "active"
    assert client(tenant, user_factory(tenant, "admin")).post_json(url).status_int == 200


def test_verify_marks_the_email_verified(tenant, client, user_factory, db, fresh):
    target = user_factory(tenant)
    assert fresh(db, target).email_verified is False
    r = client(tenant, user_factory(tenant, "admin")).post_json(f"{USERS}/{target.id}/verify")
    assert r.status_int == 200 and r.json["email_verified"] is True
    assert fresh(db, target).email_verified is True


def test_force_password_reset(tenant, client, user_factory, db, link_token, events, fresh):
    admin = user_factory(tenant, "admin")
    target = user_factory(tenant, email="forced@example.org")
    bearer = client(tenant, target)
    r = client(tenant, admin).post_json(f"{USERS}/{target.id}/force-password-reset")
    assert r.status_int == 200, r.text
    assert r.json["has_password"] is False
    assert fresh(db, target).password_hash == ""
    assert bearer.get("/api/v1/me").status_int == 401
    assert sign_in(client, tenant, "forced@example.org").status_int == 401
    token = link_token("/reset-password", to="forced@example.org")
    new = "a brand new passphrase here"
    reset = client(tenant).post_json(
        "/api/v1/auth/password/reset", {"token": token, "password": new}
    )
    assert reset.status_int == 200
    assert sign_in(client, tenant, "forced@example.org", new).status_int == 200
    assert "accounts.password.reset_requested" in events.names()


def test_actions_on_unknown_ids(tenant, client, user_factory):
    c = client(tenant, user_factory(tenant, "admin"))
    for action in ACTIONS:
        assert (
            c.post_json(f"{USERS}/00000000-0000-0000-0000-000000000000/{action}").status_int == 404
        )
        assert c.post_json(f"{USERS}/x/{action}").status_int == 404


# ----------------------------------------------------------------- roles


def test_grant_and_revoke_roles(tenant, client, user_factory, events):
    admin = user_factory(tenant, "admin")
    target = user_factory(tenant, "learner")
    c = client(tenant, admin)
    url = f"{USERS}/{target.id}/roles"
    assert client(tenant, target).get(USERS).status_int == 403
    r = c.post_json(url, {"role": "instructor"})
    assert r.status_int == 200, r.text
    assert r.json["roles"] == ["instructor", "learner"]
    assert "announcements:announcement:create" in r.json["permissions"]
    r = c.post_json(url, {"role": "admin"})
    assert "tenant:users:view" in r.json["permissions"]
    assert client(tenant, target).get(USERS).status_int == 200  # effective at once
    assert delete_json(c, url, {"role": "admin"}).status_int == 200
    scoped = c.post_json(
        url, {"role": "instructor", "resource_type": "course", "resource_id": "c-1"}
    )
    assert {"role": "instructor", "resource_type": "course", "resource_id": "c-1"} in scoped.json[
        "grants"
    ]
    assert c.post_json(url, {"role": "instructor"}).status_int == 200  # idempotent
    assert events.names().count("accounts.role.granted") == 3  # instructor, admin, course
    gone = delete_json(c, url, {"role": "instructor"})
    assert gone.status_int == 200, gone.text
    assert gone.json["roles"] == ["learner"]
    assert len(gone.json["grants"]) == 2  # the course grant stays
    assert client(tenant, target).get(USERS).status_int == 403
    assert delete_json(c, url, {"role": "instructor"}).status_int == 404
    assert "accounts.role.revoked" in events.names()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"role": "emperor"}, "role"),
        ({"role": ""}, "role"),
        ({"role": "instructor", "resource_type": "course"}, None),
        ({"role": "instructor", "resource_id": "c1"}, None),
        ({"role": "instructor", "resource_type": "Course!", "resource_id": "c1"}, "resource_type"),
        ({"role": "instructor", "resource_type": "course", "resource_id": "c 1"}, "resource_id"),
        ({"role": "instructor", "until": "tomorrow"}, "until"),
    ],
)
def test_role_body_invalid(tenant, client, user_factory, body, field):
    target = user_factory(tenant)
    r = client(tenant, user_factory(tenant, "admin")).post_json(f"{USERS}/{target.id}/roles", body)
    assert r.status_int == 422, r.text
    if field:
        assert ("body", field) in {tuple(e["path"]) for e in r.json["errors"]}


def test_admin_cannot_drop_their_own_admin_role(tenant, client, user_factory):
    admin = user_factory(tenant, "admin")
    r = delete_json(client(tenant, admin), f"{USERS}/{admin.id}/roles", {"role": "admin"})
    assert r.status_int == 409
    assert client(tenant, admin).get(USERS).status_int == 200


def test_roles_access(tenant, other_tenant, client, user_factory, db, foreign_client):
    target = user_factory(tenant)
    outsider = user_factory(other_tenant)
    url = f"{USERS}/{target.id}/roles"
    body = {"role": "admin"}
    for c in (
        client(tenant, user_factory(tenant, "instructor")),
        client(tenant, user_factory(tenant, "learner")),
    ):
        assert c.post_json(url, body).status_int == 403
        assert delete_json(c, url, body).status_int == 403
    assert client(tenant).post_json(url, body).status_int == 401
    assert foreign_client(tenant, other_tenant).post_json(url, body).status_int == 401
    admin = client(tenant, user_factory(tenant, "admin"))
    assert admin.post_json(f"{USERS}/{outsider.id}/roles", body).status_int == 404
    assert delete_json(admin, f"{USERS}/{outsider.id}/roles", {"role": "learner"}).status_int == 404
    roles = set(db.scalars(sa.select(RoleGrant.role).where(RoleGrant.user_id == target.id)))
    assert roles == {"learner"}


def make_key(client, tenant, user) -> dict:
    r = client(tenant, user).post_json("/api/v1/me/api-keys", {"name": "ci", "scopes": ["*"]})
    assert r.status_int == 201, r.text
    return r.json


def key_me(client, tenant, key) -> int:
    c = client(tenant)
    c.headers["Authorization"] = "Bearer " + key["key"]
    return c.get("/api/v1/me").status_int


def test_api_keys_sleep_while_suspended_and_die_on_ban_or_forced_reset(
    tenant, client, user_factory
):
    admin = client(tenant, user_factory(tenant, "admin"))
    target = user_factory(tenant)
    key = make_key(client, tenant, target)
    assert key_me(client, tenant, key) == 200
    admin.post_json(f"{USERS}/{target.id}/suspend")
    assert key_me(client, tenant, key) == 401
    admin.post_json(f"{USERS}/{target.id}/reactivate")
    assert key_me(client, tenant, key) == 200
    admin.post_json(f"{USERS}/{target.id}/ban")
    admin.post_json(f"{USERS}/{target.id}/reactivate")
    assert key_me(client, tenant, key) == 401  # revoked by the ban
    other = user_factory(tenant)
    other_key = make_key(client, tenant, other)
    admin.post_json(f"{USERS}/{other.id}/force-password-reset")
    assert key_me(client, tenant, other_key) == 401
