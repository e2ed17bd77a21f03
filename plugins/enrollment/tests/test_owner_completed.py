"""Lesson types completed by their plugin (``LessonType.completed_by_owner``, e.g. a
quiz passed): learners cannot mark them complete or not complete themselves — no
button in the player, 409 from the progress API and form. (The owner marks them through
``services.record_progress``: the assessment plugin's tests pass a quiz and see the
lesson completed.)"""

from __future__ import annotations

import uuid

import pytest

from learninghub.hookspecs import hookimpl


class GradedType:
    """A stand-in plugin declaring the lesson type ``graded``, completed by its owner."""

    @hookimpl
    def learninghub_content_lesson_types(self, request):
        from learninghub_content import LessonType

        return [
            LessonType("graded", "Graded", "content/types/text.jinja2", completed_by_owner=True)
        ]


@pytest.fixture
def graded_type(registry):
    pm = registry["plugins"].pm
    name = f"test-graded-{uuid.uuid4().hex[:6]}"
    pm.register(GradedType(), name=name)
    try:
        yield
    finally:
        pm.unregister(name=name)


@pytest.fixture
def course(tenant, make_course, db, graded_type):
    setup = make_course(tenant, lessons=2)
    setup.lessons[1].type = "graded"
    db.flush()
    return setup


def enrolled(tenant, user_factory, client, course):
    user = user_factory(tenant)
    c = client(tenant, user)
    assert c.post_json(f"/api/v1/courses/{course.id}/enrollment", {}).status_int == 201
    return c, user


def test_progress_api_refuses_completed_but_keeps_the_position(
    tenant, user_factory, client, course
):
    c, _ = enrolled(tenant, user_factory, client, course)
    url = f"/api/v1/lessons/{course.lessons[1].id}/progress"
    for completed in (True, False):
        r = c.post_json(url, {"completed": completed})
        assert r.status_int == 409, r.text
        assert r.json["errors"][0]["path"] == ["body", "completed"]
    r = c.post_json(url, {"position_s": 30})
    assert r.status_int == 200 and r.json["completed"] is False and r.json["position_s"] == 30
    # an ordinary lesson of the same course is still marked by the learner
    assert (
        c.post_json(
            f"/api/v1/lessons/{course.lessons[0].id}/progress", {"completed": True}
        ).status_int
        == 200
    )


def test_player_has_no_mark_complete_button_and_the_form_refuses(
    tenant, user_factory, client, page_browser, course
):
    _, learner = enrolled(tenant, user_factory, client, course)
    b = page_browser(tenant, learner)
    slug = course.course.slug
    ordinary = b.get(f"/courses/{slug}/learn/lesson-1")
    assert f"/my-learning/lessons/{course.lessons[0].id}/progress" in ordinary.text
    graded = b.get(f"/courses/{slug}/learn/lesson-2")
    assert graded.status_int == 200
    assert "/my-learning/lessons/" not in graded.text
    r = b.submit(
        graded, f"/my-learning/lessons/{course.lessons[1].id}/progress", {"completed": "1"}
    )
    assert r.status_int == 409
