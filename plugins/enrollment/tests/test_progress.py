"""Progress: POST /api/v1/lessons/{id}/progress, course progress, course.completed."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learninghub_enrollment.services import percent


def progress(lesson_id) -> str:
    return f"/api/v1/lessons/{lesson_id}/progress"


def enrolled(tenant, user_factory, client, setup, role="learner"):
    user = user_factory(tenant, role)
    c = client(tenant, user)
    assert c.post_json(f"/api/v1/courses/{setup.id}/enrollment", {}).status_int == 201
    return c, user


@given(done=st.integers(0, 500), extra=st.integers(0, 500))
def test_percent_is_floored_and_100_only_when_all_done(done, extra):
    total = done + extra
    value = percent(done, total)
    assert 0 <= value <= 100
    assert (value == 100) == (total > 0 and extra == 0)
    if total:
        assert value <= done * 100 / total < value + 1


def test_percent_of_an_empty_course_is_zero():
    assert percent(0, 0) == 0


def test_progress_math_over_published_lessons_only(tenant, user_factory, client, make_course):
    setup = make_course(tenant, lessons=3, drafts=2)
    c, _ = enrolled(tenant, user_factory, client, setup)
    r = c.post_json(progress(setup.lessons[0].id), {"completed": True})
    assert r.status_int == 200, r.text
    assert r.json["progress_percent"] == 33 and r.json["completed"] is True
    assert r.json["course_completed"] is False
    r = c.post_json(progress(setup.lessons[1].id), {"completed": True})
    assert r.json["progress_percent"] == 66
    r = c.post_json(progress(setup.lessons[1].id), {"completed": False})
    assert r.json["progress_percent"] == 33 and r.json["completed"] is False


def test_completing_every_lesson_emits_course_completed_exactly_once(
    tenant, user_factory, client, make_course, events
):
    setup = make_course(tenant, lessons=2)
    c, user = enrolled(tenant, user_factory, client, setup)
    for lesson in setup.lessons:
        r = c.post_json(progress(lesson.id), {"completed": True})
    assert r.json["progress_percent"] == 100 and r.json["course_completed"] is True
    # again, un-complete and complete: no second course.completed, no second lesson event
    c.post_json(progress(setup.lessons[1].id), {"completed": True})
    c.post_json(progress(setup.lessons[1].id), {"completed": False})
    c.post_json(progress(setup.lessons[1].id), {"completed": True})
    assert events.names().count("course.completed") == 1
    lesson_events = events.named("enrollment.lesson.")
    assert [e.resource_id for e in lesson_events] == [
        str(setup.lessons[0].id),
        str(setup.lessons[1].id),
        str(setup.lessons[1].id),  # completed again after being marked not complete
    ]
    done = events.named("course.completed")[0]
    assert done.resource_type == "course" and done.resource_id == str(setup.id)
    enrollment_id = c.get(f"/api/v1/courses/{setup.id}/enrollment").json["id"]
    assert done.payload == {"user_id": str(user.id), "enrollment_id": enrollment_id}
    assert events.statuses == ["Committed"] * len(events.events)
    mine = c.get(f"/api/v1/courses/{setup.id}/enrollment").json
    assert mine["status"] == "completed" and mine["completed_at"] is not None


def test_course_completed_is_once_per_enrolment_even_after_unenrolling(
    tenant, user_factory, client, make_course, events
):
    setup = make_course(tenant, lessons=1)
    c, _ = enrolled(tenant, user_factory, client, setup)
    c.post_json(progress(setup.lessons[0].id), {"completed": True})
    c.delete(f"/api/v1/courses/{setup.id}/enrollment")
    again = c.post_json(f"/api/v1/courses/{setup.id}/enrollment", {})
    assert again.json["status"] == "completed"
    c.post_json(progress(setup.lessons[0].id), {"completed": True})
    assert events.names().count("course.completed") == 1


def test_media_position_and_continue_point(tenant, user_factory, client, make_course, events):
    setup = make_course(tenant, lessons=3)
    c, _ = enrolled(tenant, user_factory, client, setup)
    r = c.post_json(progress(setup.lessons[2].id), {"position_s": 125})
    assert r.status_int == 200
    assert r.json["position_s"] == 125 and r.json["completed"] is False
    assert r.json["progress_percent"] == 0
    assert c.get(f"/api/v1/courses/{setup.id}/enrollment").json["last_lesson_id"] == str(
        setup.lessons[2].id
    )
    r = c.post_json(progress(setup.lessons[2].id), {"completed": True})
    assert r.json["position_s"] == 125  # kept when only the flag is sent
    assert [e.name for e in events.named("enrollment.")] == [
        "enrollment.enrollment.created",
        "enrollment.lesson.completed",
    ]


def test_progress_input_is_validated(tenant, user_factory, client, make_course):
    setup = make_course(tenant)
    c, _ = enrolled(tenant, user_factory, client, setup)
    url = progress(setup.lessons[0].id)
    r = c.post_json(url, {})
    assert r.status_int == 422 and "send completed, position_s or both" in r.text
    r = c.post_json(url, {"position_s": -1})
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "position_s"]
    r = c.post_json(url, {"completed": "maybe"})
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "completed"]
    assert c.post_json(url, {"completed": True, "extra": 1}).status_int == 422


def test_progress_needs_an_enrolment_with_access(
    tenant, user_factory, client, make_course, enrol_directly
):
    instructor = user_factory(tenant, "instructor")
    setup = make_course(tenant, instructor=instructor)
    url = progress(setup.lessons[0].id)
    r = client(tenant, user_factory(tenant)).post_json(url, {"completed": True})
    assert r.status_int == 403 and "enrol" in r.json["detail"]
    assert client(tenant, instructor).post_json(url, {"completed": True}).status_int == 403
    expired = user_factory(tenant)
    enrol_directly(tenant, setup.course, expired, expires_in=-timedelta(minutes=1))
    assert client(tenant, expired).post_json(url, {"completed": True}).status_int == 403
    later = user_factory(tenant)
    enrol_directly(tenant, setup.course, later, starts_in=timedelta(days=1))
    assert client(tenant, later).post_json(url, {"completed": True}).status_int == 403


def test_progress_on_unknown_lessons_is_404(
    tenant, other_tenant, user_factory, client, make_course
):
    setup = make_course(tenant, lessons=1)
    c, _ = enrolled(tenant, user_factory, client, setup)
    for bad in ("nope", uuid.uuid4()):
        assert c.post_json(progress(bad), {"completed": True}).status_int == 404
    theirs = make_course(other_tenant)
    assert c.post_json(progress(theirs.lessons[0].id), {"completed": True}).status_int == 404


def test_progress_on_a_draft_lesson_is_404(tenant, user_factory, client, make_course, db):
    import sqlalchemy as sa

    from learninghub_content.models import Lesson

    setup = make_course(tenant, lessons=1, drafts=1)
    c, _ = enrolled(tenant, user_factory, client, setup)
    draft = db.scalar(
        sa.select(Lesson).where(Lesson.course_id == setup.id, Lesson.status == "draft")
    )
    assert c.post_json(progress(draft.id), {"completed": True}).status_int == 404


def test_progress_anonymous_and_cross_tenant(
    tenant, other_tenant, user_factory, client, make_course, foreign_client
):
    setup = make_course(tenant)
    url = progress(setup.lessons[0].id)
    assert client(tenant).post_json(url, {"completed": True}).status_int == 401
    assert (
        foreign_client(tenant, other_tenant).post_json(url, {"completed": True}).status_int == 401
    )
    stranger = client(other_tenant, user_factory(other_tenant, "admin"))
    assert stranger.post_json(url, {"completed": True}).status_int == 404
    guest = client(tenant, user_factory(tenant, "guest"))
    assert guest.post_json(url, {"completed": True}).status_int == 403


def test_publishing_a_lesson_recomputes_everyones_progress(
    tenant, user_factory, client, make_course, events
):
    instructor = user_factory(tenant, "instructor")
    setup = make_course(tenant, lessons=2, drafts=1, instructor=instructor)
    c, _ = enrolled(tenant, user_factory, client, setup)
    for lesson in setup.lessons:
        c.post_json(progress(lesson.id), {"completed": True})
    assert c.get(f"/api/v1/courses/{setup.id}/enrollment").json["progress_percent"] == 100
    other, _ = enrolled(tenant, user_factory, client, setup)
    other.post_json(progress(setup.lessons[0].id), {"completed": True})
    draft = next(
        lesson
        for lesson in client(tenant, instructor).get(f"/api/v1/courses/{setup.id}/lessons").json
        if lesson["status"] == "draft"
    )
    r = client(tenant, instructor).post_json(
        f"/api/v1/courses/{setup.id}/lessons/{draft['id']}/publish", {}
    )
    assert r.status_int == 200, r.text
    # the task ran after commit (in-process back end): 2/3 and 1/3 now
    mine = c.get(f"/api/v1/courses/{setup.id}/enrollment").json
    assert mine["progress_percent"] == 66 and mine["status"] == "completed"  # completed stays
    assert other.get(f"/api/v1/courses/{setup.id}/enrollment").json["progress_percent"] == 33
    assert events.names().count("course.completed") == 1


@pytest.mark.parametrize("change", ["unpublish", "delete"])
def test_unpublishing_or_deleting_a_lesson_recomputes_progress(
    tenant, user_factory, client, make_course, events, change
):
    """1 of 2 lessons done is 50 %; with the other lesson unpublished or deleted,
    the learner has done everything (100 %, course.completed once)."""
    instructor = user_factory(tenant, "instructor")
    setup = make_course(tenant, lessons=2, instructor=instructor)
    c, _ = enrolled(tenant, user_factory, client, setup)
    c.post_json(progress(setup.lessons[0].id), {"completed": True})
    assert c.get(f"/api/v1/courses/{setup.id}/enrollment").json["progress_percent"] == 50
    lesson_url = f"/api/v1/courses/{setup.id}/lessons/{setup.lessons[1].id}"
    staff = client(tenant, instructor)
    r = staff.post_json(lesson_url + "/unpublish", {}) if change == "unpublish" else None
    if change == "delete":
        r = staff.delete(lesson_url)
    assert r.status_int in (200, 204), r.text
    mine = c.get(f"/api/v1/courses/{setup.id}/enrollment").json
    assert mine["progress_percent"] == 100 and mine["status"] == "completed"
    assert events.names().count("course.completed") == 1


def test_recompute_task_completes_enrolments_that_reach_100(
    tenant, user_factory, client, make_course, db, run_task, events, enrollment_row
):
    from learninghub_content.models import Lesson

    setup = make_course(tenant, lessons=2)
    c, user = enrolled(tenant, user_factory, client, setup)
    c.post_json(progress(setup.lessons[0].id), {"completed": True})
    lesson = db.get(Lesson, setup.lessons[1].id)
    lesson.status = "draft"  # unpublished behind the plugin's back
    db.flush()
    assert run_task(tenant, "enrollment.recompute_course", course_id=str(setup.id)) == "done"
    row = enrollment_row(setup.id, user)
    assert row.progress_percent == 100 and row.status == "completed"
    assert events.names().count("course.completed") == 1
    run_task(tenant, "enrollment.recompute_course", course_id=str(setup.id))
    assert events.names().count("course.completed") == 1
    assert run_task(tenant, "enrollment.recompute_course", course_id="nope") == "done"
