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


def test_the_lesson_completes_at_the_tenants_percent_and_not_before(
    world, beat, db, long_stream, age_view, streaming_settings, events
):
    streaming_settings(world.tenant, complete_percent=60, heartbeat_seconds=60)
    long_stream(world)
    # two views of the same learner: their union counts
    r = beat(world, world.learner, [(0, 50)])
    assert r.json == {"position_s": 50, "watched_percent": 50, "lesson_completed": False}
    second = uuid.uuid4()
    r = beat(world, world.learner, [(50, 59)], view_id=second)
    assert r.json["watched_percent"] == 59 and r.json["lesson_completed"] is False
    assert progress(db, world, world.learner).completed_at is None
    # another learner's play and a manage preview of the stream do not count for him
    beat(world, world.learner2, [(59, 60)])
    assert progress(db, world, world.learner).completed_at is None
    age_view(second, 10)
    r = beat(world, world.learner, [(59, 59.5)], position_s=59.5, view_id=second)
    assert r.json == {"position_s": 59.5, "watched_percent": 60, "lesson_completed": True}
    row = progress(db, world, world.learner)
    assert row.completed_at is not None and row.position_s == 59
    assert "enrollment.lesson.completed" in events.names()
    # later beats keep it completed
    r = beat(world, world.learner, [(0, 1)], position_s=1)
    assert r.json["watched_percent"] == 60 and r.json["lesson_completed"] is True
    assert progress(db, world, world.learner2).completed_at is None


def test_the_default_percent_is_90(world, beat, db, long_stream, streaming_settings):
    streaming_settings(world.tenant, heartbeat_seconds=60)  # a first beat of up to 125 s
    long_stream(world)
    assert beat(world, world.learner, [(0, 89)]).json["lesson_completed"] is False
    assert beat(world, world.learner, [(89, 90)]).json == {
        "position_s": 90,
        "watched_percent": 90,
        "lesson_completed": True,
    }


def test_a_lesson_completed_by_its_owner_never_completes_by_play(
    world, beat, db, long_stream, registry, streaming_settings
):
    from learninghub.hookspecs import hookimpl

    class GradedType:
        @hookimpl
        def learninghub_content_lesson_types(self, request):
            from learninghub_content import LessonType

            return [
                LessonType("graded", "Graded", "content/types/text.jinja2", completed_by_owner=True)
            ]

    pm = registry["plugins"].pm
    name = f"test-graded-{uuid.uuid4().hex[:6]}"
    pm.register(GradedType(), name=name)
    try:
        streaming_settings(world.tenant, heartbeat_seconds=60)
        long_stream(world)
        world.lesson.type = "graded"
        db.flush()
        r = beat(world, world.learner, [(0, 100)], position_s=100)
        assert r.json == {"position_s": 100, "watched_percent": 100, "lesson_completed": False}
        row = progress(db, world, world.learner)
        assert row.completed_at is None and row.position_s == 100
    finally:
        pm.unregister(name=name)


