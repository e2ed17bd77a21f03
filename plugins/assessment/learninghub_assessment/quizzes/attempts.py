"""The life of an attempt: start, autosave, sequential navigation, submit, close at
the deadline, automatic grading and the totals.

Time rules (the server's clock only):

* ``deadline_at`` = min(start + time limit, ``closes_at``); None when neither is set.
* A write (answer, next, submit) after ``deadline_at + deadline_grace_s`` is refused
  with 409 *Time is up*; the attempt is then closed (``closed_by = "deadline"``) and
  graded with the answers saved in time. The refusal is a :class:`Refusal`, answered
  as a returned response, so that the closing is committed.
* The task ``assessment.close_attempt`` is queued at start for ``deadline_at + grace``;
  reads close an expired open attempt too, and ``learninghub assessment
  close-expired`` sweeps (for cron: an in-process delayed task is lost on restart).
"""

from __future__ import annotations

import random
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from learninghub.db import utcnow

from .. import scoring
from ..models import Question
from ..models.quizzes import Answer, Attempt, Quiz
from . import services
from .services import PLUGIN, Refusal

CLOSE_TASK = "assessment.close_attempt"
STARTED = "assessment.attempt.started"
SUBMITTED = "assessment.attempt.submitted"
GRADED = "assessment.attempt.graded"
GRADE_CHANGED = "assessment.grade.changed"
SCORE_CHANGED = "assessment.score.changed"


def grace(request) -> timedelta:
    return timedelta(seconds=request.plugin_settings(PLUGIN).deadline_grace_s)


def hard_deadline(request, attempt: Attempt) -> datetime | None:
    """The last moment a write is accepted (deadline + grace)."""
    if attempt.deadline_at is None:
        return None
    return attempt.deadline_at + grace(request)


def is_expired(request, attempt: Attempt, now: datetime | None = None) -> bool:
    end = hard_deadline(request, attempt)
    return end is not None and (now or utcnow()) > end


def remaining_s(attempt: Attempt, now: datetime) -> int | None:
    if attempt.deadline_at is None or attempt.status != "in_progress":
        return None
    return max(0, int((attempt.deadline_at - now).total_seconds()))


# ----------------------------------------------------------------- reading


def get_attempt(db, raw_id: Any) -> Attempt | None:
    attempt_id = services.as_uuid(raw_id)
    return db.get(Attempt, attempt_id) if attempt_id is not None else None


def answers_of(db, attempt: Attempt) -> list[Answer]:
    return list(
        db.scalars(
            sa.select(Answer).where(Answer.attempt_id == attempt.id).order_by(Answer.position)
        )
    )


def open_attempt(db, quiz: Quiz, user_id: uuid.UUID) -> Attempt | None:
    return db.scalar(
        sa.select(Attempt).where(
            Attempt.quiz_id == quiz.id,
            Attempt.user_id == user_id,
            Attempt.status == "in_progress",
        )
    )


def visible_attempt(request, raw_id: Any):
    """(attempt, quiz, course, lesson) for its learner and the course staff; 404 for
    everyone else. An expired open attempt is closed on the way (lazy close)."""
    attempt = get_attempt(request.db, raw_id)
    if attempt is None or request.identity is None:
        raise services.not_found("attempt")
    quiz = request.db.get(Quiz, attempt.quiz_id)
    if quiz is None:
        raise services.not_found("attempt")
    course, lesson = services.quiz_parts(request, quiz)
    if attempt.user_id != request.identity.id and not services.is_staff(request, course):
        raise services.not_found("attempt")
    close_if_expired(request, attempt, quiz)
    return attempt, quiz, course, lesson


def questions_of(db, attempt: Attempt) -> dict[uuid.UUID, Question]:
    return services.bank_questions(db, [item["id"] for item in attempt.questions])


# ----------------------------------------------------------------- start


def deadline_for(quiz: Quiz, started: datetime) -> datetime | None:
    candidates = []
    if quiz.time_limit_s:
        candidates.append(started + timedelta(seconds=quiz.time_limit_s))
    if quiz.closes_at is not None:
        candidates.append(quiz.closes_at)
    return min(candidates) if candidates else None


def pick_questions(request, quiz: Quiz, rng: random.Random) -> list[Question]:
    """The questions of a new attempt: the fixed list (active ones, in order) or a
    draw from the bank by the quiz's rules."""
    if quiz.mode == "fixed":
        found = services.bank_questions(request.db, quiz.question_ids or [])
        chosen = [
            found[qid]
            for qid in (services.as_uuid(i) for i in quiz.question_ids or [])
            if qid in found and found[qid].status == "active"
        ]
    else:
        from ..questions import services as bank

        chosen = list(bank.draw(request.db, quiz.course_id, quiz.draw_rules or [], rng=rng))
    if quiz.shuffle_questions:
        rng.shuffle(chosen)
    return chosen


