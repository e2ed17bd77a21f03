"""Input and output models of the downloads and bookmarks API."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from learninghub.api import PageQuery

from ..playback.access import parse_scope
from .services import NOTE_MAX

DownloadStatus = Literal["none", "queued", "processing", "ready", "failed"]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _scope(value: str) -> str:
    canonical = parse_scope(value)
    if canonical is None:
        raise ValueError("scope must be a lesson id or 'manage'")
    return canonical


def _note(value: str | None) -> str | None:
    if value is None:
        return None
    if _CONTROL.search(value):
        raise ValueError("the note holds control characters")
    return value


ScopeText = Annotated[str, StringConstraints(max_length=64), AfterValidator(_scope)]
Position = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Note = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=NOTE_MAX), AfterValidator(_note)
]


class OfflineSwitch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allowed: StrictBool = Field(..., description="May enrolled learners download the media?")


class OfflineQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: ScopeText | None = Field(
        None,
        description="A lesson id (or 'manage'): answer a signed link for the caller. "
        "Without it: the editors' view of the switch and the count of downloads.",
    )


class OfflineState(BaseModel):
    """What editors see of a stream's offline download."""

    stream_id: uuid.UUID
    allowed: bool
    status: DownloadStatus
    filename: str | None = Field(None, description="The file's name once it is made")
    size: int = Field(0, description="Bytes of the file once it is made")
    error: str = Field("", description="ffmpeg's last lines when the preparation failed")
    downloads: int = Field(0, description="Fetches of the file (range continuations not counted)")
    downloaders: int = Field(0, description="Distinct users who downloaded it")


class OfflineLink(BaseModel):
    """A signed link to the file, for the caller only, valid until ``expires_at``."""

    url: str
    filename: str
    size: int
    content_type: str
    expires_at: int = Field(..., description="Unix time after which the link answers 403")


class BookmarkQuery(PageQuery):
    scope: ScopeText


class BookmarkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: ScopeText
    position_s: Position
    note: Note = ""


class BookmarkUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    position_s: Position | None = None
    note: Note | None = None


class BookmarkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    stream_id: uuid.UUID
    lesson_id: uuid.UUID | None
    position_s: float
    note: str
    created_at: datetime
    updated_at: datetime
