"""What a learner (or the staff) is shown of an attempt: the one place that decides
whether the answer key may leave the server.

* Before feedback is allowed, a question is ``questions.types.learner_view`` (never
  the key) plus the learner's own saved response.
* ``feedback_allowed``: the staff always; learners by the quiz's feedback mode —
  ``immediate`` once the attempt is submitted, ``after_due`` once it is submitted and
  the due date (``closes_at``) has passed (no due date: as ``immediate``), ``never``
  not at all. Then ``feedback_view`` (the key, per-part correctness), the points of
  each question and the grader's comments are added.
* The score, percent and passed flag are shown once the attempt is graded, in every
  mode.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from learninghub.db import utcnow

from ..models.quizzes import Answer, Attempt, Quiz
from . import attempts as lifecycle


def feedback_allowed(
    quiz: Quiz, attempt: Attempt, *, staff: bool, now: datetime | None = None
) -> bool:
    if staff:
        return True
    if attempt.status == "in_progress":
        return False
    if quiz.feedback == "immediate":
        return True
    if quiz.feedback == "after_due":
        return quiz.closes_at is None or (now or utcnow()) >= quiz.closes_at
    return False


def question_state(quiz: Quiz, attempt: Attempt, position: int) -> str:
    """``open`` (free navigation, or the current question), ``locked`` (sequential,
    passed) or ``upcoming`` (sequential, not reached: its content is not sent)."""
    if attempt.status != "in_progress":
        return "closed"
    if quiz.navigation != "sequential":
        return "open"
    if position < attempt.current_index:
        return "locked"
    if position == attempt.current_index:
        return "open"
    return "upcoming"


def question_items(
    request, quiz: Quiz, attempt: Attempt, *, staff: bool, feedback: bool
) -> list[dict[str, Any]]:
    from ..questions import types as qtypes

    answers = {a.position: a for a in lifecycle.answers_of(request.db, attempt)}
    questions = lifecycle.questions_of(request.db, attempt)
    items = []
    for position, snap in enumerate(attempt.questions):
        answer: Answer | None = answers.get(position)
        state = question_state(quiz, attempt, position)
        item: dict[str, Any] = {
            "position": position,
            "question_id": snap["id"],
            "state": state,
            "points": snap["points"],
        }
        question = questions.get(answer.question_id) if answer is not None else None
        if state == "upcoming" or question is None:
            item.update(type=None, prompt=None, view=None, response=None)
            items.append(item)
            continue
        item.update(
            type=question.type,
            prompt=question.prompt,
            media_asset_id=question.media_asset_id,
            view=qtypes.learner_view(question.type, question.spec, shuffle_seed=snap.get("seed")),
            response=answer.response if answer is not None else None,
            saved_at=answer.saved_at if answer is not None else None,
        )
        if feedback and answer is not None:
            item["awarded"] = answer.points
            item["needs_manual"] = answer.needs_manual and answer.points is None
            item["grader_feedback"] = answer.feedback
            if answer.response is not None:
                item["feedback"] = qtypes.feedback_view(
                    question.type, question.spec, answer.response
                )
            else:
                item["feedback"] = qtypes.feedback_view(question.type, question.spec, None)
        if staff and answer is not None:
            item["answer_id"] = answer.id
        items.append(item)
    return items


def attempt_summary(request, attempt: Attempt) -> dict[str, Any]:
    now = utcnow()
    graded = attempt.status == "graded"
    return {
        "id": attempt.id,
        "quiz_id": attempt.quiz_id,
        "user_id": attempt.user_id,
        "number": attempt.number,
        "status": attempt.status,
        "started_at": attempt.started_at,
        "deadline_at": attempt.deadline_at,
        "submitted_at": attempt.submitted_at,
        "closed_by": attempt.closed_by,
        "server_now": now,
        "remaining_s": lifecycle.remaining_s(attempt, now),
        "current_index": attempt.current_index,
        "question_count": len(attempt.questions),
        "score": attempt.score if graded else None,
        "max_score": attempt.max_score if graded else None,
        "percent": attempt.percent if graded else None,
        "passed": attempt.passed if graded else None,
        "graded_at": attempt.graded_at if graded else None,
        "url": request.route_url("assessment.attempt", attempt_id=str(attempt.id)),
        "html_url": request.route_url("assessment.page.attempt", attempt_id=str(attempt.id)),
    }
