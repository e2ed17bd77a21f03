"""Tables of the notifications plugin (prefix ``notifications_``).

The contract is docs/design/engagement-contracts.md ("notifications", "Tables"). Every
effect has a unique key so a replayed event or a re-run task changes nothing: a
notification is unique per (tenant, user, type, source event), a delivery per
(notification, channel), and a delivery row is written ``pending`` before anything is
sent.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, new_id, utcnow

#: every channel a notification type may use
CHANNELS = ("in_app", "email", "push")
#: channels of a delivery row (``in_app`` is the notification row itself; ``digest``
#: is an email gathered into the user's daily or weekly digest)
DELIVERY_CHANNELS = ("email", "push", "digest")
PENDING, SENT, FAILED, SKIPPED = "pending", "sent", "failed", "skipped"
DELIVERY_STATUSES = (PENDING, SENT, FAILED, SKIPPED)
DIGEST_FREQUENCIES = ("off", "daily", "weekly")


def _user_fk() -> sa.ForeignKey:
    return sa.ForeignKey("users.id", ondelete="CASCADE")


class Notification(TenantScoped, Base):
    """What one user is told about one event (the in-app notification; the email and
    push deliveries hang from it). ``subject``, ``body`` and ``url`` are rendered once,
    in the user's language, when the event is processed."""

    __tablename__ = "notifications_notifications"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "user_id", "type", "source_event_id"),
        # the list (newest first) and the unread count of one user
        sa.Index("ix_notifications_notifications_user", "user_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, _user_fk())
    #: the notification type's key, e.g. ``enrollment.enrolled``
    type: Mapped[str] = mapped_column(sa.String(100))
    source_event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    #: a path or absolute URL to open (empty: none)
    url: Mapped[str] = mapped_column(sa.String(1000), default="")
    #: shown in the bell and the list (False: the user turned the in-app channel off
    #: for this type and the row only anchors the email/push deliveries)
    in_app: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)


class Delivery(TenantScoped, Base):
    """One notification sent on one channel other than in-app. Written ``pending``
    before sending; ``sent`` (``sent_at``), ``failed`` (``last_error``) or ``skipped``
    (nothing to send on that channel: no push subscription...) afterwards."""

    __tablename__ = "notifications_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("notification_id", "channel"),
        sa.CheckConstraint("channel IN ('email', 'push', 'digest')", name="channel"),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed', 'skipped')", name="status"),
        # the digest command's query: pending digest deliveries
        sa.Index("ix_notifications_deliveries_pending", "channel", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    notification_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("notifications_notifications.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class Preference(TenantScoped, Base):
    """A user's choice for one (type, channel); absent: the tenant default applies."""

    __tablename__ = "notifications_preferences"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "user_id", "type", "channel"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, _user_fk())
    type: Mapped[str] = mapped_column(sa.String(100))
    channel: Mapped[str] = mapped_column(sa.String(10))
    enabled: Mapped[bool] = mapped_column(default=True)


class TenantDefault(TenantScoped, Base):
    """The tenant's choice for one (type, channel); absent: the type's
    ``default_channels`` apply."""

    __tablename__ = "notifications_tenant_defaults"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "type", "channel"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    type: Mapped[str] = mapped_column(sa.String(100))
    channel: Mapped[str] = mapped_column(sa.String(10))
    enabled: Mapped[bool] = mapped_column(default=True)


class PushSubscription(TenantScoped, Base):
    """A browser's Web Push subscription (``PushSubscription.toJSON()``); expired when
    the push service answers 404/410."""

    __tablename__ = "notifications_push_subscriptions"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "endpoint"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, _user_fk(), index=True)
    endpoint: Mapped[str] = mapped_column(sa.String(1000))
    p256dh: Mapped[str] = mapped_column(sa.String(200))
    auth: Mapped[str] = mapped_column(sa.String(100))
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(default=None)
    expired_at: Mapped[datetime | None] = mapped_column(default=None)


class DigestSetting(TenantScoped, Base):
    """How often a user gets their emails gathered in one digest (``off``: one email
    per notification)."""

    __tablename__ = "notifications_digest_settings"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "user_id"),
        sa.CheckConstraint("frequency IN ('off', 'daily', 'weekly')", name="frequency"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, _user_fk())
    frequency: Mapped[str] = mapped_column(sa.String(10), default="off")
    last_sent_at: Mapped[datetime | None] = mapped_column(default=None)
