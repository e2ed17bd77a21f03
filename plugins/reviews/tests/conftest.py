"""Fixtures of the reviews tests (the kernel's pytest plugin brings the rest).

Courses and lessons are set up by inserting rows of the courses and content plugins
directly (set-up, not behaviour under test: the enrollment plugin's ``make_course``;
``course_row`` comes from there too); enrolments and progress go through the
enrollment plugin's API, as a learner would."""

from __future__ import annotations

import functools
import uuid

import pytest

from learninghub.hookspecs import hookimpl

PLUGIN = "reviews"


@pytest.fixture
def make_course(make_course):
    """The enrollment plugin's ``make_course`` (``learninghub_enrollment.testing``) with
    two lessons by default → a :class:`~learninghub_enrollment.testing.CourseSetup`
    (``.course``, ``.lessons``: the published lessons)."""
    return functools.partial(make_course, lessons=2)


@pytest.fixture
def learner_in(user_factory, client):
    """``learner_in(tenant, course, progress=0, role="learner")`` → ``(user, client)`` of
    a user enrolled through the API, with that many lessons completed."""

    def make(tenant, course, completed: int = 0, role: str = "learner"):
        user = user_factory(tenant, role)
        c = client(tenant, user)
        r = c.post_json(f"/api/v1/courses/{course.id}/enrollment", {})
        assert r.status_int == 201, r.text
        for lesson in course.lessons[:completed]:
            r = c.post_json(f"/api/v1/lessons/{lesson.id}/progress", {"completed": True})
            assert r.status_int == 200, r.text
        return user, c

    return make


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
