"""Demo data (points for the demo learner from their progress, idempotent) and the
notification types given to the notifications plugin."""

from __future__ import annotations

import uuid

import pytest

from .conftest import PLUGINS


def test_demo_data_gives_the_demo_learner_points_once(
    tenant_factory, user_factory, make_course, client, plugin_admin, open_request, ledger, held
):
    t = tenant_factory(plugins=[p for p in PLUGINS if p != "gamification"])
    learner = user_factory(t, email="learner@demo.example")
    course = make_course(t)
    c = client(t, learner)
    assert c.post_json(f"/api/v1/courses/{course.id}/enrollment", {}).status_int == 201
    for lesson in course.lessons:
        assert (
            c.post_json(f"/api/v1/lessons/{lesson.id}/progress", {"completed": True}).status_int
            == 200
        )
    plugin_admin.enable(t)  # installed after the learner's progress: no events seen
    assert ledger(t, learner) == []
    for _ in range(2):
        with open_request(t) as request:
            request.hooks.learninghub_demo_data(request=request)
    assert sorted((rule, pts) for rule, _, pts in ledger(t, learner)) == [
        ("course_completed", 100),
        ("lesson_completed", 10),
        ("lesson_completed", 10),
    ]
    assert held(t, learner) == ["finisher", "first-lesson"]


def test_notification_types_for_badges_and_levels(tenant, user_factory, open_request, ev):
    pytest.importorskip("learninghub_notifications")
    from learninghub_gamification.notices import notification_types

    learner = user_factory(tenant)
    with open_request(tenant) as request:
        kinds = {t.key: t for t in notification_types(request)}
        assert set(kinds) == {"gamification.badge_awarded", "gamification.level_reached"}
        badge = kinds["gamification.badge_awarded"]
        assert badge.event == "gamification.badge.awarded"
        happened = ev.lesson(learner)
        awarded = type(happened)(
            name="gamification.badge.awarded",
            tenant_id=tenant.id,
            actor_id=None,
            resource_type="award",
            resource_id=str(uuid.uuid4()),
            payload={
                "user_id": str(learner.id),
                "badge_slug": "finisher",
                "badge_name": "Finisher",
            },
        )
        assert list(badge.recipients(request, awarded)) == [learner.id]
        told = badge.render(request, awarded, learner)
        assert told.subject == "You earned the badge “Finisher”" and told.url == "/badges/finisher"
        level = kinds["gamification.level_reached"]
        reached = type(happened)(
            name="gamification.level.reached",
            tenant_id=tenant.id,
            actor_id=None,
            resource_type="user",
            resource_id=str(learner.id),
            payload={"user_id": str(learner.id), "level": 3, "points": 300},
        )
        told = level.render(request, reached, learner)
        assert told.subject == "You reached level 3" and told.url == "/achievements"
        assert (
            level.render(request, type(reached)(**{**reached.__dict__, "payload": {}}), learner)
            is None
        )
