"""API sessions: token pairs, refresh rotation with reuse detection, logout, the
session list, sign-out everywhere and password change."""

import sqlalchemy as sa

from learninghub.testing import PASSWORD


def sign_in(client, tenant, email, password=PASSWORD):
    r = client(tenant).post_json("/api/v1/auth/token", {"email": email, "password": password})
    assert r.status_int == 200, r.text
    return r.json


def bearer(pair):
    return {"Authorization": "Bearer " + pair["access_token"]}


def test_token_pair_and_refresh_rotation(tenant, user_factory, client):
    user = user_factory(tenant)
    pair = sign_in(client, tenant, user.email)
    assert pair["refresh_token"].startswith("lhr_") and pair["session_id"]
    c = client(tenant)
    new = c.post_json("/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]})
    assert new.status_int == 200
    assert new.json["refresh_token"] != pair["refresh_token"]
    assert new.json["session_id"] == pair["session_id"]
    assert c.get("/api/v1/me", headers=bearer(new.json)).status_int == 200


def test_refresh_token_reuse_revokes_the_whole_family(tenant, user_factory, client):
    user = user_factory(tenant)
    pair = sign_in(client, tenant, user.email)
    c = client(tenant)
    second = c.post_json("/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]}).json
    # the stolen first token is replayed
    replay = c.post_json("/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]})
    assert replay.status_int == 401
    assert "revoked" in replay.json["detail"]
    # every token of the family is dead now, including the legitimate newer ones
    assert c.get("/api/v1/me", headers=bearer(second)).status_int == 401
    again = c.post_json("/api/v1/auth/refresh", {"refresh_token": second["refresh_token"]})
    assert again.status_int == 401
    # another session of the same user is not affected
    other = sign_in(client, tenant, user.email)
    assert c.get("/api/v1/me", headers=bearer(other)).status_int == 200


def test_refresh_errors(tenant, other_tenant, user_factory, client):
    c = client(tenant)
    for bad in ("nope", "lhr_unknown", "x" * 201):
        r = c.post_json("/api/v1/auth/refresh", {"refresh_token": bad})
        assert r.status_int in (401, 422), bad
    assert c.post_json("/api/v1/auth/refresh", {}).status_int == 422
    user = user_factory(tenant)
    pair = sign_in(client, tenant, user.email)
    # a refresh token of tenant A is unknown on tenant B's host
    foreign = client(other_tenant).post_json(
        "/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]}
    )
    assert foreign.status_int == 401


def test_logout_ends_the_session(tenant, user_factory, client):
    user = user_factory(tenant)
    pair = sign_in(client, tenant, user.email)
    c = client(tenant)
    assert c.post_json("/api/v1/auth/logout", headers=bearer(pair)).status_int == 204
    assert c.get("/api/v1/me", headers=bearer(pair)).status_int == 401
    r = c.post_json("/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]})
    assert r.status_int == 401
    assert c.post_json("/api/v1/auth/logout").status_int == 401


def test_session_list_revoke_and_everywhere(tenant, other_tenant, user_factory, client):
    user = user_factory(tenant)
    a = sign_in(client, tenant, user.email)
    b = sign_in(client, tenant, user.email)
    c = client(tenant)
    listing = c.get("/api/v1/me/sessions", headers=bearer(a)).json["items"]
    assert {s["id"] for s in listing} == {a["session_id"], b["session_id"]}
    assert [s["current"] for s in listing if s["id"] == a["session_id"]] == [True]
    # revoke b from a
    assert c.delete(f"/api/v1/me/sessions/{b['session_id']}", headers=bearer(a)).status_int == 204
    assert c.get("/api/v1/me", headers=bearer(b)).status_int == 401
    # unknown / malformed / someone else's session ids are 404
    other_user = user_factory(tenant)
    o = sign_in(client, tenant, other_user.email)
    assert c.delete(f"/api/v1/me/sessions/{o['session_id']}", headers=bearer(a)).status_int == 404
    assert c.delete("/api/v1/me/sessions/not-a-uuid", headers=bearer(a)).status_int == 404
    assert c.get("/api/v1/me/sessions").status_int == 401
    # sign out everywhere but here
    d = sign_in(client, tenant, user.email)
    r = c.post_json("/api/v1/me/sessions/revoke-all", {}, headers=bearer(a))
    assert r.json["revoked"] == 1
    assert c.get("/api/v1/me", headers=bearer(d)).status_int == 401
    assert c.get("/api/v1/me", headers=bearer(a)).status_int == 200
    r = c.post_json("/api/v1/me/sessions/revoke-all", {"include_current": True}, headers=bearer(a))
    assert c.get("/api/v1/me", headers=bearer(a)).status_int == 401
    # the other tenant's users are untouched and cannot see these sessions
    stranger = user_factory(other_tenant)
    s = sign_in(client, other_tenant, stranger.email)
    assert (
        client(other_tenant).get("/api/v1/me/sessions", headers=bearer(s)).json["items"][0]["id"]
        == s["session_id"]
    )


def test_password_change_revokes_everything_else(tenant, user_factory, client, session_cookie):
    user = user_factory(tenant)
    here = sign_in(client, tenant, user.email)
    elsewhere = sign_in(client, tenant, user.email)
    browser = client(tenant)
    browser.headers["Cookie"] = session_cookie(tenant, user)
    assert "Signed in as" in browser.get("/dashboard").text
    c = client(tenant)
    wrong = c.post_json(
        "/api/v1/me/password",
        {"current_password": "wrong", "new_password": "a brand new passphrase"},
        headers=bearer(here),
    )
    assert wrong.status_int == 403
    weak = c.post_json(
        "/api/v1/me/password",
        {"current_password": PASSWORD, "new_password": "password"},
        headers=bearer(here),
    )
    assert weak.status_int == 422 and weak.json["errors"][0]["path"] == ["body", "new_password"]
    ok = c.post_json(
        "/api/v1/me/password",
        {"current_password": PASSWORD, "new_password": "a brand new passphrase"},
        headers=bearer(here),
    )
    assert ok.status_int == 200, ok.text
    assert ok.json["revoked_sessions"] == 2  # the other API session and the browser
    assert c.get("/api/v1/me", headers=bearer(here)).status_int == 401  # old JWT died
    assert c.get("/api/v1/me", headers=bearer(ok.json["tokens"])).status_int == 200
    assert c.get("/api/v1/me", headers=bearer(elsewhere)).status_int == 401
    assert "Signed in as" not in browser.get("/dashboard").text
    assert sign_in(client, tenant, user.email, "a brand new passphrase")["access_token"]


def test_suspension_kills_tokens_at_once(tenant, user_factory, client, db):
    user = user_factory(tenant)
    pair = sign_in(client, tenant, user.email)
    user.status = "suspended"
    db.flush()
    c = client(tenant)
    assert c.get("/api/v1/me", headers=bearer(pair)).status_int == 401
    r = c.post_json("/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]})
    assert r.status_int == 401


def test_sessions_are_stored_hashed(tenant, user_factory, client, db):
    from learninghub.accounts.models import RefreshToken

    user = user_factory(tenant)
    pair = sign_in(client, tenant, user.email)
    stored = db.scalars(sa.select(RefreshToken.token_hash)).all()
    assert pair["refresh_token"] not in stored
    assert all(len(h) == 64 for h in stored)
