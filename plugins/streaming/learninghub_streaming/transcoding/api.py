"""JSON API of the transcoding part (docs/design/streaming-contracts.md).

* ``POST /api/v1/media/{asset_id}/stream`` — create and queue the asset's stream (201),
  or answer the existing one (200; a failed one is queued again);
* ``GET /api/v1/streams/{id}`` — the stream's processing state (polled while it runs);
* ``POST /api/v1/streams/{id}/retry`` — queue a failed (or abandoned) stream again.

Allowed: the asset's uploader, the editors of a course using it, and
``streaming:stream:manage``. Unknown, malformed, other tenants' and not-allowed ids all
answer 404.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from learninghub.api import ProblemError, api_view

from . import services
from .models import Stream


class RenditionOut(BaseModel):
    name: str
    width: int
    height: int
    bandwidth: int
    playlist: str


class StreamOut(BaseModel):
    id: uuid.UUID
    asset_id: uuid.UUID
    status: Literal["queued", "processing", "ready", "failed"]
    progress_percent: int
    error: str
    attempts: int
    duration_s: float | None
    source_width: int | None
    source_height: int | None
    has_video: bool
    has_audio: bool
    segment_s: int
    renditions: list[RenditionOut]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime


def to_out(stream: Stream) -> StreamOut:
    return StreamOut(
        id=stream.id,
        asset_id=stream.asset_id,
        status=stream.status,
        progress_percent=stream.progress_percent,
        error=stream.error,
        attempts=stream.attempts,
        duration_s=stream.duration_s,
        source_width=stream.source_width,
        source_height=stream.source_height,
        has_video=stream.has_video,
        has_audio=stream.has_audio,
        segment_s=stream.segment_s,
        renditions=[RenditionOut(**r) for r in stream.renditions or []],
        created_at=stream.created_at,
        started_at=stream.started_at,
        finished_at=stream.finished_at,
        updated_at=stream.updated_at,
    )


def _location(request, stream: Stream) -> None:
    request.response.location = request.route_url("streaming.api.stream", id=str(stream.id))


@api_view(
    "streaming.api.create",
    "/api/v1/media/{asset_id}/stream",
    "POST",
    response=StreamOut,
    status=201,
    authenticated=True,
    summary="Transcode a video or audio asset for streaming (or answer its stream)",
    tags=["streaming"],
)
def create_stream(request):
    asset = services.manageable_asset(request, request.matchdict["asset_id"])
    if not services.is_streamable(asset):
        raise ProblemError(
            422,
            "Unprocessable",
            "only video and audio assets can be streamed",
            errors=[
                {
                    "path": ["asset_id"],
                    "message": f"the asset is a {asset.content_type}, not video or audio",
                    "type": "not_streamable",
                }
            ],
        )
    if not asset.is_ready:
        raise ProblemError(409, "Conflict", f"the asset is {asset.status}, not ready")
    existing = services.stream_of_asset(request.db, asset.id)
    stream, _ = services.ensure_stream(request, asset, requeue_failed=True)
    _location(request, stream)
    if existing is not None:
        request.response.status_int = 200
    return to_out(stream)


@api_view(
    "streaming.api.stream",
    "/api/v1/streams/{id}",
    "GET",
    response=StreamOut,
    authenticated=True,
    summary="A stream's processing state and renditions",
    tags=["streaming"],
)
def get_stream(request):
    return to_out(services.manageable_stream(request, request.matchdict["id"]))


@api_view(
    "streaming.api.retry",
    "/api/v1/streams/{id}/retry",
    "POST",
    response=StreamOut,
    status=202,
    authenticated=True,
    summary="Queue a failed stream (or one whose worker was lost) for another transcode",
    tags=["streaming"],
)
def retry_stream(request):
    stream = services.manageable_stream(request, request.matchdict["id"])
    if not (stream.status == "failed" or services.is_stale(stream)):
        raise ProblemError(
            409, "Conflict", f"the stream is {stream.status}: only a failed one is retried"
        )
    services.queue(request, stream)
    return to_out(stream)
