"""Forgotten passwords: the reset link, its single use and expiry, and what a reset ends.
Also the one-time token primitives underneath."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from learninghub.accounts import onetime
from learninghub.accounts.models import OneTimeToken, UserSession, token_hash
from learninghub.db import utcnow
from learninghub.testing import PASSWORD

FORGOT = "/api/v1/auth/password/forgot"
RESET = "/api/v1/auth/password/reset"
NEW_PASSWORD = "seven otters juggling pebbles"


def sign_in(client, tenant, email, password):
    return client(tenant).post_json("/api/v1/auth/token", {"email": email, "password": password})


def ask_reset(client, tenant, link_token, email) -> str:
    assert client(tenant).post_json(FORGOT, {"email": email}).status_int == 202
    return link_token("/reset-password", to=email)


# ----------------------------------------------------------------- forgot


def test_forgot_answers_the_same_for_every_address(tenant, client, user_factory, db, mails):
    user_factory(tenant, email="active@example.org")
    suspended = user_factory(tenant, email="suspended@example.org")
    suspended.status = "suspended"
    db.flush()
    c = client(tenant)
    answers = [
        c.post_json(FORGOT, {"email": email})
        for email in ("active@example.org", "nobody@example.org", "suspended@example.org")
    ]
    assert {a.status_int for a in answers} == {202}
    assert answers[0].json == answers[1].json == answers[2].json == {"status": "accepted"}
    assert len({a.headers["Content-Length"] for a in answers}) == 1
    sent = mails()
    assert len(sent) == 1 and "active@example.org" in sent[0][0]
    assert f"http://{tenant.host}/reset-password?token=" in sent[0][2]


def test_forgot_does_not_reach_other_tenants(tenant, other_tenant, client, user_factory, mails):
    user_factory(other_tenant, email="elsewhere@example.org")
    r = client(tenant).post_json(FORGOT, {"email": "elsewhere@example.org"})
    assert r.status_int == 202
    assert mails() == []


def test_forgot_invalid_input(tenant, client):
    c = client(tenant)
    assert c.post_json(FORGOT, {"email": "nope"}).status_int == 422
    assert c.post_json(FORGOT, {}).status_int == 422
    assert c.post_json(FORGOT, {"email": "a@example.org", "x": 1}).status_int == 422


# ----------------------------------------------------------------- reset


def test_reset_sets_the_password_and_ends_every_session(
    tenant, client, user_factory, db, link_token, session_cookie, events, fresh
):
    user = user_factory(tenant, email="reset@example.org")
    bearer = client(tenant, user)
    assert bearer.get("/api/v1/me").status_int == 200
    session_cookie(tenant, user)
    token = ask_reset(client, tenant, link_token, "reset@example.org")
    r = client(tenant).post_json(RESET, {"token": token, "password": NEW_PASSWORD})
    assert r.status_int == 200, r.text
    assert r.json == {"status": "password_reset"}
    user = fresh(db, user)
    assert user.password_changed_at is not None and user.email_verified is True
    assert bearer.get("/api/v1/me").status_int == 401  # security stamp rotated
    live = db.scalars(
        sa.select(UserSession).where(
            UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
        )
    ).all()
    assert live == []
    assert sign_in(client, tenant, "reset@example.org", PASSWORD).status_int == 401
    assert sign_in(client, tenant, "reset@example.org", NEW_PASSWORD).status_int == 200
    names = events.names()
    assert "accounts.password.reset_requested" in names and "accounts.password.reset" in names


def test_reset_token_is_single_use(tenant, client, user_factory, link_token):
    user_factory(tenant, email="once@example.org")
    token = ask_reset(client, tenant, link_token, "once@example.org")
    c = client(tenant)
    assert c.post_json(RESET, {"token": token, "password": NEW_PASSWORD}).status_int == 200
    again = c.post_json(RESET, {"token": token, "password": "another fine passphrase"})
    assert again.status_int == 400
    assert again.content_type == "application/problem+json"
    assert sign_in(client, tenant, "once@example.org", NEW_PASSWORD).status_int == 200


def test_expired_reset_token_is_refused(tenant, client, user_factory, db, link_token):
    user_factory(tenant, email="late@example.org")
    token = ask_reset(client, tenant, link_token, "late@example.org")
    row = db.scalar(sa.select(OneTimeToken).where(OneTimeToken.token_hash == token_hash(token)))
    assert (row.expires_at - row.created_at).total_seconds() == 3600  # auth.reset_ttl
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.flush()
    r = client(tenant).post_json(RESET, {"token": token, "password": NEW_PASSWORD})
    assert r.status_int == 400
    assert sign_in(client, tenant, "late@example.org", PASSWORD).status_int == 200


def test_token_issued_already_expired_is_refused(tenant, client, user_factory, tenant_request):
    user = user_factory(tenant, email="neg@example.org")
    with tenant_request(tenant) as request:
        token = onetime.issue(request, onetime.RESET_PASSWORD, user=user, ttl=-1)
    r = client(tenant).post_json(RESET, {"token": token, "password": NEW_PASSWORD})
    assert r.status_int == 400


def test_weak_password_is_refused_and_the_token_survives(tenant, client, user_factory, link_token):
    user_factory(tenant, email="weak@example.org")
    token = ask_reset(client, tenant, link_token, "weak@example.org")
    c = client(tenant)
    for weak in ("short", "qwertyuiop", "weak@example.org", "my weak@example.org pw"):
        r = c.post_json(RESET, {"token": token, "password": weak})
        assert r.status_int == 422, (weak, r.text)
        assert {tuple(e["path"]) for e in r.json["errors"]} == {("body", "password")}
    assert c.post_json(RESET, {"token": token, "password": NEW_PASSWORD}).status_int == 200


def test_a_new_request_retires_the_previous_link(tenant, client, user_factory, link_token):
    user_factory(tenant, email="twice@example.org")
    first = ask_reset(client, tenant, link_token, "twice@example.org")
    second = ask_reset(client, tenant, link_token, "twice@example.org")
    c = client(tenant)
    assert c.post_json(RESET, {"token": first, "password": NEW_PASSWORD}).status_int == 400
    assert c.post_json(RESET, {"token": second, "password": NEW_PASSWORD}).status_int == 200


def test_reset_token_of_another_tenant_is_refused(
    tenant, other_tenant, client, user_factory, link_token
):
    user_factory(other_tenant, email="there@example.org")
    token = ask_reset(client, other_tenant, link_token, "there@example.org")
    r = client(tenant).post_json(RESET, {"token": token, "password": NEW_PASSWORD})
    assert r.status_int == 400


def test_suspended_user_cannot_use_an_earlier_link(tenant, client, user_factory, db, link_token):
    user = user_factory(tenant, email="sus@example.org")
    token = ask_reset(client, tenant, link_token, "sus@example.org")
    user.status = "suspended"
    db.flush()
    r = client(tenant).post_json(RESET, {"token": token, "password": NEW_PASSWORD})
    assert r.status_int == 400


def test_reset_with_a_bearer_of_another_tenant_changes_nothing_there(
    tenant, other_tenant, client, user_factory, link_token, db, fresh
):
    user = user_factory(tenant, email="mine@example.org")
    stranger = user_factory(other_tenant, "admin")
    token = ask_reset(client, tenant, link_token, "mine@example.org")
    c = client(tenant)
    c.headers.update(client(other_tenant, stranger).headers)
    assert c.post_json(RESET, {"token": token, "password": NEW_PASSWORD}).status_int == 200
    assert fresh(db, user).password_changed_at is not None
    assert fresh(db, stranger).password_changed_at is None


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"token": "abc"},
        {"password": NEW_PASSWORD},
        {"token": "", "password": NEW_PASSWORD},
        {"token": "abc", "password": NEW_PASSWORD, "email": "x@example.org"},
    ],
)
def test_reset_invalid_input(tenant, client, payload):
    assert client(tenant).post_json(RESET, payload).status_int == 422


def test_unknown_token_is_400_not_422(tenant, client):
    r = client(tenant).post_json(RESET, {"token": "unknown", "password": NEW_PASSWORD})
    assert r.status_int == 400


# ----------------------------------------------------------------- one-time tokens


def test_onetime_tokens_are_hashed_single_use_and_purpose_bound(
    tenant, user_factory, tenant_request, db
):
    user = user_factory(tenant)
    with tenant_request(tenant) as request:
        token = onetime.issue(request, onetime.VERIFY_EMAIL, user=user, ttl=60, payload={"a": 1})
        row = db.scalar(sa.select(OneTimeToken).where(OneTimeToken.user_id == user.id))
        assert row.token_hash == token_hash(token) and token not in row.token_hash
        assert row.email == user.email and row.payload == {"a": 1}
        assert onetime.peek(request, onetime.RESET_PASSWORD, token) is None
        assert onetime.consume(request, onetime.RESET_PASSWORD, token) is None
        assert onetime.peek(request, onetime.VERIFY_EMAIL, token) is not None
        used = onetime.consume(request, onetime.VERIFY_EMAIL, token)
        assert used is not None and used.used_at is not None
        assert onetime.consume(request, onetime.VERIFY_EMAIL, token) is None
        assert onetime.peek(request, onetime.VERIFY_EMAIL, token) is None
        for junk in ("", "x" * 1000, None, "not-a-token"):
            assert onetime.consume(request, onetime.VERIFY_EMAIL, junk) is None
        with pytest.raises(ValueError):
            onetime.issue(request, "launch_missiles", user=user, ttl=60)
        with pytest.raises(ValueError):
            onetime.issue(request, onetime.INVITE, ttl=60)


def test_onetime_tokens_of_one_tenant_are_invisible_to_another(
    tenant, other_tenant, user_factory, tenant_request
):
    user = user_factory(tenant)
    with tenant_request(tenant) as request:
        token = onetime.issue(request, onetime.VERIFY_EMAIL, user=user, ttl=60)
    with tenant_request(other_tenant) as request:
        assert onetime.consume(request, onetime.VERIFY_EMAIL, token) is None
    with tenant_request(tenant) as request:
        assert onetime.consume(request, onetime.VERIFY_EMAIL, token) is not None
