"""Request and response bodies of the content API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from .settings import BODY_CHARS_CEILING

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Slug = Annotated[
    str, StringConstraints(min_length=1, max_length=120, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
]
TypeKey = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")]
Body = Annotated[
    str,
    Field(
        max_length=BODY_CHARS_CEILING,
        description="Text lessons: HTML (sanitized with nh3) or Markdown (see `format`)",
    ),
]
EmbedUrl = Annotated[
    str,
    Field(
        max_length=500,
        description="Embed lessons: a YouTube or Vimeo link, or an https URL on a host of "
        "the tenant's `embed_hosts` setting; stored in the provider's embed form",
    ),
]
Duration = Annotated[int, Field(ge=0, le=1_000_000, description="Seconds")]


class _NotNull(BaseModel):
    @field_validator("*", mode="before")
    @classmethod
    def not_null(cls, value: Any, info) -> Any:
        if value is None and info.field_name not in cls.__nullable__:
            raise ValueError("may be left out, but not null")
        return value

    __nullable__: frozenset[str] = frozenset()


class SectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title


class SectionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title


class SectionOut(BaseModel):
    id: uuid.UUID
    course_id: uuid.UUID
    title: str
    position: int


class LessonContent(BaseModel):
    body: Body | None = None
    format: Literal["html", "markdown"] = Field(
        "html", description="How `body` is written; Markdown is rendered, then sanitized"
    )
    media_asset_id: uuid.UUID | None = Field(
        None, description="Video, audio and file lessons: a media asset"
    )
    embed_url: EmbedUrl | None = None
    data: dict[str, Any] | None = Field(
        None, description="Lesson types of other plugins: their own settings"
    )


class LessonCreate(LessonContent):
    model_config = ConfigDict(extra="forbid")

    section_id: uuid.UUID
    title: Title
    type: TypeKey = Field("text", description="text, video, audio, file, embed or a plugin's type")
    slug: Slug | None = Field(None, description="Unique in the course; made from the title")
    is_free_preview: bool = False
    duration_s: Duration | None = None
    publish: bool = Field(False, description="Publish the first version at once")


class LessonUpdate(_NotNull):
    """Fields to change; absent fields stay. Content fields (and `type`) add a new
    draft version; learners keep seeing the published one until the next publish."""

    model_config = ConfigDict(extra="forbid")
    __nullable__ = frozenset({"duration_s"})

    section_id: uuid.UUID | None = None
    title: Title | None = None
    slug: Slug | None = None
    type: TypeKey | None = None
    is_free_preview: bool | None = None
    duration_s: Duration | None = None
    body: Body | None = None
    format: Literal["html", "markdown"] | None = None
    media_asset_id: uuid.UUID | None = None
    embed_url: EmbedUrl | None = None
    data: dict[str, Any] | None = None


class VersionOut(BaseModel):
    id: uuid.UUID
    number: int
    body: str = Field(description="Sanitized HTML")
    markdown: str | None = Field(None, description="The Markdown source, when written so")
    media_asset_id: uuid.UUID | None
    embed_url: str
    data: dict[str, Any]
    created_by: uuid.UUID | None
    created_at: datetime


class LessonOut(BaseModel):
    id: uuid.UUID
    course_id: uuid.UUID
    section_id: uuid.UUID
    title: str
    slug: str
    type: str
    position: int
    is_free_preview: bool
    status: Literal["draft", "published"]
    published_version_id: uuid.UUID | None
    duration_s: int | None
    updated_at: datetime
    url: str = Field(description="This lesson in the API")
    html_url: str = Field(description="The lesson player page")
    published: VersionOut | None = Field(
        None, description="The published content (when the caller may see it)"
    )
    draft: VersionOut | None = Field(
        None, description="The newest version, staff only (may equal the published one)"
    )


class CurriculumSectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: uuid.UUID
    lesson_ids: list[uuid.UUID] = Field(default_factory=list, max_length=1000)


class CurriculumIn(BaseModel):
    """The complete ordered tree: every section of the course once, every lesson once."""

    model_config = ConfigDict(extra="forbid")
    sections: list[CurriculumSectionIn] = Field(max_length=500)


class CurriculumLessonOut(BaseModel):
    id: uuid.UUID
    title: str
    slug: str
    type: str
    status: str
    is_free_preview: bool
    duration_s: int | None


class CurriculumSectionOut(BaseModel):
    id: uuid.UUID
    title: str
    position: int
    lessons: list[CurriculumLessonOut]


class CurriculumOut(BaseModel):
    course_id: uuid.UUID
    sections: list[CurriculumSectionOut]
