"""Request and response bodies of the question bank API."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from learninghub.api import PageQuery

from .services import MAX_PROMPT
from .types import TYPES

# from the one table of types (same order in the schema's enum); Literal[("a", "b")] is
# Literal["a", "b"]
QuestionType = Literal[TYPES]  # type: ignore[valid-type]
Difficulty = Literal["easy", "medium", "hard"]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Prompt = Annotated[
    str, Field(max_length=MAX_PROMPT, description="HTML, sanitized with nh3 on the way in")
]
Points = Annotated[
    Decimal,
    Field(
        gt=0,
        le=1000,
        decimal_places=2,
        description="Points the question is worth (> 0, ≤ 1000, two decimal places); "
        'send a string such as "2.50" or a number',
    ),
]
Spec = Annotated[
    dict[str, Any],
    Field(description="Type-specific data and answer key (docs/plugins/assessment-questions.md)"),
]


class _NoNulls(BaseModel):
    """Fields may be left out of a PATCH, but only ``media_asset_id`` may be null."""

    @field_validator("*", mode="before")
    @classmethod
    def not_null(cls, value: Any, info) -> Any:
        if value is None and info.field_name != "media_asset_id":
            raise ValueError("may be left out, but not null")
        return value


class QuestionCreate(_NoNulls):
    model_config = ConfigDict(extra="forbid")
    type: QuestionType
    title: Title
    prompt: Prompt = ""
    spec: Spec
    points: Points = Decimal("1.00")
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    difficulty: Difficulty = "medium"
    media_asset_id: uuid.UUID | None = None


class QuestionUpdate(_NoNulls):
    model_config = ConfigDict(extra="forbid")
    type: QuestionType | None = None
    title: Title | None = None
    prompt: Prompt | None = None
    spec: Spec | None = None
    points: Points | None = None
    tags: list[Tag] | None = Field(None, max_length=20)
    difficulty: Difficulty | None = None
    media_asset_id: uuid.UUID | None = None
    status: Literal["active", "archived"] | None = None


class QuestionListQuery(PageQuery):
    tag: Tag | None = None
    difficulty: Difficulty | None = None
    type: QuestionType | None = None
    status: Literal["active", "archived", "all"] = "active"
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None


class QuestionOut(BaseModel):
    id: uuid.UUID
    course_id: uuid.UUID
    type: str
    title: str
    prompt: str
    spec: dict[str, Any] = Field(description="Includes the answer key: editors only")
    points: Decimal
    tags: list[str]
    difficulty: str
    media_asset_id: uuid.UUID | None
    version: int
    status: str
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    url: str
