"""``GET /api/v1/gamification/leaderboards?period=&course_id=&cursor=&limit=``
(docs/plugins/gamification-leaderboards.md)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from learninghub.api import ProblemError, api_view, decode_cursor, encode_cursor

from . import services
from .access import VIEW, api_course

LEADERBOARDS = "/api/v1/gamification/leaderboards"
#: the deepest place a cursor may point to
MAX_OFFSET = 100_000


class LeaderboardQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: Literal["week", "month", "all"] = Field(
        "week", description="week (ISO week), month, or all time; in the tenant's time zone"
    )
    course_id: uuid.UUID | None = Field(None, description="A course's board (else the tenant's)")
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(20, ge=1, le=100)


class PlaceOut(BaseModel):
    rank: int = Field(description='Standard competition rank ("1224")')
    points: int
    user_id: uuid.UUID
    name: str
    is_me: bool


class MyPlaceOut(BaseModel):
    rank: int
    points: int


class LeaderboardOut(BaseModel):
    period: str
    course_id: uuid.UUID | None
    items: list[PlaceOut]
    me: MyPlaceOut | None = Field(
        description="Your place; null when you have no points in the period or are hidden"
    )
    next_cursor: str | None = None


def offset_of(cursor: str | None) -> int:
    if cursor is None:
        return 0
    (offset,) = decode_cursor(cursor, [int])
    if not 0 <= offset <= MAX_OFFSET:
        raise ProblemError(
            400,
            "Invalid cursor",
            "the cursor is malformed or expired",
            errors=[
                {"path": ["query", "cursor"], "message": "invalid cursor", "type": "value_error"}
            ],
        )
    return offset


@api_view(
    "gamification.leaderboards",
    LEADERBOARDS,
    "GET",
    query=LeaderboardQuery,
    response=LeaderboardOut,
    permission=VIEW,
    summary="A leaderboard (tenant-wide or a course's; week, month or all time), a page at a time",
)
def get_leaderboard(request, query: LeaderboardQuery):
    api_course(request, query.course_id)
    offset = offset_of(query.cursor)
    board = services.standings(request, query.period, query.course_id, query.limit, offset)
    return LeaderboardOut(
        period=query.period,
        course_id=query.course_id,
        items=[
            PlaceOut(rank=r.rank, points=r.points, user_id=r.user_id, name=r.name, is_me=r.is_me)
            for r in board.rows
        ],
        me=MyPlaceOut(rank=board.me.rank, points=board.me.points) if board.me else None,
        next_cursor=encode_cursor([offset + query.limit]) if board.has_more else None,
    )
