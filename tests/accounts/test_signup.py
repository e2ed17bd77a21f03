"""Sign-up, email verification and invitations through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from learninghub.accounts.models import OneTimeToken, token_hash
from learninghub.db import utcnow
from learninghub.identity import RoleGrant, User

SIGNUP = "/api/v1/auth/signup"
VERIFY = "/api/v1/auth/verify-email"
RESEND = "/api/v1/auth/verify-email/resend"
INVITE = "/api/v1/admin/invitations"
GOOD_PASSWORD = "plum tree on a windy hill"


def body(email="new.person@example.org", **extra):
    return {"email": email, "password": GOOD_PASSWORD, "display_name": "New Person", **extra}


def fetch_user(db, tenant, email) -> User | None:
    db.expire_all()
    return db.scalar(sa.select(User).where(User.tenant_id == tenant.id, User.email == email))


def roles_of(db, user) -> set[str]:
    return set(db.scalars(sa.select(RoleGrant.role).where(RoleGrant.user_id == user.id)))


def error_paths(response) -> set[tuple]:
    return {tuple(e["path"]) for e in response.json.get("errors", [])}


# ----------------------------------------------------------------- sign-up


def test_signup_creates_an_unverified_learner_and_mails_a_link(
    tenant, client, db, mails, link_token, events
):
    r = client(tenant).post_json(SIGNUP, body())
    assert r.status_int == 202, r.text
    assert r.json == {"status": "verification_sent"}
    user = fetch_user(db, tenant, "new.person@example.org")
    assert user is not None and user.display_name == "New Person"
    assert user.email_verified is False and user.status == "active"
    assert roles_of(db, user) == {"learner"}
    assert user.password_hash.startswith("$argon2id$")
    [(to, subject, text)] = mails()
    assert "new.person@example.org" in to and "Confirm your email" in subject
    assert f"http://{tenant.host}/verify-email?token=" in text
    assert link_token("/verify-email")
    assert "accounts.user.signed_up" in events.names()


def test_verify_email_with_the_mailed_token_once(tenant, client, db, link_token, events):
    c = client(tenant)
    c.post_json(SIGNUP, body())
    token = link_token("/verify-email")
    r = c.post_json(VERIFY, {"token": token})
    assert r.status_int == 200, r.text
    assert r.json == {"status": "verified"}
    assert fetch_user(db, tenant, "new.person@example.org").email_verified is True
    assert "accounts.email.verified" in events.names()
    again = c.post_json(VERIFY, {"token": token})
    assert again.status_int == 400
    assert again.content_type == "application/problem+json"


def test_expired_verification_token_is_refused(tenant, client, db, link_token):
    c = client(tenant)
    c.post_json(SIGNUP, body())
    token = link_token("/verify-email")
    row = db.scalar(sa.select(OneTimeToken).where(OneTimeToken.token_hash == token_hash(token)))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.flush()
    assert c.post_json(VERIFY, {"token": token}).status_int == 400
    assert fetch_user(db, tenant, "new.person@example.org").email_verified is False


def test_verification_token_of_another_tenant_or_purpose_is_refused(
    tenant, other_tenant, client, link_token, user_factory, db
):
    client(tenant).post_json(SIGNUP, body())
    token = link_token("/verify-email")
    assert client(other_tenant).post_json(VERIFY, {"token": token}).status_int == 400
    # a reset token is not a verification token
    user_factory(tenant, email="reset.me@example.org")
    client(tenant).post_json("/api/v1/auth/password/forgot", {"email": "reset.me@example.org"})
    reset = link_token("/reset-password")
    assert client(tenant).post_json(VERIFY, {"token": reset}).status_int == 400
    assert client(tenant).post_json(VERIFY, {"token": "x" * 43}).status_int == 400


def test_signup_with_a_taken_address_looks_like_success(tenant, client, user_factory, db, mails):
    owner = user_factory(tenant, email="taken@example.org")
    c = client(tenant)
    known = c.post_json(SIGNUP, body("taken@example.org"))
    unknown = c.post_json(SIGNUP, body("free@example.org"))
    assert known.status_int == unknown.status_int == 202
    assert known.json == unknown.json
    assert known.headers.get("Content-Length") == unknown.headers.get("Content-Length")
    assert (
        db.scalar(
            sa.select(sa.func.count()).select_from(User).where(User.email == "taken@example.org")
        )
        == 1
    )
    [(_, subject, text)] = mails("taken@example.org")
    assert "Someone tried to sign up" in subject
    assert "/forgot-password" in text and "/verify-email" not in text
    assert fetch_user(db, tenant, "taken@example.org").password_hash == owner.password_hash


def test_signup_on_one_tenant_does_not_see_the_other_tenants_users(
    tenant, other_tenant, client, user_factory, db, mails
):
    user_factory(other_tenant, email="both@example.org")
    r = client(tenant).post_json(SIGNUP, body("both@example.org"))
    assert r.status_int == 202
    assert fetch_user(db, tenant, "both@example.org") is not None
    [(_, subject, _)] = mails("both@example.org")
    assert "Confirm your email" in subject


def test_signup_while_signed_in_with_another_tenants_token(
    tenant, other_tenant, client, user_factory, db
):
    stranger = user_factory(other_tenant, "admin")
    c = client(tenant)
    c.headers.update(client(other_tenant, stranger).headers)
    r = c.post_json(SIGNUP, body("cross@example.org"))
    assert r.status_int == 202
    user = fetch_user(db, tenant, "cross@example.org")
    assert roles_of(db, user) == {"learner"}


@pytest.mark.parametrize(
    "payload, path",
    [
        (body(email="not-an-email"), ("body", "email")),
        (body(display_name="   "), ("body", "display_name")),
        (body(display_name="a\x00b"), ("body", "display_name")),
        (body(extra="x"), ("body", "extra")),
        ({"email": "a@example.org", "password": GOOD_PASSWORD}, ("body", "display_name")),
        (body(password="short"), ("body", "password")),
        (body(password="qwertyuiop"), ("body", "password")),
        (body(email="new.person@example.org", password="new.person-rocks"), ("body", "password")),
    ],
)
def test_signup_invalid_input(tenant, client, db, payload, path, mails):
    r = client(tenant).post_json(SIGNUP, payload)
    assert r.status_int == 422, r.text
    assert path in error_paths(r)
    assert mails() == []


def test_weak_password_errors_are_the_same_for_known_and_unknown_addresses(
    tenant, client, user_factory
):
    user_factory(tenant, email="known@example.org")
    c = client(tenant)
    known = c.post_json(SIGNUP, body("known@example.org", password="qwerty"))
    unknown = c.post_json(SIGNUP, body("unknown@example.org", password="qwerty"))
    assert known.status_int == unknown.status_int == 422
    assert known.json["errors"] == unknown.json["errors"]


def test_malformed_and_non_json_bodies(tenant, client):
    c = client(tenant)
    r = c.post(SIGNUP, "{nope", headers={"Content-Type": "application/json"})
    assert r.status_int == 400
    assert c.post(SIGNUP, "email=x", headers={"Content-Type": "text/plain"}).status_int == 415


# ----------------------------------------------------------------- modes


def test_closed_mode_refuses_sign_up(tenant, client, signup_mode, db, mails):
    signup_mode(tenant, "closed")
    r = client(tenant).post_json(SIGNUP, body())
    assert r.status_int == 403
    assert r.json["title"] == "Sign-up closed"
    assert fetch_user(db, tenant, "new.person@example.org") is None
    assert mails() == []


def test_instance_default_mode_applies_without_a_tenant_setting(
    tenant, other_tenant, client, registry, monkeypatch, signup_mode
):
    monkeypatch.setitem(registry.settings, "auth.signup", "closed")
    assert client(tenant).post_json(SIGNUP, body()).status_int == 403
    signup_mode(other_tenant, "open")  # a tenant setting overrides the instance default
    assert client(other_tenant).post_json(SIGNUP, body()).status_int == 202


def invite(client, tenant, admin, email="invitee@example.org", role="learner"):
    return client(tenant, admin).post_json(INVITE, {"email": email, "role": role})


def test_invite_only_mode(tenant, client, user_factory, signup_mode, db, link_token, events):
    signup_mode(tenant, "invite")
    c = client(tenant)
    missing = c.post_json(SIGNUP, body("invitee@example.org"))
    assert missing.status_int == 403 and ("body", "invite_token") in error_paths(missing)
    bogus = c.post_json(SIGNUP, body("invitee@example.org", invite_token="nope"))
    assert bogus.status_int == 400
    admin = user_factory(tenant, "admin")
    r = invite(client, tenant, admin, role="instructor")
    assert r.status_int == 201, r.text
    assert r.json["email"] == "invitee@example.org" and r.json["role"] == "instructor"
    token = link_token("/signup", to="invitee@example.org")
    other = c.post_json(SIGNUP, body("someone.else@example.org", invite_token=token))
    assert other.status_int == 400 and ("body", "email") in error_paths(other)
    ok = c.post_json(SIGNUP, body("invitee@example.org", invite_token=token))
    assert ok.status_int == 202, ok.text
    user = fetch_user(db, tenant, "invitee@example.org")
    assert roles_of(db, user) == {"instructor"}
    assert user.email_verified is False
    link_token("/verify-email", to="invitee@example.org")
    # the invitation is used up
    reuse = c.post_json(SIGNUP, body("invitee@example.org", invite_token=token))
    assert reuse.status_int == 400
    assert {"accounts.invitation.created", "accounts.user.signed_up"} <= set(events.names())


def test_expired_invitation_is_refused(tenant, client, user_factory, signup_mode, db, link_token):
    signup_mode(tenant, "invite")
    invite(client, tenant, user_factory(tenant, "admin"))
    token = link_token("/signup")
    row = db.scalar(sa.select(OneTimeToken).where(OneTimeToken.token_hash == token_hash(token)))
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.flush()
    r = client(tenant).post_json(SIGNUP, body("invitee@example.org", invite_token=token))
    assert r.status_int == 400


def test_invitation_of_another_tenant_is_refused(
    tenant, other_tenant, client, user_factory, link_token
):
    invite(client, other_tenant, user_factory(other_tenant, "admin"))
    token = link_token("/signup")
    r = client(tenant).post_json(SIGNUP, body("invitee@example.org", invite_token=token))
    assert r.status_int == 400


def test_open_mode_honours_an_invitation_role(tenant, client, user_factory, db, link_token):
    invite(client, tenant, user_factory(tenant, "admin"), role="admin")
    token = link_token("/signup")
    r = client(tenant).post_json(SIGNUP, body("invitee@example.org", invite_token=token))
    assert r.status_int == 202
    assert roles_of(db, fetch_user(db, tenant, "invitee@example.org")) == {"admin"}


def test_a_new_invitation_replaces_the_previous_one(tenant, client, user_factory, link_token):
    admin = user_factory(tenant, "admin")
    invite(client, tenant, admin)
    first = link_token("/signup")
    invite(client, tenant, admin)
    second = link_token("/signup")
    assert first != second
    c = client(tenant)
    assert c.post_json(SIGNUP, body("invitee@example.org", invite_token=first)).status_int == 400
    assert c.post_json(SIGNUP, body("invitee@example.org", invite_token=second)).status_int == 202


# ----------------------------------------------------------------- invitations endpoint


def test_invitation_access(tenant, other_tenant, client, user_factory, mails):
    assert invite(client, tenant, user_factory(tenant, "admin")).status_int == 201
    assert invite(client, tenant, user_factory(tenant, "instructor")).status_int == 403
    assert invite(client, tenant, user_factory(tenant, "learner")).status_int == 403
    anonymous = client(tenant).post_json(INVITE, {"email": "x@example.org", "role": "learner"})
    assert anonymous.status_int == 401
    foreign = client(tenant)
    foreign.headers.update(client(other_tenant, user_factory(other_tenant, "admin")).headers)
    assert foreign.post_json(INVITE, {"email": "x@example.org"}).status_int == 401
    assert len(mails()) == 1


def test_invitation_for_an_existing_user_is_a_conflict(tenant, client, user_factory, mails):
    admin = user_factory(tenant, "admin")
    user_factory(tenant, email="member@example.org")
    r = invite(client, tenant, admin, email="member@example.org")
    assert r.status_int == 409
    assert mails() == []


@pytest.mark.parametrize(
    "payload, path",
    [
        ({"email": "x@example.org", "role": "emperor"}, ("body", "role")),
        ({"email": "nope", "role": "learner"}, ("body", "email")),
        ({"email": "x@example.org", "role": "learner", "note": "hi"}, ("body", "note")),
        ({"role": "learner"}, ("body", "email")),
    ],
)
def test_invitation_invalid_input(tenant, client, user_factory, payload, path):
    r = client(tenant, user_factory(tenant, "admin")).post_json(INVITE, payload)
    assert r.status_int == 422
    assert path in error_paths(r)


def test_plugin_roles_can_be_invited(tenant, client, user_factory, registry):
    from learninghub.accounts.roles import known_roles

    class Req:
        pass

    req = Req()
    req.registry = registry
    req.tenant = registry["tenancy.resolver"].by_id(tenant.id)
    roles = known_roles(req)
    assert {"admin", "instructor", "learner"} <= set(roles)
    extra = [r for r in roles if r not in ("admin", "instructor", "learner")]
    admin = user_factory(tenant, "admin")
    for role in extra:
        assert (
            invite(client, tenant, admin, email=f"{role}@example.org", role=role).status_int == 201
        )


# ----------------------------------------------------------------- resend


def test_resend_answers_the_same_for_every_address(tenant, client, user_factory, db, mails):
    unverified = user_factory(tenant, email="unverified@example.org")
    verified = user_factory(tenant, email="verified@example.org")
    verified.email_verified = True
    db.flush()
    c = client(tenant)
    answers = [
        c.post_json(RESEND, {"email": email})
        for email in ("unverified@example.org", "verified@example.org", "nobody@example.org")
    ]
    assert {a.status_int for a in answers} == {202}
    assert answers[0].json == answers[1].json == answers[2].json
    sent = mails()
    assert len(sent) == 1 and unverified.email in sent[0][0]
    assert client(tenant).post_json(RESEND, {"email": "bad"}).status_int == 422


def test_resend_retires_the_previous_link(tenant, client, link_token, db):
    c = client(tenant)
    c.post_json(SIGNUP, body())
    first = link_token("/verify-email")
    assert c.post_json(RESEND, {"email": "new.person@example.org"}).status_int == 202
    second = link_token("/verify-email")
    assert first != second
    assert c.post_json(VERIFY, {"token": first}).status_int == 400
    assert c.post_json(VERIFY, {"token": second}).status_int == 200


def test_verify_invalid_input(tenant, client):
    c = client(tenant)
    assert c.post_json(VERIFY, {}).status_int == 422
    assert c.post_json(VERIFY, {"token": ""}).status_int == 422
    assert c.post_json(VERIFY, {"token": "x" * 500}).status_int == 422
    assert c.post_json(VERIFY, {"token": "abc", "more": 1}).status_int == 422


def test_unknown_host_is_404(client):
    r = client(None).post_json(SIGNUP, body())
    assert r.status_int == 404
