"""Input and output models of the gamification API and forms."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from learninghub.api import PageQuery

from .badges import BUILTIN_IMAGES
from .models import RULE_KEYS

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, StringConstraints(min_length=2, max_length=60, pattern=SLUG_PATTERN)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]
Count = Annotated[int, Field(ge=1, le=100000)]

RuleKey = Literal[RULE_KEYS]  # type: ignore[valid-type]
#: ``builtin:<name>`` (an SVG shipped with the plugin) or ``media:<asset id>`` (a PNG or
#: SVG of the media library)
ImageName = Annotated[
    str,
    StringConstraints(
        pattern=r"^(builtin:("
        + "|".join(BUILTIN_IMAGES)
        + r")|media:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
    ),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LessonCriteria(_Strict):
    kind: Literal["lesson_completions"]
    count: Count


class CourseCriteria(_Strict):
    kind: Literal["course_completions"]
    count: Count


class PerfectCriteria(_Strict):
    kind: Literal["perfect_scores"]
    count: Count


class StreakCriteria(_Strict):
    kind: Literal["streak"]
    days: Annotated[int, Field(ge=1, le=3650)]


class PointsCriteria(_Strict):
    kind: Literal["points"]
    total: Annotated[int, Field(ge=1, le=100_000_000)]


class ManualCriteria(_Strict):
    kind: Literal["manual"]


Criteria = Annotated[
    LessonCriteria
    | CourseCriteria
    | PerfectCriteria
    | StreakCriteria
    | PointsCriteria
    | ManualCriteria,
    Field(discriminator="kind"),
]


class BadgeIn(_Strict):
    slug: Slug
    name: Name
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    image: ImageName = "builtin:star"
    criteria: Criteria
    active: bool = True


class BadgePatch(_Strict):
    name: Name | None = None
    description: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None
    ) = None
    image: ImageName | None = None
    criteria: Criteria | None = None
    active: bool | None = None


class BadgeOut(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    description: str
    image: str
    image_url: str
    criteria: dict
    active: bool
    created_at: datetime
    url: str
    badge_class_url: str


class BadgeListQuery(PageQuery):
    active: bool | None = None


class AwardIn(_Strict):
    """A manual award: the badge by id or slug, the learner by id."""

    badge_id: uuid.UUID | None = None
    badge_slug: Slug | None = None
    user_id: uuid.UUID
    reason: Reason

    @model_validator(mode="after")
    def _one_badge(self):
        if (self.badge_id is None) == (self.badge_slug is None):
            raise ValueError("give exactly one of badge_id and badge_slug")
        return self


class RevokeIn(_Strict):
    reason: Reason


class AwardOut(BaseModel):
    id: uuid.UUID
    badge_id: uuid.UUID
    badge_slug: str
    badge_name: str
    user_id: uuid.UUID
    awarded_at: datetime
    awarded_by: uuid.UUID | None
    reason: str
    revoked_at: datetime | None
    revocation_reason: str
    image_url: str
    assertion_url: str


class RuleIn(_Strict):
    points: Annotated[int, Field(ge=0, le=100000)]
    enabled: bool = True


class RuleOut(BaseModel):
    rule: str
    points: int
    enabled: bool
    customised: bool


class LevelOut(BaseModel):
    number: int
    floor: int
    next_at: int | None
    progress_percent: int


class StreakOut(BaseModel):
    current: int
    longest: int
    last_active_day: date | None


class MeOut(BaseModel):
    user_id: uuid.UUID
    points: int
    level: LevelOut
    streak: StreakOut
    badge_count: int
    hide_from_leaderboards: bool
    awards_url: str


class PrivacyIn(_Strict):
    hide_from_leaderboards: bool


class PrivacyOut(BaseModel):
    hide_from_leaderboards: bool
