"""Request and response bodies of the webhooks API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from learninghub.api import PageQuery

Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    Field(description="http(s) URL on a public address; redirects are not followed"),
]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
EventName = Annotated[str, StringConstraints(min_length=1, max_length=120)]
EventTypes = Annotated[
    list[EventName],
    Field(min_length=1, max_length=200, description="Names from GET /api/v1/webhooks/event-types"),
]
DeliveryStatus = Literal["pending", "delivered", "failed", "cancelled"]


class EndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Url
    event_types: EventTypes
    description: Description = ""
    enabled: bool = True


class EndpointUpdate(BaseModel):
    """Fields to change; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    url: Url | None = None
    event_types: EventTypes | None = None
    description: Description | None = None
    enabled: bool | None = Field(
        None, description="false disables (pending deliveries are cancelled); true re-enables"
    )

    @field_validator("url", "event_types", "description", "enabled")
    @classmethod
    def not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class EndpointOut(BaseModel):
    id: uuid.UUID
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str = Field(description='"" while enabled, else "manual" or "failures"')
    disabled_at: datetime | None
    consecutive_failures: int
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime
    api_url: str = Field(description="This resource in the API")
    deliveries_url: str
    html_url: str = Field(description="The admin page of the endpoint")


class EndpointWithSecret(EndpointOut):
    secret: str = Field(
        description="The signing secret (whsec_...): shown in this answer only, never again"
    )


class SecretOut(BaseModel):
    secret: str = Field(description="The new signing secret: shown in this answer only")


class AttemptOut(BaseModel):
    number: int
    attempted_at: datetime
    duration_ms: int
    url: str
    address: str = Field(description="The IP address connected to")
    request_headers: dict[str, str]
    status_code: int | None
    response_headers: dict[str, str]
    response_excerpt: str = Field(description="The first 2 KiB of the answer")
    error: str
    succeeded: bool


class DeliveryOut(BaseModel):
    id: uuid.UUID
    endpoint_id: uuid.UUID
    message_id: uuid.UUID = Field(description="Sent as webhook-id (same for replays)")
    event_type: str
    status: DeliveryStatus
    is_test: bool
    replay_of: uuid.UUID | None
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    last_status_code: int | None
    last_error: str
    request_body: str = Field(description="The JSON body sent (first 2 KiB)")
    attempt_log: list[AttemptOut]


class DeliveryQuery(PageQuery):
    status: DeliveryStatus | None = None


class EventTypeOut(BaseModel):
    name: str
    description: str
