"""JSON API of the notifications plugin (the signed-in user's own notifications).

* ``GET /api/v1/notifications`` — newest first, cursor pagination, ``?unread=1``;
* ``GET /api/v1/notifications/unread-count``;
* ``POST /api/v1/notifications/{id}/read`` — the notification, read;
* ``POST /api/v1/notifications/read-all`` — ``{"marked": n}``;
* ``GET|PUT /api/v1/notifications/preferences`` — channels per type and the digest
  frequency.

Another user's notification, an unknown or a malformed id all answer 404.
"""

from __future__ import annotations

import uuid

from learninghub.api import Page, ProblemError, api_view, paginate

from . import services
from .models import CHANNELS, Notification
from .permissions import NotificationPermission as P
from .schemas import (
    ChannelChoices,
    ListQuery,
    NotificationOut,
    PreferencesIn,
    PreferencesOut,
    ReadAllOut,
    TypePreferenceOut,
    UnreadCountOut,
)

BASE = "/api/v1/notifications"


def to_out(n: Notification) -> NotificationOut:
    return NotificationOut(
        id=n.id,
        type=n.type,
        subject=n.subject,
        body=n.body,
        url=n.url,
        created_at=n.created_at,
        read_at=n.read_at,
        read=n.read_at is not None,
    )


@api_view(
    "notifications.api.list",
    BASE,
    "GET",
    query=ListQuery,
    response=Page[NotificationOut],
    permission=P.VIEW,
    summary="My notifications, newest first",
)
def list_notifications(request, query: ListQuery):
    stmt = services.visible(request.identity.id)
    if query.unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    rows, next_cursor = paginate(
        request.db, stmt, Notification.created_at, Notification.id, query, id_type=uuid.UUID
    )
    return Page[NotificationOut](items=[to_out(n) for n in rows], next_cursor=next_cursor)


@api_view(
    "notifications.api.unread_count",
    BASE + "/unread-count",
    "GET",
    response=UnreadCountOut,
    permission=P.VIEW,
    summary="How many of my notifications are unread",
)
def unread_count(request):
    return UnreadCountOut(unread=services.unread_count(request, request.identity.id))


@api_view(
    "notifications.api.read_all",
    BASE + "/read-all",
    "POST",
    response=ReadAllOut,
    permission=P.VIEW,
    summary="Mark all my notifications read",
)
def read_all(request):
    return ReadAllOut(marked=services.mark_all_read(request, request.identity.id))


@api_view(
    "notifications.api.read",
    BASE + "/{id}/read",
    "POST",
    response=NotificationOut,
    permission=P.VIEW,
    summary="Mark one of my notifications read",
)
def read_one(request):
    n = services.get_own(request, request.identity.id, request.matchdict["id"])
    if n is None:
        raise ProblemError(404, "Not found", "no such notification")
    services.mark_read(request, n)
    return to_out(n)


def preferences_out(request) -> PreferencesOut:
    user_id = request.identity.id
    prefs = services.user_preferences(request, user_id)
    defaults = services.tenant_defaults(request)
    items = []
    for kind in sorted(services.types(request).values(), key=lambda t: (t.category, t.title)):
        fallback = {c: services.default_enabled(kind, c, defaults) for c in CHANNELS}
        chosen = {c: prefs.get((kind.key, c), fallback[c]) for c in CHANNELS}
        items.append(
            TypePreferenceOut(
                type=kind.key,
                title=kind.title,
                category=kind.category,
                channels=ChannelChoices(**chosen),
                defaults=ChannelChoices(**fallback),
            )
        )
    return PreferencesOut(types=items, digest_frequency=services.digest_frequency(request, user_id))


@api_view(
    "notifications.api.preferences",
    BASE + "/preferences",
    "GET",
    response=PreferencesOut,
    permission=P.VIEW,
    summary="My notification channels per type and my digest frequency",
)
def get_preferences(request):
    return preferences_out(request)


@api_view(
    "notifications.api.preferences",
    BASE + "/preferences",
    "PUT",
    body=PreferencesIn,
    response=PreferencesOut,
    permission=P.VIEW,
    summary="Change my notification channels (the choices sent) and digest frequency",
)
def put_preferences(request, body: PreferencesIn):
    known = services.types(request)
    errors = [
        {
            "path": ["body", "preferences", i, "type"],
            "message": f"unknown notification type {choice.type!r}",
            "type": "unknown_type",
        }
        for i, choice in enumerate(body.preferences)
        if choice.type not in known
    ]
    if errors:
        raise ProblemError(422, "Validation failed", "the request body is invalid", errors=errors)
    services.save_preferences(
        request,
        request.identity.id,
        [services.Choice(c.type, c.channel, c.enabled) for c in body.preferences],
        body.digest_frequency,
    )
    return preferences_out(request)
