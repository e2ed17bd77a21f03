"""Browser test (Playwright + Debian chromium): an enrolled learner writes a review
with the keyboard on /courses/{slug}/reviews, the landing page shows the summary, and
the instructor replies. axe-core clean, in English and in Arabic (right to left).

Screenshots: var/screenshots/reviews-*.png (git-ignored)."""

from __future__ import annotations

import uuid

import pytest

from learninghub.testing.browser import axe_violations, screenshot, sign_in

pytestmark = pytest.mark.slow

PLUGINS = ("courses", "media", "content", "enrollment", "reviews")


@pytest.fixture(scope="module")
def school(live_app):
    from learninghub.db import utcnow
    from learninghub.identity import User, grant_role
    from learninghub_courses.models import Course

    tenant = live_app.create_tenant("reviewb", "Review Academy", plugins=PLUGINS)
    instructor = live_app.create_user(tenant, "teacher@example.org", roles=("instructor",))
    learners = {
        email: live_app.create_user(tenant, email, display_name=name, locale=locale)
        for email, name, locale in (
            ("ana@example.org", "Ana", ""),
            ("omar@example.org", "Omar", "ar"),
        )
    }
    course_id = uuid.uuid4()
    with live_app.session(tenant) as db:
        now = utcnow()
        db.add(
            Course(
                id=course_id,
                slug="glazes",
                title="Glazes",
                status="published",
                created_at=now,
                updated_at=now,
                published_at=now,
            )
        )
        db.flush()
        grant_role(db, db.get(User, instructor), "instructor", "course", str(course_id))
    for user_id in learners.values():
        status, body = live_app.api(
            tenant, "POST", f"/api/v1/courses/{course_id}/enrollment", {}, user_id
        )
        assert status == 201, body
    status, body = live_app.api(
        tenant,
        "POST",
        f"/api/v1/courses/{course_id}/reviews",
        {"rating": 4, "body": "Colourful and clear."},
        learners["omar@example.org"],
    )
    assert status == 201, body
    return {"tenant": tenant, "base": tenant.base}


def test_learner_reviews_by_keyboard_and_instructor_replies(school, browser_page):
    page = browser_page
    base = school["base"]
    sign_in(page, base, "ana@example.org")
    page.goto(base + "/courses/glazes/reviews")
    assert axe_violations(page) == []
    page.get_by_role("radio", name="5 stars").focus()
    page.keyboard.press("Space")
    page.get_by_label("Your review (optional)").fill("The best pottery course.")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish my review").press("Enter")
    assert page.get_by_text("The best pottery course.").count() >= 1
    assert "4.5" in page.locator(".reviews-summary").first.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "reviews-page")
    page.goto(base + "/courses/glazes")
    section = page.locator(".reviews-summary").first
    assert "2 reviews" in section.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "reviews-landing")
    page.context.clear_cookies()
    sign_in(page, base, "teacher@example.org")
    page.goto(base + "/courses/glazes/reviews")
    page.get_by_label("Your public reply").first.fill("Thank you!")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the reply").first.click()
    assert page.get_by_text("Reply from the course team").count() == 1
    assert axe_violations(page) == []


def test_arabic_reviews_page_is_right_to_left(school, browser_page):
    page = browser_page
    sign_in(page, school["base"], "omar@example.org")
    page.goto(school["base"] + "/courses/glazes/reviews")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h2#my-review").inner_text() == "مراجعتك"
    assert axe_violations(page) == []
    screenshot(page, "reviews-page-ar")
