"""Attempts through the API: start, limits, windows, deadlines, sequential mode,
submit and grading."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from learninghub.db import utcnow

from .conftest import RIGHT, WRONG


def start(client, world, user=None):
    return client(world.tenant, user or world.learner).post_json(f"{world.quiz_url}/attempts", {})


def answer(client, world, attempt_id, question, response, user=None):
    return client(world.tenant, user or world.learner).put_json(
        f"/api/v1/attempts/{attempt_id}/answers/{question.id}", {"response": response}
    )


def test_start_resume_and_answer(client, basic_quiz, events):
    w = basic_quiz
    r = start(client, w)
    assert r.status_int == 201, r.text
    attempt = r.json
    assert attempt["status"] == "in_progress" and attempt["number"] == 1
    assert [q["state"] for q in attempt["questions"]] == ["open"] * 3
    again = start(client, w)
    assert again.status_int == 200 and again.json["id"] == attempt["id"]
    q = w.questions["single_choice"]
    saved = answer(client, w, attempt["id"], q, RIGHT["single_choice"])
    assert saved.status_int == 200, saved.text
    assert saved.json["response"] == {"choice": "a"}
    got = client(w.tenant, w.learner).get(f"/api/v1/attempts/{attempt['id']}")
    mine = next(i for i in got.json["questions"] if i["question_id"] == str(q.id))
    assert mine["response"] == {"choice": "a"}
    assert "assessment.attempt.started" in events.names()


def test_invalid_response_is_422_with_path(client, basic_quiz):
    w = basic_quiz
    attempt = start(client, w).json
    r = answer(client, w, attempt["id"], w.questions["single_choice"], {"choice": "zzz"})
    assert r.status_int == 422 and r.content_type == "application/problem+json"
    assert r.json["errors"][0]["path"][:2] == ["body", "response"]
    r = client(w.tenant, w.learner).put_json(
        f"/api/v1/attempts/{attempt['id']}/answers/{w.questions['essay'].id}", {"nope": 1}
    )
    assert r.status_int == 422 and r.json["errors"][0]["path"][0] == "body"


def test_submit_grades_and_essay_goes_to_queue(client, basic_quiz, events):
    w = basic_quiz
    attempt = start(client, w).json
    for t in ("single_choice", "true_false", "essay"):
        assert answer(client, w, attempt["id"], w.questions[t], RIGHT[t]).status_int == 200
    r = client(w.tenant, w.learner).post_json(f"/api/v1/attempts/{attempt['id']}/submit", {})
    assert r.status_int == 200, r.text
    assert r.json["status"] == "submitted" and r.json["percent"] is None
    queue = client(w.tenant, w.assistant).get(f"/api/v1/courses/{w.course.id}/grading-queue")
    assert queue.status_int == 200, queue.text
    [item] = queue.json["items"]
    assert item["rubric"] == "Rubricsecret" and item["response"]["text"]
    graded = client(w.tenant, w.assistant).post_json(
        f"/api/v1/answers/{item['answer_id']}/grade", {"points": "1.5", "feedback": "Good"}
    )
    assert graded.status_int == 200, graded.text
    result = graded.json["attempt"]
    assert result["status"] == "graded"
    assert result["score"] == "5.50" and result["max_score"] == "6.00"
    assert result["percent"] == "91.67" and result["passed"] is True
    names = events.names()
    assert "assessment.attempt.submitted" in names and "assessment.attempt.graded" in names
    assert "assessment.grade.changed" in names
    assert (
        client(w.tenant, w.assistant)
        .get(f"/api/v1/courses/{w.course.id}/grading-queue")
        .json["items"]
        == []
    )


def test_passing_marks_the_lesson_complete(client, make_quiz, world, enrollment_row, db):
    from learninghub_enrollment.models import LessonProgress

    make_quiz(world, [world.questions["single_choice"]])
    attempt = start(client, world).json
    answer(client, world, attempt["id"], world.questions["single_choice"], RIGHT["single_choice"])
    r = client(world.tenant, world.learner).post_json(
        f"/api/v1/attempts/{attempt['id']}/submit", {}
    )
    assert r.json["passed"] is True and r.json["percent"] == "100.00"
    enrollment = enrollment_row(world.course.id, world.learner)
    progress = db.get(LessonProgress, (enrollment.id, world.lesson.id))
    assert progress is not None and progress.completed_at is not None


def test_failing_does_not_complete_the_lesson(client, make_quiz, world, enrollment_row, db):
    from learninghub_enrollment.models import LessonProgress

    make_quiz(world, [world.questions["single_choice"]])
    attempt = start(client, world).json
    answer(client, world, attempt["id"], world.questions["single_choice"], WRONG["single_choice"])
    r = client(world.tenant, world.learner).post_json(
        f"/api/v1/attempts/{attempt['id']}/submit", {}
    )
    assert r.json["passed"] is False and r.json["percent"] == "0.00"
    enrollment = enrollment_row(world.course.id, world.learner)
    assert db.get(LessonProgress, (enrollment.id, world.lesson.id)) is None


def test_attempt_limit(client, make_quiz, world):
    make_quiz(world, [world.questions["true_false"]], max_attempts=1)
    attempt = start(client, world).json
    client(world.tenant, world.learner).post_json(f"/api/v1/attempts/{attempt['id']}/submit", {})
    r = start(client, world)
    assert r.status_int == 409 and r.json["title"] == "No attempts left"
    assert client(world.tenant, world.learner).get(world.quiz_url).json["attempts_left"] == 0


@pytest.mark.parametrize(
    ("opens", "closes", "title"),
    [(timedelta(hours=1), None, "Not open yet"), (None, -timedelta(minutes=1), "Quiz closed")],
)
def test_window_refuses_start(client, make_quiz, world, opens, closes, title):
    now = utcnow()
    make_quiz(
        world,
        [world.questions["true_false"]],
        opens_at=now + opens if opens else None,
        closes_at=now + closes if closes else None,
    )
    r = start(client, world)
    assert r.status_int == 409 and r.json["title"] == title


def test_deadline_is_min_of_limit_and_due_date(client, make_quiz, world):
    due = utcnow() + timedelta(minutes=5)
    make_quiz(world, [world.questions["true_false"]], time_limit_s=3600, closes_at=due)
    attempt = start(client, world).json
    assert attempt["deadline_at"].startswith(due.isoformat()[:19])
    assert 0 < attempt["remaining_s"] <= 300


@pytest.mark.parametrize("path", ["answer", "submit"])
def test_write_after_time_limit_is_refused_and_closes(
    client, make_quiz, world, expire, events, path
):
    make_quiz(world, [world.questions["single_choice"]], time_limit_s=600)
    attempt = start(client, world).json
    answer(client, world, attempt["id"], world.questions["single_choice"], RIGHT["single_choice"])
    expire(attempt["id"], seconds=60)  # past the 10 s grace
    if path == "answer":
        r = answer(
            client, world, attempt["id"], world.questions["single_choice"], WRONG["single_choice"]
        )
    else:
        r = client(world.tenant, world.learner).post_json(
            f"/api/v1/attempts/{attempt['id']}/submit", {}
        )
    assert r.status_int == 409 and r.json["title"] == "Time is up"
    got = client(world.tenant, world.learner).get(f"/api/v1/attempts/{attempt['id']}").json
    # closed by the deadline, graded with the answer saved in time (the late one refused)
    assert got["status"] == "graded" and got["closed_by"] == "deadline"
    assert got["percent"] == "100.00"
    assert "assessment.attempt.graded" in events.names()


def test_write_within_grace_is_accepted(client, make_quiz, world, expire):
    make_quiz(world, [world.questions["single_choice"]], time_limit_s=600)
    attempt = start(client, world).json
    expire(attempt["id"], seconds=2)  # within the 10 s grace
    r = answer(
        client, world, attempt["id"], world.questions["single_choice"], RIGHT["single_choice"]
    )
    assert r.status_int == 200, r.text


def test_due_date_holds_on_every_write(client, make_quiz, world, db):
    from learninghub_assessment.models.quizzes import Attempt

    make_quiz(world, [world.questions["single_choice"]], closes_at=utcnow() + timedelta(hours=1))
    attempt = start(client, world).json
    # the due date passes (moved into the past rather than waited for)
    world.quiz.closes_at = utcnow() - timedelta(minutes=5)
    row = db.get(Attempt, uuid.UUID(attempt["id"]))
    row.deadline_at = world.quiz.closes_at
    db.flush()
    r = answer(
        client, world, attempt["id"], world.questions["single_choice"], RIGHT["single_choice"]
    )
    assert r.status_int == 409 and r.json["title"] == "Time is up"
    assert start(client, world).json["title"] == "Quiz closed"


def test_close_task_grades_at_deadline_and_is_idempotent(
    client, make_quiz, world, expire, run_task, dispatched
):
    make_quiz(world, [world.questions["single_choice"]], time_limit_s=600)
    attempt = start(client, world).json
    [message] = [m for m in dispatched if m.name == "assessment.close_attempt"]
    assert message.eta is not None and message.kwargs == {"attempt_id": attempt["id"]}
    answer(client, world, attempt["id"], world.questions["single_choice"], RIGHT["single_choice"])
    expire(attempt["id"])
    assert run_task(world.tenant, "assessment.close_attempt", attempt_id=attempt["id"]) == "done"
    assert run_task(world.tenant, "assessment.close_attempt", attempt_id=attempt["id"]) == "done"
    got = client(world.tenant, world.learner).get(f"/api/v1/attempts/{attempt['id']}").json
    assert (
        got["status"] == "graded" and got["closed_by"] == "deadline" and got["percent"] == "100.00"
    )


def test_close_task_early_leaves_attempt_open(client, make_quiz, world, run_task, dispatched):
    make_quiz(world, [world.questions["single_choice"]], time_limit_s=600)
    attempt = start(client, world).json
    run_task(world.tenant, "assessment.close_attempt", attempt_id=attempt["id"])
    got = client(world.tenant, world.learner).get(f"/api/v1/attempts/{attempt['id']}").json
    assert got["status"] == "in_progress"


def test_sequential_mode_cannot_be_skipped(client, make_quiz, world, make_question):
    third = make_question(world.tenant, world.course, "short_answer")
    qs = [world.questions["single_choice"], world.questions["true_false"], third]
    make_quiz(world, qs, navigation="sequential")
    attempt = start(client, world).json
    states = [q["state"] for q in attempt["questions"]]
    assert states == ["open", "upcoming", "upcoming"]
    assert attempt["questions"][2]["prompt"] is None and attempt["questions"][2]["view"] is None
    # answer question 3 while on 1
    r = answer(client, world, attempt["id"], third, RIGHT["short_answer"])
    assert r.status_int == 409 and r.json["title"] == "Out of sequence"
    # submit skipping
    r = client(world.tenant, world.learner).post_json(
        f"/api/v1/attempts/{attempt['id']}/submit", {}
    )
    assert r.status_int == 409 and r.json["title"] == "Out of sequence"
    assert answer(client, world, attempt["id"], qs[0], RIGHT["single_choice"]).status_int == 200
    r = client(world.tenant, world.learner).post_json(f"/api/v1/attempts/{attempt['id']}/next", {})
    assert r.status_int == 200 and r.json["current_index"] == 1
    # go back
    r = answer(client, world, attempt["id"], qs[0], WRONG["single_choice"])
    assert r.status_int == 409
    client(world.tenant, world.learner).post_json(f"/api/v1/attempts/{attempt['id']}/next", {})
    r = client(world.tenant, world.learner).post_json(f"/api/v1/attempts/{attempt['id']}/next", {})
    assert r.status_int == 409
    r = client(world.tenant, world.learner).post_json(
        f"/api/v1/attempts/{attempt['id']}/submit", {}
    )
    assert r.status_int == 200 and r.json["score"] == "2.00"


def test_next_on_free_quiz_is_409(client, basic_quiz):
    attempt = start(client, basic_quiz).json
    r = client(basic_quiz.tenant, basic_quiz.learner).post_json(
        f"/api/v1/attempts/{attempt['id']}/next", {}
    )
    assert r.status_int == 409


def test_submitted_attempt_refuses_writes(client, basic_quiz):
    w = basic_quiz
    attempt = start(client, w).json
    client(w.tenant, w.learner).post_json(f"/api/v1/attempts/{attempt['id']}/submit", {})
    r = answer(client, w, attempt["id"], w.questions["true_false"], RIGHT["true_false"])
    assert r.status_int == 409 and r.json["title"] == "Attempt closed"


def test_close_expired_sweep(client, make_quiz, world, expire, registry):
    import transaction

    from learninghub.tasks import make_tenant_request
    from learninghub_assessment.quizzes import attempts

    make_quiz(world, [world.questions["single_choice"]], time_limit_s=600)
    attempt = start(client, world).json
    expire(attempt["id"])
    tm = transaction.TransactionManager(explicit=True)
    tm.begin()
    tenant = registry["tenancy.resolver"].by_id(world.tenant.id)
    request = make_tenant_request(registry, tenant, tm)
    try:
        assert attempts.close_expired(request) == 1
        assert attempts.close_expired(request) == 0
        tm.commit()
    finally:
        request.db.close()
