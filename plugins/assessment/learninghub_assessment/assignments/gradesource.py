"""The gradebook source of assignments (``gradebook.sources.GradeSource``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa

from ..gradebook.sources import GradedItem, ItemGrade
from ..models.assignments import Assignment, Submission
from . import services


def item_key(assignment_id) -> str:
    return f"assignment:{assignment_id}"


class AssignmentGradeSource:
    """One column per assignment of a published lesson; a cell per submission
    (percent None while it waits for a grader)."""

    kind = "assignment"

    def _published(self, request, course) -> dict[uuid.UUID, tuple[tuple, object]]:
        """Published lessons by id with their (section position, lesson position)."""
        from learninghub_content import services as content

        return {
            lesson.id: ((node.section.position, lesson.position), lesson)
            for node in content.curriculum(request.db, course.id, drafts=False)
            for lesson in node.lessons
        }

    def items(self, request, course) -> list[GradedItem]:
        lessons = self._published(request, course)
        if not lessons:
            return []
        rows = request.db.scalars(
            sa.select(Assignment).where(
                Assignment.course_id == course.id, Assignment.lesson_id.in_(list(lessons))
            )
        )
        items = []
        for assignment in rows:
            position, lesson = lessons[assignment.lesson_id]
            items.append(
                GradedItem(
                    key=item_key(assignment.id),
                    kind=self.kind,
                    title=lesson.title,
                    weight=assignment.weight,
                    required=assignment.required,
                    passing_percent=assignment.passing_percent,
                    due_at=assignment.due_at,
                    position=position,
                    lesson_id=lesson.id,
                )
            )
        return sorted(items, key=lambda item: item.position)

    def grades(
        self, request, course, user_ids: Sequence[uuid.UUID] | None
    ) -> dict[tuple[str, uuid.UUID], ItemGrade]:
        stmt = (
            sa.select(Submission, Assignment)
            .join(Assignment, Assignment.id == Submission.assignment_id)
            .where(Assignment.course_id == course.id)
        )
        if user_ids is not None:
            wanted = list(user_ids)
            if not wanted:
                return {}
            stmt = stmt.where(Submission.user_id.in_(wanted))
        out: dict[tuple[str, uuid.UUID], ItemGrade] = {}
        for submission, assignment in request.db.execute(stmt):
            percent = services.percent_of(assignment, submission)
            out[(item_key(assignment.id), submission.user_id)] = ItemGrade(
                percent=percent,
                passed=services.is_passed(assignment.passing_percent, percent),
                graded_at=submission.graded_at if percent is not None else None,
            )
        return out
