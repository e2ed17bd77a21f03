"""The notification types of the gamification plugin, for the notifications plugin
(``learninghub_notifications_types``). Imported only when that hook is called, so
gamification works without the notifications plugin installed."""

from __future__ import annotations

import uuid

from .badges import AWARDED_EVENT
from .services import LEVEL_EVENT


def _learner(request, event) -> list[uuid.UUID]:
    try:
        return [uuid.UUID(str((event.payload or {}).get("user_id")))]
    except ValueError:
        return []


def _render_badge(request, event, user):
    from learninghub_notifications.types import Rendered

    payload = event.payload or {}
    name = str(payload.get("badge_name") or payload.get("badge_slug") or "")
    slug = str(payload.get("badge_slug") or "")
    if not slug:
        return None
    return Rendered(
        subject=request.gettext("You earned the badge “%(name)s”", name=name),
        body=request.gettext(
            "Congratulations! The badge “%(name)s” is now on your achievements page.",
            name=name,
        ),
        url=request.route_path("gamification.page.badge", slug=slug),
    )


def _render_level(request, event, user):
    from learninghub_notifications.types import Rendered

    level = (event.payload or {}).get("level")
    if not isinstance(level, int):
        return None
    return Rendered(
        subject=request.gettext("You reached level %(level)s", level=level),
        body=request.gettext("Well done! Keep learning to reach level %(next)s.", next=level + 1),
        url=request.route_path("gamification.page.achievements"),
    )


def notification_types(request) -> list:
    from learninghub_notifications.types import NotificationType

    category = request.gettext("Achievements")
    return [
        NotificationType(
            key="gamification.badge_awarded",
            title=request.gettext("Badge awarded"),
            event=AWARDED_EVENT,
            recipients=_learner,
            render=_render_badge,
            default_channels=("in_app", "email"),
            category=category,
        ),
        NotificationType(
            key="gamification.level_reached",
            title=request.gettext("Level reached"),
            event=LEVEL_EVENT,
            recipients=_learner,
            render=_render_level,
            default_channels=("in_app",),
            category=category,
        ),
    ]
