"""Fixtures of the courses tests (the kernel's pytest plugin brings the rest)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from learninghub.db import bind_tenant, system_session, utcnow
from learninghub.identity import grant_role
from learninghub_courses.models import Course, CourseCategory

PLUGIN = "courses"


def course_body(**overrides):
    body = {
        "title": "Python for beginners",
        "slug": f"python-{uuid.uuid4().hex[:8]}",
        "subtitle": "From zero to scripts",
        "description": "<p>Learn <strong>Python</strong>.</p>",
        "tags": ["python", "programming"],
        "level": "beginner",
        "language": "en",
        "price_minor": 0,
        "currency": "EUR",
    }
    body.update(overrides)
    return body


@pytest.fixture
def plugin_admin(plugin_operator):
    """Change this plugin's enablement or settings for a tenant, as an operator would."""
    return plugin_operator(PLUGIN)


@pytest.fixture
def make_course(db):
    """Insert a course directly (set-up for tests that are not about creating);
    ``instructor`` gets the course role."""

    counter = iter(range(1_000_000))

    def make(tenant, instructor=None, status="published", **fields):
        now = utcnow()
        n = next(counter)
        values = {
            "title": f"Course {n}",
            "slug": f"course-{n}-{uuid.uuid4().hex[:6]}",
            "level": "beginner",
            "language": "en",
            "price_minor": 0,
            "currency": "EUR",
            "tags": [],
            "created_at": now - timedelta(minutes=n),
            "updated_at": now,
            "published_at": (now - timedelta(minutes=n)) if status == "published" else None,
        }
        values.update(fields)
        course = Course(id=uuid.uuid4(), tenant_id=tenant.id, status=status, **values)
        db.add(course)
        db.flush()
        if instructor is not None:
            bind_tenant(db, tenant.id)
            try:
                grant_role(db, instructor, "instructor", "course", str(course.id))
            finally:
                system_session(db)
        return course

    return make


@pytest.fixture
def make_category(db):
    def make(tenant, name, slug=None, parent=None, position=0):
        category = CourseCategory(
            id=uuid.uuid4(),
            tenant_id=tenant.id,
            name=name,
            slug=slug or name.lower().replace(" ", "-"),
            parent_id=parent.id if parent else None,
            position=position,
        )
        db.add(category)
        db.flush()
        return category

    return make


@pytest.fixture
def admin(tenant, user_factory):
    return user_factory(tenant, "admin")


@pytest.fixture
def instructor(tenant, user_factory):
    return user_factory(tenant, "instructor")


@pytest.fixture
def learner(tenant, user_factory):
    return user_factory(tenant, "learner")


def add_lesson(client, tenant, user, course_id):
    """A published text lesson made by ``user`` through the content plugin's API, so that
    the course may go to review or be published (content answers
    ``learninghub_courses_publish_problems`` for courses without one). None when content
    is not enabled for the tenant (its routes answer 404; the caller sees the course)."""
    c = client(tenant, user)
    base = f"/api/v1/courses/{course_id}"
    section = c.post_json(base + "/sections", {"title": "Basics"})
    if section.status_int == 404:
        return None
    assert section.status_int == 201, section.text
    lesson = c.post_json(
        base + "/lessons",
        {
            "section_id": section.json["id"],
            "title": "First steps",
            "body": "<p>Hello</p>",
            "publish": True,
        },
    )
    assert lesson.status_int == 201, lesson.text
    return lesson.json


@pytest.fixture
def give_lesson(client):
    """``give_lesson(tenant, user, course_id)``: :func:`add_lesson` with this test's client."""

    def give(tenant, user, course_id):
        return add_lesson(client, tenant, user, course_id)

    return give
