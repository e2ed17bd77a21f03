"""The assignments API: every route allowed / forbidden / anonymous / cross-tenant,
invalid inputs, submissions, grading and its effects."""

from __future__ import annotations

import uuid


def api(path: str) -> str:
    return "/api/v1" + path


# ----------------------------------------------------------------- assignments


def test_editors_create_and_change_assignments(tenant, user_factory, client, make_course, events):
    instructor = user_factory(tenant, "instructor")
    setup = make_course(
        tenant, lessons=2, lesson_types=["assignment", "text"], instructor=instructor
    )
    c = client(tenant, instructor)
    body = {
        "lesson_id": str(setup.lessons[0].id),
        "instructions": '<p onclick="x()">Write</p><script>alert(1)</script>',
        "submission_type": "text",
        "due_at": "2030-01-01T12:00:00Z",
        "max_points": "10",
        "passing_percent": "60",
        "weight": "2.5",
        "required": True,
    }
    r = c.post_json(api(f"/courses/{setup.id}/assignments"), body)
    assert r.status_int == 201, r.text
    created = r.json
    assert created["instructions"] == "<p>Write</p>"
    assert created["title"] == "Lesson 1" and created["weight"] == "2.50"
    assert r.headers["Location"].endswith(f"/api/v1/assignments/{created['id']}")
    again = c.post_json(api(f"/courses/{setup.id}/assignments"), body, expect_errors=True)
    assert again.status_int == 409
    text_lesson = dict(body, lesson_id=str(setup.lessons[1].id))
    bad = c.post_json(api(f"/courses/{setup.id}/assignments"), text_lesson, expect_errors=True)
    assert bad.status_int == 422 and bad.json["errors"][0]["path"] == ["body", "lesson_id"]
    for field, value in (
        ("max_points", "0"),
        ("max_points", "1.234"),
        ("passing_percent", "101"),
        ("weight", "-1"),
        ("submission_type", "video"),
        ("due_at", "2030-01-01T12:00:00"),
    ):
        r = c.post_json(
            api(f"/courses/{setup.id}/assignments"),
            dict(body, **{field: value}),
            expect_errors=True,
        )
        assert r.status_int == 422, (field, value)
        assert r.json["errors"][0]["path"][:2] == ["body", field]
    patched = c.patch_json(api(f"/assignments/{created['id']}"), {"weight": "0", "due_at": None})
    assert patched.status_int == 200 and patched.json["weight"] == "0.00"
    assert patched.json["due_at"] is None
    null = c.patch_json(api(f"/assignments/{created['id']}"), {"weight": None}, expect_errors=True)
    assert null.status_int == 422


