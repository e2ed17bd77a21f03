"""Replaying the same domain events twice changes no points, badges or notifications.

The events are the real ones: a learner enrols, completes both lessons (two
``enrollment.lesson.completed`` and ``course.completed``) and reviews the course
(``reviews.review.created``) through the APIs; a quiz graded passed with a perfect
score (``assessment.attempt.graded``) is emitted in a request as the assessment plugin
emits it. The tasks are captured, run, then the same events are kept again, their tasks
re-run, and the same events delivered again under new ids (a re-emission): every table
of gamification and the notifications it caused are compared before and after.
"""

from __future__ import annotations

import dataclasses
import uuid

import pytest
import sqlalchemy as sa

from learninghub import inbox
from learninghub_gamification import models

from .conftest import CONSUMER, PLUGINS, TASK

TABLES = (
    models.Activity,
    models.PointsEntry,
    models.Award,
    models.Streak,
    models.Profile,
)
PROCESSING = {TASK, "notifications.process_event"}


def snapshot(db, tenant) -> dict:
    db.expire_all()
    out = {}
    for model in TABLES:
        table = model.__table__
        rows = db.execute(sa.select(table).where(table.c.tenant_id == tenant.id)).all()
        out[table.name] = sorted(tuple(map(str, r)) for r in rows)
    try:
        from learninghub_notifications.models import Delivery, Notification
    except ImportError:  # pragma: no cover - the notifications plugin is part of the suite
        return out
    for model in (Notification, Delivery):
        table = model.__table__
        rows = db.execute(sa.select(table).where(table.c.tenant_id == tenant.id)).all()
        out[table.name] = sorted(tuple(map(str, r)) for r in rows)
    return out


@pytest.fixture
def engaged(tenant_factory, registry):
    plugins = [*PLUGINS, "reviews"]
    if "notifications" in registry["plugins"].plugins:
        plugins.append("notifications")
    return tenant_factory(plugins=plugins)


def test_replaying_the_same_domain_events_twice_changes_nothing(
    engaged, user_factory, make_course, client, open_request, dispatched, run_task, db, events
):
    t = engaged
    course = make_course(t)
    learner = user_factory(t)
    c = client(t, learner)
    assert c.post_json(f"/api/v1/courses/{course.id}/enrollment", {}).status_int == 201
    for lesson in course.lessons:
        r = c.post_json(f"/api/v1/lessons/{lesson.id}/progress", {"completed": True})
        assert r.status_int == 200, r.text
    r = c.post_json(f"/api/v1/courses/{course.id}/reviews", {"rating": 5, "body": "Great"})
    assert r.status_int == 201, r.text
    with open_request(t) as request:
        request.emit(
            "assessment.attempt.graded",
            resource_type="attempt",
            resource_id=uuid.uuid4(),
            payload={
                "course_id": str(course.id),
                "quiz_id": str(uuid.uuid4()),
                "user_id": str(learner.id),
                "percent": "100.00",
                "passed": True,
            },
        )

    def drain(start: int = 0) -> int:
        """Run the processing tasks queued from ``start`` on, and those they queue."""
        i = start
        while i < len(dispatched):
            m = dispatched[i]
            if m.name in PROCESSING:
                run_task(t, m.name, **m.kwargs)
            i += 1
        return i

    ran = drain()
    db.expire_all()
    kept = [
        e.to_event()
        for e in db.scalars(
            sa.select(inbox.InboxEntry)
            .where(inbox.InboxEntry.tenant_id == t.id, inbox.InboxEntry.consumer == CONSUMER)
            .order_by(inbox.InboxEntry.created_at)
        )
    ]
    assert sorted(e.name for e in kept) == [
        "assessment.attempt.graded",
        "course.completed",
        "enrollment.lesson.completed",
        "enrollment.lesson.completed",
        "reviews.review.created",
    ]
    before = snapshot(db, t)
    emitted = sorted(e.name for e in events.named("gamification."))
    rules = sorted(r.rule for r in db.scalars(sa.select(models.PointsEntry)))
    assert rules == [
        "course_completed",
        "lesson_completed",
        "lesson_completed",
        "perfect_score",
        "quiz_passed",
        "review_posted",
    ]
    assert emitted.count("gamification.badge.awarded") == 3  # first lesson, finisher, perfect
    assert "gamification.level.reached" in emitted
    if "notifications_notifications" in before:
        told = before["notifications_notifications"]
        assert sum("gamification.badge_awarded" in row for row in told) == 3

    # the same events again: kept once only, and every task run again
    with open_request(t) as request:
        assert not any(inbox.keep(request, CONSUMER, e, TASK) for e in kept)
    for m in list(dispatched[:ran]):
        if m.name in PROCESSING:
            run_task(t, m.name, **m.kwargs)
    # and delivered again under new ids (an emitter that emits the same fact twice)
    with open_request(t) as request:
        for e in kept:
            assert inbox.keep(request, CONSUMER, dataclasses.replace(e, id=uuid.uuid4()), TASK)
    drain(ran)
    assert snapshot(db, t) == before
    assert sorted(e.name for e in events.named("gamification.")) == emitted
