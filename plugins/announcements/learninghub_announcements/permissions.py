"""Permissions of the announcements plugin and their default grants."""

from __future__ import annotations

import enum


class AnnouncementPermission(enum.StrEnum):
    #: read published announcements (and, for authors, their own drafts)
    VIEW = "announcements:announcement:view"
    #: write drafts and edit one's own announcements
    CREATE = "announcements:announcement:create"
    #: publish and archive one's own announcements
    PUBLISH = "announcements:announcement:publish"
    #: see every draft and edit, publish, archive or delete anyone's announcement
    MANAGE = "announcements:announcement:manage"


DEFAULT_GRANTS: dict[str, tuple[str, ...]] = {
    "admin": tuple(AnnouncementPermission),
    "instructor": (
        AnnouncementPermission.VIEW,
        AnnouncementPermission.CREATE,
        AnnouncementPermission.PUBLISH,
    ),
    "learner": (AnnouncementPermission.VIEW,),
}