def test_assignment_routes_refuse_others(classroom, tenant, other_tenant, user_factory, client):
    room = classroom
    aid = room.assignment.id
    body = {"lesson_id": str(room.setup.lessons[0].id)}
    course_url = api(f"/courses/{room.setup.id}/assignments")
    # learners read but never write; TAs are staff but not editors
    for who in (room.learner, room.assistant):
        r = client(tenant, who).post_json(course_url, body, expect_errors=True)
        assert r.status_int == 403
        r = client(tenant, who).patch_json(
            api(f"/assignments/{aid}"), {"weight": "2"}, expect_errors=True
        )
        assert r.status_int == 403
    assert client(tenant, room.learner).get(api(f"/assignments/{aid}")).status_int == 200
    listed = client(tenant, room.learner).get(course_url)
    assert [i["id"] for i in listed.json["items"]] == [str(aid)]
    # not enrolled: the course is visible but its assignments are not
    assert client(tenant, room.stranger).get(course_url, expect_errors=True).status_int == 403
    assert (
        client(tenant, room.stranger).get(api(f"/assignments/{aid}"), expect_errors=True).status_int
        == 404
    )
    # anonymous
    assert client(tenant).get(course_url, expect_errors=True).status_int == 401
    assert client(tenant).get(api(f"/assignments/{aid}"), expect_errors=True).status_int == 401
    # another tenant's admin
    foreign = client(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.get(course_url, expect_errors=True).status_int == 404
    assert foreign.get(api(f"/assignments/{aid}"), expect_errors=True).status_int == 404
    r = foreign.patch_json(api(f"/assignments/{aid}"), {"weight": "2"}, expect_errors=True)
    assert r.status_int == 404
    assert foreign.get(api(f"/assignments/{uuid.uuid4()}"), expect_errors=True).status_int == 404
    assert foreign.get(api("/assignments/nope"), expect_errors=True).status_int == 404


# ----------------------------------------------------------------- submissions


def test_learner_submits_replaces_and_reads_their_work(classroom, tenant, client, events):
    room = classroom
    c = client(tenant, room.learner)
    url = api(f"/assignments/{room.assignment.id}/submission")
    assert c.get(url, expect_errors=True).status_int == 404
    first = c.put_json(url, {"text": "My first essay"})
    assert first.status_int == 200, first.text
    assert first.json["status"] == "submitted" and first.json["points"] is None
    second = c.put_json(url, {"text": "My better essay"})
    assert second.json["id"] == first.json["id"] and second.json["text"] == "My better essay"
    assert c.get(url).json["text"] == "My better essay"
    assert events.names().count("assessment.submission.submitted") == 2
    empty = c.put_json(url, {"text": "   "}, expect_errors=True)
    assert empty.status_int == 422 and empty.json["errors"][0]["path"] == ["body", "text"]
    extra = c.put_json(url, {"text": "x", "grade": 100}, expect_errors=True)
    assert extra.status_int == 422
    other_asset = c.put_json(url, {"media_asset_id": str(uuid.uuid4())}, expect_errors=True)
    assert other_asset.status_int == 422
    assert other_asset.json["errors"][0]["path"] == ["body", "media_asset_id"]


def test_submission_routes_refuse_others(classroom, tenant, other_tenant, user_factory, client):
    room = classroom
    url = api(f"/assignments/{room.assignment.id}/submission")
    for who in (room.stranger, room.instructor):
        r = client(tenant, who).put_json(url, {"text": "x"}, expect_errors=True)
        assert r.status_int in (403, 404), who.email
    assert (
        client(tenant, room.stranger).put_json(url, {"text": "x"}, expect_errors=True).status_int
        == 404
    )
    assert (
        client(tenant, room.instructor).put_json(url, {"text": "x"}, expect_errors=True).status_int
        == 403
    )
    assert client(tenant).put_json(url, {"text": "x"}, expect_errors=True).status_int == 401
    foreign = client(other_tenant, user_factory(other_tenant))
    assert foreign.put_json(url, {"text": "x"}, expect_errors=True).status_int == 404
    assert foreign.get(url, expect_errors=True).status_int == 404


def test_submission_types_are_enforced(
    tenant, user_factory, client, make_course, enrol_directly, make_assignment
):
    learner = user_factory(tenant)
    setup = make_course(tenant, lessons=2, lesson_types=["assignment", "assignment"])
    enrol_directly(tenant, setup.course, learner)
    text_only = make_assignment(tenant, setup, 0, submission_type="text")
    file_only = make_assignment(tenant, setup, 1, submission_type="file")
    c = client(tenant, learner)
    r = c.put_json(
        api(f"/assignments/{file_only.id}/submission"), {"text": "hi"}, expect_errors=True
    )
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "media_asset_id"]
    r = c.post(
        api(f"/assignments/{text_only.id}/submission/file"),
        upload_files=[("file", "a.pdf", b"%PDF-1.4\n")],
        expect_errors=True,
    )
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "file"]


# ----------------------------------------------------------------- grading


def grade_url(submission_id) -> str:
    return api(f"/submissions/{submission_id}/grade")


