"""Tables of the stripe_gateway part: the webhook events already processed."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, new_id, utcnow


class GatewayEvent(TenantScoped, Base):
    """One webhook event of a gateway, recorded in the transaction that applies it.

    The unique (tenant, gateway, event_id) makes each event take effect once: a
    replay, or a twin delivered concurrently, fails to insert its row and changes
    nothing."""

    __tablename__ = "payments_gateway_events"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "gateway", "event_id"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    gateway: Mapped[str] = mapped_column(sa.String(20))
    event_id: Mapped[str] = mapped_column(sa.String(255))
    event_type: Mapped[str] = mapped_column(sa.String(100))
    #: when the gateway created the event (orders out-of-order deliveries)
    created_at: Mapped[datetime] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: what it changed: "applied" or why not ("ignored: stale", "unknown order", ...)
    outcome: Mapped[str] = mapped_column(sa.String(200), default="applied")
