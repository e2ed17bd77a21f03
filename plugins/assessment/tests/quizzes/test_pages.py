"""Pages: the lesson panel, the player (timer, forms), the deadline through the page,
results, the grading queue and the quiz settings."""

from __future__ import annotations


def start(client, w):
    return client(w.tenant, w.learner).post_json(f"{w.quiz_url}/attempts", {}).json["id"]


def test_lesson_panel_and_start_button(basic_quiz, page_browser):
    w = basic_quiz
    browser = page_browser(w.tenant, w.learner)
    page = browser.get(f"/courses/{w.course.slug}/learn/{w.lesson.slug}")
    assert page.status_int == 200 and "Start the quiz" in page.text
    started = browser.submit(page, f"/quizzes/{w.quiz.id}/start", {})
    assert started.status_int == 303 and "/quizzes/attempts/" in started.location


def test_player_shows_timer_and_saves_by_form(client, make_quiz, world, page_browser):
    make_quiz(world, [world.questions["single_choice"]], time_limit_s=600)
    attempt_id = start(client, world)
    browser = page_browser(world.tenant, world.learner)
    page = browser.get(f"/quizzes/attempts/{attempt_id}")
    assert 'role="timer"' in page.text and 'aria-live="polite"' in page.text
    r = browser.submit(
        page, f"/quizzes/attempts/{attempt_id}", {"q0-choice": "a", "action": "save"}
    )
    assert r.status_int == 303
    got = client(world.tenant, world.learner).get(f"/api/v1/attempts/{attempt_id}").json
    assert got["questions"][0]["response"] == {"choice": "a"}


def test_page_submit_after_time_limit_is_refused(client, make_quiz, world, page_browser, expire):
    make_quiz(world, [world.questions["single_choice"]], time_limit_s=600)
    attempt_id = start(client, world)
    browser = page_browser(world.tenant, world.learner)
    page = browser.get(f"/quizzes/attempts/{attempt_id}")
    expire(attempt_id)
    r = browser.submit(
        page,
        f"/quizzes/attempts/{attempt_id}",
        {"q0-choice": "a", "action": "submit", "confirm": "1"},
    )
    assert r.status_int == 409 and "Time is up" in r.text
    got = client(world.tenant, world.learner).get(f"/api/v1/attempts/{attempt_id}").json
    assert got["closed_by"] == "deadline" and got["questions"][0]["response"] is None


def test_page_submit_asks_for_confirmation(client, basic_quiz, page_browser):
    w = basic_quiz
    attempt_id = start(client, w)
    browser = page_browser(w.tenant, w.learner)
    page = browser.get(f"/quizzes/attempts/{attempt_id}")
    r = browser.submit(page, f"/quizzes/attempts/{attempt_id}", {"action": "submit"})
    assert r.status_int == 200 and 'role="alertdialog"' in r.text
    r = browser.submit(r, f"/quizzes/attempts/{attempt_id}", {"action": "submit", "confirm": "1"})
    assert r.status_int == 303 and r.location.endswith("/result")


def test_page_sequential_cannot_skip(client, make_quiz, world, page_browser):
    qs = [world.questions["single_choice"], world.questions["true_false"]]
    make_quiz(world, qs, navigation="sequential")
    attempt_id = start(client, world)
    browser = page_browser(world.tenant, world.learner)
    page = browser.get(f"/quizzes/attempts/{attempt_id}")
    assert "q1-value" not in page.text  # the second question is not sent
    r = browser.submit(
        page, f"/quizzes/attempts/{attempt_id}", {"action": "submit", "confirm": "1"}
    )
    assert r.status_int == 409


def test_autosave_route(client, basic_quiz, page_browser):
    w = basic_quiz
    attempt_id = start(client, w)
    browser = page_browser(w.tenant, w.learner)
    page = browser.get(f"/quizzes/attempts/{attempt_id}")
    r = browser.submit(page, f"/quizzes/attempts/{attempt_id}/autosave", {"q1-value": "true"})
    assert r.status_int == 200 and r.json["saved_at"]


def test_pages_forbidden_and_anonymous(client, basic_quiz, page_browser, user_factory):
    w = basic_quiz
    attempt_id = start(client, w)
    outsider = page_browser(w.tenant, user_factory(w.tenant, "learner"))
    assert outsider.get(f"/quizzes/attempts/{attempt_id}").status_int == 404
    assert outsider.get(f"/teach/courses/{w.course.id}/grading").status_int == 403
    assert outsider.get(f"/teach/courses/{w.course.id}/quizzes/{w.quiz.id}").status_int == 403
    anonymous = page_browser(w.tenant)
    assert anonymous.get(f"/quizzes/attempts/{attempt_id}").status_int == 303
    assert anonymous.get(f"/teach/courses/{w.course.id}/grading").status_int == 303


def test_grading_queue_page(client, basic_quiz, page_browser):
    w = basic_quiz
    attempt_id = start(client, w)
    learner = client(w.tenant, w.learner)
    learner.put_json(
        f"/api/v1/attempts/{attempt_id}/answers/{w.questions['essay'].id}",
        {"response": {"text": "My essay"}},
    )
    learner.post_json(f"/api/v1/attempts/{attempt_id}/submit", {})
    browser = page_browser(w.tenant, w.assistant)
    page = browser.get(f"/teach/courses/{w.course.id}/grading")
    assert page.status_int == 200 and "My essay" in page.text
    answer_id = (
        client(w.tenant, w.assistant)
        .get(f"/api/v1/courses/{w.course.id}/grading-queue")
        .json["items"][0]["answer_id"]
    )
    bad = browser.submit(
        page, f"/teach/courses/{w.course.id}/grading/{answer_id}", {"points": "99"}
    )
    assert bad.status_int == 422
    ok = browser.submit(page, f"/teach/courses/{w.course.id}/grading/{answer_id}", {"points": "2"})
    assert ok.status_int == 303
    assert learner.get(f"/api/v1/attempts/{attempt_id}").json["status"] == "graded"


def test_settings_page(basic_quiz, page_browser, db):
    w = basic_quiz
    browser = page_browser(w.tenant, w.instructor)
    url = f"/teach/courses/{w.course.id}/quizzes/{w.quiz.id}"
    page = browser.get(url)
    assert page.status_int == 200 and "Quiz settings" in page.text
    fields = {
        "mode": "fixed",
        "question_ids": str(w.questions["true_false"].id),
        "passing_percent": "70",
        "weight": "2",
        "navigation": "sequential",
        "feedback": "never",
        "grading_policy": "latest",
        "max_attempts": "2",
    }
    assert browser.submit(page, url, fields).status_int == 303
    db.expire_all()
    assert w.quiz.navigation == "sequential" and w.quiz.max_attempts == 2
    bad = browser.submit(page, url, dict(fields, passing_percent="300"))
    assert bad.status_int == 422