def test_staff_list_and_grade_submissions(classroom, tenant, client, events, enrollment_row):
    room = classroom
    sub = (
        client(tenant, room.learner)
        .put_json(
            api(f"/assignments/{room.assignment.id}/submission"), {"text": "=cmd|' /C calc'!A0"}
        )
        .json
    )
    listed = client(tenant, room.assistant).get(
        api(f"/assignments/{room.assignment.id}/submissions")
    )
    assert listed.status_int == 200
    assert [i["id"] for i in listed.json["items"]] == [sub["id"]]
    assert listed.json["items"][0]["user_email"] == room.learner.email
    r = client(tenant, room.assistant).post_json(
        grade_url(sub["id"]), {"points": "15.5", "feedback": "Good"}
    )
    assert r.status_int == 200, r.text
    assert r.json["points"] == "15.50" and r.json["percent"] == "77.50" and r.json["passed"] is True
    assert "assessment.submission.graded" in events.names()
    changed = events.named("assessment.grade.changed")
    assert changed and changed[-1].payload["user_id"] == str(room.learner.id)
    mine = (
        client(tenant, room.learner).get(api(f"/assignments/{room.assignment.id}/submission")).json
    )
    assert mine["feedback"] == "Good" and mine["status"] == "graded"
    # graded: the learner can no longer replace it
    again = client(tenant, room.learner).put_json(
        api(f"/assignments/{room.assignment.id}/submission"),
        {"text": "late change"},
        expect_errors=True,
    )
    assert again.status_int == 409 and again.json["type"].endswith("already-graded")
    # no passing percent: submitting completed the lesson
    progress = enrollment_row(room.setup.id, room.learner).progress_percent
    assert progress == 50
    filtered = client(tenant, room.instructor).get(
        api(f"/assignments/{room.assignment.id}/submissions"), params={"status": "submitted"}
    )
    assert filtered.json["items"] == []


def test_grading_validates_and_refuses_others(
    classroom, tenant, other_tenant, user_factory, client
):
    room = classroom
    sub = (
        client(tenant, room.learner)
        .put_json(api(f"/assignments/{room.assignment.id}/submission"), {"text": "Essay"})
        .json
    )
    staff = client(tenant, room.instructor)
    for bad in (
        {"points": "21"},
        {"points": "-1"},
        {"points": "1.555"},
        {},
        {"points": "1", "x": 1},
    ):
        r = staff.post_json(grade_url(sub["id"]), bad, expect_errors=True)
        assert r.status_int == 422, bad
        assert r.json["errors"][0]["path"][0] == "body"
    assert (
        client(tenant, room.learner)
        .post_json(grade_url(sub["id"]), {"points": "20"}, expect_errors=True)
        .status_int
        == 403
    )
    assert (
        client(tenant, room.stranger)
        .post_json(grade_url(sub["id"]), {"points": "20"}, expect_errors=True)
        .status_int
        == 404
    )
    assert (
        client(tenant)
        .post_json(grade_url(sub["id"]), {"points": "20"}, expect_errors=True)
        .status_int
        == 401
    )
    foreign = client(other_tenant, user_factory(other_tenant, "admin"))
    assert (
        foreign.post_json(grade_url(sub["id"]), {"points": "20"}, expect_errors=True).status_int
        == 404
    )
    listing = api(f"/assignments/{room.assignment.id}/submissions")
    assert client(tenant, room.learner).get(listing, expect_errors=True).status_int == 403
    assert client(tenant).get(listing, expect_errors=True).status_int == 401
    assert foreign.get(listing, expect_errors=True).status_int == 404
    assert staff.get(listing, params={"cursor": "garbage!"}, expect_errors=True).status_int == 400


def test_passing_percent_completes_the_lesson_only_when_passed(
    tenant, user_factory, client, make_course, enrol_directly, make_assignment, enrollment_row
):
    instructor, learner = user_factory(tenant, "instructor"), user_factory(tenant)
    setup = make_course(tenant, lessons=1, lesson_types=["assignment"], instructor=instructor)
    enrol_directly(tenant, setup.course, learner)
    assignment = make_assignment(tenant, setup, passing_percent=__import__("decimal").Decimal("60"))
    sub = (
        client(tenant, learner)
        .put_json(api(f"/assignments/{assignment.id}/submission"), {"text": "x"})
        .json
    )
    assert enrollment_row(setup.id, learner).progress_percent == 0
    failed = client(tenant, instructor).post_json(grade_url(sub["id"]), {"points": "11.99"})
    assert failed.json["passed"] is False and failed.json["percent"] == "59.95"
    assert enrollment_row(setup.id, learner).progress_percent == 0
    passed = client(tenant, instructor).post_json(grade_url(sub["id"]), {"points": "12"})
    assert passed.json["passed"] is True
    row = enrollment_row(setup.id, learner)
    assert row.progress_percent == 100 and row.status == "completed"
