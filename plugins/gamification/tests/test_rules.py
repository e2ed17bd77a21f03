"""Points from domain events: the default rules, natural keys (redoing the same lesson,
quiz or course earns nothing twice), rules changed or disabled per tenant, levels."""

from __future__ import annotations

import uuid

import pytest

from learninghub_gamification.services import level_for


def test_each_rule_gives_its_default_points_once_per_achievement(
    tenant, user_factory, ev, feed, ledger, held
):
    learner = user_factory(tenant)
    lesson, quiz, course = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    feed(
        tenant,
        ev.lesson(learner, lesson, course),
        ev.lesson(learner, lesson, course),  # completed again (after un-completing it)
        ev.graded(learner, "100.00", True, quiz, course),
        ev.graded(learner, "100.00", True, quiz, course),  # a retake
        ev.graded(learner, "40.00", False, uuid.uuid4(), course),  # failed: nothing
        ev.course(learner, course),
        ev.review(learner, course),
        ev.review(learner, course),  # deleted and written again
    )
    assert ledger(tenant, learner) == sorted(
        [
            ("course_completed", str(course), 100),
            ("lesson_completed", str(lesson), 10),
            ("perfect_score", str(quiz), 25),
            ("quiz_passed", str(quiz), 50),
            ("review_posted", str(course), 5),
        ]
    )
    assert held(tenant, learner) == ["finisher", "first-lesson", "perfectionist"]


def test_rules_changed_or_disabled_for_one_tenant_only(
    tenant, other_tenant, user_factory, client, ev, feed, ledger, held
):
    admin = client(tenant, user_factory(tenant, "admin"))
    r = admin.put_json("/api/v1/admin/gamification/rules/lesson_completed", {"points": 7})
    assert r.status_int == 200, r.text
    assert r.json == {"rule": "lesson_completed", "points": 7, "enabled": True, "customised": True}
    r = admin.put_json(
        "/api/v1/admin/gamification/rules/review_posted", {"points": 5, "enabled": False}
    )
    assert r.json["enabled"] is False
    ours, theirs = user_factory(tenant), user_factory(other_tenant)
    feed(tenant, ev.lesson(ours), ev.review(ours))
    other = type(ev)(other_tenant)
    feed(other_tenant, other.lesson(theirs), other.review(theirs))
    assert [(rule, pts) for rule, _, pts in ledger(tenant, ours)] == [("lesson_completed", 7)]
    assert sorted((rule, pts) for rule, _, pts in ledger(other_tenant, theirs)) == [
        ("lesson_completed", 10),
        ("review_posted", 5),
    ]
    # a rule at 0 points still counts the activity for badges
    admin.put_json("/api/v1/admin/gamification/rules/lesson_completed", {"points": 0})
    late = user_factory(tenant)
    feed(tenant, ev.lesson(late))
    assert ledger(tenant, late) == [] and held(tenant, late) == ["first-lesson"]
    rules = admin.get("/api/v1/admin/gamification/rules").json
    assert [r["rule"] for r in rules] == [
        "lesson_completed",
        "quiz_passed",
        "perfect_score",
        "course_completed",
        "review_posted",
        "daily_streak",
    ]


@pytest.mark.parametrize(
    ("points", "expected"),
    [(0, (1, 0, 100)), (99, (1, 0, 100)), (100, (2, 100, 300)), (1000, (5, 1000, 1500))],
)
def test_level_of_points(points, expected):
    level = level_for(points, [0, 100, 300, 600, 1000, 1500])
    assert (level.number, level.floor, level.next_at) == expected
    top = level_for(5000, [0, 100])
    assert (top.number, top.next_at, top.progress_percent(5000)) == (2, None, 100)
    assert level_for(150, [0, 100, 300]).progress_percent(150) == 25


def test_level_reached_is_emitted_once_per_level(
    tenant, user_factory, ev, feed, plugin_admin, events, client
):
    plugin_admin.settings(tenant, level_thresholds=[0, 20, 40, 1000])
    learner = user_factory(tenant)
    feed(tenant, ev.lesson(learner), ev.lesson(learner))  # 20 points: level 2
    feed(tenant, ev.course(learner))  # 120: level 3 (one step)
    feed(tenant, ev.lesson(learner))  # 130: still level 3
    reached = [e.payload["level"] for e in events.named("gamification.level.reached")]
    assert reached == [2, 3]
    # lowering the thresholds never announces a level twice
    plugin_admin.settings(tenant, level_thresholds=[0, 500, 1000])
    feed(tenant, ev.lesson(learner))
    assert [e.payload["level"] for e in events.named("gamification.level.reached")] == [2, 3]
    me = client(tenant, learner).get("/api/v1/gamification/me").json
    assert me["points"] == 140
    assert me["level"] == {"number": 1, "floor": 0, "next_at": 500, "progress_percent": 28}


def test_invalid_level_thresholds_are_refused():
    from pydantic import ValidationError

    from learninghub_gamification.settings import GamificationSettings

    for bad in ([], [10, 20], [0, 50, 50], [0, 100, 20]):
        with pytest.raises(ValidationError):
            GamificationSettings(level_thresholds=bad)
