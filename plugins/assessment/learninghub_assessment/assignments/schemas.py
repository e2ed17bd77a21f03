"""Request and response bodies of the assignments API."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from learninghub.api import PageQuery

SubmissionType = Literal["text", "file", "text_or_file"]

MAX_TEXT = 100_000
MAX_INSTRUCTIONS = 50_000
MAX_FEEDBACK = 20_000


class AssignmentFields(BaseModel):
    """An assignment's settings: the rules of the API's bodies and of the editor's
    page alike (the page validates its form with this model)."""

    model_config = ConfigDict(extra="forbid")

    instructions: str = Field("", max_length=MAX_INSTRUCTIONS, description="HTML, sanitized")
    submission_type: SubmissionType = "text_or_file"
    due_at: AwareDatetime | None = None
    max_points: Decimal = Field(Decimal("100"), gt=0, le=1000, decimal_places=2)
    passing_percent: Decimal | None = Field(None, ge=0, le=100, decimal_places=2)
    weight: Decimal = Field(Decimal("1"), ge=0, le=1000, decimal_places=2)
    required: bool = False


class AssignmentCreate(AssignmentFields):
    lesson_id: uuid.UUID = Field(description="A lesson of the course of type assignment")


class AssignmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instructions: str | None = Field(None, max_length=MAX_INSTRUCTIONS)
    submission_type: SubmissionType | None = None
    due_at: AwareDatetime | None = None
    max_points: Decimal | None = Field(None, gt=0, le=1000, decimal_places=2)
    passing_percent: Decimal | None = Field(None, ge=0, le=100, decimal_places=2)
    weight: Decimal | None = Field(None, ge=0, le=1000, decimal_places=2)
    required: bool | None = None


class AssignmentOut(BaseModel):
    id: uuid.UUID
    course_id: uuid.UUID
    lesson_id: uuid.UUID
    title: str
    instructions: str
    submission_type: str
    due_at: datetime | None
    closed: bool = Field(description="Past the due date (and grace): submissions refused")
    max_points: Decimal
    passing_percent: Decimal | None
    weight: Decimal
    required: bool
    created_at: datetime
    updated_at: datetime


class SubmissionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, max_length=MAX_TEXT)
    media_asset_id: uuid.UUID | None = Field(
        None, description="A ready file you uploaded (POST …/submission/file does both)"
    )


class SubmissionOut(BaseModel):
    id: uuid.UUID
    assignment_id: uuid.UUID
    user_id: uuid.UUID
    user_name: str | None = None
    user_email: str | None = None
    text: str | None
    media_asset_id: uuid.UUID | None
    file_url: str | None = None
    file_name: str | None = None
    status: str
    submitted_at: datetime
    updated_at: datetime
    late: bool = Field(False, description="Submitted after the due date (within the grace)")
    points: Decimal | None
    percent: Decimal | None
    passed: bool | None
    feedback: str | None
    graded_at: datetime | None


class SubmissionQuery(PageQuery):
    status: Literal["submitted", "graded"] | None = None


class GradeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points: Decimal = Field(ge=0, le=1000, decimal_places=2)
    feedback: str = Field("", max_length=MAX_FEEDBACK)
