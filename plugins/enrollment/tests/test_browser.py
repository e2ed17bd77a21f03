"""Browser test (Playwright + Debian chromium): a learner enrols in a free course from
its landing page, plays a lesson, marks it complete, sees the progress on the
dashboard and resumes where they left off; the instructor reads the roster. axe-core
clean on every page of the plugin, in English and in Arabic (right to left).

Screenshots: var/screenshots/enrollment-*.png (git-ignored)."""

from __future__ import annotations

import uuid

import pytest

from learninghub.testing.browser import axe_violations, screenshot, sign_in, tab_through

pytestmark = pytest.mark.slow

PLUGINS = ("courses", "media", "content", "enrollment")


@pytest.fixture(scope="module")
def school(live_app):
    """A tenant with a free published course of three lessons and its instructor."""
    from learninghub.db import utcnow
    from learninghub.identity import User, grant_role
    from learninghub_courses.models import Course

    tenant = live_app.create_tenant("enrolb", "Enrol Academy", plugins=PLUGINS)
    instructor = live_app.create_user(tenant, "teacher@example.org", roles=("instructor",))
    live_app.create_user(tenant, "learner@example.org", display_name="Lea Learner")
    live_app.create_user(tenant, "arabic@example.org", locale="ar")
    course_id = uuid.uuid4()
    with live_app.session(tenant) as db:
        now = utcnow()
        db.add(
            Course(
                id=course_id,
                slug="pottery",
                title="Pottery for beginners",
                status="published",
                created_at=now,
                updated_at=now,
                published_at=now,
            )
        )
        db.flush()
        grant_role(db, db.get(User, instructor), "instructor", "course", str(course_id))
    base = f"/api/v1/courses/{course_id}"
    status, section = live_app.api(
        tenant, "POST", base + "/sections", {"title": "Clay"}, instructor
    )
    assert status == 201, section
    for title in ("Wedging", "Centering", "Throwing"):
        status, lesson = live_app.api(
            tenant,
            "POST",
            base + "/lessons",
            {
                "section_id": section["id"],
                "title": title,
                "body": f"<p>{title}.</p>",
                "publish": True,
            },
            instructor,
        )
        assert status == 201, lesson
    return {"tenant": tenant, "base": tenant.base, "course_id": course_id}


def test_learner_enrols_learns_and_resumes(school, browser_page):
    page = browser_page
    base = school["base"]
    sign_in(page, base, "learner@example.org")
    page.goto(base + "/courses/pottery")
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.get_by_role("button", name="Enrol").click()
    # continue: straight into the first lesson
    assert page.url.endswith("/courses/pottery/learn/wedging"), page.url
    with page.expect_navigation():
        page.get_by_role("button", name="Mark complete").click()
    assert page.get_by_text("You completed this lesson.").count() == 1
    assert axe_violations(page) == []
    page.goto(base + "/dashboard")
    widget = page.locator("#w-enrollment-my-learning").locator("xpath=..")
    bar = widget.get_by_label("Progress")
    assert bar.get_attribute("value") == "33"
    assert axe_violations(page) == []
    screenshot(page, "enrollment-dashboard")
    page.goto(base + "/my-learning")
    assert axe_violations(page) == []
    stops = tab_through(page, 40)
    assert "Continue where you left off" in [s.name for s in stops]
    assert all(s.ring for s in stops if s.visible), [str(s) for s in stops]
    with page.expect_navigation():
        page.get_by_role("link", name="Continue where you left off").click()
    # "Wedging" is done: on to the next lesson
    assert page.url.endswith("/courses/pottery/learn/centering"), page.url
    screenshot(page, "enrollment-my-learning")


def test_instructor_reads_the_roster(school, browser_page):
    page = browser_page
    sign_in(page, school["base"], "teacher@example.org")
    page.goto(f"{school['base']}/teach/courses/{school['course_id']}/roster")
    assert page.locator("h1").inner_text() == "Learners of Pottery for beginners"
    assert axe_violations(page) == []
    screenshot(page, "enrollment-roster")


def test_arabic_my_learning_is_right_to_left(school, browser_page):
    page = browser_page
    sign_in(page, school["base"], "arabic@example.org")
    page.goto(school["base"] + "/courses/pottery")
    with page.expect_navigation():
        page.get_by_role("button", name="تسجيل").click()
    page.goto(school["base"] + "/my-learning")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h1").inner_text() == "تعلّمي"
    assert axe_violations(page) == []
    screenshot(page, "enrollment-my-learning-ar")
