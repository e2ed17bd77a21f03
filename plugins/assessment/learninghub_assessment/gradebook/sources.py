"""Gradebook sources: what each part contributes to a course's gradebook.

A source knows one kind of graded item (quizzes, assignments) and answers two
questions: which items a course has (the gradebook's columns) and what grades some
learners have on them (its cells). The gradebook combines the sources; it never reads
a part's tables itself. The protocol is fixed by docs/design/assessment-contracts.md.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class GradedItem:
    """One column of the gradebook."""

    key: str  # "quiz:<uuid>" / "assignment:<uuid>"
    kind: str  # "quiz" / "assignment"
    title: str
    weight: Decimal  # >= 0; 0 = not counted in the total
    required: bool  # must be passed for the certificate
    passing_percent: Decimal | None
    due_at: datetime | None
    position: tuple  # (section position, lesson position) for column order
    lesson_id: uuid.UUID | None


@dataclass(frozen=True)
class ItemGrade:
    """One cell of the gradebook: a learner's grade on an item."""

    percent: Decimal | None  # None: not graded yet (submitted, waiting for a person)
    passed: bool | None
    graded_at: datetime | None


@runtime_checkable
class GradeSource(Protocol):
    """A provider of graded items and grades for one kind of item."""

    kind: str

    def items(self, request, course) -> list[GradedItem]:
        """The course's graded items of this kind (published lessons only)."""
        ...

    def grades(
        self, request, course, user_ids: Sequence[uuid.UUID] | None
    ) -> dict[tuple[str, uuid.UUID], ItemGrade]:
        """Grades keyed by (item key, user id), for ``user_ids`` (None: every learner
        with a grade). One or two queries; absent keys mean "nothing to grade yet"."""
        ...


QUIZ_SOURCE_MODULE = "learninghub_assessment.quizzes.gradesource"


def sources() -> list[GradeSource]:
    """The registered sources: quizzes (when that part is there: only its exact module
    may be missing, any other import error raises) and assignments."""
    from ..assignments.gradesource import AssignmentGradeSource

    found: list[GradeSource] = []
    try:
        module = importlib.import_module(QUIZ_SOURCE_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != QUIZ_SOURCE_MODULE:
            raise
    else:
        found.append(module.QuizGradeSource())
    found.append(AssignmentGradeSource())
    return found
