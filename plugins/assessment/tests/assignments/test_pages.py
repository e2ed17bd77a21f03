"""The assignment in the lesson player and the staff's submissions page."""

from __future__ import annotations

from datetime import UTC, datetime


def player(room) -> str:
    return f"/courses/{room.setup.course.slug}/learn/{room.setup.lessons[0].slug}"


def staff_page(room) -> str:
    return f"/teach/courses/{room.setup.id}/assignments/{room.assignment.id}"


def test_player_shows_instructions_due_date_and_grade(classroom, tenant, page_browser, client, db):
    room = classroom
    room.assignment.instructions = "<p>Write <em>300</em> words.</p>"
    room.assignment.due_at = datetime(2099, 3, 1, 12, 0, tzinfo=UTC)
    db.flush()
    page = page_browser(tenant, room.learner).get(player(room))
    assert page.status_int == 200, page.text
    assert "<p>Write <em>300</em> words.</p>" in page.text
    assert 'datetime="2099-03-01T12:00:00+00:00"' in page.text
    assert "Submit your work" in page.text and 'type="file"' in page.text
    sub = (
        client(tenant, room.learner)
        .put_json(f"/api/v1/assignments/{room.assignment.id}/submission", {"text": "<b>mine</b>"})
        .json
    )
    client(tenant, room.assistant).post_json(
        f"/api/v1/submissions/{sub['id']}/grade", {"points": "18", "feedback": "Well <done>"}
    )
    graded = page_browser(tenant, room.learner).get(player(room))
    assert "&lt;b&gt;mine&lt;/b&gt;" in graded.text  # escaped, not rendered
    assert "Well &lt;done&gt;" in graded.text and "90%" in graded.text
    assert "Submit your work" not in graded.text and "Replace" not in graded.text


def test_player_shows_staff_a_link_and_no_form(classroom, tenant, page_browser):
    room = classroom
    page = page_browser(tenant, room.instructor).get(player(room))
    assert staff_page(room) in page.text
    assert "Submit your work" not in page.text


def test_staff_page_lists_and_grades(classroom, tenant, page_browser, client, enrollment_row):
    room = classroom
    client(tenant, room.learner).put_json(
        f"/api/v1/assignments/{room.assignment.id}/submission", {"text": "Essay text"}
    )
    sub_id = (
        client(tenant, room.learner)
        .get(f"/api/v1/assignments/{room.assignment.id}/submission")
        .json["id"]
    )
    b = page_browser(tenant, room.assistant)
    page = b.get(staff_page(room))
    assert page.status_int == 200, page.text
    assert "Essay text" in page.text and room.learner.email in page.text
    bad = b.submit(
        page, staff_page(room), {"submission_id": sub_id, "points": "25", "feedback": ""}
    )
    assert bad.status_int == 422 and 'aria-invalid="true"' in bad.text
    ok = b.submit(
        page, staff_page(room), {"submission_id": sub_id, "points": "12.5", "feedback": "Fine"}
    )
    assert ok.status_int == 200 and "The grade was saved." in ok.text
    mine = client(tenant, room.learner).get(f"/api/v1/assignments/{room.assignment.id}/submission")
    assert mine.json["points"] == "12.50" and mine.json["feedback"] == "Fine"


def test_staff_page_access(classroom, tenant, other_tenant, page_browser, user_factory):
    room = classroom
    anonymous = page_browser(tenant).get(staff_page(room))
    assert anonymous.status_int == 303 and "/login" in anonymous.headers["Location"]
    assert page_browser(tenant, room.learner).get(staff_page(room)).status_int == 403
    assert page_browser(tenant, room.stranger).get(staff_page(room)).status_int == 404
    foreign = page_browser(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.get(staff_page(room)).status_int == 404
    wrong_course = f"/teach/courses/{room.setup.id}x/assignments/{room.assignment.id}"
    assert page_browser(tenant, room.instructor).get(wrong_course).status_int == 404


def test_submit_form_access(classroom, tenant, other_tenant, page_browser, user_factory):
    room = classroom
    path = f"/assignments/{room.assignment.id}/submit"
    anonymous = page_browser(tenant).post(path, {"text": "x"}, csrf=False)
    assert anonymous.status_int in (303, 400, 403)
    b = page_browser(tenant, room.instructor)
    page = b.get(player(room))
    assert b.submit(page, path, {"text": "x"}).status_int == 403
    foreign = page_browser(other_tenant, user_factory(other_tenant))
    home = foreign.get("/")
    assert foreign.submit(home, path, {"text": "x"}, csrf=False).status_int in (400, 403, 404)
