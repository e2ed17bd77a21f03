"""``GET /api/v1/media/usage``: the tenant's limits and how much of the quota is used,
so that a client can check a file before sending it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from learninghub.api import api_view

from . import ingest, services
from .permissions import MediaPermission as P


class UsageOut(BaseModel):
    used_bytes: int = Field(description="Stored assets plus unfinished uploads")
    quota_bytes: int
    free_bytes: int
    max_upload_bytes: int
    allowed_types: list[str] = Field(description="Sniffed content types accepted")


@api_view(
    "media.usage",
    "/api/v1/media/usage",
    "GET",
    response=UsageOut,
    permission=P.UPLOAD,
    summary="The tenant's media limits and storage use",
)
def media_usage(request) -> UsageOut:
    settings = request.plugin_settings(services.PLUGIN)
    used = ingest.quota_used(request.db)
    return UsageOut(
        used_bytes=used,
        quota_bytes=settings.quota_bytes,
        free_bytes=max(settings.quota_bytes - used, 0),
        max_upload_bytes=settings.max_upload_bytes,
        allowed_types=sorted(settings.allowed_types),
    )
