"""Dashboard, display preferences and themed error pages."""

from __future__ import annotations

import pytest

from learninghub.i18n import DISPLAY_COOKIE


def test_dashboard_needs_a_signed_in_user(tenant, page_browser):
    r = page_browser(tenant).get("/dashboard")
    assert r.status_int == 302 and "/login?next=/dashboard" in r.location


def test_home_sends_signed_in_users_to_their_dashboard(tenant, user_factory, page_browser):
    r = page_browser(tenant, user_factory(tenant)).get("/")
    assert r.status_int == 302 and r.location.endswith("/dashboard")
    visitor = page_browser(tenant).get("/")
    assert visitor.status_int == 200 and 'href="/login"' in visitor.text


def test_dashboard_shows_widgets_of_enabled_plugins_only(
    tenant, user_factory, page_browser, db, registry
):
    from learninghub.db import bind_tenant, system_session
    from learninghub.plugins import TenantPlugins

    learner = user_factory(tenant, "learner")
    page = page_browser(tenant, learner).get("/dashboard")
    assert page.status_int == 200
    assert 'id="w-announcements-latest"' in page.text and "Latest announcements" in page.text
    bind_tenant(db, tenant.id)
    TenantPlugins(registry, db, tenant.orm).disable("announcements")
    system_session(db)
    db.flush()
    registry["tenancy.resolver"].invalidate()
    page = page_browser(tenant, learner).get("/dashboard")
    assert page.status_int == 200 and "Latest announcements" not in page.text


def test_page_has_landmarks_skip_link_and_language_switcher(tenant, user_factory, page_browser):
    page = page_browser(tenant, user_factory(tenant)).get("/dashboard").text
    assert '<a class="lh-skip" href="#content">' in page
    assert '<main id="content"' in page and "<header" in page and "<footer" in page
    assert 'aria-label="Main"' in page
    assert 'name="locale"' in page and '<label for="lh-lang-select">' in page


def test_visitor_display_preferences_live_in_a_cookie(tenant, page_browser):
    b = page_browser(tenant)
    page = b.get("/preferences/display")
    assert page.status_int == 200 and 'class="theme-default"' in page.text
    r = b.submit(page, "/preferences/display", {"high_contrast": "1", "font_scale": "150"})
    assert r.status_int == 303 and b.cookies[DISPLAY_COOKIE] == "hc-1.fs-150"
    after = b.get("/")
    assert 'class="hc theme-default"' in after.text and 'style="font-size: 150%"' in after.text


def test_user_display_preferences_are_remembered_on_the_account(
    tenant, user_factory, page_browser, session_cookie, db
):
    from learninghub.identity import User

    user = user_factory(tenant)
    b = page_browser(tenant, user)
    b.submit(
        b.get("/preferences/display"),
        "/preferences/display",
        {"high_contrast": "1", "font_scale": "125"},
    )
    db.expire_all()
    saved = db.get(User, user.id)
    assert saved.high_contrast is True and saved.font_scale == 125
    # another device (a new session, no display cookie) gets the same display
    other_device = page_browser(tenant, cookie=session_cookie(tenant, user)).get("/dashboard")
    assert (
        'class="hc theme-default"' in other_device.text and "font-size: 125%" in other_device.text
    )


@pytest.mark.parametrize("scale", ["0", "99", "abc", "1000"])
def test_invalid_font_scale_is_refused(tenant, page_browser, scale):
    b = page_browser(tenant)
    r = b.submit(b.get("/preferences/display"), "/preferences/display", {"font_scale": scale})
    assert r.status_int == 422 and DISPLAY_COOKIE not in b.cookies


def test_display_preferences_post_needs_csrf(tenant, page_browser):
    b = page_browser(tenant)
    r = b.submit(
        b.get("/preferences/display"), "/preferences/display", {"font_scale": "125"}, csrf=False
    )
    assert r.status_int in (400, 403) and DISPLAY_COOKIE not in b.cookies


def test_not_found_page_is_themed_and_names_no_internals(tenant, page_browser):
    r = page_browser(tenant).get("/no/such/page")
    assert r.status_int == 404 and "theme-default" in r.text and "Traceback" not in r.text


def test_unknown_host_gets_a_plain_404_naming_no_tenant(client):
    r = client(None, host="nobody.example.org").get("/")
    assert r.status_int == 404 and "Traceback" not in r.text


def test_server_error_page_hides_the_traceback(tenant, page_browser, monkeypatch):
    from learninghub import web

    def boom(request):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(web, "require_tenant", boom)
    r = page_browser(tenant).get("/dashboard")
    assert r.status_int == 500 and "theme-default" in r.text
    assert "secret internals" not in r.text and "Traceback" not in r.text


def test_static_assets_have_busted_urls_and_long_cache(tenant, page_browser):
    page = page_browser(tenant).get("/").text
    import re

    match = re.search(
        r'href="(?:https?://[^/"]+)?(/static/kernel/css/base\.css\?x=[0-9a-f]{12})"', page
    )
    assert match, "base.css is linked with a content hash"
    css = page_browser(tenant).get(match.group(1))
    assert css.status_int == 200 and "max-age=31536000" in css.headers["Cache-Control"]