def test_play_beyond_the_wall_time_is_refused(
    world, beat, db, long_stream, age_view, streaming_settings
):
    long_stream(world)
    # a first beat may hold 2 × heartbeat_seconds (10) + 5 = 25 s
    view_id = uuid.uuid4()
    r = beat(world, world.learner, [(0, 20), (50, 56)], view_id=view_id)
    assert r.status_int == 422 and r.content_type == "application/problem+json"
    assert r.json["errors"][0]["type"] == "too_much_play"
    assert r.json["errors"][0]["path"] == ["body", "ranges"]
    assert "more than the 25 s possible" in r.json["detail"]
    assert view_row(db, view_id) is None  # nothing kept
    assert beat(world, world.learner, [(0, 20), (50, 55)], view_id=view_id).status_int == 200
    # 10 s after: 2 × 10 + 5 = 25 s again (and a little more as the test runs)
    age_view(view_id, 10)
    r = beat(world, world.learner, [(20, 60)], view_id=view_id)
    assert r.status_int == 422 and r.json["errors"][0]["type"] == "too_much_play"
    r = beat(world, world.learner, [(20, 40)], view_id=view_id)
    assert r.status_int == 200, r.text
    assert view_row(db, view_id).watched_s == 45
    # the setting widens the first beat's budget
    streaming_settings(world.tenant, heartbeat_seconds=30)
    assert beat(world, world.learner, [(0, 65)]).status_int == 200
    assert beat(world, world.learner, [(0, 66)]).status_int == 422


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ({"ranges": [[10, 5]]}, ["body", "ranges", 0], "0 ≤ start < end"),
        ({"ranges": [[3, 3]]}, ["body", "ranges", 0], "0 ≤ start < end"),
        ({"ranges": [[-1, 2]]}, ["body", "ranges", 0], "0 ≤ start < end"),
        ({"ranges": [[0, 1], [99, 101.5]]}, ["body", "ranges", 1], "≤ 101 s"),
        ({"ranges": [[i, i + 0.5] for i in range(21)]}, ["body", "ranges"], "at most 20"),
        ({"ranges": [[0, 1, 2]]}, ["body", "ranges", 0], "at most 2 items"),
        ({"ranges": [["a", 1]]}, ["body", "ranges", 0, 0], "valid number"),
        ({"position_s": 101.5}, ["body", "position_s"], "past the end of the media (100 s + 1 s)"),
        ({"position_s": -1}, ["body", "position_s"], "greater than or equal to 0"),
        ({"position_s": float("nan")}, ["body", "position_s"], "finite"),
        ({"ranges": [[0, float("inf")]]}, ["body", "ranges", 0, 1], "finite"),
        ({"view_id": "not-a-uuid"}, ["body", "view_id"], "UUID"),
        ({"view_id": str(uuid.uuid1())}, ["body", "view_id"], "UUID version 4"),
        ({"scope": "everywhere"}, ["body", "scope"], "a lesson id or 'manage'"),
        ({"extra": 1}, ["body", "extra"], "Extra inputs"),
    ],
)
def test_invalid_beats_answer_422(world, client, long_stream, change, path, words):
    long_stream(world)
    body = {
        "view_id": str(uuid.uuid4()),
        "scope": str(world.lesson.id),
        "position_s": 1.0,
        "ranges": [[0, 1]],
        **change,
    }
    r = client(world.tenant, world.learner).post_json(world.url(), body)
    assert r.status_int == 422, r.text
    assert r.content_type == "application/problem+json"
    (error,) = r.json["errors"]
    assert error["path"] == path
    assert words in error["message"]


def test_missing_fields_and_malformed_json(world, client):
    c = client(world.tenant, world.learner)
    r = c.post_json(world.url(), {})
    assert r.status_int == 422
    assert {tuple(e["path"]) for e in r.json["errors"]} == {
        ("body", "view_id"),
        ("body", "scope"),
        ("body", "position_s"),
    }
    r = c.post(world.url(), "{", headers={"Content-Type": "application/json"})
    assert r.status_int == 400 and r.content_type == "application/problem+json"


def test_a_view_id_belongs_to_one_user_stream_and_scope(
    world, beat, db, ready_stream, client, foreign_client, user_factory, make_course
):
    from learninghub_content.models import LessonVersion

    view_id = uuid.uuid4()
    assert beat(world, world.learner, [(0, 1)], view_id=view_id).status_int == 200
    r = beat(world, world.learner2, [(1, 2)], view_id=view_id)
    assert r.status_int == 409 and "another viewer or stream" in r.json["detail"]
    # the same learner, another stream (the second lesson plays it)
    other = ready_stream(world.tenant)
    lesson2 = world.setup.lessons[1]
    db.execute(
        sa.update(LessonVersion)
        .where(LessonVersion.lesson_id == lesson2.id)
        .values(media_asset_id=other.asset_id)
    )
    db.flush()
    body = {"view_id": str(view_id), "scope": str(lesson2.id), "position_s": 1, "ranges": []}
    r = client(world.tenant, world.learner).post_json(
        f"/api/v1/streams/{other.id}/heartbeats", body
    )
    assert r.status_int == 409
    # the same stream in another scope: the instructor's view
    staff_view = uuid.uuid4()
    assert beat(world, world.instructor, [(0, 1)], view_id=staff_view).status_int == 200
    r = beat(world, world.instructor, [(1, 2)], view_id=staff_view, scope="manage")
    assert r.status_int == 409 and "another scope" in r.json["detail"]
    # a view id of another tenant (hidden by the tenant filter) is taken as well
    foreign = user_factory(world.other_tenant, "instructor")
    foreign_setup = make_course(world.other_tenant, lessons=1, instructor=foreign)
    foreign_stream = ready_stream(world.other_tenant)
    db.execute(
        sa.update(LessonVersion)
        .where(LessonVersion.lesson_id == foreign_setup.lessons[0].id)
        .values(media_asset_id=foreign_stream.asset_id)
    )
    db.flush()
    body = {"view_id": str(view_id), "scope": "manage", "position_s": 1, "ranges": [[0, 1]]}
    r = client(world.other_tenant, foreign).post_json(
        f"/api/v1/streams/{foreign_stream.id}/heartbeats", body
    )
    assert r.status_int == 409, r.text
    assert view_row(db, view_id).watched_s == 1  # untouched


