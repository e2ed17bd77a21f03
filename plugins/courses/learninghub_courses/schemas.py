"""Request and response bodies of the courses API (pydantic v2).

Rules that need the request (the language must be one the instance offers, the
category must exist in the tenant, the slug must be free) are checked by
:mod:`.workflow` and answered as 422 / 409 with the same field paths.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Literal

from babel.numbers import list_currencies
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from learninghub.api import MAX_PAGE

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_TAGS = 20
MAX_TAG_CHARS = 40
DESCRIPTION_MAX_CHARS = 100_000
CURRENCIES = frozenset(list_currencies())

Level = Literal["beginner", "intermediate", "advanced", "all"]
Status = Literal["draft", "in_review", "published", "archived"]
Sort = Literal["relevance", "popular", "newest", "rating", "price", "price_desc"]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Subtitle = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Slug = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
    Field(description="lower-case letters, digits and single hyphens: `intro-to-python`"),
]
Description = Annotated[
    str, Field(max_length=DESCRIPTION_MAX_CHARS, description="HTML, sanitized (nh3) when stored")
]
Language = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=20),
    Field(description="a locale the instance offers (`i18n.locales`), e.g. `en`"),
]
Currency = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, min_length=3, max_length=3),
    Field(description="ISO 4217 code, e.g. `EUR`; ignored when the course is free"),
]


def check_slug(value: str) -> str:
    if not SLUG_RE.match(value):
        raise ValueError("use lower-case letters, digits and single hyphens (e.g. intro-to-python)")
    return value


def check_currency(value: str) -> str:
    if value not in CURRENCIES:
        raise ValueError("not an ISO 4217 currency code")
    return value


def check_tags(value: list[str]) -> list[str]:
    tags: list[str] = []
    for raw in value:
        tag = " ".join(str(raw).split())
        if not tag:
            raise ValueError("tags may not be empty")
        if len(tag) > MAX_TAG_CHARS:
            raise ValueError(f"a tag has at most {MAX_TAG_CHARS} characters")
        if tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} tags")
    return tags


class _CourseFields(BaseModel):
    @field_validator("slug", check_fields=False)
    @classmethod
    def _slug(cls, value):
        return check_slug(value) if value is not None else value

    @field_validator("currency", check_fields=False)
    @classmethod
    def _currency(cls, value):
        return check_currency(value) if value is not None else value

    @field_validator("tags", check_fields=False)
    @classmethod
    def _tags(cls, value):
        return check_tags(value) if value is not None else value


class CourseCreate(_CourseFields):
    model_config = ConfigDict(extra="forbid")

    title: Title
    slug: Slug
    subtitle: Subtitle = ""
    description: Description = ""
    category_id: uuid.UUID | None = None
    tags: list[str] = Field(default_factory=list, max_length=200)
    level: Level = "all"
    language: Language = "en"
    price_minor: int = Field(0, ge=0, le=100_000_000, description="minor units; 0 = free")
    currency: Currency = "EUR"
    thumbnail_asset_id: uuid.UUID | None = None


class CourseUpdate(_CourseFields):
    """Fields to change; absent fields stay as they are (``category_id`` and
    ``thumbnail_asset_id`` may be null to clear them)."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    slug: Slug | None = None
    subtitle: Subtitle | None = None
    description: Description | None = None
    category_id: uuid.UUID | None = None
    tags: list[str] | None = Field(None, max_length=200)
    level: Level | None = None
    language: Language | None = None
    price_minor: int | None = Field(None, ge=0, le=100_000_000)
    currency: Currency | None = None
    thumbnail_asset_id: uuid.UUID | None = None

    @field_validator(
        "title",
        "slug",
        "subtitle",
        "description",
        "tags",
        "level",
        "language",
        "price_minor",
        "currency",
    )
    @classmethod
    def not_null(cls, value):
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class ReturnBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)
    ] = Field(description="what the instructor should change")


class RestoreBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["draft", "published"] = Field(
        "draft",
        description="`draft` (instructors of the course, admins) or `published` (those "
        "who publish without review: admins, or all when the tenant skips review)",
    )


class CategoryRef(BaseModel):
    id: uuid.UUID
    name: str
    slug: str


class PersonOut(BaseModel):
    id: uuid.UUID
    display_name: str


class CourseOut(BaseModel):
    id: uuid.UUID
    slug: str
    title: str
    subtitle: str
    description: str
    category: CategoryRef | None
    tags: list[str]
    level: Level
    language: str
    price_minor: int
    currency: str
    is_free: bool
    thumbnail_asset_id: uuid.UUID | None
    status: Status
    review_comment: str | None = Field(None, description="shown to the course's staff only")
    instructors: list[PersonOut]
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    enrolment_count: int
    rating_average: float
    rating_count: int
    url: str
    html_url: str


class CourseListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(None, max_length=200, description="full-text search")
    category: str | None = Field(
        None, max_length=120, description="category id or slug (its sub-categories included)"
    )
    level: Level | None = None
    language: str | None = Field(None, max_length=20)
    price: Literal["free", "paid"] | None = None
    min_rating: int | None = Field(None, ge=1, le=5, description="rating_average ≥ this")
    sort: Sort | None = Field(None, description="default: relevance with `q`, else newest")
    mine: bool = Field(False, description="only courses the caller teaches, in every status")
    status: Status | None = Field(None, description="admins only (and with `mine`)")
    limit: int = Field(20, ge=1, le=MAX_PAGE)
    cursor: str | None = Field(None, max_length=200)


class FacetValue(BaseModel):
    value: str
    label: str
    count: int


class CourseListOut(BaseModel):
    items: list[CourseOut]
    total: int
    facets: dict[str, list[FacetValue]]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page")


class CategoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    slug: Slug
    parent_id: uuid.UUID | None = None
    position: int = Field(0, ge=0, le=100_000)

    @field_validator("slug")
    @classmethod
    def _slug(cls, value):
        return check_slug(value)


class CategoryUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
        | None
    ) = None
    slug: Slug | None = None
    parent_id: uuid.UUID | None = None
    position: int | None = Field(None, ge=0, le=100_000)

    @field_validator("name", "slug", "position")
    @classmethod
    def not_null(cls, value):
        if value is None:
            raise ValueError("may be left out, but not null")
        return value

    @field_validator("slug")
    @classmethod
    def _slug(cls, value):
        return check_slug(value)


class CategoryOut(BaseModel):
    id: uuid.UUID
    name: str
    slug: str
    parent_id: uuid.UUID | None
    position: int
    depth: int
    url: str


class StaffAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID | None = None
    email: str | None = Field(None, max_length=254)
    role: Literal["instructor", "teaching_assistant"]

    @field_validator("email")
    @classmethod
    def _email(cls, value):
        if value is not None and "@" not in value:
            raise ValueError("not an email address")
        return value

    @model_validator(mode="after")
    def _one_of(self):
        if (self.user_id is None) == (self.email is None):
            raise ValueError("give user_id or email")
        return self


class StaffMember(BaseModel):
    user_id: uuid.UUID
    display_name: str
    email: str
    roles: list[Literal["instructor", "teaching_assistant"]]
