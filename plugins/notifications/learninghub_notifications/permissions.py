"""Permissions of the notifications plugin and their default grants.

Every signed-in role reads its own notifications and chooses its own preferences (a
user never sees another's: the queries are bound to the identity, other ids answer
404). Tenant admins choose the tenant's default channels per type.
"""

from __future__ import annotations

import enum


class NotificationPermission(enum.StrEnum):
    #: one's own notifications, bell, preferences, push subscriptions
    VIEW = "notifications:notification:view"
    #: the tenant's default channels per type
    MANAGE = "notifications:defaults:manage"


DEFAULT_GRANTS: dict[str, tuple[str, ...]] = {
    "admin": tuple(NotificationPermission),
    "instructor": (NotificationPermission.VIEW,),
    "learner": (NotificationPermission.VIEW,),
}
