"""The tenant admin shell: site settings and plugin management, pages and API."""

from __future__ import annotations

import pytest


@pytest.fixture
def admin(tenant, user_factory):
    return user_factory(tenant, "admin")


def test_site_settings_page_needs_the_settings_permission(tenant, user_factory, page_browser):
    visitor = page_browser(tenant).get("/admin")
    assert visitor.status_int == 303 and "/login?next=/admin" in visitor.location
    for role in ("learner", "instructor"):
        page = page_browser(tenant, user_factory(tenant, role)).get("/admin")
        assert page.status_int == 403 and "theme-" in page.text  # themed 403 page


def test_admin_switches_theme_and_the_next_page_uses_it(tenant, admin, page_browser):
    b = page_browser(tenant, admin)
    page = b.get("/admin")
    assert page.status_int == 200
    assert 'value="default"' in page.text and 'value="campus"' in page.text
    saved = b.submit(
        page,
        "/admin",
        {
            "name": "Campus College",
            "theme": "campus",
            "default_locale": "es",
            "default_timezone": "Europe/Madrid",
        },
    )
    assert saved.status_int == 303 and saved.location.endswith("/admin?saved=1")
    after = b.get("/dashboard")
    assert "theme-campus" in after.text and "Campus College" in after.text
    assert 'lang="es"' in after.text  # the admin has no own preference: tenant default


def test_invalid_settings_are_refused_and_nothing_is_saved(tenant, admin, page_browser, client):
    b = page_browser(tenant, admin)
    page = b.get("/admin")
    bad = b.submit(
        page,
        "/admin",
        {"name": "", "theme": "nope", "default_locale": "xx", "default_timezone": "Mars/Base"},
    )
    assert bad.status_int == 422
    for field in ("f-name", "f-theme", "f-default_timezone"):
        assert f'href="#{field}"' in bad.text
    current = client(tenant, admin).get("/api/v1/tenant/settings")
    assert current.json["theme"] == "default" and current.json["name"] != ""


def test_settings_form_refuses_a_post_without_csrf(tenant, admin, page_browser):
    b = page_browser(tenant, admin)
    page = b.get("/admin")
    r = b.submit(page, "/admin", {"name": "X", "theme": "campus"}, csrf=False)
    assert r.status_int in (400, 403)


def test_settings_api(tenant, admin, user_factory, client):
    api = client(tenant, admin)
    got = api.get("/api/v1/tenant/settings")
    assert got.status_int == 200 and set(got.json) == {
        "name",
        "theme",
        "default_locale",
        "default_timezone",
    }
    changed = api.patch_json("/api/v1/tenant/settings", {"theme": "campus"})
    assert changed.status_int == 200 and changed.json["theme"] == "campus"
    bad = api.patch_json("/api/v1/tenant/settings", {"theme": "nope", "default_locale": "xx"})
    assert bad.status_int == 422 and bad.content_type == "application/problem+json"
    assert {e["path"][1] for e in bad.json["errors"]} == {"theme", "default_locale"}
    extra = api.patch_json("/api/v1/tenant/settings", {"colour": "red"})
    assert extra.status_int == 422
    assert client(tenant).get("/api/v1/tenant/settings").status_int == 401
    learner = client(tenant, user_factory(tenant, "learner"))
    assert learner.patch_json("/api/v1/tenant/settings", {"theme": "campus"}).status_int == 403


def test_settings_api_is_tenant_isolated(
    tenant, other_tenant, foreign_client, user_factory, client
):
    probe = foreign_client(tenant, other_tenant)
    assert probe.get("/api/v1/tenant/settings").status_int == 401
    assert probe.patch_json("/api/v1/tenant/settings", {"name": "pwned"}).status_int == 401
    other_admin = client(other_tenant, user_factory(other_tenant, "admin"))
    other_admin.patch_json("/api/v1/tenant/settings", {"name": "Other Name"})
    mine = client(tenant, user_factory(tenant, "admin")).get("/api/v1/tenant/settings")
    assert mine.json["name"] != "Other Name"


def test_admin_cookie_of_another_tenant_is_not_accepted(
    tenant, other_tenant, user_factory, page_browser, session_cookie
):
    cookie = session_cookie(other_tenant, user_factory(other_tenant, "admin"))
    page = page_browser(tenant, cookie=cookie).get("/admin")
    assert page.status_int == 303  # not signed in here


def test_plugins_page_lists_plugins_and_disables_and_enables(tenant, admin, page_browser):
    b = page_browser(tenant, admin)
    page = b.get("/admin/plugins")
    assert page.status_int == 200 and "Announcements" in page.text
    off = b.submit(page, "/admin/plugins", {"plugin": "announcements", "action": "disable"})
    assert off.status_int == 200 and "Disabled (data kept)" in off.text
    assert b.get("/announcements").status_int == 404
    on = b.submit(off, "/admin/plugins", {"plugin": "announcements", "action": "enable"})
    assert on.status_int == 200 and b.get("/announcements").status_int == 200


def test_purge_asks_for_the_plugin_name_first(tenant, admin, page_browser, client):
    b = page_browser(tenant, admin)
    page = b.submit(
        b.get("/admin/plugins"), "/admin/plugins", {"plugin": "announcements", "action": "disable"}
    )
    ask = b.submit(page, "/admin/plugins", {"plugin": "announcements", "action": "purge"})
    assert ask.status_int == 200 and 'name="confirm"' in ask.text
    wrong = b.submit(
        ask,
        "/admin/plugins",
        {"plugin": "announcements", "action": "purge", "confirm": "announcement"},
    )
    assert wrong.status_int == 422
    rows = client(tenant, admin).get("/api/v1/tenant/plugins").json["items"]
    assert next(r for r in rows if r["name"] == "announcements")["installed_version"]
    done = b.submit(
        wrong,
        "/admin/plugins",
        {"plugin": "announcements", "action": "purge", "confirm": "announcements"},
    )
    assert done.status_int == 200
    rows = client(tenant, admin).get("/api/v1/tenant/plugins").json["items"]
    assert next(r for r in rows if r["name"] == "announcements")["installed_version"] is None


def test_unknown_plugin_or_action_is_a_400(tenant, admin, page_browser):
    b = page_browser(tenant, admin)
    page = b.get("/admin/plugins")
    assert (
        b.submit(page, "/admin/plugins", {"plugin": "nope", "action": "enable"}).status_int == 400
    )
    assert (
        b.submit(page, "/admin/plugins", {"plugin": "announcements", "action": "rm"}).status_int
        == 400
    )


def test_plugins_api_authorization(tenant, other_tenant, user_factory, client, foreign_client):
    assert client(tenant).get("/api/v1/tenant/plugins").status_int == 401
    learner = client(tenant, user_factory(tenant, "learner"))
    assert learner.get("/api/v1/tenant/plugins").status_int == 403
    assert foreign_client(tenant, other_tenant).get("/api/v1/tenant/plugins").status_int == 401
    admin = client(tenant, user_factory(tenant, "admin")).get("/api/v1/tenant/plugins")
    assert admin.status_int == 200 and any(
        r["name"] == "announcements" for r in admin.json["items"]
    )


def test_user_administration_sits_in_the_admin_shell(tenant, admin, page_browser):
    page = page_browser(tenant, admin).get("/admin/users")
    assert '<a href="/admin/users" aria-current="page">' in page.text
    for section in ("/admin", "/admin/branding", "/admin/domains", "/admin/plugins"):
        assert f'<a href="{section}"' in page.text
