"""Input and output models of the captions API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from . import services, vtt

Kind = Literal["subtitles", "captions"]
Format = Literal["vtt", "srt"]


def _language(value: str | None) -> str | None:
    if value is None:
        return None
    return services.normalize_language(value)


def _label(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    if not value:
        return None
    return value


class CaptionMeta(BaseModel):
    """What describes a track (also the fields of a multipart upload)."""

    model_config = ConfigDict(extra="forbid")

    language: str = Field(..., max_length=35, description="BCP 47 tag: en, pt-BR, zh-Hant")
    kind: Kind = "subtitles"
    label: str | None = Field(
        None, max_length=100, description="Shown in the player's menu (default: the language)"
    )
    format: Format | None = Field(None, description="vtt or srt (default: from the first line)")

    _check_language = field_validator("language")(_language)
    _check_label = field_validator("label")(_label)


class CaptionCreate(CaptionMeta):
    text: str = Field(..., min_length=1, max_length=vtt.MAX_BYTES, description="WebVTT or SRT")


class CaptionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: str | None = Field(None, max_length=35)
    kind: Kind | None = None
    label: str | None = Field(None, max_length=100)
    format: Format | None = None
    text: str | None = Field(None, min_length=1, max_length=vtt.MAX_BYTES)

    _check_language = field_validator("language")(_language)
    _check_label = field_validator("label")(_label)


class CaptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    asset_id: uuid.UUID
    language: str
    label: str
    kind: Kind
    created_by: uuid.UUID | None
    updated_at: datetime
    cue_count: int = 0
    vtt_url: str = ""


class CaptionDetail(CaptionOut):
    vtt: str
