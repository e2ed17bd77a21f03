"""Fixtures of the player tests: a published course whose first lesson (video or
audio) uses a ready stream (the shared ``ready_stream``: real HLS files), a text lesson
after it, the course's instructor, an enrolled learner, an outsider (same tenant, not
enrolled) and another tenant's admin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

VTT = "WEBVTT\n\n00:00:00.500 --> 00:00:01.500\nFirst cue\n"


@dataclass
class World:
    tenant: Any
    other_tenant: Any
    instructor: Any
    learner: Any
    outsider: Any
    foreign_admin: Any
    course: Any
    lesson: Any
    text_lesson: Any
    asset: Any
    stream: Any
    enrollment: Any

    def url(self, lesson=None) -> str:
        lesson = lesson or self.lesson
        return f"/courses/{self.course.slug}/learn/{lesson.slug}"


@pytest.fixture
def make_world(
    db,
    tenant,
    other_tenant,
    user_factory,
    make_course,
    enrol_directly,
    kind_asset,
    use_asset,
    ready_stream,
):
    """``make_world(kind="video", ready=True)``: the world around a stream of
    ``kind`` (``ready=False``: a stream still being transcoded)."""

    def make(kind: str = "video", ready: bool = True) -> World:
        from learninghub_streaming.transcoding.models import Stream

        instructor = user_factory(tenant, "instructor")
        setup = make_course(tenant, lessons=2, instructor=instructor, lesson_types=[kind, "text"])
        asset = kind_asset(tenant, kind, instructor)
        lesson = setup.lessons[0]
        use_asset(lesson, asset.id)
        if ready:
            stream = ready_stream(tenant, asset, kind=kind)
        else:
            stream = Stream(tenant_id=tenant.id, asset_id=asset.id, status="processing")
            db.add(stream)
            db.flush()
        learner = user_factory(tenant, "learner")
        enrollment = enrol_directly(tenant, setup.course, learner)
        return World(
            tenant,
            other_tenant,
            instructor,
            learner,
            user_factory(tenant, "learner"),
            user_factory(other_tenant, "admin"),
            setup.course,
            lesson,
            setup.lessons[1],
            asset,
            stream,
            enrollment,
        )

    return make


@pytest.fixture
def world(make_world) -> World:
    return make_world("video")


def player(html: str):
    """The page's player section (a BeautifulSoup tag), or None."""
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser").select_one("section.lh-sp")
