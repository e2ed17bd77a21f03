"""What a notification type is (the contract: docs/design/engagement-contracts.md).

Plugins describe what they notify with :class:`NotificationType` values returned from
the ``learninghub_notifications_types`` hook (:mod:`.hookspecs`)::

    from learninghub_notifications.types import NotificationType, Rendered

    @hookimpl
    def learninghub_notifications_types(request):
        return [
            NotificationType(
                key="gamification.badge_awarded",
                title=request.gettext("Badge awarded"),
                event="gamification.badge.awarded",
                recipients=lambda request, event: [uuid.UUID(event.payload["user_id"])],
                render=render_badge,  # (request, event, user) -> Rendered | None
                default_channels=("in_app", "email"),
                category=request.gettext("Achievements"),
            )
        ]
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .models import CHANNELS


@dataclass(frozen=True)
class Rendered:
    """What one user is told: a short subject, a plain-text body and the URL (a path
    like ``/courses/x`` or an absolute URL; empty: nothing to open)."""

    subject: str
    body: str = ""
    url: str = ""


@dataclass(frozen=True)
class NotificationType:
    #: ``"<plugin>.<what>"``, e.g. ``enrollment.enrolled``; stored on notifications and
    #: preferences (keep it stable)
    key: str
    #: translated label for the preferences page
    title: str
    #: the domain event it reacts to, e.g. ``enrollment.enrollment.created``
    event: str
    #: ``recipients(request, event) -> Iterable[uuid.UUID]``: who to tell (never the
    #: actor unless the event is about them); read only
    recipients: Callable[[Any, Any], Iterable[uuid.UUID]]
    #: ``render(request, event, user) -> Rendered | None`` in the user's language (the
    #: caller has called ``learninghub.i18n.speak_to(request, user)``); None: nothing
    #: to say to that user
    render: Callable[[Any, Any, Any], Rendered | None]
    #: channels used when neither the user nor the tenant chose: a subset of
    #: ``("in_app", "email", "push")``
    default_channels: tuple[str, ...] = ("in_app", "email")
    #: translated group on the preferences page
    category: str = ""

    def __post_init__(self) -> None:
        unknown = set(self.default_channels) - set(CHANNELS)
        if unknown:
            raise ValueError(f"unknown channels {sorted(unknown)} in {self.key!r}")