def test_a_first_beat_racing_another_rereads_the_row(world, beat, db, monkeypatch):
    """Two first beats of one view at once: the second's insert meets the first's row
    (simulated: the second's read does not see it yet) and re-reads it instead of
    failing."""
    view_id = uuid.uuid4()
    assert beat(world, world.learner, [(0, 1)], view_id=view_id).status_int == 200
    real = services._locked_view
    calls = []

    def late(db_, key):
        calls.append(key)
        return None if len(calls) == 1 else real(db_, key)

    monkeypatch.setattr(services, "_locked_view", late)
    r = beat(world, world.learner, [(1, 2)], view_id=view_id)
    assert r.status_int == 200, r.text
    assert len(calls) == 2
    row = view_row(db, view_id)
    assert row.watched_s == 2 and services.percent_of(services.parse_mask(row.coverage)) == 67


def test_who_may_send_heartbeats(
    world, beat, client, foreign_client, db, make_course, enrol_directly, ready_stream
):
    from learninghub_streaming.transcoding.models import Stream

    ok = {"position_s": 1, "ranges": [[0, 1]]}
    # enrolled learner in the lesson, instructor in the lesson and in manage
    assert beat(world, world.learner, [(0, 1)]).status_int == 200
    assert beat(world, world.instructor, [(0, 1)]).status_int == 200
    assert beat(world, world.instructor, [(0, 1)], scope="manage").status_int == 200
    # not enrolled, or a learner asking for manage: 404
    r = beat(world, world.outsider, [(0, 1)])
    assert r.status_int == 404 and r.content_type == "application/problem+json"
    assert beat(world, world.learner, [(0, 1)], scope="manage").status_int == 404
    # a lesson that does not play this stream; an unknown lesson
    assert beat(world, world.learner, [(0, 1)], scope=world.setup.lessons[1].id).status_int == 404
    assert beat(world, world.learner, [(0, 1)], scope=uuid.uuid4()).status_int == 404
    body = {"view_id": str(uuid.uuid4()), "scope": str(world.lesson.id), **ok}
    # anonymous: 401; another tenant's admin on this host: 404; unknown stream: 404
    assert client(world.tenant).post_json(world.url(), body).status_int == 401
    r = foreign_client(world.tenant, world.other_tenant).post_json(world.url(), body)
    assert r.status_int == 401  # the token is refused on a host it was not made for
    r = client(world.other_tenant, world.foreign_admin).post_json(world.url(), body)
    assert r.status_int == 404
    unknown = f"/api/v1/streams/{uuid.uuid4()}/heartbeats"
    assert client(world.tenant, world.learner).post_json(unknown, body).status_int == 404
    malformed = "/api/v1/streams/nope/heartbeats"
    assert client(world.tenant, world.learner).post_json(malformed, body).status_int == 404
    # a stream that is not ready: 409
    db.execute(sa.update(Stream).where(Stream.id == world.stream.id).values(status="processing"))
    db.flush()
    r = client(world.tenant, world.learner).post_json(world.url(), body)
    assert r.status_int == 409 and "processing" in r.json["detail"]
    assert (
        db.scalar(
            sa.select(sa.func.count())
            .select_from(View)
            .where(View.user_id.in_([world.outsider.id, world.foreign_admin.id]))
        )
        == 0
    )


def test_a_beat_costs_three_statements_on_the_views(world, beat, registry, long_stream):
    """Heartbeats are frequent: the view is read (locked), updated, and the user's
    coverage in the lesson read once; nothing else touches streaming_views."""
    long_stream(world)
    engine = registry["db.engine"]
    seen: list[str] = []

    def on_execute(conn, cursor, statement, params, context, executemany):
        if "streaming_views" in statement:
            seen.append(statement.split()[0])

    view_id = uuid.uuid4()
    sa.event.listen(engine, "before_cursor_execute", on_execute)
    try:
        assert beat(world, world.learner, [(0, 1)], view_id=view_id).status_int == 200
        first = list(seen)
        seen.clear()
        assert beat(world, world.learner, [(1, 2)], view_id=view_id).status_int == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)
    assert first == ["SELECT", "INSERT", "SELECT"]
    assert seen == ["SELECT", "UPDATE", "SELECT"]


def test_a_position_a_little_past_the_end_is_kept_as_the_end(world, beat, db, long_stream):
    """The player reports the HLS media's own duration, which may be a little longer
    than the probe's: up to 1 s past the end is taken as the end."""
    long_stream(world)
    view_id = uuid.uuid4()
    r = beat(world, world.learner, [(99, 100.6)], position_s=100.6, view_id=view_id)
    assert r.status_int == 200, r.text
    assert r.json["position_s"] == 100
    assert view_row(db, view_id).position_s == 100
    assert progress(db, world, world.learner).position_s == 100
