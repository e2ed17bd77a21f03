"""Who may watch a stream (docs/design/streaming-contracts.md, "Who may watch").

A stream is watched in a *scope*: a lesson id (learners, staff) or ``manage`` (the
editors' preview). :func:`may_watch` is the one rule of every part: playback's signed
URLs and key, the player, heartbeats, downloads and bookmarks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

MANAGE = "manage"


@dataclass(frozen=True)
class Scope:
    """What a scope resolved to: ``lesson`` and ``course`` are None for ``manage``;
    ``staff`` is True for the course's staff (and for ``manage``)."""

    name: str
    lesson: Any = None
    course: Any = None
    staff: bool = False

    @property
    def lesson_id(self) -> uuid.UUID | None:
        return self.lesson.id if self.lesson is not None else None


def parse_scope(raw: Any) -> str | None:
    """The scope's canonical text (``manage`` or a lesson UUID), or None if malformed."""
    if raw == MANAGE:
        return MANAGE
    try:
        return str(uuid.UUID(str(raw)))
    except (TypeError, ValueError):
        return None


def resolve(request, stream, scope: Any) -> Scope | None:
    """The :class:`Scope` in which the request's user may watch ``stream`` (ready or
    not: callers check the status), or None when they may not."""
    from learninghub_content import services as content
    from learninghub_courses import services as courses
    from learninghub_media import services as media

    from ..transcoding.services import may_manage

    name = parse_scope(scope)
    if name is None or request.identity is None or stream is None:
        return None
    asset = media.get_asset(request.db, stream.asset_id)
    if asset is None:
        return None
    if name == MANAGE:
        return Scope(MANAGE, staff=True) if may_manage(request, asset) else None
    lesson = content.get_lesson_by_id(request.db, name)
    if lesson is None:
        return None
    course = courses.get_course(request.db, lesson.course_id)
    if course is None or not content.can_view_lesson(request, course, lesson):
        return None
    staff = content.is_staff(request, course)
    version = content.published_version(request.db, lesson)
    uses = version is not None and version.media_asset_id == asset.id
    if not uses and staff:
        latest = content.latest_version(request.db, lesson)
        uses = latest is not None and latest.media_asset_id == asset.id
    if not uses:
        return None
    return Scope(name, lesson, course, staff)


def may_watch(request, stream, scope: Any) -> bool:
    return resolve(request, stream, scope) is not None
