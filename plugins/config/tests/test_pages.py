"""Admin pages: /admin/settings, /admin/settings/{plugin}, /admin/flags, /admin/flags/{key}."""

from __future__ import annotations

import hashlib
import re

import pytest

from learninghub.testing.pages import Browser

from .conftest import MAILER, AppClient


def loc(response) -> str:
    """The Location header without scheme and host."""
    return re.sub(r"^https?://[^/]+", "", response.headers["Location"])


PAGES = ["/admin/settings", "/admin/settings/announcements", "/admin/flags"]


def flag(client, tenant, admin, key="beta", **fields):
    r = client(tenant, admin).post_json("/api/v1/config/flags", {"key": key, **fields})
    assert r.status_int == 201, r.text


@pytest.mark.parametrize("path", PAGES)
def test_pages_for_admins(tenant, admin, page_browser, path):
    r = page_browser(tenant, admin).get(path)
    assert r.status_int == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    assert 'aria-current="page"' in r.text  # the admin shell marks the section


@pytest.mark.parametrize("path", [*PAGES, "/admin/flags/beta"])
@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_pages_refuse_other_roles(tenant, admin, user_factory, page_browser, client, path, role):
    flag(client, tenant, admin)
    r = page_browser(tenant, user_factory(tenant, role)).get(path)
    assert r.status_int == 403


@pytest.mark.parametrize("path", [*PAGES, "/admin/flags/beta"])
def test_pages_send_visitors_to_sign_in(tenant, admin, client, page_browser, path):
    flag(client, tenant, admin)
    r = page_browser(tenant).get(path)
    assert r.status_int == 303 and loc(r).startswith("/login?next=")


@pytest.mark.parametrize(
    "path", ["/admin/settings/announcements", "/admin/flags", "/admin/flags/beta"]
)
@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_posts_refuse_other_roles_and_need_csrf(
    tenant, admin, client, user_factory, page_browser, path, role
):
    flag(client, tenant, admin)
    other = page_browser(tenant, user_factory(tenant, role))
    own_page = other.get("/dashboard")  # carries the user's own CSRF token
    fields = {"key": "x", "v.max_body_chars": "200", "action": "delete"}
    assert other.submit(own_page, path, fields).status_int == 403
    b = page_browser(tenant, admin)
    assert b.submit(b.get(path), path, fields, csrf=False).status_int == 400
    assert client(tenant, admin).get("/api/v1/config/flags/beta").status_int == 200


def test_pages_of_another_tenant(tenant, other_tenant, admin, client, page_browser, user_factory):
    flag(client, tenant, admin, "ours-only-zq7")
    stranger = page_browser(other_tenant, user_factory(other_tenant, "admin"))
    assert stranger.get("/admin/flags/ours-only-zq7").status_int == 404
    assert "ours-only-zq7" not in stranger.get("/admin/flags").text
    # a session of tenant A replayed on tenant B's host is not signed in there
    cookie = page_browser(tenant, admin).cookies
    replay = Browser(stranger.app, other_tenant, "lh_session=" + cookie["lh_session"])
    assert replay.get("/admin/flags").status_int == 303


def test_disabled_plugin_pages_are_404(tenant_factory, user_factory, page_browser):
    t = tenant_factory(plugins=["announcements"])
    b = page_browser(t, user_factory(t, "admin"))
    for path in [*PAGES, "/admin/flags/x"]:
        assert b.get(path).status_int == 404
    assert "/admin/flags" not in b.get("/admin").text  # no admin section


def test_admin_sections_link_the_pages(tenant, admin, page_browser):
    text = page_browser(tenant, admin).get("/admin").text
    assert 'href="/admin/settings"' in text and 'href="/admin/flags"' in text


def test_settings_form_saves_validates_and_shows_history(tenant, admin, page_browser):
    b = page_browser(tenant, admin)
    path = "/admin/settings/announcements"
    page = b.get(path)
    assert 'name="v.max_body_chars"' in page.text and 'min="100"' in page.text
    assert 'type="checkbox" id="f-email_on_publish" name="v.email_on_publish" checked' in page.text
    bad = b.submit(page, path, {"v.max_body_chars": "5", "v.email_on_publish": "on"})
    assert bad.status_int == 422
    assert 'aria-invalid="true"' in bad.text and "greater than or equal to 100" in bad.text
    assert 'value="5"' in bad.text  # the submitted value is kept
    done = b.submit(page, path, {"v.max_body_chars": "700", "comment": "tighter"})
    assert done.status_int == 303 and loc(done) == path + "?done=saved"
    shown = b.get(loc(done))
    assert "Settings saved." in shown.text and 'value="700"' in shown.text
    assert "tighter" in shown.text and admin.email in shown.text
    # the unchecked box turned email_on_publish off: both appear in the change list
    assert "<code>email_on_publish</code>" in shown.text
    assert "<code>max_body_chars</code>" in shown.text
    unchanged = b.submit(shown, path, {"v.max_body_chars": "700"})
    assert loc(unchanged) == path + "?done=unchanged"


