"""The enrollment plugin's pytest plugin (entry point ``pytest11``): catalog set-up
fixtures for the tests of every plugin that builds on courses, content and enrollment.

Courses, sections, lessons and enrolments are inserted as rows of the courses, content
and enrollment plugins: set-up, not behaviour under test. The models are imported
inside the fixtures, when a test asks for one.

``make_course(tenant, lessons=3, ...)``   a course with sections and lessons
``course_row(course_id)``                 the course re-read from the database
``enrollment_row(course_id, user)``       the enrolment as stored, or None
``enrol_directly(tenant, course, user, ...)``   an enrolment row inserted as set-up

A plugin whose tests want another default overrides the fixture in its conftest.py
and asks for this one, e.g. ``functools.partial(make_course, lessons=2)``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from learninghub.db import bind_tenant, system_session, utcnow
from learninghub.identity import grant_role


@dataclass
class CourseSetup:
    """What ``make_course`` made: the ``Course`` row, its published lessons in order
    and its sections in order; ``id`` is the course's."""

    course: Any
    lessons: list = field(default_factory=list)
    sections: list = field(default_factory=list)

    @property
    def id(self) -> uuid.UUID:
        return self.course.id


@pytest.fixture
def make_course(db) -> Callable[..., CourseSetup]:
    """``make_course(tenant, lessons=3, price_minor=0, status="published",
    instructor=None, assistant=None, drafts=0, title=None, sections=1,
    lesson_types=None)`` → :class:`CourseSetup`: a course (EUR, ``title`` or "Course
    <slug>") with ``sections`` sections ("S0", "S1", …) holding, spread evenly and in
    order, ``lessons`` published lessons then ``drafts`` unpublished ones ("Lesson
    <n>", slug ``lesson-<n>``, one version with body ``<p>Body <n></p>``);
    ``lesson_types[i]`` is the type of lesson i (default ``text``). ``instructor`` and
    ``assistant`` get the course's ``instructor`` and ``teaching_assistant`` roles."""
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
        lesson_types: Sequence[str] | None = None,
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
        types = list(lesson_types or [])
        per_section = max(1, -(-(lessons + drafts) // sections)) if lessons + drafts else 1
        for s in range(sections):
            section = CourseSection(
                id=uuid.uuid4(), tenant_id=tenant.id, course_id=course.id, title=f"S{s}", position=s
            )
            db.add(section)
            setup.sections.append(section)
        db.flush()
        for i in range(lessons + drafts):
            published = i < lessons
            lesson_id = uuid.uuid4()
            version_id = uuid.uuid4()
            section = setup.sections[min(i // per_section, sections - 1)]
            lesson = Lesson(
                id=lesson_id,
                tenant_id=tenant.id,
                course_id=course.id,
                section_id=section.id,
                title=f"Lesson {i + 1}",
                slug=f"lesson-{i + 1}",
                type=types[i] if i < len(types) else "text",
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
def course_row(db) -> Callable[[Any], Any]:
    """``course_row(course_id)``: the ``Course`` re-read from the database (after
    ``expire_all``, so counters such as ratings and enrolments are fresh), or None."""
    from learninghub_courses.models import Course

    def read(course_id):
        db.expire_all()
        return db.scalar(sa.select(Course).where(Course.id == course_id))

    return read


@pytest.fixture
def enrollment_row(db) -> Callable[[Any, Any], Any]:
    """``enrollment_row(course_id, user)``: the user's ``Enrollment`` in the course as
    stored (re-read after ``expire_all``), or None."""
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
def enrol_directly(db) -> Callable[..., Any]:
    """``enrol_directly(tenant, course, user, status="active", expires_in=None,
    starts_in=None, source="free", enrolled_at=None)`` → the ``Enrollment``: a row
    inserted as set-up, at 0 % progress, with access from ``now + starts_in`` to ``now +
    expires_in`` (open-ended when None). No event is emitted and the course's counter
    is not touched."""
    from learninghub_enrollment.models import Enrollment

    def make(
        tenant,
        course,
        user,
        status: str = "active",
        expires_in: timedelta | None = None,
        starts_in: timedelta | None = None,
        source: str = "free",
        enrolled_at: datetime | None = None,
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
