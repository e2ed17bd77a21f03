"""Fixtures of the analytics tests: a published course whose first (video) lesson
plays a ready stream, its instructor, two enrolled learners, an outsider (a learner
of the same tenant, not enrolled) and another tenant's admin; ``beat`` posts a
heartbeat through the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from learninghub.db import utcnow


@dataclass
class World:
    tenant: Any
    other_tenant: Any
    instructor: Any
    learner: Any
    learner2: Any
    outsider: Any
    foreign_admin: Any
    setup: Any
    course: Any
    lesson: Any
    stream: Any
    asset_id: Any

    def url(self, what: str = "heartbeats") -> str:
        return f"/api/v1/streams/{self.stream.id}/{what}"


@pytest.fixture
def world(
    db, tenant, other_tenant, user_factory, make_course, enrol_directly, ready_stream, use_asset
) -> World:
    instructor = user_factory(tenant, "instructor")
    setup = make_course(tenant, lessons=2, instructor=instructor, lesson_types=["video", "text"])
    stream = ready_stream(tenant)
    lesson = setup.lessons[0]
    use_asset(lesson, stream.asset_id)
    learner, learner2 = user_factory(tenant, "learner"), user_factory(tenant, "learner")
    enrol_directly(tenant, setup.course, learner)
    enrol_directly(tenant, setup.course, learner2)
    return World(
        tenant,
        other_tenant,
        instructor,
        learner,
        learner2,
        user_factory(tenant, "learner"),
        user_factory(other_tenant, "admin"),
        setup,
        setup.course,
        lesson,
        stream,
        stream.asset_id,
    )


@pytest.fixture
def streaming_settings(plugin_operator):
    """``streaming_settings(tenant, **values)``: the tenant's streaming settings."""
    operator = plugin_operator("streaming")
    return operator.settings


@pytest.fixture
def beat(client):
    """``beat(world, user, ranges, position_s=None, view_id=None, scope=None)``: POST
    one heartbeat (scope: the lesson; position: the last range's end); the response."""

    def post(world: World, user, ranges, position_s=None, view_id=None, scope=None):
        if position_s is None:
            position_s = ranges[-1][1] if ranges else 0.0
            position_s = min(position_s, world.stream.duration_s)
        body = {
            "view_id": str(view_id or uuid.uuid4()),
            "scope": str(scope or world.lesson.id),
            "position_s": position_s,
            "ranges": [list(r) for r in ranges],
        }
        return client(world.tenant, user).post_json(world.url(), body)

    return post


@pytest.fixture
def age_view(db):
    """``age_view(view_id, seconds)``: move the view's previous beat back in time (the
    wall time the play budget counts)."""
    from learninghub_streaming.analytics.models import View

    def move(view_id, seconds: float) -> None:
        db.execute(
            sa.update(View)
            .where(View.id == uuid.UUID(str(view_id)))
            .values(last_beat_at=utcnow() - timedelta(seconds=seconds))
            .execution_options(synchronize_session=False)
        )
        db.flush()

    return move


@pytest.fixture
def long_stream(db):
    """``long_stream(world, seconds=100.0)``: pretend the stream lasts ``seconds``
    (whole buckets of one second each at 100 s make the arithmetic plain)."""

    def stretch(world: World, seconds: float = 100.0) -> None:
        world.stream.duration_s = seconds
        db.flush()

    return stretch
