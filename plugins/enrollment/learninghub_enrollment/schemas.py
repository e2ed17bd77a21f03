"""Request and response bodies of the enrollment API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from learninghub.api import PageQuery

Status = Literal["active", "cancelled", "expired", "completed"]
EffectiveStatus = Literal["active", "cancelled", "expired", "completed", "scheduled"]
Source = Literal["free", "purchase", "admin", "code"]

#: twelve hours of media is plenty; a larger position is a client bug
MAX_POSITION_S = 12 * 3600


class _Window(BaseModel):
    @model_validator(mode="after")
    def _ordered(self):
        starts, expires = getattr(self, "starts_at", None), getattr(self, "expires_at", None)
        if starts is not None and expires is not None and expires <= starts:
            raise ValueError("expires_at must be after starts_at")
        return self


class AdminEnrol(_Window):
    """An admin enrols a user (source ``admin``) with an optional access window."""

    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID
    starts_at: AwareDatetime | None = Field(None, description="Access starts (UTC); none: now")
    expires_at: AwareDatetime | None = Field(None, description="Access ends (UTC); none: never")


class EnrollmentUpdate(_Window):
    """Fields to change; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    starts_at: AwareDatetime | None = None
    expires_at: AwareDatetime | None = None
    status: Literal["active", "cancelled"] | None = Field(
        None, description="`cancelled` unenrols; `active` enrols again"
    )


class ProgressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    completed: bool | None = Field(None, description="Mark the lesson complete or not")
    position_s: int | None = Field(
        None, ge=0, le=MAX_POSITION_S, description="Media position in seconds"
    )

    @model_validator(mode="after")
    def _something(self):
        if self.completed is None and self.position_s is None:
            raise ValueError("send completed, position_s or both")
        return self


class EnrollmentOut(BaseModel):
    id: uuid.UUID
    course_id: uuid.UUID
    user_id: uuid.UUID
    status: Status
    effective_status: EffectiveStatus = Field(
        description="`expired` as soon as the window closed, `scheduled` before it opens"
    )
    has_access: bool
    source: Source
    enrolled_at: datetime
    starts_at: datetime | None
    expires_at: datetime | None
    completed_at: datetime | None
    progress_percent: int
    last_lesson_id: uuid.UUID | None
    url: str = Field(description="This enrolment in the API")


class MyEnrollmentOut(EnrollmentOut):
    course_title: str
    course_url: str = Field(description="The course's landing page")
    continue_url: str = Field(description="Page that resumes where the learner left off")
    completed_lesson_ids: list[uuid.UUID] | None = None


class RosterEntryOut(EnrollmentOut):
    user_display_name: str
    user_email: str


class ProgressOut(BaseModel):
    enrollment_id: uuid.UUID
    lesson_id: uuid.UUID
    completed: bool
    completed_at: datetime | None
    position_s: int
    progress_percent: int = Field(description="The course progress after this change")
    course_completed: bool


class RosterQuery(PageQuery):
    status: Status | None = None


class MineQuery(PageQuery):
    status: Status | None = None
