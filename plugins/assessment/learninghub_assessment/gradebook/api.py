"""JSON API of the gradebook (see docs/plugins/assessment-gradebook.md)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from learninghub.api import PageQuery, ProblemError, api_view

from . import services
from .compute import Row
from .sources import GradedItem

GRADEBOOK = "/api/v1/courses/{course_id}/gradebook"
MINE = "/api/v1/courses/{course_id}/gradebook/me"
OVERRIDES = "/api/v1/courses/{course_id}/gradebook/overrides"


class ColumnOut(BaseModel):
    key: str
    kind: str
    title: str
    weight: Decimal
    required: bool
    passing_percent: Decimal | None
    due_at: datetime | None
    lesson_id: uuid.UUID | None


class CellOut(BaseModel):
    percent: Decimal | None
    passed: bool | None
    graded_at: datetime | None
    submitted: bool
    overridden: bool
    computed_percent: Decimal | None


class RowOut(BaseModel):
    user_id: uuid.UUID
    user_name: str | None = None
    user_email: str | None = None
    cells: dict[str, CellOut]
    total: Decimal | None
    current: Decimal | None
    total_overridden: bool
    computed_total: Decimal | None


class GradebookOut(BaseModel):
    columns: list[ColumnOut]
    items: list[RowOut] = Field(description="One row per learner (enrolled, any status)")
    next_cursor: str | None = None


class MyGradesOut(BaseModel):
    columns: list[ColumnOut]
    row: RowOut


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID
    item: str = Field(min_length=1, max_length=80, description='"total" or an item key')
    percent: Decimal = Field(ge=0, le=100, decimal_places=2)
    reason: str = Field(min_length=1, max_length=500)


class OverrideQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID
    item: str = Field(min_length=1, max_length=80)
    reason: str | None = Field(None, max_length=500)


class OverrideOut(BaseModel):
    user_id: uuid.UUID
    item: str
    percent: Decimal
    reason: str
    set_at: datetime


def column_out(item: GradedItem) -> ColumnOut:
    return ColumnOut(
        key=item.key,
        kind=item.kind,
        title=item.title,
        weight=item.weight,
        required=item.required,
        passing_percent=item.passing_percent,
        due_at=item.due_at,
        lesson_id=item.lesson_id,
    )


def row_out(row: Row, user=None) -> RowOut:
    return RowOut(
        user_id=row.user_id,
        user_name=user.display_name if user is not None else None,
        user_email=user.email if user is not None else None,
        cells={
            key: CellOut(
                percent=cell.percent,
                passed=cell.passed,
                graded_at=cell.graded_at,
                submitted=cell.submitted,
                overridden=cell.overridden,
                computed_percent=cell.computed,
            )
            for key, cell in row.cells.items()
        },
        total=row.total,
        current=row.current,
        total_overridden=row.total_overridden,
        computed_total=row.computed_total,
    )


def staff_course(request):
    course = services.visible_course(request, request.matchdict["course_id"])
    if not services.may_see_gradebook(request, course):
        raise ProblemError(403, "Forbidden", "only the course's staff see its gradebook")
    return course


@api_view(
    "assessment.gradebook",
    GRADEBOOK,
    "GET",
    query=PageQuery,
    response=GradebookOut,
    authenticated=True,
    summary="The course's gradebook: columns = graded items, rows = learners (course staff)",
)
def get_gradebook(request, query: PageQuery):
    course = staff_course(request)
    enrolments, next_cursor = services.roster_page(request, course, query)
    columns = services.items(request, course)
    rows = services.rows(request, course, columns, [e.user_id for e in enrolments])
    return GradebookOut(
        columns=[column_out(item) for item in columns],
        items=[row_out(row, e.user) for row, e in zip(rows, enrolments, strict=True)],
        next_cursor=next_cursor,
    )


@api_view(
    "assessment.gradebook_me",
    MINE,
    "GET",
    response=MyGradesOut,
    authenticated=True,
    summary="Your own grades in a course",
)
def get_my_grades(request):
    course = services.visible_course(request, request.matchdict["course_id"])
    if not services.is_learner(request.db, course, request.identity.id):
        raise ProblemError(403, "Forbidden", "you are not enrolled in this course")
    columns, row = services.row_of(request, course, request.identity.id)
    return MyGradesOut(columns=[column_out(item) for item in columns], row=row_out(row))


def learner_of(request, course, user_id) -> None:
    if not services.is_learner(request.db, course, user_id):
        raise ProblemError(
            422,
            "Validation failed",
            "this user is not a learner of the course",
            errors=[{"path": ["body", "user_id"], "message": "not enrolled", "type": "learner"}],
        )


@api_view(
    "assessment.gradebook_overrides",
    OVERRIDES,
    "PUT",
    body=OverrideIn,
    response=OverrideOut,
    authenticated=True,
    summary="Override a learner's grade on an item or their total, with a reason (audited)",
)
def put_override(request, body: OverrideIn):
    course = staff_course(request)
    learner_of(request, course, body.user_id)
    row = services.set_override(
        request, course, body.user_id, body.item, body.percent, body.reason.strip()
    )
    return OverrideOut(
        user_id=row.user_id,
        item=row.item_key,
        percent=row.percent,
        reason=row.reason,
        set_at=row.set_at,
    )


@api_view(
    "assessment.gradebook_overrides",
    OVERRIDES,
    "DELETE",
    query=OverrideQuery,
    status=204,
    authenticated=True,
    summary="Remove an override (?user_id=&item=&reason=); the computed grade shows again",
)
def delete_override(request, query: OverrideQuery):
    course = staff_course(request)
    if not services.clear_override(request, course, query.user_id, query.item, query.reason):
        raise ProblemError(404, "Not found", "no such override")
    return None
