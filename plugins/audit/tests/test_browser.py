"""The audit pages in a real browser (Playwright + Debian chromium, the app served by
waitress): an admin signs in, finds the sign-in in the trail, filters by keyboard,
downloads the CSV (which then appears in the trail), checks the chain; axe-core finds
no serious WCAG 2.2 A/AA violation on the pages, intact or broken, in both themes.
Screenshots: var/screenshots/audit-*.png."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from zope.sqlalchemy import mark_changed

from learninghub.testing.browser import axe_violations, screenshot, sign_in

pytestmark = pytest.mark.slow

PAGES = ("/admin/audit", "/admin/audit/verify", "/admin/audit/retention")


@pytest.fixture(scope="module")
def world(live_app):
    tenants = {}
    for theme in ("default", "campus"):
        t = live_app.create_tenant(f"aud{theme}", plugins=["audit"], theme=theme)
        live_app.create_user(t, f"boss@{theme}.example", roles=("admin",))
        tenants[theme] = t
    return tenants


def test_admin_reads_filters_exports_and_checks_the_trail(live_app, world, browser_page):
    page = browser_page
    tenant = world["default"]
    sign_in(page, tenant.base, "boss@default.example")
    page.goto(tenant.base + "/admin")
    with page.expect_navigation():
        page.get_by_role("link", name="Audit log").click()
    assert page.url.endswith("/admin/audit")
    row = page.locator("table.lh-audit tbody tr").first
    assert "accounts.signin.succeeded" in row.inner_text()
    assert "boss@default.example" in row.inner_text()
    screenshot(page, "audit-trail")

    # filter with the keyboard only
    page.get_by_label("Action").focus()
    page.keyboard.type("tenant.")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "action=tenant." in page.url
    assert page.locator("table.lh-audit").count() == 0
    assert "No audit rows match." in page.inner_text("main")

    page.goto(tenant.base + "/admin/audit")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    text = open(download.value.path(), encoding="utf-8").read()
    assert text.startswith("seq,id,tenant_id,kind,occurred_at,action")
    assert "accounts.signin.succeeded" in text
    page.reload()
    assert "audit.events.exported" in page.locator("table.lh-audit tbody tr").first.inner_text()

    with page.expect_navigation():
        page.get_by_role("link", name="Check the chain").click()
    assert page.locator("#audit-verify-ok").is_visible()
    screenshot(page, "audit-verify-ok")


@pytest.mark.parametrize("theme", ["default", "campus"])
def test_pages_pass_axe_intact_and_broken(live_app, world, browser_page, theme):
    page = browser_page
    tenant = world[theme]
    sign_in(page, tenant.base, f"boss@{theme}.example")
    for path in PAGES:
        page.goto(tenant.base + path)
        assert axe_violations(page) == [], path
    with live_app.session() as db:
        db.execute(
            sa.text("UPDATE audit_events SET ip = '198.51.100.9' WHERE tenant_id = :t AND seq = 1"),
            {"t": tenant.id.hex},
        )
        mark_changed(db)  # raw SQL: tell the transaction there is something to commit
    page.goto(tenant.base + "/admin/audit/verify")
    assert "The chain is broken at row 1" in page.inner_text("main")
    assert axe_violations(page) == []
    screenshot(page, f"audit-verify-broken-{theme}")
