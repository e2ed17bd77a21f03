"""Pydantic models of the media API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from learninghub.api import PageQuery


class AssetOut(BaseModel):
    id: uuid.UUID
    owner_id: uuid.UUID | None
    filename: str
    content_type: str = Field(description="Sniffed from the bytes")
    kind: Literal["image", "audio", "video", "document"]
    size: int
    sha256: str
    status: Literal["uploading", "ready", "rejected", "quarantined"]
    status_reason: str
    width: int | None
    height: int | None
    duration_s: int | None
    created_at: datetime
    url: str = Field(description="This resource (API)")
    file_url: str | None = Field(
        None, description="Signed, short-lived URL of the bytes (ready only; with links=true)"
    )
    thumbnail_url: str | None = Field(
        None, description="Signed URL of the thumbnail, when there is one (with links=true)"
    )
    poster_url: str | None = Field(
        None,
        description="Signed URL of a video's poster frame, when there is one (with links=true)",
    )
    expires_in: int | None = Field(
        None, description="Seconds the signed URLs stay valid at least (with links=true)"
    )


class AssetQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    links: bool = Field(
        False, description="Add signed URLs of the bytes and thumbnail, for the caller only"
    )


class AssetListQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")
    links: bool = Field(False, description="Add signed URLs to every item")
    all: bool = Field(False, description="Every asset of the tenant (needs media:asset:manage)")


class UploadOut(BaseModel):
    id: uuid.UUID
    filename: str
    upload_length: int
    upload_offset: int
    asset_id: uuid.UUID | None
    expires_at: datetime
    url: str
