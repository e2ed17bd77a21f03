"""Tables of the webhooks plugin (prefix ``webhooks_``).

* :class:`Endpoint` — a URL a tenant admin registered, its signing secret and the
  event types it wants.
* :class:`Delivery` — one message for one endpoint (the outbox row): written in the
  transaction of the change that emitted the event, sent after commit, retried until
  delivered or given up.
* :class:`Attempt` — one HTTP request of a delivery, with excerpts of the request and
  the answer (the delivery log).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, new_id, utcnow

DELIVERY_STATUSES = ("pending", "delivered", "failed", "cancelled")


class Endpoint(TenantScoped, Base):
    """A receiver of webhooks.

    ``secret`` is the Standard Webhooks signing secret (``whsec_<base64>``), shown
    once when created or rotated and never returned again; it is stored sealed by
    the kernel's secret box (:mod:`.secretstore`).
    ``consecutive_failures`` and ``failing_since`` count failed attempts since the
    last success; they decide automatic disabling."""

    __tablename__ = "webhooks_endpoints"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    url: Mapped[str] = mapped_column(sa.String(2000))
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    secret: Mapped[str] = mapped_column(sa.Text)
    event_types: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    enabled: Mapped[bool] = mapped_column(default=True)
    #: "" while enabled; "manual" or "failures" once disabled
    disabled_reason: Mapped[str] = mapped_column(sa.String(20), default="")
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    failing_since: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def wants(self, event_type: str) -> bool:
        return event_type in (self.event_types or [])


class Delivery(TenantScoped, Base):
    """One message to one endpoint.

    ``message_id`` is sent as ``webhook-id``: the domain event's id, the same for
    every attempt and for replays, so that receivers can drop duplicates. ``body``
    is the exact JSON sent (fixed when the event happened). ``next_attempt_at`` is
    set while ``status`` is ``pending`` and says when the dispatcher may try again."""

    __tablename__ = "webhooks_deliveries"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed', 'cancelled')", name="status"
        ),
        sa.Index("ix_webhooks_deliveries_due", "status", "next_attempt_at"),
        sa.Index("ix_webhooks_deliveries_endpoint_created", "endpoint_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("webhooks_endpoints.id", ondelete="CASCADE")
    )
    message_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    event_type: Mapped[str] = mapped_column(sa.String(120))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    is_test: Mapped[bool] = mapped_column(default=False)
    replay_of: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    last_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    last_status_code: Mapped[int | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")


class Attempt(TenantScoped, Base):
    """One HTTP request of a delivery (or one refusal before any request was made)."""

    __tablename__ = "webhooks_attempts"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    delivery_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("webhooks_deliveries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column()
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    duration_ms: Mapped[int] = mapped_column(default=0)
    url: Mapped[str] = mapped_column(sa.String(2000))
    #: the address actually connected to ("" when refused before connecting)
    address: Mapped[str] = mapped_column(sa.String(60), default="")
    request_headers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status_code: Mapped[int | None] = mapped_column(default=None)
    response_headers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    response_excerpt: Mapped[str] = mapped_column(sa.Text, default="")
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    succeeded: Mapped[bool] = mapped_column(default=False)