def test_settings_form_resets_to_default_and_rolls_back(tenant, admin, page_browser):
    b = page_browser(tenant, admin)
    path = "/admin/settings/announcements"
    page = b.get(path)
    b.submit(page, path, {"v.max_body_chars": "700", "v.email_on_publish": "on"})
    page = b.get(path)
    assert 'name="reset.max_body_chars"' in page.text
    b.submit(
        page,
        path,
        {"v.max_body_chars": "700", "reset.max_body_chars": "on", "v.email_on_publish": "on"},
    )
    page = b.get(path)
    assert 'value="20000"' in page.text and 'name="reset.max_body_chars"' not in page.text
    versions = re.findall(r'name="version" value="(\d+)"', page.text)
    assert versions == ["2", "1"]  # the current one (3) has no restore button
    back = b.submit(page, path, {"action": "rollback", "version": "2"})
    assert loc(back) == path + "?done=rolledback"
    assert 'value="700"' in b.get(path).text
    bad = b.submit(page, path, {"action": "rollback", "version": "99"})
    assert bad.status_int == 422


def test_unknown_plugin_page_is_404(tenant, admin, page_browser):
    b = page_browser(tenant, admin)
    for path in ("/admin/settings/nosuch", "/admin/settings/config", "/admin/settings/Bad!"):
        assert b.get(path).status_int == 404


def test_secret_field_shows_set_or_not_and_a_replace_box(mailer, tenant, admin, session_cookie):
    registry, app = mailer
    b = Browser(app, tenant, session_cookie(tenant, admin))
    path = f"/admin/settings/{MAILER}"
    page = b.get(path)
    assert page.status_int == 200, page.text
    assert "<strong>Not set</strong>" in page.text
    assert 'type="password" id="f-smtp_password" name="secret.smtp_password" value=""' in page.text
    assert '<select id="f-mode" name="v.mode"' in page.text  # Literal -> choices
    assert 'name="v.recipients" rows="4"' in page.text  # list -> one per line
    fields = {
        "v.smtp_host": "smtp.example.org",
        "v.smtp_port": "587",
        "v.mode": "live",
        "v.recipients": "a@example.org\nb@example.org",
        "secret.smtp_password": "pa55-word-from-form",
    }
    done = b.submit(page, path, fields)
    assert done.status_int == 303, done.text
    page = b.get(path)
    assert "<strong>Set</strong>" in page.text and "pa55-word" not in page.text
    assert "secret set" in page.text  # the history says it changed, not to what
    info = AppClient(app, registry, tenant).get("/cfgmailer/info").json
    assert info["password_sha256"] == hashlib.sha256(b"pa55-word-from-form").hexdigest()
    assert info["smtp_port"] == 587
    # saving again with an empty replace box keeps the secret; "remove" clears it
    keep = {k: v for k, v in fields.items() if not k.startswith("secret.")}
    b.submit(page, path, {**keep, "v.smtp_port": "2525"})
    assert AppClient(app, registry, tenant).get("/cfgmailer/info").json["password_set"] is True
    page = b.get(path)
    b.submit(page, path, {**keep, "clear.smtp_password": "on"})
    assert AppClient(app, registry, tenant).get("/cfgmailer/info").json["password_set"] is False
    bad = b.submit(b.get(path), path, {**keep, "v.mode": "sometimes", "v.smtp_port": "0"})
    assert bad.status_int == 422
    assert 'id="e-mode"' in bad.text and 'id="e-smtp_port"' in bad.text


def test_flag_pages_create_edit_and_delete(tenant, admin, page_browser, user_factory):
    b = page_browser(tenant, admin)
    page = b.get("/admin/flags")
    assert "There are no feature flags yet." in page.text
    assert 'id="role-instructor"' in page.text
    bad = b.submit(page, "/admin/flags", {"key": "Not valid", "percentage": "150"})
    assert bad.status_int == 422
    assert 'id="e-key"' in bad.text and 'id="e-percentage"' in bad.text
    r = b.submit(
        page,
        "/admin/flags",
        {
            "key": "new-nav",
            "description": "New menu",
            "enabled": "on",
            "percentage": "40",
            "roles": ["learner", "instructor"],
        },
    )
    assert r.status_int == 303 and loc(r) == "/admin/flags/new-nav?done=created"
    edit = b.get(loc(r))
    assert "Flag created." in edit.text and 'value="40"' in edit.text
    assert 'id="role-learner" value="learner" checked' in edit.text
    dup = b.submit(page, "/admin/flags", {"key": "new-nav", "percentage": "100"})
    assert dup.status_int == 409
    r = b.submit(edit, "/admin/flags/new-nav", {"description": "New menu", "percentage": "80"})
    assert loc(r) == "/admin/flags/new-nav?done=saved"
    edit = b.get("/admin/flags/new-nav")
    assert 'value="80"' in edit.text and 'id="f-enabled" name="enabled" checked' not in edit.text
    assert edit.text.count('<th scope="row">') == 2  # two versions in the history
    listed = b.get("/admin/flags").text
    assert "<code>new-nav</code>" in listed and "Off" in listed
    gone = b.submit(edit, "/admin/flags/new-nav", {"action": "delete"})
    assert loc(gone) == "/admin/flags?done=deleted"
    assert b.get("/admin/flags/new-nav").status_int == 404
    assert "Flag deleted." in b.get(loc(gone)).text
