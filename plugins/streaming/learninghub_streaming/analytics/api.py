"""JSON API of the analytics part (docs/plugins/streaming-analytics.md#api).

* ``POST /api/v1/streams/{id}/heartbeats`` — whoever may watch the stream in the
  body's scope (:func:`learninghub_streaming.playback.access.resolve`); 404 for
  everyone else, 409 when the stream is not ready or the view id is someone else's;
* ``GET /api/v1/streams/{id}/analytics`` — the stream's figures, for those who may
  manage it (404 for everyone else).
"""

from __future__ import annotations

import uuid

from pydantic import UUID4, BaseModel, ConfigDict, Field, FiniteFloat, field_validator

from learninghub.api import ProblemError, api_view

from ..playback import access
from ..transcoding.services import get_stream, manageable_stream, not_found
from . import services

TAGS = ["streaming"]


class HeartbeatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    view_id: UUID4 = Field(..., description="A UUID4 the page made when it loaded the player")
    scope: str = Field(..., max_length=36, description="The lesson id, or 'manage'")
    position_s: float = Field(
        ..., ge=0, allow_inf_nan=False, description="The playback position, in seconds"
    )
    ranges: list[tuple[FiniteFloat, FiniteFloat]] = Field(
        default_factory=list,
        max_length=services.MAX_RANGES,
        description="The spans [start_s, end_s] played since the previous beat",
    )

    @field_validator("scope")
    @classmethod
    def _scope(cls, value: str) -> str:
        parsed = access.parse_scope(value)
        if parsed is None:
            raise ValueError("must be a lesson id or 'manage'")
        return parsed


class HeartbeatOut(BaseModel):
    position_s: float
    watched_percent: int = Field(
        ..., description="Share of the media (percent) covered by your views in this scope"
    )
    lesson_completed: bool


class CurvePointOut(BaseModel):
    at_percent: int = Field(..., description="Point of the media: 5k % of its duration")
    bucket: int = Field(..., description="The 1 %-bucket read: min(5k, 99)")
    views: int = Field(..., description="Views whose coverage holds the bucket")
    share: float = Field(..., description="views / all views (0 … 1)")


class AnalyticsOut(BaseModel):
    stream_id: uuid.UUID
    duration_s: float | None
    views: int
    unique_viewers: int
    total_watch_s: float
    average_watch_s: float
    completed_views: int
    completion_rate: float = Field(..., description="completed views / views (0 … 1)")
    complete_percent: int
    curve: list[CurvePointOut]


def analytics_out(stream, stats: services.Stats) -> AnalyticsOut:
    return AnalyticsOut(
        stream_id=stream.id,
        duration_s=stream.duration_s,
        views=stats.views,
        unique_viewers=stats.unique_viewers,
        total_watch_s=stats.total_watch_s,
        average_watch_s=stats.average_watch_s,
        completed_views=stats.completed_views,
        completion_rate=stats.completion_rate,
        complete_percent=stats.complete_percent,
        curve=[CurvePointOut(**p.__dict__) for p in stats.curve],
    )


def beat(request, stream_id, body: HeartbeatIn) -> HeartbeatOut:
    """A heartbeat from any transport (the API, the player's page route)."""
    stream = get_stream(request.db, stream_id)
    scope = access.resolve(request, stream, body.scope) if stream is not None else None
    if scope is None:
        raise not_found()
    if stream.status != "ready" or not stream.duration_s:
        raise ProblemError(409, "Conflict", f"the stream is {stream.status}, not ready")
    result = services.record_heartbeat(
        request, stream, scope, body.view_id, body.position_s, body.ranges
    )
    return HeartbeatOut(**result.__dict__)


@api_view(
    "streaming.api.heartbeats",
    "/api/v1/streams/{id}/heartbeats",
    "POST",
    body=HeartbeatIn,
    response=HeartbeatOut,
    authenticated=True,
    tags=TAGS,
    summary="Report the position and the spans played since the previous beat",
)
def post_heartbeat(request, body: HeartbeatIn):
    return beat(request, request.matchdict["id"], body)


@api_view(
    "streaming.api.analytics",
    "/api/v1/streams/{id}/analytics",
    "GET",
    response=AnalyticsOut,
    authenticated=True,
    tags=TAGS,
    summary="A stream's views, watch time, completion rate and drop-off curve (editors)",
)
def get_analytics(request):
    stream = manageable_stream(request, request.matchdict["id"])
    return analytics_out(stream, services.stats_for(request, stream))