def start(request, quiz: Quiz, course, user) -> tuple[Attempt, bool]:
    """The learner's open attempt (resumed: ``False``) or a new one (``True``).
    Refused (409) outside the window and when no attempt is left."""
    now = utcnow()
    current = open_attempt(request.db, quiz, user.id)
    if current is not None:
        if not close_if_expired(request, current, quiz, now):
            return current, False
    window = services.window_state(quiz, now)
    if window == "not_open":
        raise Refusal(409, "Not open yet", "the quiz is not open yet", "not_open")
    if window == "closed":
        raise Refusal(409, "Quiz closed", "the quiz's due date has passed", "closed")
    used = request.db.scalar(
        sa.select(sa.func.count())
        .select_from(Attempt)
        .where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id)
    )
    if services.attempts_left(quiz, used or 0) == 0:
        raise Refusal(409, "No attempts left", "you have used every attempt", "no_attempts_left")
    from ..questions.services import NotEnoughQuestions

    rng = random.Random(secrets.randbits(64))
    try:
        chosen = pick_questions(request, quiz, rng)
    except NotEnoughQuestions:
        chosen = []
    if not chosen:
        raise Refusal(409, "Conflict", "the quiz has no questions yet", "no_questions")
    attempt = Attempt(
        quiz_id=quiz.id,
        course_id=quiz.course_id,
        user_id=user.id,
        number=(used or 0) + 1,
        status="in_progress",
        started_at=now,
        deadline_at=deadline_for(quiz, now),
        questions=[
            {
                "id": str(q.id),
                "version": q.version,
                "points": str(q.points),
                "seed": rng.randrange(1, 2**31) if quiz.shuffle_options else None,
            }
            for q in chosen
        ],
        current_index=0,
    )
    request.db.add(attempt)
    request.db.flush()
    for position, question in enumerate(chosen):
        request.db.add(
            Answer(
                attempt_id=attempt.id,
                question_id=question.id,
                position=position,
                max_points=question.points,
                needs_manual=question.type == "essay",
            )
        )
    request.db.flush()
    end = hard_deadline(request, attempt)
    if end is not None:
        request.tasks.enqueue_at(end, CLOSE_TASK, attempt_id=str(attempt.id))
    _emit(request, STARTED, attempt)
    return attempt, True


# ----------------------------------------------------------------- writes


def check_writable(request, attempt: Attempt, quiz: Quiz, now: datetime | None = None) -> None:
    """Refuse a write to a closed or expired attempt (closing the expired one)."""
    if attempt.status != "in_progress" and attempt.closed_by != "deadline":
        raise Refusal(409, "Attempt closed", "this attempt was submitted", "attempt_closed")
    if attempt.status != "in_progress" or close_if_expired(request, attempt, quiz, now):
        raise Refusal(
            409,
            "Time is up",
            "the time limit or due date has passed: the attempt was closed with the "
            "answers saved in time",
            "time_is_up",
        )


def answer_for(db, attempt: Attempt, question_id: Any) -> Answer:
    qid = services.as_uuid(question_id)
    answer = (
        db.scalar(
            sa.select(Answer).where(Answer.attempt_id == attempt.id, Answer.question_id == qid)
        )
        if qid is not None
        else None
    )
    if answer is None:
        raise services.not_found("question in this attempt")
    return answer


def save_answer(request, attempt: Attempt, quiz: Quiz, question_id: Any, response: Any) -> Answer:
    """Autosave one response (validated against the question's type)."""
    from ..questions import types as qtypes

    check_writable(request, attempt, quiz)
    answer = answer_for(request.db, attempt, question_id)
    if quiz.navigation == "sequential" and answer.position != attempt.current_index:
        state = "locked" if answer.position < attempt.current_index else "not reached yet"
        raise Refusal(
            409,
            "Out of sequence",
            f"this quiz is answered in order: that question is {state}",
            "sequence",
        )
    question = request.db.get(Question, answer.question_id)
    if question is None:
        raise services.not_found("question in this attempt")
    try:
        clean = qtypes.validate_response(question.type, question.spec, response)
    except qtypes.ResponseError as exc:
        path = list(getattr(exc, "path", None) or [])
        raise services.invalid(["response", *path], exc.text, "response") from None
    answer.response = clean
    answer.saved_at = utcnow()
    request.db.flush()
    return answer


def advance(request, attempt: Attempt, quiz: Quiz) -> None:
    """Sequential mode: lock the current question and move to the next one."""
    check_writable(request, attempt, quiz)
    if quiz.navigation != "sequential":
        raise Refusal(409, "Conflict", "this quiz has free navigation", "not_sequential")
    if attempt.current_index >= len(attempt.questions) - 1:
        raise Refusal(409, "Conflict", "this is the last question: submit the attempt", "last")
    attempt.current_index += 1
    request.db.flush()


def submit(request, attempt: Attempt, quiz: Quiz, course, lesson) -> None:
    check_writable(request, attempt, quiz)
    if quiz.navigation == "sequential" and attempt.current_index < len(attempt.questions) - 1:
        raise Refusal(
            409,
            "Out of sequence",
            "this quiz is answered in order: reach the last question before submitting",
            "sequence",
        )
    close(request, attempt, quiz, "submit")


