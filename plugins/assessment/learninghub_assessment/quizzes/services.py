"""Quizzes: lookups, who may do what, create and change (API and pages share these).

Who: the course's editors (``learninghub_courses.services.can_edit``: instructors,
admins) configure quizzes; its staff (``is_staff``: + teaching assistants) see every
attempt and grade; learners with access to the quiz's lesson (content's
``can_view_lesson``) take it. Unknown, malformed, other tenants' ids and courses the
caller may not see answer 404 alike.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from learninghub.api import ProblemError
from learninghub.db import utcnow

from ..lookups import not_found, parse_id, visible_course  # noqa: F401  (the parts' API)
from ..models import Question
from ..models.quizzes import Attempt, Quiz

PLUGIN = "assessment"
QUIZ_TYPE = "quiz"


class Refusal(Exception):
    """A refused action whose side effects must still be committed (an expired attempt
    closed on the way): the API answers it as a *returned* problem response, the pages
    as a message, so the transaction is not rolled back."""

    def __init__(self, status: int, title: str, detail: str, type_: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.type = status, title, detail, type_


def invalid(path: list[Any], message: str, type_: str = "value_error") -> ProblemError:
    return ProblemError(
        422,
        "Validation failed",
        "the request body is invalid",
        errors=[{"path": ["body", *path], "message": message, "type": type_}],
    )


def as_uuid(raw: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except (TypeError, ValueError):
        return None


# ----------------------------------------------------------------- roles


def is_staff(request, course) -> bool:
    from learninghub_courses import services as courses

    return request.identity is not None and bool(courses.is_staff(request, course))


def can_edit(request, course) -> bool:
    from learninghub_courses import services as courses

    return request.identity is not None and bool(courses.can_edit(request, course))


def staff_course(request, raw_id: Any):
    course = visible_course(request, raw_id)
    if not is_staff(request, course):
        raise ProblemError(403, "Forbidden", "only the course staff may do this")
    return course


def editable_course(request, raw_id: Any):
    course = visible_course(request, raw_id)
    if not can_edit(request, course):
        raise ProblemError(403, "Forbidden", "only the course's editors may do this")
    return course


# ----------------------------------------------------------------- quizzes


def get_quiz(db, quiz_id: Any) -> Quiz | None:
    quiz_uuid = as_uuid(quiz_id)
    return db.get(Quiz, quiz_uuid) if quiz_uuid is not None else None


def quiz_for_lesson(db, lesson_id: Any) -> Quiz | None:
    lesson_uuid = as_uuid(lesson_id)
    if lesson_uuid is None:
        return None
    return db.scalar(sa.select(Quiz).where(Quiz.lesson_id == lesson_uuid))


def quiz_parts(request, quiz: Quiz):
    """(course, lesson) of a quiz; 404 when the course is not visible to the caller."""
    from learninghub_content.services import get_lesson_by_id
    from learninghub_courses import services as courses

    course = courses.get_course(request.db, quiz.course_id)
    if course is None or not courses.can_view(request, course):
        raise not_found("quiz")
    lesson = get_lesson_by_id(request.db, quiz.lesson_id)
    if lesson is None:
        raise not_found("quiz")
    return course, lesson


def visible_quiz(request, raw_id: Any):
    """(quiz, course, lesson) for the course staff and learners who may open the
    quiz's lesson; 404 for others (the quiz is part of a lesson they cannot see)."""
    from learninghub_content.services import can_view_lesson

    quiz = get_quiz(request.db, raw_id)
    if quiz is None:
        raise not_found("quiz")
    course, lesson = quiz_parts(request, quiz)
    if not is_staff(request, course) and not can_view_lesson(request, course, lesson):
        raise ProblemError(403, "Forbidden", "enrol in the course to take this quiz")
    return quiz, course, lesson


def course_quizzes(db, course_id: uuid.UUID) -> list[Quiz]:
    return list(db.scalars(sa.select(Quiz).where(Quiz.course_id == course_id)))


# ----------------------------------------------------------------- the bank


def bank_questions(db, ids: list[Any]) -> dict[uuid.UUID, Question]:
    """The session tenant's bank questions among ``ids`` (one query)."""
    wanted = {u for u in (as_uuid(i) for i in ids) if u is not None}
    if not wanted:
        return {}
    return {q.id: q for q in db.scalars(sa.select(Question).where(Question.id.in_(wanted)))}


