"""Tenant admin pages: user list, a user's roles and permissions with actions, invitations."""

import re

import pytest


def csrf_of(page):
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


@pytest.fixture
def browse(app, session_cookie):
    """browse(tenant, user) -> (get, post) with a page session and the CSRF cookie."""

    def make(tenant, user):
        cookie = session_cookie(tenant, user) if user is not None else ""
        host = {"HTTP_HOST": tenant.host}
        state = {"csrf": None, "cookie": cookie}

        def get(path):
            app.reset()
            r = app.get(
                path, headers={"Cookie": state["cookie"]}, extra_environ=host, expect_errors=True
            )
            if "lh_csrf=" in r.headers.get("Set-Cookie", "") and state["csrf"] is None:
                state["csrf"] = r.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
                state["cookie"] = f"{cookie}; lh_csrf={state['csrf']}"
            return r

        def post(path, form, token):
            app.reset()
            return app.post(
                path,
                dict(form, csrf_token=token),
                headers={"Cookie": state["cookie"]},
                extra_environ=host,
                expect_errors=True,
            )

        return get, post

    return make


def test_admin_lists_users_and_changes_roles(tenant, user_factory, browse):
    admin = user_factory(tenant, "admin")
    target = user_factory(tenant, "learner", email="target@example.org")
    get, post = browse(tenant, admin)
    listing = get("/admin/users?q=target")
    assert listing.status_int == 200 and "target@example.org" in listing.text
    assert admin.email not in listing.text  # filtered
    page = get(f"/admin/users/{target.id}")
    assert "account:profile:view" in page.text
    token = csrf_of(page)
    granted = post(f"/admin/users/{target.id}", {"action": "grant", "role": "instructor"}, token)
    assert granted.status_int == 200 and "announcements:announcement:create" in granted.text
    suspended = post(f"/admin/users/{target.id}", {"action": "suspend"}, token)
    assert '<dd id="user-status">suspended</dd>' in suspended.text
    back = post(f"/admin/users/{target.id}", {"action": "reactivate"}, token)
    assert '<dd id="user-status">active</dd>' in back.text
    bad = post(f"/admin/users/{target.id}", {"action": "explode"}, token)
    assert bad.status_int == 400


def test_invitation_page(tenant, user_factory, browse, mailbox):
    admin = user_factory(tenant, "admin")
    get, post = browse(tenant, admin)
    page = get("/admin/invitations")
    token = csrf_of(page)
    sent = post("/admin/invitations", {"email": "new@example.org", "role": "instructor"}, token)
    assert sent.status_int == 200 and "Invitation sent" in sent.text
    assert any(m["To"] == "new@example.org" for m in mailbox.refresh())
    taken = post("/admin/invitations", {"email": admin.email, "role": "learner"}, token)
    assert taken.status_int == 409 and 'role="alert"' in taken.text


def test_admin_pages_are_closed_to_others(tenant, other_tenant, user_factory, browse):
    learner = user_factory(tenant, "learner")
    instructor = user_factory(tenant, "instructor")
    admin = user_factory(tenant, "admin")
    foreign_admin = user_factory(other_tenant, "admin")
    for user in (learner, instructor):
        get, post = browse(tenant, user)
        assert get("/admin/users").status_int == 403
        assert get(f"/admin/users/{admin.id}").status_int == 403
        assert get("/admin/invitations").status_int == 403
    get, _ = browse(tenant, None)
    r = get("/admin/users")
    assert r.status_int == 303 and "/login" in r.headers["Location"]
    # another tenant's admin: their cookie means nothing here, and ids of this tenant are 404 there
    get, _ = browse(other_tenant, foreign_admin)
    assert get(f"/admin/users/{admin.id}").status_int == 404
    assert get("/admin/users/not-a-uuid").status_int == 404


def test_admin_cannot_suspend_themselves(tenant, user_factory, browse):
    admin = user_factory(tenant, "admin")
    get, post = browse(tenant, admin)
    page = get(f"/admin/users/{admin.id}")
    assert 'value="suspend"' not in page.text
    r = post(f"/admin/users/{admin.id}", {"action": "suspend"}, csrf_of(page))
    assert r.status_int == 409


def test_nav_shows_admin_entries_to_admins_only(tenant, user_factory, browse):
    admin = user_factory(tenant, "admin")
    learner = user_factory(tenant, "learner")
    dashboard = browse(tenant, admin)[0]("/dashboard").text
    assert 'href="/admin"' in dashboard
    assert 'href="/admin/users"' in browse(tenant, admin)[0]("/admin").text
    home = browse(tenant, learner)[0]("/dashboard").text
    assert 'href="/admin"' not in home and 'href="/account/security"' in home
    assert browse(tenant, learner)[0]("/admin").status_int == 403
    assert 'href="/login"' in browse(tenant, None)[0]("/").text
