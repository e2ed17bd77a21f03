"""Tables of the config plugin (prefix ``config_``).

The current per-tenant settings of every plugin stay where the kernel keeps them
(``tenant_plugins.settings``); this plugin adds their history and the feature flags.
Secret fields are stored sealed (``learninghub.secrets``) in both places.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, new_id, utcnow


class SettingsVersion(TenantScoped, Base):
    """One saved state of a plugin's tenant settings.

    ``values`` are the tenant's overrides after the change (what
    ``tenant_plugins.settings`` held), secrets sealed; ``changes`` lists what changed
    from the previous version as ``{"field", "old", "new", "old_set", "new_set",
    "secret"}`` with secret values masked. A rollback is a new version whose
    ``rollback_of`` names the version restored."""

    __tablename__ = "config_settings_versions"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "plugin", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    plugin: Mapped[str] = mapped_column(sa.String(60))
    version: Mapped[int] = mapped_column(sa.Integer)
    values: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    comment: Mapped[str] = mapped_column(sa.String(300), default="")
    rollback_of: Mapped[int | None] = mapped_column(sa.Integer, default=None)
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    #: the author's email when the version was saved (kept if the user is deleted)
    author_label: Mapped[str] = mapped_column(sa.String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeatureFlag(TenantScoped, Base):
    """A feature flag of one tenant.

    On when ``enabled``, the user holds one of ``roles`` (tenant-wide; empty: any
    user, anonymous visitors included) and the user's stable bucket (0-99, from
    tenant, flag key and user id) is below ``percentage``."""

    __tablename__ = "config_flags"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "key"),
        sa.CheckConstraint("percentage >= 0 AND percentage <= 100", name="percentage"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(sa.String(80))
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    enabled: Mapped[bool] = mapped_column(default=False)
    percentage: Mapped[int] = mapped_column(sa.Integer, default=100)
    roles: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )

    def state(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "enabled": self.enabled,
            "percentage": self.percentage,
            "roles": list(self.roles or []),
        }


class FlagVersion(TenantScoped, Base):
    """The history of a flag: one row per create, change or delete (kept after the
    flag is deleted)."""

    __tablename__ = "config_flag_versions"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "flag_key", "version"),
        sa.CheckConstraint("action IN ('created', 'updated', 'deleted')", name="action"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    flag_key: Mapped[str] = mapped_column(sa.String(80))
    version: Mapped[int] = mapped_column(sa.Integer)
    action: Mapped[str] = mapped_column(sa.String(20))
    state: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    author_label: Mapped[str] = mapped_column(sa.String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
