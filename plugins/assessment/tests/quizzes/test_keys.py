"""No response before submission — nor before the feedback mode allows — carries the
answer key, on every question type (API and pages)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from learninghub.db import utcnow

from .conftest import RIGHT, SPECS, assert_no_key

TYPES = sorted(SPECS)


@pytest.fixture
def every_type(world, make_question, make_quiz):
    def make(**settings):
        questions = [make_question(world.tenant, world.course, t) for t in TYPES]
        world.questions.update(dict(zip(TYPES, questions, strict=True)))
        make_quiz(world, questions, **settings)
        return world

    return make


def test_no_key_before_submission_api(client, every_type):
    w = every_type(shuffle_options=True)
    learner = client(w.tenant, w.learner)
    started = learner.post_json(f"{w.quiz_url}/attempts", {})
    assert started.status_int == 201
    assert_no_key(started.json)
    attempt_id = started.json["id"]
    for item in started.json["questions"]:
        assert item["view"] is not None and item["feedback"] is None
        if item["type"] == "ordering":
            assert [i["id"] for i in item["view"]["items"]] != ["i1", "i2", "i3"]
    for t in TYPES:
        saved = learner.put_json(
            f"/api/v1/attempts/{attempt_id}/answers/{w.questions[t].id}", {"response": RIGHT[t]}
        )
        assert saved.status_int == 200, (t, saved.text)
        assert_no_key(saved.json)
    assert_no_key(learner.get(f"/api/v1/attempts/{attempt_id}").json)
    assert_no_key(learner.get(w.quiz_url).json)
    assert learner.get(f"/api/v1/attempts/{attempt_id}/result").status_int == 409


def test_no_key_in_sequential_next(client, every_type):
    w = every_type(navigation="sequential")
    learner = client(w.tenant, w.learner)
    attempt_id = learner.post_json(f"{w.quiz_url}/attempts", {}).json["id"]
    for _ in TYPES[:-1]:
        r = learner.post_json(f"/api/v1/attempts/{attempt_id}/next", {})
        assert r.status_int == 200
        assert_no_key(r.json)


def test_no_key_in_player_page(every_type, client, page_browser):
    w = every_type()
    attempt_id = client(w.tenant, w.learner).post_json(f"{w.quiz_url}/attempts", {}).json["id"]
    page = page_browser(w.tenant, w.learner).get(f"/quizzes/attempts/{attempt_id}")
    assert page.status_int == 200
    html = page.text
    for word in ("Zanzibar", "Quokka", "Rubricsecret"):
        assert word not in html
    assert 'role="timer"' not in html  # no time limit: no timer
    for t in TYPES:
        assert f"Prompt of {t}" in html


def submit_all(client, w):
    learner = client(w.tenant, w.learner)
    attempt_id = learner.post_json(f"{w.quiz_url}/attempts", {}).json["id"]
    for t in TYPES:
        learner.put_json(
            f"/api/v1/attempts/{attempt_id}/answers/{w.questions[t].id}", {"response": RIGHT[t]}
        )
    submitted = learner.post_json(f"/api/v1/attempts/{attempt_id}/submit", {})
    assert submitted.status_int == 200
    return attempt_id, submitted


def test_immediate_feedback_after_submission(client, every_type):
    w = every_type(feedback="immediate")
    attempt_id, submitted = submit_all(client, w)
    assert submitted.json["feedback_available"] is True
    result = client(w.tenant, w.learner).get(f"/api/v1/attempts/{attempt_id}/result").json
    by_type = {i["type"]: i for i in result["questions"]}
    for t in TYPES:
        assert by_type[t]["feedback"] is not None, t
    assert by_type["short_answer"]["awarded"] == "2.00"


@pytest.mark.parametrize("mode", ["never", "after_due"])
def test_no_key_in_results_before_mode_allows(client, every_type, page_browser, mode):
    w = every_type(feedback=mode, closes_at=utcnow() + timedelta(days=1))
    attempt_id, submitted = submit_all(client, w)
    assert_no_key(submitted.json)
    assert submitted.json["feedback_available"] is False
    result = client(w.tenant, w.learner).get(f"/api/v1/attempts/{attempt_id}/result")
    assert result.status_int == 200
    assert_no_key(result.json)
    assert result.json["questions"][0].get("awarded") is None
    page = page_browser(w.tenant, w.learner).get(f"/quizzes/attempts/{attempt_id}/result")
    assert page.status_int == 200
    for word in ("Zanzibar", "Quokka", "Rubricsecret"):
        assert word not in page.text


def test_after_due_feedback_once_due_date_passed(client, every_type, db):
    w = every_type(feedback="after_due", closes_at=utcnow() + timedelta(days=1))
    attempt_id, _ = submit_all(client, w)
    w.quiz.closes_at = utcnow() - timedelta(minutes=1)
    db.flush()
    result = client(w.tenant, w.learner).get(f"/api/v1/attempts/{attempt_id}/result").json
    assert result["feedback_available"] is True
    assert all(i["feedback"] is not None for i in result["questions"])


def test_staff_see_the_key(client, every_type):
    w = every_type(feedback="never")
    attempt_id, _ = submit_all(client, w)
    result = client(w.tenant, w.instructor).get(f"/api/v1/attempts/{attempt_id}/result").json
    assert result["feedback_available"] is True
