"""Fixtures shared by every part of the assessment tests (the kernel's pytest plugin
brings the rest; each part's folder may add its own conftest.py).

Courses and lessons are set up by inserting rows of the courses and content plugins
directly: set-up, not behaviour under test (the plugin itself only reaches them
through their services and hooks).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import sqlalchemy as sa

from learninghub.db import bind_tenant, system_session, utcnow
from learninghub.identity import grant_role

PLUGIN = "assessment"


@dataclass
class CourseSetup:
    course: object
    lessons: list = field(default_factory=list)
    sections: list = field(default_factory=list)

    @property
    def id(self):
        return self.course.id


@pytest.fixture
def make_course(db):
    """``make_course(tenant, lessons=3, price_minor=0, status="published",
    instructor=None, assistant=None, drafts=0, sections=1, lesson_types=None)``: a
    course with published lessons (and ``drafts`` unpublished ones after them);
    ``lesson_types[i]`` is the type of lesson i (default ``text``)."""
    from learninghub_content.models import CourseSection, Lesson, LessonVersion
    from learninghub_courses.models import Course

    def make(
        tenant,
        lessons: int = 3,
        price_minor: int = 0,
        status: str = "published",
        instructor=None,
        assistant=None,
        drafts: int = 0,
        title: str | None = None,
        sections: int = 1,
        lesson_types: list[str] | None = None,
    ) -> CourseSetup:
        now = utcnow()
        slug = f"c-{uuid.uuid4().hex[:8]}"
        course = Course(
            id=uuid.uuid4(),
            tenant_id=tenant.id,
            slug=slug,
            title=title or f"Course {slug}",
            price_minor=price_minor,
            currency="EUR",
            status=status,
            created_at=now,
            updated_at=now,
            published_at=now if status == "published" else None,
        )
        db.add(course)
        db.flush()
        setup = CourseSetup(course)
        per_section = max(1, -(-(lessons + drafts) // sections)) if lessons + drafts else 1
        section_rows = []
        for s in range(sections):
            section = CourseSection(
                id=uuid.uuid4(), tenant_id=tenant.id, course_id=course.id, title=f"S{s}", position=s
            )
            db.add(section)
            section_rows.append(section)
        db.flush()
        setup.sections = section_rows
        for i in range(lessons + drafts):
            published = i < lessons
            lesson_id = uuid.uuid4()
            version_id = uuid.uuid4()
            section = section_rows[min(i // per_section, sections - 1)]
            lesson = Lesson(
                id=lesson_id,
                tenant_id=tenant.id,
                course_id=course.id,
                section_id=section.id,
                title=f"Lesson {i + 1}",
                slug=f"lesson-{i + 1}",
                type=(lesson_types or [])[i] if i < len(lesson_types or []) else "text",
                position=i,
                status="published" if published else "draft",
                published_version_id=version_id if published else None,
                updated_at=now,
            )
            db.add(lesson)
            db.flush()
            db.add(
                LessonVersion(
                    id=version_id,
                    tenant_id=tenant.id,
                    lesson_id=lesson_id,
                    number=1,
                    body=f"<p>Body {i + 1}</p>",
                    created_at=now,
                )
            )
            db.flush()
            if published:
                setup.lessons.append(lesson)
        for user, role in ((instructor, "instructor"), (assistant, "teaching_assistant")):
            if user is not None:
                bind_tenant(db, tenant.id)
                try:
                    grant_role(db, user, role, "course", str(course.id))
                finally:
                    system_session(db)
        return setup

    return make


@pytest.fixture
def course_row(db):
    """``course_row(course_id)``: the course re-read from the database (counters)."""
    from learninghub_courses.models import Course

    def read(course_id):
        db.expire_all()
        return db.scalar(sa.select(Course).where(Course.id == course_id))

    return read


@pytest.fixture
def enrollment_row(db):
    """``enrollment_row(course_id, user)``: the enrolment as stored, or None."""
    from learninghub_enrollment.models import Enrollment

    def read(course_id, user):
        db.expire_all()
        return db.scalar(
            sa.select(Enrollment).where(
                Enrollment.course_id == course_id, Enrollment.user_id == user.id
            )
        )

    return read


@pytest.fixture
def enrol_directly(db):
    """``enrol_directly(tenant, course, user, status="active", expires_in=None,
    starts_in=None, source="free")``: an enrolment row inserted as set-up (the
    course counter is not touched)."""
    from learninghub_enrollment.models import Enrollment

    def make(
        tenant,
        course,
        user,
        status="active",
        expires_in: timedelta | None = None,
        starts_in: timedelta | None = None,
        source="free",
        enrolled_at=None,
    ):
        now = utcnow()
        e = Enrollment(
            id=uuid.uuid4(),
            tenant_id=tenant.id,
            course_id=course.id,
            user_id=user.id,
            status=status,
            source=source,
            enrolled_at=enrolled_at or now,
            starts_at=now + starts_in if starts_in is not None else None,
            expires_at=now + expires_in if expires_in is not None else None,
            progress_percent=0,
        )
        db.add(e)
        db.flush()
        return e

    return make


@pytest.fixture
def plugin_admin(plugin_operator):
    """Change this plugin's enablement or settings for a tenant, as an operator would."""
    return plugin_operator(PLUGIN)


@pytest.fixture
def run_task(registry):
    """``run_task(tenant, name, **kwargs)`` runs a task as a worker would."""
    import learninghub.tasks

    def run(tenant, name, **kwargs):
        return learninghub.tasks.run_task(registry, name, str(tenant.id), kwargs)

    return run


@pytest.fixture
def dispatched(monkeypatch):
    """Task messages handed to the back end (instead of running them)."""
    import learninghub.tasks

    messages = []
    monkeypatch.setattr(learninghub.tasks, "dispatch", lambda registry, m: messages.append(m))
    return messages
