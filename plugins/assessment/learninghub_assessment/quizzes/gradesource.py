"""The gradebook's quiz column source (``GradeSource`` of
docs/design/assessment-contracts.md): one item per quiz of a published lesson; a
learner's grade is their best graded attempt (``grading_policy = "highest"``) or their
latest one (``"latest"``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa

from ..gradebook.sources import GradedItem, ItemGrade
from ..models.quizzes import Attempt, Quiz


def item_key(quiz_id: uuid.UUID) -> str:
    return f"quiz:{quiz_id}"


class QuizGradeSource:
    kind = "quiz"

    def items(self, request, course) -> list[GradedItem]:
        """Quizzes whose lesson is published, in curriculum order (two queries)."""
        from learninghub_content.models import CourseSection, Lesson

        rows = request.db.execute(
            sa.select(Quiz, Lesson.title, CourseSection.position, Lesson.position)
            .join(Lesson, Lesson.id == Quiz.lesson_id)
            .join(CourseSection, CourseSection.id == Lesson.section_id)
            .where(Quiz.course_id == course.id, Lesson.status == "published")
            .order_by(CourseSection.position, Lesson.position)
        ).all()
        return [
            GradedItem(
                key=item_key(quiz.id),
                kind=self.kind,
                title=title,
                weight=quiz.weight,
                required=quiz.required,
                passing_percent=quiz.passing_percent,
                due_at=quiz.closes_at,
                position=(section_position, lesson_position),
                lesson_id=quiz.lesson_id,
            )
            for quiz, title, section_position, lesson_position in rows
        ]

    def grades(
        self, request, course, user_ids: Sequence[uuid.UUID] | None
    ) -> dict[tuple[str, uuid.UUID], ItemGrade]:
        """One query: the course's attempts (of ``user_ids``) that are submitted or
        graded; per quiz and learner the policy's attempt. A learner whose only closed
        attempts wait for a person has ``percent`` None."""
        stmt = (
            sa.select(Attempt, Quiz.grading_policy)
            .join(Quiz, Quiz.id == Attempt.quiz_id)
            .where(Attempt.course_id == course.id, Attempt.status != "in_progress")
        )
        if user_ids is not None:
            ids = list(user_ids)
            if not ids:
                return {}
            stmt = stmt.where(Attempt.user_id.in_(ids))
        chosen: dict[tuple[str, uuid.UUID], Attempt] = {}
        pending: set[tuple[str, uuid.UUID]] = set()
        for attempt, policy in request.db.execute(stmt).all():
            key = (item_key(attempt.quiz_id), attempt.user_id)
            if attempt.status != "graded":
                pending.add(key)
                continue
            best = chosen.get(key)
            if best is None or _better(policy, attempt, best):
                chosen[key] = attempt
        grades = {
            key: ItemGrade(percent=a.percent, passed=a.passed, graded_at=a.graded_at)
            for key, a in chosen.items()
        }
        for key in pending - grades.keys():
            grades[key] = ItemGrade(percent=None, passed=None, graded_at=None)
        return grades


def _better(policy: str, candidate: Attempt, current: Attempt) -> bool:
    if policy == "latest":
        return candidate.number > current.number
    return (candidate.percent or 0, -candidate.number) > (current.percent or 0, -current.number)
