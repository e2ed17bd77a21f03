"""Browser test (Playwright + Debian chromium): the lesson player and the curriculum
editor as a person uses them — keyboard only, without JavaScript of ours, axe-core
clean, in English and in Arabic (right to left).

Screenshots: var/screenshots/content-*.png (git-ignored)."""

from __future__ import annotations

import uuid

import pytest

from learninghub.testing.browser import axe_violations, screenshot, sign_in, tab_through

pytestmark = pytest.mark.slow

PLUGINS = ("courses", "media", "content")


@pytest.fixture(scope="module")
def academy(live_app):
    """A tenant with a published course of two sections (one free preview)."""
    from learninghub.db import utcnow
    from learninghub.identity import User, grant_role
    from learninghub_courses.models import Course

    tenant = live_app.create_tenant("contentb", "Content Academy", plugins=PLUGINS)
    instructor = live_app.create_user(tenant, "teacher@example.org", roles=("instructor",))
    live_app.create_user(tenant, "arabic@example.org", locale="ar")
    course_id = uuid.uuid4()
    with live_app.session(tenant) as db:
        now = utcnow()
        db.add(
            Course(
                id=course_id,
                slug="algebra",
                title="Algebra basics",
                status="published",
                created_at=now,
                updated_at=now,
                published_at=now,
            )
        )
        db.flush()
        grant_role(db, db.get(User, instructor), "instructor", "course", str(course_id))
    base = f"/api/v1/courses/{course_id}"
    lessons = []
    for title, items in (
        ("Getting started", [("Welcome", True, "<p>Welcome to <strong>algebra</strong>.</p>")]),
        (
            "Core ideas",
            [("Numbers", False, "<p>Numbers.</p>"), ("Fractions", False, "<p>Halves</p>")],
        ),
    ):
        status, section = live_app.api(
            tenant, "POST", base + "/sections", {"title": title}, instructor
        )
        assert status == 201, section
        for lesson_title, free, body in items:
            status, lesson = live_app.api(
                tenant,
                "POST",
                base + "/lessons",
                {
                    "section_id": section["id"],
                    "title": lesson_title,
                    "body": body,
                    "is_free_preview": free,
                    "duration_s": 300,
                    "publish": True,
                },
                instructor,
            )
            assert status == 201, lesson
            lessons.append(lesson)
    return {
        "tenant": tenant,
        "base": tenant.base,
        "course_id": course_id,
        "lessons": lessons,
    }


def test_free_preview_by_keyboard_without_violations(academy, browser_page):
    page = browser_page
    page.goto(academy["base"] + "/courses/algebra/learn/welcome")
    assert page.locator("h1#lesson-title").inner_text() == "Welcome"
    current = page.locator("nav.lh-curriculum [aria-current=page]")
    assert current.inner_text() == "Welcome"
    assert axe_violations(page) == []
    stops = tab_through(page, 60)
    assert stops and all(s.ring for s in stops if s.visible), [str(s) for s in stops]
    names = [s.name for s in stops]
    assert "Welcome" in names  # the sidebar is reachable
    screenshot(page, "content-player-preview")


def test_instructor_edits_the_curriculum_by_keyboard(academy, browser_page):
    page = browser_page
    sign_in(page, academy["base"], "teacher@example.org")
    page.goto(f"{academy['base']}/teach/courses/{academy['course_id']}/curriculum")
    assert axe_violations(page) == []
    page.locator("#new-section").fill("Practice")
    with page.expect_navigation():
        page.locator("#new-section").press("Enter")
    assert page.locator("h2", has_text="Practice").count() == 1
    # move "Fractions" up with the keyboard: focus its button, press Enter
    button = page.get_by_role("button", name="Move Fractions up")
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    items = page.locator("section.lh-editor-section li .lesson-title a").all_inner_texts()
    assert items.index("Fractions") < items.index("Numbers")
    screenshot(page, "content-editor")
    page.goto(academy["base"] + "/courses/algebra/learn/numbers?preview=1")
    assert "Preview:" in page.content()
    assert axe_violations(page) == []


def test_arabic_player_is_right_to_left(academy, browser_page):
    page = browser_page
    sign_in(page, academy["base"], "arabic@example.org")
    page.goto(academy["base"] + "/courses/algebra/learn/welcome")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "منهج الدورة" in page.locator("nav.lh-curriculum").get_attribute("aria-label")
    assert axe_violations(page) == []
    screenshot(page, "content-player-ar")
