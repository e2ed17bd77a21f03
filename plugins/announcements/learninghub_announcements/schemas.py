"""Request and response bodies of the announcements API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from learninghub.api import PageQuery

from .scopes import SCOPE_ID_MAX, SCOPE_TYPE_PATTERN
from .settings import BODY_CHARS_CEILING

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Body = Annotated[
    str,
    Field(max_length=BODY_CHARS_CEILING, description="HTML; sanitized (nh3) before it is stored"),
]
Status = Literal["draft", "published", "archived"]
ScopeType = Annotated[
    str,
    Field(
        pattern=SCOPE_TYPE_PATTERN,
        description="Kind of scope, such as `course`; absent or null: tenant-wide",
    ),
]
ScopeId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=SCOPE_ID_MAX),
    Field(description="The scope's id, such as a course's UUID"),
]


class AnnouncementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    body: Body = ""
    publish: bool = Field(
        False,
        description="Publish at once (needs the publish permission, or posting in the "
        "scope); otherwise a draft is created",
    )
    scope_type: ScopeType | None = None
    scope_id: ScopeId | None = None

    @model_validator(mode="after")
    def scope_pair(self):
        if (self.scope_type is None) != (self.scope_id is None):
            raise ValueError("scope_type and scope_id go together")
        return self


class ScopedAnnouncementCreate(BaseModel):
    """An announcement of a scope given by the URL (a course)."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    body: Body = ""
    publish: bool = Field(False, description="Publish at once; otherwise a draft is created")


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


class ScopedListQuery(PageQuery):
    status: Status | None = Field(
        None,
        description="Filter by status; other than `published` needs the manage "
        "permission, or posting in the scope, unless `mine` is set",
    )
    mine: bool = Field(
        False, description="Only announcements written by the caller, in every status"
    )


class AnnouncementListQuery(ScopedListQuery):
    scope_type: ScopeType | None = Field(
        None,
        description="Only announcements of this kind of scope (alone: of every scope "
        "of that kind the caller reads)",
    )
    scope_id: ScopeId | None = Field(
        None, description="With `scope_type`: only the announcements of that scope"
    )

    @model_validator(mode="after")
    def id_needs_type(self):
        if self.scope_id is not None and self.scope_type is None:
            raise ValueError("scope_id needs scope_type")
        return self


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
    scope_type: str | None = Field(description="null: tenant-wide")
    scope_id: str | None
    url: str = Field(description="This resource in the API")
    html_url: str = Field(description="The page showing the announcement")
