"""Fixtures of the announcements tests (the kernel's pytest plugin brings the rest)."""

from __future__ import annotations

import functools
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest

from learninghub.db import bind_tenant, system_session, utcnow
from learninghub.identity import grant_role
from learninghub_announcements.models import Announcement

PLUGIN = "announcements"


@pytest.fixture
def cookie_for(session_cookie):
    """``cookie_for(tenant, user)``: the session ``Cookie`` header value."""
    return session_cookie


@pytest.fixture
def page_client(client, session_cookie):
    """``page_client(tenant, user=None)``: a client signed in with the session cookie."""

    def make(tenant, user=None):
        c = client(tenant)
        if user is not None:
            c.headers["Cookie"] = session_cookie(tenant, user)
        return c

    return make


@pytest.fixture
def plugin_admin(plugin_operator):
    """Change this plugin's enablement or settings for a tenant, as an operator would."""
    return plugin_operator(PLUGIN)


@pytest.fixture
def make_announcement(db):
    """Insert an announcement directly (set-up for tests that are not about creating)."""

    def make(
        tenant,
        author=None,
        status="published",
        title=None,
        body="<p>Hello</p>",
        published_at=None,
        emailed_at=None,
        course=None,
    ):
        now = utcnow()
        if status == "published" and published_at is None:
            published_at = now
        a = Announcement(
            id=uuid.uuid4(),
            tenant_id=tenant.id,
            title=title or f"News {uuid.uuid4().hex[:6]}",
            body=body,
            status=status,
            author_id=author.id if author else None,
            created_at=now - timedelta(minutes=1),
            updated_at=now,
            published_at=published_at,
            emailed_at=emailed_at,
            scope_type="course" if course is not None else None,
            scope_id=str(course.id) if course is not None else None,
        )
        db.add(a)
        db.flush()
        return a

    return make


# ----------------------------------------------------------------- courses (set-up)
# Courses and enrolments are inserted as rows of the courses and enrollment plugins:
# set-up, not behaviour under test (announcements reach them through hooks only).


@pytest.fixture
def make_course(db):
    """``make_course(tenant, instructor=None, assistant=None, status="published")``."""
    from learninghub_courses.models import Course

    def make(tenant, instructor=None, assistant=None, status="published", title=None):
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
        for user, role in ((instructor, "instructor"), (assistant, "teaching_assistant")):
            if user is not None:
                bind_tenant(db, tenant.id)
                try:
                    grant_role(db, user, role, "course", str(course.id))
                finally:
                    system_session(db)
        return course

    return make


@pytest.fixture
def enrol(enrol_directly):
    """``enrol(tenant, course, user, status="active", expires_in=None)``: the enrollment
    plugin's ``enrol_directly`` (``learninghub_enrollment.testing``) with source
    ``admin``."""
    return functools.partial(enrol_directly, source="admin")


@pytest.fixture
def course_world(tenant, user_factory, make_course, enrol):
    """A published course with an instructor, a teaching assistant (a learner
    tenant-wide), an enrolled learner, a learner of another course, and an instructor
    of that other course."""

    w = SimpleNamespace(
        instructor=user_factory(tenant, "instructor"),
        assistant=user_factory(tenant, "learner"),
        learner=user_factory(tenant, "learner"),
        outsider=user_factory(tenant, "learner"),
        other_instructor=user_factory(tenant, "instructor"),
        admin=user_factory(tenant, "admin"),
    )
    w.course = make_course(tenant, instructor=w.instructor, assistant=w.assistant, title="Botany")
    w.other_course = make_course(tenant, instructor=w.other_instructor)
    enrol(tenant, w.course, w.learner)
    enrol(tenant, w.other_course, w.outsider)
    return w
