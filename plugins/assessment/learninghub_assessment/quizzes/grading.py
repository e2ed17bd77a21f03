"""Grading by hand (essays) and regrades after a question is corrected.

Every change of an answer's points after it was first graded is recorded in
``assessment_score_changes`` (old, new, reason, who, when) and emitted as
``assessment.score.changed`` (declared auditable). A regrade:

* touches only answers graded automatically (``needs_manual`` false) of attempts that
  are submitted or graded; answers graded by hand are the grader's;
* grades the saved response with the question's *current* spec and its current points
  (the attempt's snapshot of that question takes the new version and points);
* updates the open attempts' snapshot points silently (they are graded at submit);
* recomputes the totals of every attempt it changed (``assessment.grade.changed``, and
  the lesson completes for a learner who now passes; a pass is never taken back from
  the enrolment's progress).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from learninghub.db import utcnow

from .. import scoring
from ..models import Question
from ..models.quizzes import Answer, Attempt, Quiz, ScoreChange
from . import attempts as lifecycle
from . import services
from .services import Refusal

REGRADE_TASK = "assessment.regrade_question"


def record_change(
    request, answer: Answer, attempt: Attempt, old: Decimal | None, new: Decimal | None, reason: str
) -> None:
    actor = getattr(request, "identity", None)
    change = ScoreChange(
        answer_id=answer.id,
        attempt_id=attempt.id,
        quiz_id=attempt.quiz_id,
        old=old,
        new=new,
        reason=reason[:300],
        changed_by=actor.id if actor is not None else None,
        changed_at=utcnow(),
    )
    request.db.add(change)
    request.emit(
        lifecycle.SCORE_CHANGED,
        resource_type="answer",
        resource_id=answer.id,
        payload={
            "old": {"points": str(old) if old is not None else None},
            "new": {"points": str(new) if new is not None else None},
            "reason": reason,
            "course_id": str(attempt.course_id),
            "attempt_id": str(attempt.id),
            "user_id": str(attempt.user_id),
        },
    )


# ----------------------------------------------------------------- by hand


def grading_answer(request, raw_id: Any):
    """(answer, attempt, quiz, course) for the course staff; 404 for others."""
    answer_id = services.as_uuid(raw_id)
    answer = request.db.get(Answer, answer_id) if answer_id is not None else None
    if answer is None:
        raise services.not_found("answer")
    attempt = request.db.get(Attempt, answer.attempt_id)
    quiz = request.db.get(Quiz, attempt.quiz_id) if attempt is not None else None
    if quiz is None:
        raise services.not_found("answer")
    course, _lesson = services.quiz_parts(request, quiz)
    if not services.is_staff(request, course):
        raise services.not_found("answer")
    return answer, attempt, quiz, course


def grade_by_hand(
    request, answer: Answer, attempt: Attempt, quiz: Quiz, points: Decimal, feedback: str | None
) -> None:
    if attempt.status == "in_progress":
        raise Refusal(409, "Conflict", "the attempt is still in progress", "in_progress")
    if points > answer.max_points:
        raise services.invalid(["points"], f"at most {answer.max_points}", "less_than_equal")
    points = scoring.round_points(points)
    old = answer.points
    if old is not None and old != points:
        record_change(request, answer, attempt, old, points, "graded again by hand")
    answer.points = points
    answer.feedback = feedback
    answer.graded_by = request.identity.id
    answer.graded_at = utcnow()
    question = request.db.get(Question, answer.question_id)
    answer.graded_version = question.version if question is not None else answer.graded_version
    request.db.flush()
    lifecycle.finalize(request, attempt, quiz)


def queue_statement(course_id: uuid.UUID):
    """Answers waiting for a person in a course, oldest submission first."""
    return (
        sa.select(Answer, Attempt)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(
            Attempt.course_id == course_id,
            Attempt.status == "submitted",
            Answer.needs_manual.is_(True),
            Answer.points.is_(None),
        )
    )


# ----------------------------------------------------------------- regrades


def regrade_answers(request, rows: list[tuple[Answer, Attempt]], question: Question) -> int:
    """Grade ``rows`` (answers of ``question``) again; return how many changed."""
    from ..questions import types as qtypes

    changed = 0
    touched: dict[uuid.UUID, Attempt] = {}
    for answer, attempt in rows:
        snapshot = [dict(item) for item in attempt.questions]
        for item in snapshot:
            if item["id"] == str(question.id):
                item["points"] = str(question.points)
                item["version"] = question.version
        attempt.questions = snapshot
        if attempt.status == "in_progress":
            answer.max_points = question.points
            continue
        if answer.graded_by is not None:
            continue  # graded by a person: theirs to change
        old_points, old_max = answer.points, answer.max_points
        answer.max_points = question.points
        if answer.response is None:
            new_points: Decimal | None = scoring.round_points(0)
            answer.needs_manual = False
        else:
            result = qtypes.grade(question.type, question.spec, answer.response)
            if result.needs_manual or result.fraction is None:
                new_points = None
                answer.needs_manual = True
            else:
                new_points = scoring.awarded_points(question.points, result.fraction)
                answer.needs_manual = False
        answer.graded_version = question.version
        if new_points != old_points or old_max != answer.max_points:
            answer.points = new_points
            answer.graded_at = utcnow()
            record_change(
                request,
                answer,
                attempt,
                old_points,
                new_points,
                f"regrade: question corrected (version {question.version})",
            )
            changed += 1
            touched[attempt.id] = attempt
    request.db.flush()
    quizzes: dict[uuid.UUID, Quiz | None] = {}
    for attempt in touched.values():
        if attempt.quiz_id not in quizzes:
            quizzes[attempt.quiz_id] = request.db.get(Quiz, attempt.quiz_id)
        quiz = quizzes[attempt.quiz_id]
        if quiz is not None:
            lifecycle.finalize(request, attempt, quiz)
    return changed


def regrade_question(request, question_id: Any, quiz_id: uuid.UUID | None = None) -> int:
    question = request.db.get(Question, services.as_uuid(question_id))
    if question is None:
        return 0
    stmt = (
        sa.select(Answer, Attempt)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(Answer.question_id == question.id)
        .with_for_update()
    )
    if quiz_id is not None:
        stmt = stmt.where(Attempt.quiz_id == quiz_id)
    return regrade_answers(request, list(request.db.execute(stmt).all()), question)


def regrade_quiz(request, quiz: Quiz) -> int:
    """Regrade every question any attempt of the quiz holds."""
    ids = set(
        request.db.scalars(
            sa.select(Answer.question_id)
            .join(Attempt, Attempt.id == Answer.attempt_id)
            .where(Attempt.quiz_id == quiz.id)
            .distinct()
        )
    )
    return sum(regrade_question(request, qid, quiz.id) for qid in sorted(ids, key=str))
