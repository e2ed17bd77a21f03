"""The quiz settings pages (create: ``/teach/courses/{id}/lessons/{lesson_id}/quiz``,
change: ``/teach/courses/{id}/quizzes/{quiz_id}``): the opening and due dates typed and
shown in the editor's time zone and stored in UTC, the lesson panel showing them in
the learner's, and the labels' percent sign."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

MADRID = "Europe/Madrid"


@pytest.fixture
def madrid(world, db):
    """The quiz world with its instructor and learner in Madrid."""
    world.instructor.timezone = MADRID
    world.learner.timezone = MADRID
    db.flush()
    return world


def create_url(w) -> str:
    return f"/teach/courses/{w.course.id}/lessons/{w.lesson.id}/quiz"


def settings_url(w, quiz_id) -> str:
    return f"/teach/courses/{w.course.id}/quizzes/{quiz_id}"


def fields(w, **changes) -> dict[str, str]:
    values = {
        "mode": "fixed",
        "question_ids": str(w.questions["true_false"].id),
        "passing_percent": "60",
        "weight": "1",
        "navigation": "free",
        "feedback": "immediate",
        "grading_policy": "highest",
        "opens_at": "",
        "closes_at": "",
    }
    values.update(changes)
    return values


def stored_quiz(db, w):
    from learninghub_assessment.models.quizzes import Quiz

    db.expire_all()
    return db.scalar(sa.select(Quiz).where(Quiz.lesson_id == w.lesson.id))


def test_label_shows_a_single_percent_sign(basic_quiz, page_browser):
    w = basic_quiz
    browser = page_browser(w.tenant, w.instructor)
    page = browser.get(settings_url(w, w.quiz.id))
    assert page.status_int == 200
    assert '<label for="passing_percent">Passing score (%)</label>' in page.text
    assert "%%" not in page.text


def test_create_page_label_shows_a_single_percent_sign(world, page_browser):
    page = page_browser(world.tenant, world.instructor).get(create_url(world))
    assert page.status_int == 200 and "Passing score (%)" in page.text
    assert "%%" not in page.text


def test_dates_round_trip_in_the_editors_time_zone(madrid, page_browser, client, db):
    w = madrid
    browser = page_browser(w.tenant, w.instructor)
    page = browser.get(create_url(w))
    assert page.status_int == 200
    assert "In your time zone, Europe/Madrid." in page.text
    assert 'aria-describedby="hint-opens_at"' in page.text
    assert "(UTC)" not in page.text
    # winter (UTC+1) opening, summer (UTC+2) due date
    typed = fields(w, opens_at="2099-01-15T09:00", closes_at="2099-07-01T18:30")
    created = browser.submit(page, create_url(w), typed)
    assert created.status_int == 303, created.text
    quiz = stored_quiz(db, w)
    assert quiz.opens_at == datetime(2099, 1, 15, 8, 0, tzinfo=UTC)
    assert quiz.closes_at == datetime(2099, 7, 1, 16, 30, tzinfo=UTC)
    api = client(w.tenant, w.instructor).get(f"/api/v1/quizzes/{quiz.id}").json
    assert api["opens_at"].startswith("2099-01-15T08:00")
    assert api["closes_at"].startswith("2099-07-01T16:30")

    url = settings_url(w, quiz.id)
    assert created.headers["Location"].endswith(url)
    shown = browser.get(url)
    assert 'value="2099-01-15T09:00"' in shown.text  # back in Madrid's time
    assert 'value="2099-07-01T18:30"' in shown.text

    # change both: summer opening, winter due date
    changed = fields(w, opens_at="2099-06-01T08:15", closes_at="2099-11-02T23:45")
    assert browser.submit(shown, url, changed).status_int == 303
    quiz = stored_quiz(db, w)
    assert quiz.opens_at == datetime(2099, 6, 1, 6, 15, tzinfo=UTC)
    assert quiz.closes_at == datetime(2099, 11, 2, 22, 45, tzinfo=UTC)
    again = browser.get(url)
    assert 'value="2099-06-01T08:15"' in again.text
    assert 'value="2099-11-02T23:45"' in again.text

    # emptied: no window, no due date
    assert browser.submit(again, url, fields(w)).status_int == 303
    quiz = stored_quiz(db, w)
    assert quiz.opens_at is None and quiz.closes_at is None


def test_unchanged_dates_keep_the_stored_time_exactly(madrid, make_quiz, page_browser, db):
    w = madrid
    opens = datetime(2099, 1, 15, 8, 0, 30, 250_000, tzinfo=UTC)
    closes = datetime(2099, 7, 1, 16, 30, tzinfo=UTC)
    make_quiz(w, [w.questions["true_false"]], opens_at=opens, closes_at=closes)
    browser = page_browser(w.tenant, w.instructor)
    url = settings_url(w, w.quiz.id)
    page = browser.get(url)
    # seconds shown (and allowed by step) so that the field posts them back
    assert 'value="2099-01-15T09:00:30"' in page.text and 'step="1"' in page.text
    posted = fields(w, opens_at="2099-01-15T09:00:30", closes_at="2099-07-01T18:30")
    assert browser.submit(page, url, dict(posted, weight="3")).status_int == 303
    quiz = stored_quiz(db, w)
    assert quiz.opens_at == opens and quiz.closes_at == closes
    assert quiz.weight == 3


@pytest.mark.parametrize("name", ["opens_at", "closes_at"])
def test_a_time_skipped_by_the_clocks_is_refused(madrid, make_quiz, page_browser, db, name):
    w = madrid
    closes = datetime(2099, 7, 1, 16, 30, tzinfo=UTC)
    make_quiz(w, [w.questions["true_false"]], closes_at=closes)
    browser = page_browser(w.tenant, w.instructor)
    url = settings_url(w, w.quiz.id)
    page = browser.get(url)
    # Madrid's clocks go from 02:00 to 03:00 on 29 March 2099
    posted = fields(w, closes_at="2099-07-01T18:30")
    posted[name] = "2099-03-29T02:30"
    refused = browser.submit(page, url, posted)
    assert refused.status_int == 422
    assert "This time does not exist in your time zone" in refused.text
    assert f'id="err-{name}"' in refused.text
    assert f'aria-describedby="hint-{name} err-{name}"' in refused.text
    assert 'value="2099-03-29T02:30"' in refused.text  # what was typed is kept
    quiz = stored_quiz(db, w)
    assert quiz.opens_at is None and quiz.closes_at == closes
    # the minute after the gap is fine
    posted[name] = "2099-03-29T03:00"
    assert browser.submit(page, url, posted).status_int == 303
    assert getattr(stored_quiz(db, w), name) == datetime(2099, 3, 29, 1, 0, tzinfo=UTC)


def test_a_date_that_is_not_one_is_refused(madrid, page_browser, db):
    w = madrid
    browser = page_browser(w.tenant, w.instructor)
    page = browser.get(create_url(w))
    refused = browser.submit(page, create_url(w), fields(w, closes_at="next week"))
    assert refused.status_int == 422 and "Enter a date and time." in refused.text
    assert 'value="next week"' in refused.text
    assert stored_quiz(db, w) is None


def test_a_due_date_before_the_opening_is_refused_and_not_stored(
    madrid, make_quiz, page_browser, db
):
    w = madrid
    make_quiz(w, [w.questions["true_false"]])
    browser = page_browser(w.tenant, w.instructor)
    url = settings_url(w, w.quiz.id)
    page = browser.get(url)
    posted = fields(w, opens_at="2099-07-02T10:00", closes_at="2099-07-01T10:00")
    refused = browser.submit(page, url, posted)
    assert refused.status_int == 422 and 'id="err-closes_at"' in refused.text
    assert 'value="2099-07-02T10:00"' in refused.text
    assert "Now:" not in refused.text  # the refused change is not shown as stored
    quiz = stored_quiz(db, w)
    assert quiz.opens_at is None and quiz.closes_at is None


def test_lesson_panel_shows_the_dates_in_the_learners_time_zone(madrid, make_quiz, page_browser):
    w = madrid
    make_quiz(
        w,
        [w.questions["true_false"]],
        opens_at=datetime(2020, 1, 15, 8, 0, tzinfo=UTC),  # winter: 09:00 in Madrid
        closes_at=datetime(2099, 7, 1, 16, 30, tzinfo=UTC),  # summer: 18:30 in Madrid
    )
    page = page_browser(w.tenant, w.learner).get(f"/courses/{w.course.slug}/learn/{w.lesson.slug}")
    assert page.status_int == 200
    assert '<time datetime="2020-01-15T08:00:00+00:00">' in page.text
    assert '<time datetime="2099-07-01T16:30:00+00:00">' in page.text
    assert "9:00:00" in page.text and "6:30:00" in page.text
    assert " UTC</time>" not in page.text


def test_time_input_helpers_are_shared_with_the_assignment_editor():
    """One copy of the rules: the assignment editor uses the plugin's module."""
    from zoneinfo import ZoneInfo

    from learninghub_assessment import timeinput
    from learninghub_assessment.assignments import editor

    assert editor.read_local is timeinput.read_local
    assert editor.local_input is timeinput.local_input
    tz = ZoneInfo(MADRID)
    # a time the clocks pass twice (25 October 2099, 02:00–03:00) is the first one
    assert timeinput.parse_local("2099-10-25T02:30", tz) == datetime(
        2099, 10, 25, 0, 30, tzinfo=UTC
    )
    with pytest.raises(timeinput.NonexistentTime):
        timeinput.parse_local("2099-03-29T02:00", tz)
    assert timeinput.parse_local("2099-03-29T02:00+00:00", tz) == datetime(
        2099, 3, 29, 2, 0, tzinfo=UTC
    )
    assert timeinput.parse_local(" ", tz) is None and timeinput.local_input(None, tz) == ""
    exact = datetime(2099, 1, 1, 0, 0, 0, 999, tzinfo=UTC)
    assert timeinput.read_local(timeinput.local_input(exact, tz), tz, exact) is exact
