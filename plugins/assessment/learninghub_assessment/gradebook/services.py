"""The gradebook of a course: columns from the sources, rows per learner, overrides.

Reading a page of the gradebook costs a fixed number of statements whatever the
number of learners and items: the roster page, each source's items and grades, and
the overrides of the learners shown.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa

from learninghub.api import PageQuery, ProblemError, paginate
from learninghub.db import utcnow
from learninghub_courses import services as courses

from ..lookups import not_found, visible_course  # noqa: F401  (the parts' API)
from ..models.assignments import GradeOverride
from ..permissions import AssessmentPermission as P
from .compute import TOTAL, Row, build_row
from .sources import GradedItem, sources

PLUGIN = "assessment"
OVERRIDDEN_EVENT = "assessment.grade.overridden"
GRADE_CHANGED_EVENT = "assessment.grade.changed"
EXPORTED_EVENT = "assessment.gradebook.exported"


def may_see_gradebook(request, course) -> bool:
    """Course staff (instructors, teaching assistants, admins) and graders (MANAGE)."""
    if request.identity is None:
        return False
    return bool(courses.is_staff(request, course)) or bool(request.has_permission(P.MANAGE))


def items(request, course) -> list[GradedItem]:
    """Every source's items, in course order (section, then lesson)."""
    found = [item for source in sources() for item in source.items(request, course)]
    return sorted(found, key=lambda item: (tuple(item.position), item.key))


def overrides_of(db, course_id, user_ids: Sequence[uuid.UUID]) -> dict:
    """``{user_id: {item_key: percent}}`` in one statement."""
    out: dict[uuid.UUID, dict[str, Decimal]] = {}
    wanted = list(user_ids)
    if not wanted:
        return out
    for row in db.scalars(
        sa.select(GradeOverride).where(
            GradeOverride.course_id == course_id, GradeOverride.user_id.in_(wanted)
        )
    ):
        out.setdefault(row.user_id, {})[row.item_key] = row.percent
    return out


def rows(request, course, columns: list[GradedItem], user_ids: Sequence[uuid.UUID]) -> list[Row]:
    """The rows of ``user_ids`` (in that order)."""
    wanted = list(user_ids)
    grades: dict[uuid.UUID, dict] = {}
    for source in sources():
        for (key, user_id), grade in source.grades(request, course, wanted).items():
            grades.setdefault(user_id, {})[key] = grade
    overrides = overrides_of(request.db, course.id, wanted)
    return [
        build_row(user_id, columns, grades.get(user_id, {}), overrides.get(user_id, {}))
        for user_id in wanted
    ]


def row_of(request, course, user_id) -> tuple[list[GradedItem], Row]:
    columns = items(request, course)
    return columns, rows(request, course, columns, [user_id])[0]


# ----------------------------------------------------------------- learners


def roster_statement(course):
    """Enrolments of the course with their users (the enrollment plugin's roster)."""
    from learninghub_enrollment.access import roster_statement as statement

    return statement(course)


def roster_page(request, course, page: PageQuery):
    from learninghub_enrollment.models import Enrollment

    return paginate(
        request.db, roster_statement(course), Enrollment.enrolled_at, Enrollment.id, page
    )


def roster_all(request, course) -> list:
    from learninghub_enrollment.models import Enrollment

    stmt = roster_statement(course).order_by(Enrollment.enrolled_at.desc(), Enrollment.id.desc())
    return list(request.db.scalars(stmt))


def is_learner(db, course, user_id) -> bool:
    from learninghub_enrollment import services as enrollment

    return enrollment.find_enrollment(db, course.id, user_id) is not None


# ----------------------------------------------------------------- overrides


def check_item(columns: list[GradedItem], item: str) -> None:
    if item != TOTAL and item not in {column.key for column in columns}:
        raise ProblemError(
            422,
            "Validation failed",
            "no such graded item in this course",
            errors=[{"path": ["body", "item"], "message": "unknown item", "type": "item"}],
        )


def _current(db, course_id, user_id, item: str) -> GradeOverride | None:
    return db.scalar(
        sa.select(GradeOverride).where(
            GradeOverride.course_id == course_id,
            GradeOverride.user_id == user_id,
            GradeOverride.item_key == item,
        )
    )


def _emit(request, course, user_id, item: str, old, new, reason: str | None) -> None:
    request.emit(
        OVERRIDDEN_EVENT,
        resource_type="course",
        resource_id=course.id,
        payload={
            "course_id": str(course.id),
            "user_id": str(user_id),
            "item": item,
            "reason": reason,
            "old": {"percent": str(old) if old is not None else None},
            "new": {"percent": str(new) if new is not None else None},
        },
    )
    request.emit(
        GRADE_CHANGED_EVENT,
        resource_type="course",
        resource_id=course.id,
        payload={"course_id": str(course.id), "user_id": str(user_id)},
    )


def set_override(request, course, user_id, item: str, percent: Decimal, reason: str):
    """Set (or change) an override; ``old`` in the event is the previous override or,
    without one, the computed value."""
    columns = items(request, course)
    check_item(columns, item)
    existing = _current(request.db, course.id, user_id, item)
    if existing is not None:
        old = existing.percent
    else:
        row = rows(request, course, columns, [user_id])[0]
        old = row.computed_total if item == TOTAL else row.cells[item].computed
        existing = GradeOverride(course_id=course.id, user_id=user_id, item_key=item)
        request.db.add(existing)
    existing.percent = percent
    existing.reason = reason
    existing.set_by = request.identity.id
    existing.set_at = utcnow()
    request.db.flush()
    _emit(request, course, user_id, item, old, percent, reason)
    return existing


def clear_override(request, course, user_id, item: str, reason: str | None = None) -> bool:
    """Remove an override (False when there was none)."""
    existing = _current(request.db, course.id, user_id, item)
    if existing is None:
        return False
    old = existing.percent
    request.db.delete(existing)
    request.db.flush()
    columns = items(request, course)
    new = None
    if item == TOTAL or item in {column.key for column in columns}:
        row = rows(request, course, columns, [user_id])[0]
        new = row.total if item == TOTAL else row.cells[item].percent
    _emit(request, course, user_id, item, old, new, reason)
    return True