def close_if_expired(request, attempt: Attempt, quiz: Quiz, now: datetime | None = None) -> bool:
    """Close and grade an open attempt whose time is up; True when it did."""
    if attempt.status != "in_progress" or not is_expired(request, attempt, now):
        return False
    close(request, attempt, quiz, "deadline")
    return True


def close(request, attempt: Attempt, quiz: Quiz, closed_by: str) -> None:
    """Submit the attempt and grade what can be graded automatically."""
    now = utcnow()
    attempt.status = "submitted"
    attempt.closed_by = closed_by
    # closed by the deadline: it ended at the deadline, whenever we noticed
    attempt.submitted_at = now if closed_by == "submit" else min(now, attempt.deadline_at or now)
    grade_answers(request, attempt, answers_of(request.db, attempt))
    request.db.flush()
    _emit(request, SUBMITTED, attempt)
    finalize(request, attempt, quiz)


def grade_answers(request, attempt: Attempt, answers: list[Answer]) -> None:
    from ..questions import types as qtypes

    questions = services.bank_questions(request.db, [a.question_id for a in answers])
    now = utcnow()
    for answer in answers:
        question = questions.get(answer.question_id)
        if answer.response is None or question is None:
            # nothing answered (or the question is gone): nothing earned, nothing to grade
            answer.points = scoring.round_points(0)
            answer.needs_manual = False
            answer.graded_at = now
            answer.graded_version = question.version if question is not None else None
            continue
        result = qtypes.grade(question.type, question.spec, answer.response)
        if result.needs_manual or result.fraction is None:
            answer.needs_manual = True
            answer.points = None
            continue
        answer.needs_manual = False
        answer.points = scoring.awarded_points(answer.max_points, result.fraction)
        answer.graded_at = now
        answer.graded_version = question.version


def finalize(request, attempt: Attempt, quiz: Quiz) -> None:
    """``graded`` with totals once no answer waits for a person; the lesson is
    completed for a learner who passed. Called after submit, each manual grade and
    each regrade (events every time the totals may have changed)."""
    answers = answers_of(request.db, attempt)
    if any(a.points is None for a in answers):
        attempt.status = "submitted"
        request.db.flush()
        return
    was_graded = attempt.status == "graded"
    old = (attempt.percent, attempt.passed)
    attempt.score = scoring.round_points(scoring.total(a.points for a in answers))
    attempt.max_score = scoring.round_points(scoring.total(a.max_points for a in answers))
    attempt.percent = scoring.percent(attempt.score, attempt.max_score)
    attempt.passed = attempt.percent >= quiz.passing_percent
    attempt.status = "graded"
    attempt.graded_at = utcnow()
    request.db.flush()
    if not was_graded:
        _emit(request, GRADED, attempt)
    if not was_graded or old != (attempt.percent, attempt.passed):
        request.emit(
            GRADE_CHANGED,
            resource_type="course",
            resource_id=attempt.course_id,
            payload={"course_id": str(attempt.course_id), "user_id": str(attempt.user_id)},
        )
    if attempt.passed:
        complete_lesson(request, attempt, quiz)


def complete_lesson(request, attempt: Attempt, quiz: Quiz) -> None:
    """Mark the quiz's lesson complete for the learner (enrollment's progress), so the
    course can complete. Only with an enrolment giving access, for a published
    lesson."""
    from learninghub_content.services import get_lesson_by_id
    from learninghub_enrollment import services as enrollment

    record = enrollment.find_enrollment(request.db, attempt.course_id, attempt.user_id)
    if record is None or not record.has_access_at(utcnow()):
        return
    lesson = get_lesson_by_id(request.db, quiz.lesson_id)
    if lesson is None or not lesson.is_published:
        return
    done = enrollment.lesson_progress(request.db, record, lesson.id)
    if done is not None and done.completed_at is not None:
        return
    enrollment.record_progress(request, record, lesson, completed=True)


def _emit(request, name: str, attempt: Attempt) -> None:
    request.emit(
        name,
        resource_type="attempt",
        resource_id=attempt.id,
        payload={
            "course_id": str(attempt.course_id),
            "quiz_id": str(attempt.quiz_id),
            "user_id": str(attempt.user_id),
            "percent": str(attempt.percent) if attempt.percent is not None else None,
            "passed": attempt.passed,
        },
    )


# ----------------------------------------------------------------- sweeping


def close_expired(request, *, now: datetime | None = None) -> int:
    """Close every open attempt of the tenant whose time is up (the cron sweep)."""
    now = now or utcnow()
    limit = now - grace(request)
    rows = list(
        request.db.scalars(
            sa.select(Attempt).where(
                Attempt.status == "in_progress",
                Attempt.deadline_at.is_not(None),
                Attempt.deadline_at < limit,
            )
        )
    )
    closed = 0
    for attempt in rows:
        quiz = request.db.get(Quiz, attempt.quiz_id)
        if quiz is not None and close_if_expired(request, attempt, quiz, now):
            closed += 1
    return closed
