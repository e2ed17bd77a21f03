"""Pydantic models of the notifications API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from learninghub.api import PageQuery

Channel = Literal["in_app", "email", "push"]
Frequency = Literal["off", "daily", "weekly"]


class NotificationOut(BaseModel):
    id: uuid.UUID
    type: str
    subject: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None
    read: bool


class ListQuery(PageQuery):
    unread: bool = Field(False, description="1: only the unread notifications")

    @field_validator("unread", mode="before")
    @classmethod
    def _flag(cls, value):
        # ?unread=1 / ?unread=0 (true/false accepted too); anything else is refused
        if isinstance(value, str) and value.lower() in ("1", "true"):
            return True
        if isinstance(value, str) and value.lower() in ("0", "false"):
            return False
        if isinstance(value, bool):
            return value
        raise ValueError("use unread=1 or unread=0")


class UnreadCountOut(BaseModel):
    unread: int


class ReadAllOut(BaseModel):
    marked: int


class ChannelChoices(BaseModel):
    in_app: bool
    email: bool
    push: bool


class TypePreferenceOut(BaseModel):
    type: str
    title: str
    category: str
    channels: ChannelChoices
    #: what applies when the user makes no choice (the tenant's default, else the type's)
    defaults: ChannelChoices


class PreferencesOut(BaseModel):
    types: list[TypePreferenceOut]
    digest_frequency: Frequency


class ChoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = Field(min_length=1, max_length=100)
    channel: Channel
    enabled: bool


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    preferences: list[ChoiceIn] = Field(default_factory=list, max_length=300)
    digest_frequency: Frequency | None = None
