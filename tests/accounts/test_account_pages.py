"""The account pages: sign-up, verification, forgotten/reset password, email change
confirmation and the profile page (CSRF, accessibility hooks, no token use on GET)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from learninghub.identity import RoleGrant, User
from learninghub.testing import PASSWORD

GOOD = "plum tree on a windy hill"


def fetch_user(db, tenant, email) -> User | None:
    db.expire_all()
    return db.scalar(sa.select(User).where(User.tenant_id == tenant.id, User.email == email))


def has_label_for(page, field_id: str) -> bool:
    return f'<label for="{field_id}">' in page.text and f'id="{field_id}"' in page.text


# ----------------------------------------------------------------- sign-up


def test_signup_page_form_is_accessible(tenant, browser):
    page = browser(tenant).get("/signup")
    assert page.status_int == 200 and page.content_type == "text/html"
    for field in ("display_name", "email", "password"):
        assert has_label_for(page, field)
    assert 'autocomplete="name"' in page.text and 'autocomplete="email"' in page.text
    assert 'autocomplete="new-password"' in page.text
    assert 'name="csrf_token"' in page.text
    assert 'aria-describedby="password-hint"' in page.text
    assert 'class="lh-skip"' in page.text  # extends the base layout


def test_signup_through_the_page(tenant, browser, db, link_token):
    b = browser(tenant)
    page = b.get("/signup")
    r = b.submit(
        page, "/signup", {"display_name": "Pat", "email": "pat@example.org", "password": GOOD}
    )
    assert r.status_int == 200, r.text
    assert "Check your inbox" in r.text
    user = fetch_user(db, tenant, "pat@example.org")
    assert user is not None and user.email_verified is False
    assert link_token("/verify-email", to="pat@example.org")


def test_signup_page_errors_are_linked_to_their_fields(tenant, browser, db):
    b = browser(tenant)
    page = b.get("/signup")
    r = b.submit(page, "/signup", {"display_name": "", "email": "nope", "password": "qwertyuiop"})
    assert r.status_int == 400
    for field in ("display_name", "email", "password"):
        assert f'id="{field}-error"' in r.text
        assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error"', r.text), field
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', r.text), field
        assert f'href="#{field}"' in r.text  # the summary links to the field
    assert 'role="alert"' in r.text
    assert "too common" in r.text
    assert 'value="qwertyuiop"' not in r.text  # passwords are never echoed
    assert fetch_user(db, tenant, "nope") is None


def test_page_post_without_csrf_token_is_refused(tenant, browser, db, mails):
    b = browser(tenant)
    page = b.get("/signup")
    fields = {"display_name": "Pat", "email": "pat@example.org", "password": GOOD}
    assert b.submit(page, "/signup", fields, csrf=False).status_int == 400
    assert (
        b.submit(page, "/forgot-password", {"email": "x@example.org"}, csrf=False).status_int == 400
    )
    bad = dict(fields, csrf_token="forged")
    assert b.submit(page, "/signup", bad, csrf=False).status_int == 400
    assert fetch_user(db, tenant, "pat@example.org") is None
    assert mails() == []


def test_signup_page_in_closed_and_invite_modes(
    tenant, browser, signup_mode, client, user_factory, db, link_token
):
    signup_mode(tenant, "closed")
    assert browser(tenant).get("/signup").status_int == 403
    signup_mode(tenant, "invite")
    closed = browser(tenant).get("/signup")
    assert closed.status_int == 403 and "invitation" in closed.text
    assert browser(tenant).get("/signup?invite=bogus").status_int == 400
    admin = user_factory(tenant, "admin")
    client(tenant, admin).post_json(
        "/api/v1/admin/invitations", {"email": "guest@example.org", "role": "instructor"}
    )
    token = link_token("/signup")
    b = browser(tenant)
    page = b.get(f"/signup?invite={token}")
    assert page.status_int == 200
    assert re.search(r'id="email"[^>]*value="guest@example.org"', page.text)
    assert re.search(r'id="email"[^>]*readonly', page.text)
    r = b.submit(
        page,
        "/signup",
        {"display_name": "G", "email": "other@example.org", "password": GOOD, "invite": token},
    )
    assert r.status_int == 200, r.text  # the invited address wins over a typed one
    user = fetch_user(db, tenant, "guest@example.org")
    assert user is not None and fetch_user(db, tenant, "other@example.org") is None
    roles = set(db.scalars(sa.select(RoleGrant.role).where(RoleGrant.user_id == user.id)))
    assert roles == {"instructor"}
    assert b.get(f"/signup?invite={token}").status_int == 400  # used


# ----------------------------------------------------------------- verification


def test_verify_page_never_verifies_on_get(tenant, browser, client, db, link_token):
    client(tenant).post_json(
        "/api/v1/auth/signup", {"email": "v@example.org", "password": GOOD, "display_name": "V"}
    )
    token = link_token("/verify-email")
    b = browser(tenant)
    page = b.get(f"/verify-email?token={token}")
    assert page.status_int == 200 and "<button" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in page.headers["Cache-Control"]
    b.get(f"/verify-email?token={token}")  # a mail scanner opening it again
    assert fetch_user(db, tenant, "v@example.org").email_verified is False
    r = b.submit(page, "/verify-email", {"token": token})
    assert r.status_int == 200 and "confirmed" in r.text
    assert fetch_user(db, tenant, "v@example.org").email_verified is True
    assert b.get(f"/verify-email?token={token}").status_int == 400
    assert b.submit(page, "/verify-email", {"token": token}).status_int == 400
    assert b.submit(page, "/verify-email", {"token": token}, csrf=False).status_int == 400


def test_verify_page_with_bad_or_foreign_tokens(tenant, other_tenant, browser, client, link_token):
    assert browser(tenant).get("/verify-email").status_int == 400
    assert browser(tenant).get("/verify-email?token=nope").status_int == 400
    client(other_tenant).post_json(
        "/api/v1/auth/signup", {"email": "o@example.org", "password": GOOD, "display_name": "O"}
    )
    token = link_token("/verify-email")
    assert browser(tenant).get(f"/verify-email?token={token}").status_int == 400


# ----------------------------------------------------------------- passwords


def test_forgot_password_page_says_the_same_for_every_address(tenant, browser, user_factory, mails):
    user_factory(tenant, email="known@example.org")
    b = browser(tenant)
    page = b.get("/forgot-password")
    assert page.status_int == 200 and has_label_for(page, "email")
    known = b.submit(page, "/forgot-password", {"email": "known@example.org"})
    unknown = b.submit(page, "/forgot-password", {"email": "unknown@example.org"})
    assert known.status_int == unknown.status_int == 200
    assert known.text == unknown.text
    assert len(mails()) == 1
    bad = b.submit(page, "/forgot-password", {"email": "nope"})
    assert bad.status_int == 400 and 'aria-describedby="email-error"' in bad.text


def test_reset_password_page(tenant, browser, client, user_factory, link_token):
    user_factory(tenant, email="r@example.org")
    client(tenant).post_json("/api/v1/auth/password/forgot", {"email": "r@example.org"})
    token = link_token("/reset-password")
    b = browser(tenant)
    page = b.get(f"/reset-password?token={token}")
    assert page.status_int == 200
    assert has_label_for(page, "password") and has_label_for(page, "password_confirm")
    assert 'autocomplete="username"' in page.text and 'value="r@example.org"' in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    differ = b.submit(
        page, "/reset-password", {"token": token, "password": GOOD, "password_confirm": GOOD + "x"}
    )
    assert differ.status_int == 400 and 'id="password_confirm-error"' in differ.text
    weak = b.submit(
        page,
        "/reset-password",
        {"token": token, "password": "qwertyuiop", "password_confirm": "qwertyuiop"},
    )
    assert weak.status_int == 400 and "too common" in weak.text
    assert 'aria-describedby="password-hint password-error"' in weak.text
    ok = b.submit(
        page, "/reset-password", {"token": token, "password": GOOD, "password_confirm": GOOD}
    )
    assert ok.status_int == 200 and "Password changed" in ok.text
    again = b.submit(
        page, "/reset-password", {"token": token, "password": GOOD, "password_confirm": GOOD}
    )
    assert again.status_int == 400 and "/forgot-password" in again.text
    signed = client(tenant).post_json(
        "/api/v1/auth/token", {"email": "r@example.org", "password": GOOD}
    )
    assert signed.status_int == 200


def test_reset_page_with_bad_and_foreign_tokens(
    tenant, other_tenant, browser, client, user_factory, link_token
):
    assert browser(tenant).get("/reset-password?token=nope").status_int == 400
    user_factory(other_tenant, email="far@example.org")
    client(other_tenant).post_json("/api/v1/auth/password/forgot", {"email": "far@example.org"})
    token = link_token("/reset-password")
    assert browser(tenant).get(f"/reset-password?token={token}").status_int == 400


# ----------------------------------------------------------------- email change


def test_confirm_email_page(tenant, browser, client, user_factory, link_token, db):
    user = user_factory(tenant, email="before@example.org")
    client(tenant, user).post_json(
        "/api/v1/me/email", {"new_email": "after@example.org", "password": PASSWORD}
    )
    token = link_token("/confirm-email")
    b = browser(tenant)
    page = b.get(f"/confirm-email?token={token}")
    assert page.status_int == 200 and "<button" in page.text
    assert fetch_user(db, tenant, "before@example.org") is not None  # GET changes nothing
    r = b.submit(page, "/confirm-email", {"token": token})
    assert r.status_int == 200 and "after@example.org" in r.text
    assert fetch_user(db, tenant, "after@example.org") is not None
    assert b.submit(page, "/confirm-email", {"token": token}).status_int == 400
    assert b.get("/confirm-email?token=nope").status_int == 400


# ----------------------------------------------------------------- profile (signed in)


def test_profile_page_redirects_anonymous_visitors_to_sign_in(tenant, browser):
    r = browser(tenant).get("/account/profile")
    assert r.status_int == 303
    assert r.headers["Location"].endswith("/login?next=%2Faccount%2Fprofile")


def test_profile_page_with_a_session_of_another_tenant_is_anonymous(
    tenant, other_tenant, browser, session_cookie, user_factory
):
    cookie = session_cookie(other_tenant, user_factory(other_tenant))
    assert browser(other_tenant, cookie=cookie).get("/account/profile").status_int == 200
    assert browser(tenant, cookie=cookie).get("/account/profile").status_int == 303


def test_profile_page_shows_and_saves_the_profile(tenant, browser, user_factory, db):
    user = user_factory(tenant, email="me@example.org")
    b = browser(tenant, user)
    page = b.get("/account/profile")
    assert page.status_int == 200, page.text
    for field in ("display_name", "bio", "locale", "timezone", "public_profile", "new_email"):
        assert has_label_for(page, field), field
    assert "me@example.org" in page.text
    assert 'autocomplete="current-password"' in page.text
    r = b.submit(
        page,
        "/account/profile",
        {
            "display_name": "Me <script>",
            "bio": "Line one\nLine <b>two</b>",
            "locale": "fr_ca",
            "timezone": "America/Montreal",
            "public_profile": "on",
        },
    )
    assert r.status_int == 303 and r.headers["Location"].endswith("/account/profile?saved=1")
    saved = db.get(User, user.id)
    db.refresh(saved)
    assert saved.locale == "fr-CA" and saved.timezone == "America/Montreal"
    assert saved.public_profile is True and saved.display_name == "Me <script>"
    shown = b.get("/account/profile?saved=1")
    assert 'role="status"' in shown.text
    assert "Me &lt;script&gt;" in shown.text and "<script>" not in shown.text
    assert "Line <b>two</b>" not in shown.text


def test_profile_page_errors(tenant, browser, user_factory, db):
    user = user_factory(tenant)
    b = browser(tenant, user)
    page = b.get("/account/profile")
    r = b.submit(
        page,
        "/account/profile",
        {"display_name": "X", "bio": "", "locale": "not a language", "timezone": "Nowhere/Land"},
    )
    assert r.status_int == 400
    for field in ("locale", "timezone"):
        assert f'id="{field}-error"' in r.text
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', r.text), field
    db.refresh(user)
    assert user.locale == "" and user.display_name != "X"


def test_profile_page_post_without_csrf_is_refused(tenant, browser, user_factory, db):
    user = user_factory(tenant)
    b = browser(tenant, user)
    page = b.get("/account/profile")
    r = b.submit(page, "/account/profile", {"display_name": "Hacked"}, csrf=False)
    assert r.status_int == 400
    db.refresh(user)
    assert user.display_name != "Hacked"


def test_email_change_from_the_profile_page(tenant, browser, user_factory, link_token):
    user = user_factory(tenant, email="page@example.org")
    b = browser(tenant, user)
    page = b.get("/account/profile")
    wrong = b.submit(
        page, "/account/email", {"new_email": "p2@example.org", "password": "nope nope"}
    )
    assert wrong.status_int == 400 and 'id="password-error"' in wrong.text
    r = b.submit(page, "/account/email", {"new_email": "p2@example.org", "password": PASSWORD})
    assert r.status_int == 303 and r.headers["Location"].endswith("?email_sent=1")
    assert link_token("/confirm-email", to="p2@example.org")
    assert browser(tenant).get("/account/profile").status_int == 303
    anonymous = browser(tenant)
    anon_page = anonymous.get("/signup")
    assert (
        anonymous.submit(anon_page, "/account/email", {"new_email": "x@example.org"}).status_int
        == 303
    )


@pytest.mark.parametrize(
    "path",
    [
        "/signup",
        "/verify-email",
        "/forgot-password",
        "/reset-password",
        "/confirm-email",
        "/account/profile",
    ],
)
def test_pages_of_an_unknown_host_are_404(app, path):
    r = app.get(path, extra_environ={"HTTP_HOST": "nobody.invalid"}, expect_errors=True)
    assert r.status_int == 404
