"""Fixtures of the reviews tests (the kernel's pytest plugin brings the rest).

Courses and lessons are set up by inserting rows of the courses and content plugins
directly (set-up, not behaviour under test); enrolments and progress go through the
enrollment plugin's API, as a learner would."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from learninghub.db import bind_tenant, system_session, utcnow
from learninghub.hookspecs import hookimpl
from learninghub.identity import grant_role

PLUGIN = "reviews"


@pytest.fixture
def make_course(db):
    """``make_course(tenant, lessons=2, status="published", instructor=None,
    assistant=None, title=None)`` → the course (``.lessons``: published lessons)."""
    from learninghub_content.models import CourseSection, Lesson, LessonVersion
    from learninghub_courses.models import Course

    def make(tenant, lessons=2, status="published", instructor=None, assistant=None, title=None):
        now = utcnow()
        slug = f"c-{uuid.uuid4().hex[:8]}"
        course = Course(
            id=uuid.uuid4(),
            tenant_id=tenant.id,
            slug=slug,
            title=title or f"Course {slug}",
            status=status,
            created_at=now,
            updated_at=now,
            published_at=now if status == "published" else None,
        )
        db.add(course)
        db.flush()
        section = CourseSection(
            id=uuid.uuid4(), tenant_id=tenant.id, course_id=course.id, title="S"
        )
        db.add(section)
        db.flush()
        course_lessons = []
        for i in range(lessons):
            lesson_id, version_id = uuid.uuid4(), uuid.uuid4()
            lesson = Lesson(
                id=lesson_id,
                tenant_id=tenant.id,
                course_id=course.id,
                section_id=section.id,
                title=f"Lesson {i + 1}",
                slug=f"lesson-{i + 1}",
                position=i,
                status="published",
                published_version_id=version_id,
                updated_at=now,
            )
            db.add(lesson)
            db.flush()
            db.add(
                LessonVersion(
                    id=version_id, tenant_id=tenant.id, lesson_id=lesson_id, body="<p>x</p>"
                )
            )
            db.flush()
            course_lessons.append(lesson)
        for user, role in ((instructor, "instructor"), (assistant, "teaching_assistant")):
            if user is not None:
                bind_tenant(db, tenant.id)
                try:
                    grant_role(db, user, role, "course", str(course.id))
                finally:
                    system_session(db)
        course.lessons_for_tests = course_lessons
        return course

    return make


@pytest.fixture
def learner_in(user_factory, client):
    """``learner_in(tenant, course, progress=0, role="learner")`` → ``(user, client)`` of
    a user enrolled through the API, with that many lessons completed."""

    def make(tenant, course, completed: int = 0, role: str = "learner"):
        user = user_factory(tenant, role)
        c = client(tenant, user)
        r = c.post_json(f"/api/v1/courses/{course.id}/enrollment", {})
        assert r.status_int == 201, r.text
        for lesson in course.lessons_for_tests[:completed]:
            r = c.post_json(f"/api/v1/lessons/{lesson.id}/progress", {"completed": True})
            assert r.status_int == 200, r.text
        return user, c

    return make


@pytest.fixture
def course_row(db):
    from learninghub_courses.models import Course

    def read(course_id):
        db.expire_all()
        return db.scalar(sa.select(Course).where(Course.id == course_id))

    return read


@pytest.fixture
def plugin_admin(plugin_operator):
    """Change this plugin's enablement or settings for a tenant, as an operator would."""
    return plugin_operator(PLUGIN)


class Moderation:
    """A stand-in moderation plugin: records reports, hides reviews reported as spam."""

    def __init__(self):
        self.reports = []

    @hookimpl
    def learninghub_reviews_reported(self, request, review, report):
        from learninghub_reviews.services import set_hidden

        self.reports.append((review.id, report.reason, request.tm.get().status))
        if report.reason == "spam spam spam":
            set_hidden(request, review, True)


@pytest.fixture
def moderation(registry):
    pm = registry["plugins"].pm
    name = f"test-moderation-{uuid.uuid4().hex[:6]}"
    recorder = Moderation()
    pm.register(recorder, name=name)
    try:
        yield recorder
    finally:
        pm.unregister(name=name)
