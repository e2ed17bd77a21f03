"""The signed-in user's profile, avatar and email change; public profiles."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from learninghub.accounts.profile import AVATAR_MAX_BYTES
from learninghub.identity import User
from learninghub.interfaces import IFileStorage
from learninghub.testing import PASSWORD

PROFILE = "/api/v1/me/profile"
AVATAR = "/api/v1/me/avatar"
EMAIL = "/api/v1/me/email"
CONFIRM = "/api/v1/me/email/confirm"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06" + b"\0" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\0" * 40


def put_avatar(c, data: bytes, content_type: str = "image/png"):
    headers = {**c.headers, "Content-Type": content_type}
    return c.app.put(
        AVATAR, data, headers=headers, extra_environ={"HTTP_HOST": c.host}, expect_errors=True
    )


# ----------------------------------------------------------------- profile


def test_get_my_profile(tenant, client, user_factory):
    user = user_factory(tenant, "learner", email="me@example.org")
    r = client(tenant, user).get(PROFILE)
    assert r.status_int == 200, r.text
    assert r.json["id"] == str(user.id) and r.json["email"] == "me@example.org"
    assert r.json["public_profile"] is False and r.json["avatar_url"] is None
    assert {"bio", "locale", "timezone", "display_name", "email_verified"} <= set(r.json)


def test_profile_needs_a_signed_in_user_of_this_tenant(
    tenant, other_tenant, client, user_factory, foreign_client
):
    assert client(tenant).get(PROFILE).status_int == 401
    assert client(tenant).patch_json(PROFILE, {"bio": "x"}).status_int == 401
    foreign = foreign_client(tenant, other_tenant)
    assert foreign.get(PROFILE).status_int == 401
    assert foreign.patch_json(PROFILE, {"bio": "x"}).status_int == 401


def test_update_my_profile(tenant, client, user_factory, db, events, fresh):
    user = user_factory(tenant)
    c = client(tenant, user)
    r = c.patch_json(
        PROFILE,
        {
            "display_name": "  Ada L.  ",
            "bio": "Counts <b>engines</b>.\r\nLikes tea.",
            "locale": "pt_br",
            "timezone": "Europe/Lisbon",
            "public_profile": True,
        },
    )
    assert r.status_int == 200, r.text
    assert r.json["display_name"] == "Ada L."
    assert r.json["bio"] == "Counts <b>engines</b>.\nLikes tea."  # plain text, kept as typed
    assert r.json["locale"] == "pt-BR" and r.json["timezone"] == "Europe/Lisbon"
    assert r.json["public_profile"] is True
    saved = fresh(db, user)
    assert saved.locale == "pt-BR" and saved.public_profile is True
    assert events.names().count("accounts.profile.updated") == 1
    # partial update, and nothing changed means no event
    assert c.patch_json(PROFILE, {"locale": "zh-hant-tw"}).json["locale"] == "zh-Hant-TW"
    assert c.patch_json(PROFILE, {"locale": "zh-Hant-TW"}).status_int == 200
    assert events.names().count("accounts.profile.updated") == 2
    assert c.patch_json(PROFILE, {"locale": "", "timezone": ""}).json["locale"] == ""


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"locale": "english please"}, "locale"),
        ({"locale": "qq"}, "locale"),
        ({"locale": "en-US-x-private-stuff"}, "locale"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"bio": "x" * 2001}, "bio"),
        ({"bio": "bell\x07"}, "bio"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": None}, "display_name"),
        ({"public_profile": "maybe"}, "public_profile"),
        ({"email": "new@example.org"}, "email"),
    ],
)
def test_update_profile_invalid_input(tenant, client, user_factory, payload, field):
    r = client(tenant, user_factory(tenant)).patch_json(PROFILE, payload)
    assert r.status_int == 422, r.text
    assert ("body", field) in {tuple(e["path"]) for e in r.json["errors"]}


# ----------------------------------------------------------------- avatar


def test_avatar_upload_and_replacement(tenant, client, user_factory, db, tenant_request, fresh):
    user = user_factory(tenant)
    c = client(tenant, user)
    r = put_avatar(c, PNG)
    assert r.status_int == 200, r.text
    first_key = fresh(db, user).avatar_key
    assert first_key.startswith(f"avatars/{user.id}/") and first_key.endswith(".png")
    assert r.json["avatar_url"].startswith(f"http://{tenant.host}/api/v1/users/{user.id}/avatar")
    got = c.get(r.json["avatar_url"])
    assert got.status_int == 200 and got.content_type == "image/png" and got.body == PNG
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    r2 = put_avatar(c, JPEG, "image/jpeg")
    assert r2.status_int == 200 and r2.json["avatar_url"] != r.json["avatar_url"]
    second_key = fresh(db, user).avatar_key
    assert second_key.endswith(".jpg")
    with tenant_request(tenant) as request:
        storage = request.find_service(IFileStorage)
        assert storage.exists(tenant.id, second_key)
        assert not storage.exists(tenant.id, first_key)  # deleted after the commit
    assert c.get(r2.json["avatar_url"]).body == JPEG
    assert c.delete(AVATAR).status_int == 204
    assert fresh(db, user).avatar_key == ""
    with tenant_request(tenant) as request:
        assert not request.find_service(IFileStorage).exists(tenant.id, second_key)


@pytest.mark.parametrize(
    "data, content_type, status",
    [
        (PNG, "text/plain", 415),
        (PNG, "image/gif", 415),
        (JPEG, "image/png", 415),  # the bytes decide, not the header
        (b"<svg onload=alert(1)>", "image/png", 415),
        (b"", "image/png", 422),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * AVATAR_MAX_BYTES, "image/png", 413),
    ],
)
def test_avatar_upload_refusals(
    tenant, client, user_factory, db, data, content_type, status, fresh
):
    user = user_factory(tenant)
    r = put_avatar(client(tenant, user), data, content_type)
    assert r.status_int == status, r.text
    assert r.content_type == "application/problem+json"
    assert fresh(db, user).avatar_key == ""


def test_avatar_upload_needs_a_signed_in_user(
    tenant, other_tenant, client, user_factory, foreign_client
):
    assert put_avatar(client(tenant), PNG).status_int == 401
    assert put_avatar(foreign_client(tenant, other_tenant), PNG).status_int == 401


def test_who_sees_an_avatar(
    tenant, other_tenant, client, user_factory, db, session_cookie, foreign_client
):
    owner = user_factory(tenant)
    put_avatar(client(tenant, owner), PNG)
    url = f"/api/v1/users/{owner.id}/avatar"
    member = client(tenant, user_factory(tenant, "learner"))
    assert member.get(url).status_int == 200
    assert client(tenant).get(url).status_int == 404  # private profile, anonymous
    foreign = foreign_client(tenant, other_tenant)
    assert foreign.get(url).status_int == 404
    assert client(other_tenant, user_factory(other_tenant)).get(url).status_int == 404
    # the page-side URL follows the session cookie
    page = client(tenant)
    page.headers["Cookie"] = session_cookie(tenant, user_factory(tenant))
    assert page.get(f"/users/{owner.id}/avatar").status_int == 200
    assert client(tenant).get(f"/users/{owner.id}/avatar").status_int == 404
    client(tenant, owner).patch_json(PROFILE, {"public_profile": True})
    assert client(tenant).get(url).status_int == 200
    assert client(other_tenant).get(url).status_int == 404  # never across tenants
    for bad in ("nope", "1" * 300):
        assert member.get(f"/api/v1/users/{bad}/avatar").status_int == 404


def test_avatar_of_a_user_without_one_is_404(tenant, client, user_factory):
    user = user_factory(tenant)
    assert client(tenant, user).get(f"/api/v1/users/{user.id}/avatar").status_int == 404


# ----------------------------------------------------------------- public profile


def test_public_profile(tenant, other_tenant, client, user_factory, db, fresh, foreign_client):
    user = user_factory(tenant, email="shy@example.org")
    url = f"/api/v1/users/{user.id}/profile"
    member = client(tenant, user_factory(tenant))
    assert member.get(url).status_int == 404  # not public yet
    client(tenant, user).patch_json(
        PROFILE, {"public_profile": True, "bio": "Hi", "display_name": "Shy"}
    )
    for c in (client(tenant), member, foreign_client(tenant, other_tenant)):
        r = c.get(url)
        assert r.status_int == 200, r.text
        assert r.json == {
            "id": str(user.id),
            "display_name": "Shy",
            "bio": "Hi",
            "avatar_url": None,
        }
    assert client(other_tenant).get(url).status_int == 404
    u = fresh(db, user)
    u.status = "suspended"
    db.flush()
    assert client(tenant).get(url).status_int == 404
    assert client(tenant).get("/api/v1/users/not-a-uuid/profile").status_int == 404


# ----------------------------------------------------------------- email change


def test_email_change_round_trip(
    tenant, client, user_factory, db, mails, link_token, events, fresh
):
    user = user_factory(tenant, email="old@example.org")
    c = client(tenant, user)
    r = c.post_json(EMAIL, {"new_email": "new@example.org", "password": PASSWORD})
    assert r.status_int == 202, r.text
    assert r.json == {"status": "confirmation_sent"}
    assert fresh(db, user).email == "old@example.org"  # not before the confirmation
    token = link_token("/confirm-email", to="new@example.org")
    done = client(tenant).post_json(CONFIRM, {"token": token})
    assert done.status_int == 200, done.text
    assert done.json["email"] == "new@example.org" and done.json["email_verified"] is True
    assert fresh(db, user).email == "new@example.org"
    assert any("was changed" in subject for _, subject, _ in mails("old@example.org"))
    assert "accounts.email.changed" in events.names()
    assert client(tenant).post_json(CONFIRM, {"token": token}).status_int == 400
    token_r = client(tenant).post_json(
        "/api/v1/auth/token", {"email": "new@example.org", "password": PASSWORD}
    )
    assert token_r.status_int == 200


def test_email_change_needs_the_password(tenant, client, user_factory, mails):
    c = client(tenant, user_factory(tenant))
    r = c.post_json(EMAIL, {"new_email": "new@example.org", "password": "wrong password!"})
    assert r.status_int == 422
    assert ("body", "password") in {tuple(e["path"]) for e in r.json["errors"]}
    assert mails() == []


def test_email_change_to_a_taken_address_looks_the_same(tenant, client, user_factory, mails, db):
    user_factory(tenant, email="taken@example.org")
    c = client(tenant, user_factory(tenant))
    taken = c.post_json(EMAIL, {"new_email": "taken@example.org", "password": PASSWORD})
    free = c.post_json(EMAIL, {"new_email": "free@example.org", "password": PASSWORD})
    assert taken.status_int == free.status_int == 202
    assert taken.json == free.json
    [(_, subject, text)] = mails("taken@example.org")
    assert "tried to use your address" in subject and "/confirm-email" not in text


def test_email_taken_meanwhile_is_a_conflict(tenant, client, user_factory, link_token, db, fresh):
    user = user_factory(tenant, email="first@example.org")
    client(tenant, user).post_json(EMAIL, {"new_email": "wanted@example.org", "password": PASSWORD})
    token = link_token("/confirm-email")
    user_factory(tenant, email="wanted@example.org")
    r = client(tenant).post_json(CONFIRM, {"token": token})
    assert r.status_int == 409
    assert fresh(db, user).email == "first@example.org"


def test_email_change_access_and_input(tenant, other_tenant, client, user_factory, foreign_client):
    body = {"new_email": "new@example.org", "password": PASSWORD}
    assert client(tenant).post_json(EMAIL, body).status_int == 401
    foreign = foreign_client(tenant, other_tenant)
    assert foreign.post_json(EMAIL, body).status_int == 401
    user = user_factory(tenant, email="same@example.org")
    c = client(tenant, user)
    same = c.post_json(EMAIL, {"new_email": "same@example.org", "password": PASSWORD})
    assert same.status_int == 422
    assert c.post_json(EMAIL, {"new_email": "nope", "password": PASSWORD}).status_int == 422
    assert c.post_json(EMAIL, {**body, "x": 1}).status_int == 422
    assert client(tenant).post_json(CONFIRM, {}).status_int == 422
    assert client(tenant).post_json(CONFIRM, {"token": "unknown"}).status_int == 400


def test_email_change_token_of_another_tenant_is_refused(
    tenant, other_tenant, client, user_factory, link_token, db, fresh
):
    user = user_factory(other_tenant, email="far@example.org")
    client(other_tenant, user).post_json(
        EMAIL, {"new_email": "near@example.org", "password": PASSWORD}
    )
    token = link_token("/confirm-email")
    assert client(tenant).post_json(CONFIRM, {"token": token}).status_int == 400
    assert fresh(db, user).email == "far@example.org"


def test_verification_link_for_the_old_address_dies_with_the_change(tenant, client, link_token, db):
    c = client(tenant)
    c.post_json(
        "/api/v1/auth/signup",
        {"email": "v1@example.org", "password": "plum tree on a windy hill", "display_name": "V"},
    )
    verify = link_token("/verify-email")
    user = db.scalar(
        sa.select(User).where(User.tenant_id == tenant.id, User.email == "v1@example.org")
    )
    client(tenant, user).post_json(
        EMAIL, {"new_email": "v2@example.org", "password": "plum tree on a windy hill"}
    )
    assert (
        client(tenant).post_json(CONFIRM, {"token": link_token("/confirm-email")}).status_int == 200
    )
    assert (
        client(tenant).post_json("/api/v1/auth/verify-email", {"token": verify}).status_int == 400
    )
