"""Request and response bodies of the announcements API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from learninghub.api import PageQuery

from .settings import BODY_CHARS_CEILING

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Body = Annotated[
    str,
    Field(max_length=BODY_CHARS_CEILING, description="HTML; sanitized (nh3) before it is stored"),
]
Status = Literal["draft", "published", "archived"]


class AnnouncementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    body: Body = ""
    publish: bool = Field(
        False,
        description="Publish at once (needs the publish permission); otherwise a draft is created",
    )


class AnnouncementUpdate(BaseModel):
    """Fields to change; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    body: Body | None = None

    @field_validator("title", "body")
    @classmethod
    def not_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class AnnouncementListQuery(PageQuery):
    status: Status | None = Field(
        None,
        description="Filter by status; other than `published` needs the manage "
        "permission unless `mine` is set",
    )
    mine: bool = Field(
        False, description="Only announcements written by the caller, in every status"
    )


class AnnouncementOut(BaseModel):
    id: uuid.UUID
    title: str
    body: str = Field(description="Sanitized HTML")
    status: Status
    author_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    emailed_at: datetime | None
    url: str = Field(description="This resource in the API")
    html_url: str = Field(description="The page showing the announcement")