def check_question_ids(db, course_id: uuid.UUID, ids: list[uuid.UUID]) -> list[str]:
    """The ids as strings, each an active question of this course's bank (422 on
    ``["body", "question_ids", i]`` otherwise)."""
    found = bank_questions(db, ids)
    seen: set[uuid.UUID] = set()
    for i, qid in enumerate(ids):
        question = found.get(qid)
        if question is None or question.course_id != course_id or question.status != "active":
            raise invalid(
                ["question_ids", i], "not an active question of this course's bank", "question"
            )
        if qid in seen:
            raise invalid(["question_ids", i], "listed twice", "duplicate")
        seen.add(qid)
    return [str(qid) for qid in ids]


def check_draw_rules(db, course_id: uuid.UUID, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each rule must be satisfiable by the bank now (422 on ``["body", "draw_rules",
    i, "count"]`` otherwise): a quiz that cannot be started is refused up front."""
    from ..questions import services as bank

    normalised = []
    for i, rule in enumerate(rules):
        available = bank.draw_pool_size(
            db, course_id, tags=rule["tags"], difficulty=rule.get("difficulty")
        )
        if available < rule["count"]:
            raise invalid(
                ["draw_rules", i, "count"],
                f"the bank has {available} active matching questions",
                "not_enough_questions",
            )
        normalised.append(
            {
                "tags": list(rule["tags"]),
                "difficulty": rule.get("difficulty"),
                "count": rule["count"],
            }
        )
    return normalised


# ----------------------------------------------------------------- writes

QUIZ_FIELDS = (
    "intro",
    "mode",
    "shuffle_questions",
    "shuffle_options",
    "time_limit_s",
    "max_attempts",
    "passing_percent",
    "opens_at",
    "closes_at",
    "navigation",
    "feedback",
    "grading_policy",
    "weight",
    "required",
)


def _sanitize(html: str) -> str:
    import nh3

    return nh3.clean(html or "")


def apply_changes(request, quiz: Quiz, course, values: dict[str, Any]) -> None:
    """Validate and apply ``values`` (a subset of the API's fields) to ``quiz``."""
    for name in QUIZ_FIELDS:
        if name in values:
            value = values[name]
            if name == "intro":
                value = _sanitize(value)
            setattr(quiz, name, value)
    if "question_ids" in values:
        quiz.question_ids = check_question_ids(request.db, course.id, values["question_ids"])
    if "draw_rules" in values:
        quiz.draw_rules = check_draw_rules(request.db, course.id, values["draw_rules"])
    if quiz.opens_at and quiz.closes_at and quiz.closes_at <= quiz.opens_at:
        raise invalid(["closes_at"], "must be after opens_at", "window")
    if quiz.mode == "fixed" and not quiz.question_ids and "question_ids" in values:
        raise invalid(["question_ids"], "a fixed quiz needs at least one question", "empty")
    if quiz.mode == "random" and not quiz.draw_rules and "draw_rules" in values:
        raise invalid(["draw_rules"], "a random quiz needs at least one rule", "empty")


def create_quiz(request, course, lesson, values: dict[str, Any]) -> Quiz:
    if lesson.course_id != course.id or lesson.type != QUIZ_TYPE:
        raise invalid(["lesson_id"], "not a quiz lesson of this course", "lesson")
    if quiz_for_lesson(request.db, lesson.id) is not None:
        raise ProblemError(409, "Conflict", "this lesson already has a quiz", type=None)
    quiz = Quiz(lesson_id=lesson.id, course_id=course.id, question_ids=[], draw_rules=[])
    apply_changes(request, quiz, course, values)
    request.db.add(quiz)
    request.db.flush()
    return quiz


def update_quiz(request, quiz: Quiz, course, values: dict[str, Any]) -> None:
    apply_changes(request, quiz, course, values)
    quiz.updated_at = utcnow()
    request.db.flush()


# ----------------------------------------------------------------- attempts read


def attempts_of(db, quiz: Quiz, user_id: uuid.UUID) -> list[Attempt]:
    return list(
        db.scalars(
            sa.select(Attempt)
            .where(Attempt.quiz_id == quiz.id, Attempt.user_id == user_id)
            .order_by(Attempt.number)
        )
    )


def window_state(quiz: Quiz, now: datetime) -> str:
    """``open``, ``not_open`` (before opens_at) or ``closed`` (after the due date)."""
    if quiz.opens_at is not None and now < quiz.opens_at:
        return "not_open"
    if quiz.closes_at is not None and now >= quiz.closes_at:
        return "closed"
    return "open"


def attempts_left(quiz: Quiz, used: int) -> int | None:
    return None if quiz.max_attempts is None else max(0, quiz.max_attempts - used)


def question_count(quiz: Quiz) -> int:
    if quiz.mode == "fixed":
        return len(quiz.question_ids or [])
    return sum(int(rule.get("count", 0)) for rule in quiz.draw_rules or [])


def percent_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"
