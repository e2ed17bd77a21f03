"""Per-tenant settings of the gamification plugin (docs/plugins/gamification.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: points per rule when the tenant has no row in ``gamification_rules`` for it
DEFAULT_POINTS: dict[str, int] = {
    "lesson_completed": 10,
    "quiz_passed": 50,
    "perfect_score": 25,
    "course_completed": 100,
    "review_posted": 5,
    "daily_streak": 5,
}


class GamificationSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level_thresholds: list[int] = Field(
        [0, 100, 300, 600, 1000, 1500, 2500, 4000, 6000, 10000],
        min_length=1,
        max_length=100,
        description="Total points needed for each level, from level 1 (always 0), "
        "strictly increasing: [0, 100, 300] means level 2 at 100 points, level 3 at 300.",
    )
    lesson_completed_points: int = Field(
        DEFAULT_POINTS["lesson_completed"],
        ge=0,
        le=100000,
        description="Default points for a completed lesson (an admin's rule overrides it).",
    )
    quiz_passed_points: int = Field(
        DEFAULT_POINTS["quiz_passed"],
        ge=0,
        le=100000,
        description="Default points for a passed quiz.",
    )
    perfect_score_points: int = Field(
        DEFAULT_POINTS["perfect_score"],
        ge=0,
        le=100000,
        description="Default extra points for a quiz with the maximum score.",
    )
    course_completed_points: int = Field(
        DEFAULT_POINTS["course_completed"],
        ge=0,
        le=100000,
        description="Default points for a completed course.",
    )
    review_posted_points: int = Field(
        DEFAULT_POINTS["review_posted"],
        ge=0,
        le=100000,
        description="Default points for a course review.",
    )
    daily_streak_points: int = Field(
        DEFAULT_POINTS["daily_streak"],
        ge=0,
        le=100000,
        description="Default points for the first activity of a day that continues a streak.",
    )
    leaderboard_backend: Literal["sql", "redis"] = Field(
        "sql",
        description="Where leaderboards are computed: 'sql' (from the points ledger, "
        "embedded default) or 'redis' (sorted sets, for large sites).",
        json_schema_extra={"instance_only": True},
    )

    @field_validator("level_thresholds")
    @classmethod
    def _increasing(cls, value: list[int]) -> list[int]:
        if value[0] != 0:
            raise ValueError("the first threshold (level 1) must be 0")
        if any(b <= a for a, b in zip(value, value[1:], strict=False)):
            raise ValueError("thresholds must be strictly increasing")
        if value[-1] > 100_000_000:
            raise ValueError("thresholds must be at most 100000000")
        return value

    def default_points(self, rule: str) -> int:
        return int(getattr(self, f"{rule}_points"))
