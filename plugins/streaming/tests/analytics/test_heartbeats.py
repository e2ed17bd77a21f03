"""Heartbeats: the view row, resume position, auto-completion, the play budget, view
ids, invalid bodies, and who may send them."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from learninghub_streaming.analytics import services
from learninghub_streaming.analytics.models import View


def view_row(db, view_id) -> View:
    db.expire_all()
    return db.get(View, uuid.UUID(str(view_id)))


def progress(db, world, user):
    from learninghub_enrollment.models import Enrollment, LessonProgress

    db.expire_all()
    return db.scalar(
        sa.select(LessonProgress)
        .join(Enrollment, Enrollment.id == LessonProgress.enrollment_id)
        .where(Enrollment.user_id == user.id, LessonProgress.lesson_id == world.lesson.id)
    )


def test_beats_accumulate_in_the_view_and_store_the_resume_position(
    world, beat, db, long_stream, age_view
):
    long_stream(world)
    view_id = uuid.uuid4()
    r = beat(world, world.learner, [(0, 10)], position_s=10.25, view_id=view_id)
    assert r.status_int == 200, r.text
    assert r.json == {"position_s": 10.25, "watched_percent": 10, "lesson_completed": False}
    row = view_row(db, view_id)
    assert (row.user_id, row.stream_id, row.lesson_id) == (
        world.learner.id,
        world.stream.id,
        world.lesson.id,
    )
    assert row.watched_s == 10 and row.position_s == 10.25
    assert row.coverage == services.format_mask((1 << 10) - 1)
    first_beat = row.last_beat_at
    assert progress(db, world, world.learner).position_s == 10

    # the next beat: a seek back and more play; the previous beat was 12 s ago
    age_view(view_id, 12)
    r = beat(world, world.learner, [(10, 15), (40, 42.7)], view_id=view_id)
    assert r.status_int == 200, r.text
    assert r.json == {"position_s": 42.7, "watched_percent": 18, "lesson_completed": False}
    row = view_row(db, view_id)
    assert row.watched_s == pytest.approx(17.7)
    assert services.percent_of(services.parse_mask(row.coverage)) == 18  # 0-14, 40-42
    assert row.last_beat_at > first_beat
    assert progress(db, world, world.learner).position_s == 42
    # no position without an enrolment: the lesson's instructor previews
    r = beat(world, world.instructor, [(0, 5)])
    assert r.status_int == 200 and r.json["lesson_completed"] is False
    assert progress(db, world, world.instructor) is None
