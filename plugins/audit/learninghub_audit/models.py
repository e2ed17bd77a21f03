"""Tables of the audit plugin (prefix ``audit_``).

``audit_events`` is append-only. A row is inserted *pending* (``seq``, ``prev_hash``
and ``hash`` NULL) inside the transaction of the change it records, then *sealed*
once: the sealer gives it the tenant's next ``seq`` and its chain hash (see
:mod:`.chain` and :mod:`.sealer`). Nothing else ever changes a row; on PostgreSQL a
trigger refuses every other UPDATE and every DELETE except the privileged retention
and purge functions (see the migration ``au0001`` and docs/plugins/audit.md).

``audit_chain_heads`` holds one row per tenant: the last sealed ``seq`` and
``hash``, HMAC-signed. Sealers lock it, so each tenant's chain grows one sealer at a
time while the transactions that record events never wait for each other.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, new_id

from .chain import GENESIS


class AuditEvent(TenantScoped, Base):
    """One recorded action (``kind = 'event'``) or retention summary
    (``kind = 'checkpoint'``).

    ``actor_id`` has no foreign key on purpose: the trail outlives the users it
    names (and a ``SET NULL`` would be an UPDATE of a sealed row)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "seq"),
        sa.CheckConstraint("kind IN ('event', 'checkpoint')", name="kind"),
        sa.Index("ix_audit_events_tenant_occurred", "tenant_id", "occurred_at", "id"),
        sa.Index("ix_audit_events_tenant_action", "tenant_id", "action"),
        sa.Index("ix_audit_events_tenant_actor", "tenant_id", "actor_id"),
        sa.Index("ix_audit_events_tenant_resource", "tenant_id", "resource_type", "resource_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    #: position in the tenant's chain; NULL while pending
    seq: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    hash: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    kind: Mapped[str] = mapped_column(sa.String(20), default="event")
    occurred_at: Mapped[datetime]
    #: the domain event's name, e.g. ``accounts.signin.succeeded``
    action: Mapped[str] = mapped_column(sa.String(200))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)
    #: the actor's email address when the row was recorded
    actor_label: Mapped[str] = mapped_column(sa.String(254), default="")
    resource_type: Mapped[str] = mapped_column(sa.String(100), default="")
    resource_id: Mapped[str] = mapped_column(sa.String(200), default="")
    old_values: Mapped[Any | None] = mapped_column(sa.JSON, default=None)
    new_values: Mapped[Any | None] = mapped_column(sa.JSON, default=None)
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    ip: Mapped[str] = mapped_column(sa.String(45), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(500), default="")
    request_id: Mapped[str] = mapped_column(sa.String(100), default="")
    #: the DomainEvent's id (None for rows recorded through IAuditTrail.record)
    event_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)
    #: checkpoints only: every row with seq <= through_seq was summarised and removed
    through_seq: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    #: checkpoints only: HMAC of the summary (see chain.sign_checkpoint)
    signature: Mapped[str | None] = mapped_column(sa.String(64), default=None)

    @property
    def sealed(self) -> bool:
        return self.seq is not None


class AuditChainHead(TenantScoped, Base):
    """The end of a tenant's chain, signed so that removed tail rows show."""

    __tablename__ = "audit_chain_heads"
    __table_args__ = (sa.UniqueConstraint("tenant_id"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    last_seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(sa.String(64), default=GENESIS)
    signature: Mapped[str] = mapped_column(sa.String(64), default="")
    sealed_at: Mapped[datetime | None] = mapped_column(default=None)
    #: when the sealer last asked for a retention run (at most daily)
    retention_checked_at: Mapped[datetime | None] = mapped_column(default=None)
