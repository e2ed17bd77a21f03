"""Browser journey (Playwright + Debian chromium, the app served by waitress on SQLite)
across notifications and gamification — issue 8's acceptance:

1. a learner enrolled in a course signs in: the bell in the header says "1 unread
   notification" (the enrolment) and /achievements shows 0 points;
2. with the dashboard open in one tab, they complete the first lesson in another: the
   dashboard's bell, without a reload, rises to "2 unread notifications" (its poll
   script asks every second here) — the new one says they earned the badge "First
   lesson";
3. /achievements now shows the lesson's points and the badge; the bell's list shows both
   notifications; "Mark all as read" brings the bell to 0.

axe-core finds no serious or critical violation on /notifications and
/account/notifications. Set-up (the tenant with poll_seconds = 1, the admin, the learner,
a published course of two lessons, the enrolment) goes through the kit and the JSON API.
Screenshots: var/screenshots/engagement-*.png (git-ignored)."""

from __future__ import annotations

import pytest

from learninghub.testing.browser import axe_violations, screenshot, sign_in

pytestmark = pytest.mark.slow
expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

PLUGINS = ("courses", "content", "enrollment", "notifications", "gamification")
ADMIN = "ada@engage-journey.example"
LEARNER = "lena@engage-journey.example"
TITLE = "Bird watching"
SLUG = "bird-watching"
#: Playwright's default of 5 s is short for chromium and the app on 2 shared cores
SLOW = 30_000


@pytest.fixture(autouse=True)
def patient_expect():
    expect.set_options(timeout=SLOW)
    yield
    expect.set_options(timeout=5_000)


def created(result: tuple[int, object]) -> dict:
    status, body = result
    assert status in (200, 201), (status, body)
    assert isinstance(body, dict)
    return body


@pytest.fixture(scope="module")
def school(live_app):
    """The tenant (the bell polls every second), a published course of two lessons and
    a learner enrolled in it through the API (so the enrolment notification exists)."""
    from learninghub.plugins import TenantPlugins
    from learninghub.tenancy import Tenant

    tenant = live_app.create_tenant("engage", "Engage Academy", plugins=PLUGINS)
    with live_app.session(tenant) as db:
        TenantPlugins(live_app.registry, db, db.get(Tenant, tenant.id)).enable(
            "notifications", settings={"poll_seconds": 1}
        )
    admin = live_app.create_user(tenant, ADMIN, roles=("admin",), display_name="Ada Admin")
    learner = live_app.create_user(tenant, LEARNER, display_name="Lena Learner")
    course = created(
        live_app.api(tenant, "POST", "/api/v1/courses", {"title": TITLE, "slug": SLUG}, admin)
    )
    base = f"/api/v1/courses/{course['id']}"
    section = created(live_app.api(tenant, "POST", base + "/sections", {"title": "Basics"}, admin))
    for title in ("Binoculars", "Field notes"):
        lesson = {"section_id": section["id"], "title": title, "publish": True}
        created(live_app.api(tenant, "POST", base + "/lessons", lesson, admin))
    created(live_app.api(tenant, "POST", base + "/submit", None, admin))
    created(live_app.api(tenant, "POST", base + "/enrollment", {}, learner))
    return tenant


def test_learner_sees_the_bell_and_points_rise(school, browser_page):
    page = browser_page
    base = school.base
    sign_in(page, base, LEARNER)

    page.goto(base + "/achievements")
    points = page.locator("dl.gamification-summary dd").first
    expect(points).to_have_text("0")
    bell = page.get_by_role("link", name="Notifications: 1 unread notification")
    expect(bell).to_be_visible()
    expect(page.locator("#lh-bell-count")).to_have_attribute("aria-live", "polite")

    # the dashboard stays open while the lesson is completed in another tab
    page.goto(base + "/dashboard")
    count = page.locator("#lh-bell-count")
    expect(count).to_have_text("1 unread notification")
    lesson_tab = page.context.new_page()
    lesson_tab.goto(f"{base}/courses/{SLUG}/learn")
    expect(lesson_tab.get_by_role("heading", name="Binoculars")).to_be_visible()
    with lesson_tab.expect_navigation():
        lesson_tab.get_by_role("button", name="Mark complete").click()
    expect(lesson_tab.get_by_text("You completed this lesson.")).to_be_visible()
    lesson_tab.close()

    # the poll script updates the open page without a reload
    expect(count).to_have_text("2 unread notifications")
    screenshot(page, "engagement-bell")

    page.goto(base + "/achievements")
    # the lesson_completed rule's 10 points (a first day continues no streak)
    expect(points).to_have_text("10")
    badges = page.get_by_role("region", name="My badges")
    expect(badges.get_by_role("link", name="First lesson", exact=True)).to_be_visible()

    page.get_by_role("link", name="Notifications: 2 unread notifications").click()
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    items = page.locator("li.lh-notification")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("You earned the badge “First lesson”")
    expect(items.nth(1)).to_contain_text(f"You are enrolled in “{TITLE}”")
    assert axe_violations(page) == []
    screenshot(page, "engagement-notifications")

    with page.expect_navigation():
        page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_role("status")).to_have_text("All notifications marked as read.")
    expect(page.locator("#lh-bell-count")).to_have_text("0 unread notifications")

    page.goto(base + "/account/notifications")
    expect(page.get_by_role("heading", name="Notification settings", level=1)).to_be_visible()
    assert axe_violations(page) == []
