"""Every route: allowed, forbidden, anonymous and cross-tenant; invalid inputs;
creating and changing quizzes; regrades and their audit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .conftest import RIGHT


def test_create_quiz_by_editor(client, world, make_question):
    url = f"/api/v1/courses/{world.course.id}/quizzes"
    body = {
        "lesson_id": str(world.lesson.id),
        "question_ids": [str(world.questions["true_false"].id)],
        "time_limit_s": 600,
        "navigation": "sequential",
    }
    r = client(world.tenant, world.instructor).post_json(url, body)
    assert r.status_int == 201, r.text
    assert r.json["question_ids"] == body["question_ids"] and r.location
    assert client(world.tenant, world.instructor).post_json(url, body).status_int == 409
    listed = client(world.tenant, world.assistant).get(url)
    assert listed.status_int == 200 and len(listed.json["items"]) == 1
    quiz_url = f"/api/v1/quizzes/{r.json['id']}"
    learner_view = client(world.tenant, world.learner).get(quiz_url)
    assert learner_view.status_int == 200 and learner_view.json["question_ids"] is None
    patched = client(world.tenant, world.instructor).patch_json(quiz_url, {"max_attempts": 2})
    assert patched.status_int == 200 and patched.json["max_attempts"] == 2


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"question_ids": []}, ["body", "question_ids"]),
        ({"question_ids": ["00000000-0000-0000-0000-000000000000"]}, ["body", "question_ids", 0]),
        (
            {"mode": "random", "draw_rules": [{"tags": ["t"], "count": 50}]},
            ["body", "draw_rules", 0, "count"],
        ),
        ({"passing_percent": "101"}, ["body", "passing_percent"]),
        ({"feedback": "sometimes"}, ["body", "feedback"]),
    ],
)
def test_create_quiz_invalid(client, world, body, path):
    payload = {
        "lesson_id": str(world.lesson.id),
        "question_ids": [str(world.questions["essay"].id)],
    }
    payload.update(body)
    r = client(world.tenant, world.instructor).post_json(
        f"/api/v1/courses/{world.course.id}/quizzes", payload
    )
    assert r.status_int == 422 and r.content_type == "application/problem+json"
    assert r.json["errors"][0]["path"] == path


def test_create_quiz_for_a_text_lesson_is_refused(client, world, make_course):
    r = client(world.tenant, world.instructor).post_json(
        f"/api/v1/courses/{world.course.id}/quizzes",
        {"lesson_id": str(world.course.id), "question_ids": [str(world.questions["essay"].id)]},
    )
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "lesson_id"]


def test_patch_null_refused(client, basic_quiz):
    r = client(basic_quiz.tenant, basic_quiz.instructor).patch_json(
        basic_quiz.quiz_url, {"feedback": None}
    )
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "feedback"]


def routes(w, attempt_id, answer_id):
    return [
        ("GET", f"/api/v1/courses/{w.course.id}/quizzes", None),
        ("POST", f"/api/v1/courses/{w.course.id}/quizzes", {"lesson_id": str(w.lesson.id)}),
        ("GET", w.quiz_url, None),
        ("PATCH", w.quiz_url, {"max_attempts": 3}),
        ("POST", f"{w.quiz_url}/attempts", {}),
        ("GET", f"{w.quiz_url}/attempts", None),
        ("GET", f"/api/v1/attempts/{attempt_id}", None),
        (
            "PUT",
            f"/api/v1/attempts/{attempt_id}/answers/{w.questions['true_false'].id}",
            {"response": {"value": True}},
        ),
        ("POST", f"/api/v1/attempts/{attempt_id}/next", {}),
        ("POST", f"/api/v1/attempts/{attempt_id}/submit", {}),
        ("GET", f"/api/v1/attempts/{attempt_id}/result", None),
        ("GET", f"/api/v1/courses/{w.course.id}/grading-queue", None),
        ("POST", f"/api/v1/answers/{answer_id}/grade", {"points": "1"}),
        ("POST", f"{w.quiz_url}/regrade", {}),
        ("GET", f"{w.quiz_url}/score-changes", None),
    ]


def call(c, method, url, body):
    if method == "GET":
        return c.get(url)
    return {"POST": c.post_json, "PUT": c.put_json, "PATCH": c.patch_json}[method](url, body)


@pytest.fixture
def started(client, basic_quiz, db):
    from learninghub_assessment.models.quizzes import Answer

    attempt = (
        client(basic_quiz.tenant, basic_quiz.learner)
        .post_json(f"{basic_quiz.quiz_url}/attempts", {})
        .json
    )
    answer = db.query(Answer).filter_by(question_id=basic_quiz.questions["essay"].id).one()
    return basic_quiz, attempt["id"], answer.id


def test_anonymous_gets_401(client, started):
    w, attempt_id, answer_id = started
    for method, url, body in routes(w, attempt_id, answer_id):
        r = call(client(w.tenant), method, url, body)
        assert r.status_int == 401, (method, url, r.status_int)


def test_cross_tenant_token_is_refused(foreign_client, started, other_tenant):
    w, attempt_id, answer_id = started
    c = foreign_client(w.tenant, other_tenant)
    for method, url, body in routes(w, attempt_id, answer_id):
        r = call(c, method, url, body)
        assert r.status_int in (401, 404), (method, url, r.status_int)


def test_other_tenant_admin_sees_nothing(client, started, other_tenant, user_factory):
    w, attempt_id, answer_id = started
    admin = user_factory(other_tenant, "admin")
    c = client(other_tenant, admin)
    for method, url, body in routes(w, attempt_id, answer_id):
        r = call(c, method, url, body)
        assert r.status_int in (404, 422), (method, url, r.status_int)


def test_outsider_learner_is_refused(client, started, user_factory):
    w, attempt_id, answer_id = started
    outsider = user_factory(w.tenant, "learner")  # not enrolled, not staff
    c = client(w.tenant, outsider)
    for method, url, body in routes(w, attempt_id, answer_id):
        r = call(c, method, url, body)
        assert r.status_int in (403, 404), (method, url, r.status_int)


def test_learner_cannot_grade_or_configure(client, started):
    w, attempt_id, answer_id = started
    c = client(w.tenant, w.learner)
    assert c.post_json(f"/api/v1/answers/{answer_id}/grade", {"points": "1"}).status_int == 404
    assert c.get(f"/api/v1/courses/{w.course.id}/grading-queue").status_int == 403
    assert c.patch_json(w.quiz_url, {"max_attempts": 3}).status_int == 403
    assert c.post_json(f"{w.quiz_url}/regrade", {}).status_int == 403


def test_staff_cannot_write_a_learners_attempt(client, started):
    w, attempt_id, _ = started
    c = client(w.tenant, w.instructor)
    assert c.get(f"/api/v1/attempts/{attempt_id}").status_int == 200
    r = c.post_json(f"/api/v1/attempts/{attempt_id}/submit", {})
    assert r.status_int == 403


def test_grade_invalid_points(client, started):
    w, attempt_id, answer_id = started
    client(w.tenant, w.learner).post_json(f"/api/v1/attempts/{attempt_id}/submit", {})
    c = client(w.tenant, w.instructor)
    r = c.post_json(f"/api/v1/answers/{answer_id}/grade", {"points": "-1"})
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "points"]
    r = c.post_json(f"/api/v1/answers/{answer_id}/grade", {"points": "999"})
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "points"]


def test_regrade_after_question_corrected(client, make_quiz, world, db, run_task, events):
    from learninghub_assessment.questions import types as qtypes

    q = world.questions["single_choice"]
    make_quiz(world, [q, world.questions["true_false"]])
    learner = client(world.tenant, world.learner)
    attempt = learner.post_json(f"{world.quiz_url}/attempts", {}).json
    learner.put_json(
        f"/api/v1/attempts/{attempt['id']}/answers/{q.id}", {"response": {"choice": "b"}}
    )
    learner.put_json(
        f"/api/v1/attempts/{attempt['id']}/answers/{world.questions['true_false'].id}",
        {"response": RIGHT["true_false"]},
    )
    first = learner.post_json(f"/api/v1/attempts/{attempt['id']}/submit", {}).json
    assert first["percent"] == "50.00"
    # the author corrects the key: "b" was right, and the question is worth 4 now
    spec = dict(q.spec)
    spec["correct"] = "b"
    q.spec = qtypes.validate_spec("single_choice", spec)
    q.points = Decimal("4")
    q.version = 2
    db.flush()
    assert run_task(world.tenant, "assessment.regrade_question", question_id=str(q.id)) == "done"
    again = learner.get(f"/api/v1/attempts/{attempt['id']}").json
    assert (
        again["score"] == "6.00" and again["max_score"] == "6.00" and again["percent"] == "100.00"
    )
    changes = client(world.tenant, world.instructor).get(f"{world.quiz_url}/score-changes").json
    [change] = changes["items"]
    assert change["old"] == "0.00" and change["new"] == "4.00" and "regrade" in change["reason"]
    assert "assessment.score.changed" in events.names()
    # idempotent: nothing more changes, nothing more is recorded
    assert client(world.tenant, world.instructor).post_json(
        f"{world.quiz_url}/regrade", {}
    ).json == {"changed": 0}


def test_question_updated_event_queues_regrade(registry, tenant, dispatched):
    import uuid

    from learninghub.events import DomainEvent
    from learninghub.tasks import make_tenant_request
    from learninghub_assessment.quizzes import hooks

    resolved = registry["tenancy.resolver"].by_id(tenant.id)
    request = make_tenant_request(registry, resolved, None)
    qid = uuid.uuid4()
    event = DomainEvent("assessment.question.updated", tenant.id, None, "question", str(qid), {})
    hooks.domain_event(request=request, event=event)
    assert [m.name for m in dispatched] == ["assessment.regrade_question"]
    assert dispatched[0].kwargs == {"question_id": str(qid)}
