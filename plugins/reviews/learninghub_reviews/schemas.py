"""Request and response bodies of the reviews API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from learninghub.api import PageQuery

from .settings import BODY_CHARS_CEILING

Rating = Annotated[int, Field(ge=1, le=5, description="Stars, 1 to 5")]
Body = Annotated[
    str,
    StringConstraints(max_length=BODY_CHARS_CEILING),
    Field(description="Plain text (shown escaped)"),
]
ReplyText = Annotated[str, StringConstraints(max_length=BODY_CHARS_CEILING)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=1000)]


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Rating
    body: Body = ""


class ReviewUpdate(BaseModel):
    """Fields to change; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    rating: Rating | None = None
    body: Body | None = None

    @field_validator("rating", "body")
    @classmethod
    def not_null(cls, value):
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: ReplyText = Field(description="The public reply; empty removes it")


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason


class ModerationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hidden: bool


class ReviewOut(BaseModel):
    id: uuid.UUID
    course_id: uuid.UUID
    user_id: uuid.UUID
    author_name: str
    rating: int
    body: str
    created_at: datetime
    updated_at: datetime
    instructor_reply: str
    replied_at: datetime | None
    helpful_count: int
    hidden: bool
    voted_helpful: bool = Field(False, description="The caller marked it helpful")
    url: str


class SummaryOut(BaseModel):
    course_id: uuid.UUID
    count: int
    average: float
    distribution: dict[str, int] = Field(description='Reviews per rating, "1" to "5"')


class VoteOut(BaseModel):
    review_id: uuid.UUID
    helpful_count: int
    voted_helpful: bool


class ReportOut(BaseModel):
    id: uuid.UUID
    review_id: uuid.UUID
    reason: str
    created_at: datetime


class ReviewListQuery(PageQuery):
    pass
