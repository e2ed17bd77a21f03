"""Input and output models of the audit API and pages, and the filters they share."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from learninghub.api import PageQuery

from .models import AuditEvent


class EventFilter(BaseModel):
    """Filters of the viewer, the API and the CSV export (all optional, combined
    with AND)."""

    model_config = ConfigDict(extra="forbid")

    actor: str | None = Field(
        None,
        max_length=254,
        description="a user id, or part of the actor's email address (case-insensitive)",
    )
    action: str | None = Field(
        None,
        max_length=200,
        description='an action name, or a prefix ending in "." or "*" (e.g. "accounts.")',
    )
    resource_type: str | None = Field(None, max_length=100)
    resource_id: str | None = Field(None, max_length=200)
    since: datetime | None = Field(None, description="occurred at or after (UTC if no offset)")
    until: datetime | None = Field(None, description="occurred before (UTC if no offset)")

    @field_validator("actor", "action", "resource_type", "resource_id")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        return value or None

    @field_validator("since", "until")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    @model_validator(mode="after")
    def _ordered(self) -> EventFilter:
        if self.since and self.until and self.until <= self.since:
            raise ValueError("until must be later than since")
        return self

    def active(self) -> dict[str, str]:
        """The filters in use, as strings (recorded with exports)."""
        out = {}
        for key, value in self.model_dump(exclude_none=True).items():
            out[key] = value.isoformat() if isinstance(value, datetime) else str(value)
        return out

    def apply(self, stmt: sa.Select) -> sa.Select:
        if self.actor:
            try:
                stmt = stmt.where(AuditEvent.actor_id == uuid.UUID(self.actor))
            except ValueError:
                needle = self.actor.lower().replace("\\", "\\\\")
                needle = needle.replace("%", "\\%").replace("_", "\\_")
                stmt = stmt.where(
                    sa.func.lower(AuditEvent.actor_label).like(f"%{needle}%", escape="\\")
                )
        if self.action:
            if self.action.endswith(("*", ".")):
                prefix = self.action.rstrip("*")
                prefix = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                stmt = stmt.where(AuditEvent.action.like(f"{prefix}%", escape="\\"))
            else:
                stmt = stmt.where(AuditEvent.action == self.action)
        if self.resource_type:
            stmt = stmt.where(AuditEvent.resource_type == self.resource_type)
        if self.resource_id:
            stmt = stmt.where(AuditEvent.resource_id == self.resource_id)
        if self.since:
            stmt = stmt.where(AuditEvent.occurred_at >= self.since)
        if self.until:
            stmt = stmt.where(AuditEvent.occurred_at < self.until)
        return stmt


class EventQuery(EventFilter, PageQuery):
    pass


class AuditEventOut(BaseModel):
    id: uuid.UUID
    seq: int | None = Field(description="position in the tenant's chain; null while pending")
    kind: str = Field(description='"event" or "checkpoint" (a retention summary)')
    occurred_at: datetime
    action: str
    actor_id: uuid.UUID | None
    actor: str = Field(description="the actor's email address when the row was recorded")
    resource_type: str
    resource_id: str
    old_values: Any | None
    new_values: Any | None
    details: dict[str, Any]
    ip: str
    user_agent: str
    request_id: str
    event_id: uuid.UUID | None
    prev_hash: str | None
    hash: str | None


def to_out(row: AuditEvent) -> AuditEventOut:
    return AuditEventOut(
        id=row.id,
        seq=row.seq,
        kind=row.kind,
        occurred_at=row.occurred_at,
        action=row.action,
        actor_id=row.actor_id,
        actor=row.actor_label,
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        old_values=row.old_values,
        new_values=row.new_values,
        details=row.details or {},
        ip=row.ip,
        user_agent=row.user_agent,
        request_id=row.request_id,
        event_id=row.event_id,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


class BrokenLinkOut(BaseModel):
    seq: int
    reason: str
    row_id: str | None


class VerifyOut(BaseModel):
    ok: bool
    checked: int = Field(description="sealed rows checked")
    first_seq: int | None
    last_seq: int | None
    last_hash: str | None = Field(description="hash of the last row: keep it to anchor the chain")
    pending: int = Field(description="rows recorded but not sealed yet (not checked)")
    checkpoints: int
    broken: BrokenLinkOut | None = Field(description="the first broken link, when not ok")
