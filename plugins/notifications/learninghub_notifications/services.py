"""The notifications' services: the types registry of a request, the channels a user
gets a type on, and the in-app reads and writes (list, unread count, mark read).

Everything here reads and writes through ``request.db`` (tenant-bound) and, for the
in-app side, only the rows of the given user: callers pass the identity's id, so a user
never reaches another user's notifications (other ids are "not found").
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from learninghub.db import utcnow

from .models import (
    CHANNELS,
    DIGEST_FREQUENCIES,
    DigestSetting,
    Notification,
    Preference,
    PushSubscription,
    TenantDefault,
)
from .types import NotificationType

log = logging.getLogger(__name__)

PLUGIN = "notifications"
PROCESS_TASK = "notifications.process_event"
DELIVER_TASK = "notifications.deliver"
_TYPES_KEY = "_lh_notifications_types"


# ------------------------------------------------------------------ the types


def types(request) -> dict[str, NotificationType]:
    """Every notification type of the request's tenant by key (the answers of
    ``learninghub_notifications_types`` from its enabled plugins), gathered once per
    request. A malformed answer is logged and left out; a key given twice keeps the
    first."""
    cached = request.__dict__.get(_TYPES_KEY)
    if cached is not None:
        return cached
    found: dict[str, NotificationType] = {}
    for answer in request.hooks.learninghub_notifications_types(request=request):
        for item in answer or ():
            if not isinstance(item, NotificationType):
                log.warning("notification type ignored (not a NotificationType): %r", item)
                continue
            if item.key in found:
                log.warning("notification type %s declared twice; the first is kept", item.key)
                continue
            found[item.key] = item
    request.__dict__[_TYPES_KEY] = found
    return found


def types_for_event(request, name: str) -> list[NotificationType]:
    return [t for t in types(request).values() if t.event == name]


def wanted_events(request) -> set[str]:
    return {t.event for t in types(request).values()}


# ------------------------------------------------------------------ channels


def tenant_defaults(request) -> dict[tuple[str, str], bool]:
    return {
        (row.type, row.channel): row.enabled for row in request.db.scalars(sa.select(TenantDefault))
    }


def user_preferences(request, user_id: uuid.UUID) -> dict[tuple[str, str], bool]:
    rows = request.db.scalars(sa.select(Preference).where(Preference.user_id == user_id))
    return {(row.type, row.channel): row.enabled for row in rows}


def default_enabled(
    kind: NotificationType, channel: str, defaults: dict[tuple[str, str], bool]
) -> bool:
    """The tenant's choice, else the type's ``default_channels``."""
    chosen = defaults.get((kind.key, channel))
    return chosen if chosen is not None else channel in kind.default_channels


def enabled_channels(
    kind: NotificationType,
    preferences: dict[tuple[str, str], bool],
    defaults: dict[tuple[str, str], bool],
) -> list[str]:
    """The channels of ``kind`` a user gets: their preference for (type, channel), else
    the tenant default, else the type's ``default_channels``."""
    out = []
    for channel in CHANNELS:
        chosen = preferences.get((kind.key, channel))
        if chosen is None:
            chosen = default_enabled(kind, channel, defaults)
        if chosen:
            out.append(channel)
    return out


def digest_frequency(request, user_id: uuid.UUID) -> str:
    row = request.db.scalar(sa.select(DigestSetting).where(DigestSetting.user_id == user_id))
    return row.frequency if row is not None else "off"


def has_push_subscription(request, user_id: uuid.UUID) -> bool:
    return (
        request.db.scalar(
            sa.select(PushSubscription.id)
            .where(PushSubscription.user_id == user_id, PushSubscription.expired_at.is_(None))
            .limit(1)
        )
        is not None
    )


@dataclass(frozen=True)
class Choice:
    type: str
    channel: str
    enabled: bool


def save_preferences(
    request, user_id: uuid.UUID, choices: Iterable[Choice], frequency: str | None
) -> None:
    """Store ``user_id``'s choices (upserts; callers validated type and channel)."""
    current = {
        (row.type, row.channel): row
        for row in request.db.scalars(sa.select(Preference).where(Preference.user_id == user_id))
    }
    for choice in choices:
        row = current.get((choice.type, choice.channel))
        if row is None:
            row = Preference(user_id=user_id, type=choice.type, channel=choice.channel)
            request.db.add(row)
            current[(choice.type, choice.channel)] = row
        row.enabled = choice.enabled
    if frequency is not None:
        if frequency not in DIGEST_FREQUENCIES:
            raise ValueError(frequency)
        row = request.db.scalar(sa.select(DigestSetting).where(DigestSetting.user_id == user_id))
        if row is None:
            row = DigestSetting(user_id=user_id)
            request.db.add(row)
        row.frequency = frequency
    request.db.flush()


def save_tenant_defaults(request, choices: Iterable[Choice]) -> list[str]:
    """Store the tenant's defaults; returns the ``type:channel`` keys that changed."""
    current = {(row.type, row.channel): row for row in request.db.scalars(sa.select(TenantDefault))}
    changed = []
    for choice in choices:
        kind = types(request).get(choice.type)
        row = current.get((choice.type, choice.channel))
        before = (
            row.enabled
            if row is not None
            else (kind is not None and choice.channel in kind.default_channels)
        )
        if row is None:
            row = TenantDefault(type=choice.type, channel=choice.channel)
            request.db.add(row)
        row.enabled = choice.enabled
        if before != choice.enabled:
            changed.append(f"{choice.type}:{choice.channel}")
    request.db.flush()
    return changed


# ------------------------------------------------------------------ in-app


def visible(user_id: uuid.UUID):
    """The in-app notifications of ``user_id``."""
    return sa.select(Notification).where(
        Notification.user_id == user_id, Notification.in_app.is_(True)
    )


def unread_count(request, user_id: uuid.UUID) -> int:
    return (
        request.db.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.user_id == user_id,
                Notification.in_app.is_(True),
                Notification.read_at.is_(None),
            )
        )
        or 0
    )


def get_own(request, user_id: uuid.UUID, raw_id) -> Notification | None:
    """``user_id``'s notification ``raw_id``, or None (unknown, malformed or another
    user's: all the same to the caller)."""
    try:
        key = raw_id if isinstance(raw_id, uuid.UUID) else uuid.UUID(str(raw_id))
    except ValueError:
        return None
    return request.db.scalar(visible(user_id).where(Notification.id == key))


def mark_read(request, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        request.db.flush()


def mark_all_read(request, user_id: uuid.UUID) -> int:
    result = request.db.execute(
        sa.update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.in_app.is_(True),
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
