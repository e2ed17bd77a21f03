"""The course editors' assignment pages: set up (``/teach/courses/{course_id}/lessons/
{lesson_id}/assignment``), settings (``/teach/courses/{course_id}/assignments/{id}/
settings``), the staff's overview (``/teach/courses/{course_id}/assignments``) and the
links to them (player, course teach page)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

FIELDS = {
    "instructions": "<p>Write <em>300</em> words.</p><script>alert(1)</script>",
    "submission_type": "text",
    "due_at": "2099-03-01T12:00",
    "max_points": "12,5",
    "passing_percent": "",
    "weight": "0.5",
    "required": "1",
}


@pytest.fixture
def blank(tenant, user_factory, make_course, enrol_directly, db):
    """A published course whose lesson 0 is of type assignment without an assignment
    yet (lesson 1: text), with an instructor in Madrid, a teaching assistant, an
    enrolled learner, a stranger and a tenant admin."""

    class Blank:
        pass

    room = Blank()
    room.instructor = user_factory(tenant, "instructor")
    room.instructor.timezone = "Europe/Madrid"
    room.assistant = user_factory(tenant)
    room.learner = user_factory(tenant)
    room.stranger = user_factory(tenant)
    room.admin = user_factory(tenant, "admin")
    room.setup = make_course(
        tenant,
        lessons=2,
        lesson_types=["assignment", "text"],
        instructor=room.instructor,
        assistant=room.assistant,
        title="Essays",
    )
    enrol_directly(tenant, room.setup.course, room.learner)
    db.flush()
    room.lesson = room.setup.lessons[0]
    room.create = f"/teach/courses/{room.setup.id}/lessons/{room.lesson.id}/assignment"
    room.overview = f"/teach/courses/{room.setup.id}/assignments"
    room.player = f"/courses/{room.setup.course.slug}/learn/{room.lesson.slug}"
    return room


def settings_path(room, assignment_id) -> str:
    return f"/teach/courses/{room.setup.id}/assignments/{assignment_id}/settings"


def stored(db, lesson):
    from learninghub_assessment.models.assignments import Assignment

    db.expire_all()
    return db.scalar(sa.select(Assignment).where(Assignment.lesson_id == lesson.id))


def test_create_then_edit_round_trip(blank, tenant, page_browser, client, db):
    room = blank
    b = page_browser(tenant, room.instructor)
    page = b.get(room.create)
    assert page.status_int == 200, page.text
    assert "Set up the assignment" in page.text and "Europe/Madrid" in page.text
    assert '<label for="due_at">' in page.text and 'type="datetime-local"' in page.text
    created = b.submit(page, room.create, FIELDS)
    assert created.status_int == 303, created.text
    row = stored(db, room.lesson)
    assert created.headers["Location"].endswith(settings_path(room, row.id) + "?saved=1")
    # 12:00 in Madrid (winter, UTC+1) is stored as 11:00 UTC; the API's rules applied
    assert row.due_at == datetime(2099, 3, 1, 11, 0, tzinfo=UTC)
    assert row.instructions == "<p>Write <em>300</em> words.</p>"
    assert row.submission_type == "text" and row.required is True
    assert row.max_points == Decimal("12.5") and row.weight == Decimal("0.5")
    assert row.passing_percent is None and row.created_by == room.instructor.id

    shown = b.get(created.headers["Location"])
    assert shown.status_int == 200 and "The assignment was saved." in shown.text
    assert 'value="2099-03-01T12:00"' in shown.text  # back in the editor's time zone
    assert 'value="12.5"' in shown.text and 'value="0.5"' in shown.text

    url = settings_path(room, row.id)
    changed = dict(FIELDS, due_at="2099-07-01T12:00", passing_percent="60", required="")
    changed["submission_type"] = "text_or_file"
    del changed["required"]  # an unchecked box is not posted
    assert b.submit(shown, url, changed).status_int == 303
    row = stored(db, room.lesson)
    assert row.due_at == datetime(2099, 7, 1, 10, 0, tzinfo=UTC)  # summer: UTC+2
    assert row.passing_percent == Decimal("60") and row.required is False
    assert row.submission_type == "text_or_file"
    api = client(tenant, room.instructor).get(f"/api/v1/assignments/{row.id}").json
    assert api["due_at"].startswith("2099-07-01T10:00") and api["passing_percent"] == "60.00"
    assert 'value="2099-07-01T12:00"' in b.get(url).text

    # the set-up page of a lesson that has its assignment leads to the settings
    again = b.get(room.create)
    assert again.status_int == 303 and again.headers["Location"].endswith(url)


def test_an_unchanged_due_date_keeps_its_seconds(blank, tenant, page_browser, client, db):
    room = blank
    api = client(tenant, room.instructor)
    body = {"lesson_id": str(room.lesson.id), "due_at": "2099-03-01T11:00:30Z"}
    created = api.post_json(f"/api/v1/courses/{room.setup.id}/assignments", body).json
    b = page_browser(tenant, room.instructor)
    url = settings_path(room, created["id"])
    page = b.get(url)
    assert 'value="2099-03-01T12:00:30"' in page.text and 'step="1"' in page.text
    fields = dict(FIELDS, due_at="2099-03-01T12:00:30")
    assert b.submit(page, url, fields).status_int == 303
    assert stored(db, room.lesson).due_at == datetime(2099, 3, 1, 11, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "field, value",
    [
        ("max_points", "0"),
        ("max_points", "1000.01"),
        ("max_points", "1.234"),
        ("max_points", "many"),
        ("max_points", ""),
        ("passing_percent", "101"),
        ("weight", "-1"),
        ("due_at", "next week"),
        ("due_at", "2099-03-29T02:30"),  # Madrid skips 02:00–03:00 that night
        ("submission_type", "paper"),
        ("instructions", "x" * 50_001),
    ],
)
def test_invalid_input_shows_the_error_next_to_the_field(
    blank, tenant, page_browser, db, field, value
):
    room = blank
    b = page_browser(tenant, room.instructor)
    page = b.get(room.create)
    r = b.submit(page, room.create, dict(FIELDS, **{field: value}))
    assert r.status_int == 422, (field, value)
    assert f'id="{field}-error"' in r.text and 'aria-invalid="true"' in r.text
    assert f'href="#{field}"' in r.text  # the summary leads to the field
    assert "The assignment was not saved." in r.text
    if field != "instructions":
        assert f'value="{value}"' in r.text or f">{value}<" in r.text or field == "submission_type"
    assert stored(db, room.lesson) is None


def test_invalid_edit_changes_nothing(blank, tenant, page_browser, client, db):
    room = blank
    body = {"lesson_id": str(room.lesson.id), "max_points": "20"}
    created = (
        client(tenant, room.instructor)
        .post_json(f"/api/v1/courses/{room.setup.id}/assignments", body)
        .json
    )
    b = page_browser(tenant, room.instructor)
    url = settings_path(room, created["id"])
    page = b.get(url)
    r = b.submit(page, url, dict(FIELDS, weight="1001", max_points="30"))
    assert r.status_int == 422 and 'id="weight-error"' in r.text
    assert "Enter a weight from 0 to 1000" in r.text
    assert stored(db, room.lesson).max_points == Decimal("20")


def test_create_access(blank, tenant, other_tenant, page_browser, user_factory, db):
    room = blank
    assert page_browser(tenant, room.instructor).get(room.create).status_int == 200
    assert page_browser(tenant, room.admin).get(room.create).status_int == 200
    for who in (room.learner, room.assistant, room.stranger):
        b = page_browser(tenant, who)
        assert b.get(room.create).status_int == 403
        home = b.get(room.player)
        assert b.submit(home, room.create, FIELDS).status_int == 403
    assert stored(db, room.lesson) is None
    anonymous = page_browser(tenant).get(room.create)
    assert anonymous.status_int == 303 and "/login" in anonymous.headers["Location"]
    foreign = page_browser(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.get(room.create).status_int == 404
    text_lesson = f"/teach/courses/{room.setup.id}/lessons/{room.setup.lessons[1].id}/assignment"
    editor = page_browser(tenant, room.instructor)
    assert editor.get(text_lesson).status_int == 404
    assert editor.get(f"/teach/courses/{room.setup.id}/lessons/nope/assignment").status_int == 404


def test_settings_access(blank, tenant, other_tenant, page_browser, client, user_factory, db):
    room = blank
    body = {"lesson_id": str(room.lesson.id), "max_points": "20"}
    created = (
        client(tenant, room.instructor)
        .post_json(f"/api/v1/courses/{room.setup.id}/assignments", body)
        .json
    )
    url = settings_path(room, created["id"])
    assert page_browser(tenant, room.instructor).get(url).status_int == 200
    admin = page_browser(tenant, room.admin)
    page = admin.get(url)
    assert page.status_int == 200
    assert admin.submit(page, url, dict(FIELDS, max_points="40")).status_int == 303
    assert stored(db, room.lesson).max_points == Decimal("40")
    for who in (room.learner, room.assistant, room.stranger):
        b = page_browser(tenant, who)
        assert b.get(url).status_int == 403
        home = b.get(room.player)
        assert b.submit(home, url, dict(FIELDS, max_points="1")).status_int == 403
    assert stored(db, room.lesson).max_points == Decimal("40")
    anonymous = page_browser(tenant).get(url)
    assert anonymous.status_int == 303 and "/login" in anonymous.headers["Location"]
    foreign = page_browser(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.get(url).status_int == 404
    other_course = f"/teach/courses/{room.setup.id}x/assignments/{created['id']}/settings"
    assert page_browser(tenant, room.instructor).get(other_course).status_int == 404


def test_settings_of_another_course_is_not_found(
    blank, tenant, page_browser, client, make_course, db
):
    room = blank
    mine = make_course(tenant, lessons=1, instructor=room.instructor)
    body = {"lesson_id": str(room.lesson.id)}
    created = (
        client(tenant, room.instructor)
        .post_json(f"/api/v1/courses/{room.setup.id}/assignments", body)
        .json
    )
    url = f"/teach/courses/{mine.id}/assignments/{created['id']}/settings"
    assert page_browser(tenant, room.instructor).get(url).status_int == 404


def test_csrf_is_required(blank, tenant, page_browser, client, db):
    room = blank
    b = page_browser(tenant, room.instructor)
    page = b.get(room.create)
    assert b.submit(page, room.create, FIELDS, csrf=False).status_int in (400, 403)
    assert stored(db, room.lesson) is None
    body = {"lesson_id": str(room.lesson.id), "max_points": "20"}
    created = (
        client(tenant, room.instructor)
        .post_json(f"/api/v1/courses/{room.setup.id}/assignments", body)
        .json
    )
    url = settings_path(room, created["id"])
    r = b.submit(b.get(url), url, dict(FIELDS, max_points="30"), csrf=False)
    assert r.status_int in (400, 403)
    assert stored(db, room.lesson).max_points == Decimal("20")


def test_player_links_staff_to_the_set_up_and_tells_learners_to_wait(
    blank, tenant, page_browser, client
):
    room = blank
    editor = page_browser(tenant, room.instructor).get(room.player)
    assert editor.status_int == 200, editor.text
    assert "Set up this assignment" in editor.text and room.create in editor.text
    assistant = page_browser(tenant, room.assistant).get(room.player)
    assert "Set up this assignment" not in assistant.text and room.create not in assistant.text
    learner = page_browser(tenant, room.learner).get(room.player)
    assert "This assignment is not available yet." in learner.text
    assert room.create not in learner.text and "not set up" not in learner.text

    body = {"lesson_id": str(room.lesson.id)}
    created = (
        client(tenant, room.instructor)
        .post_json(f"/api/v1/courses/{room.setup.id}/assignments", body)
        .json
    )
    editor = page_browser(tenant, room.instructor).get(room.player)
    assert settings_path(room, created["id"]) in editor.text
    assert "Set up this assignment" not in editor.text
    assistant = page_browser(tenant, room.assistant).get(room.player)
    assert settings_path(room, created["id"]) not in assistant.text
    assert f"/teach/courses/{room.setup.id}/assignments/{created['id']}" in assistant.text
    learner = page_browser(tenant, room.learner).get(room.player)
    assert "/settings" not in learner.text and "Submit your work" in learner.text


def test_overview_and_teach_link(blank, tenant, other_tenant, page_browser, client, user_factory):
    room = blank
    teach = page_browser(tenant, room.instructor).get(f"/teach/{room.setup.id}")
    assert teach.status_int == 200 and room.overview in teach.text
    page = page_browser(tenant, room.instructor).get(room.overview)
    assert page.status_int == 200, page.text
    assert room.lesson.title in page.text and room.create in page.text
    assert room.setup.lessons[1].title not in page.text  # a text lesson

    body = {"lesson_id": str(room.lesson.id)}
    created = (
        client(tenant, room.instructor)
        .post_json(f"/api/v1/courses/{room.setup.id}/assignments", body)
        .json
    )
    client(tenant, room.learner).put_json(
        f"/api/v1/assignments/{created['id']}/submission", {"text": "Mine"}
    )
    page = page_browser(tenant, room.instructor).get(room.overview)
    assert settings_path(room, created["id"]) in page.text and room.create not in page.text
    assert "1 waiting for a grade" in page.text
    assistant = page_browser(tenant, room.assistant).get(room.overview)
    assert assistant.status_int == 200
    assert f"/teach/courses/{room.setup.id}/assignments/{created['id']}" in assistant.text
    assert settings_path(room, created["id"]) not in assistant.text
    assert page_browser(tenant, room.admin).get(room.overview).status_int == 200
    assert page_browser(tenant, room.learner).get(room.overview).status_int == 403
    anonymous = page_browser(tenant).get(room.overview)
    assert anonymous.status_int == 303 and "/login" in anonymous.headers["Location"]
    foreign = page_browser(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.get(room.overview).status_int == 404
