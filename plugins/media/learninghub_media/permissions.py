"""Permissions of the media plugin and their default grants."""

from __future__ import annotations

import enum


class MediaPermission(enum.StrEnum):
    #: read the metadata of assets the ``learninghub_media_can_access`` hook allows
    VIEW = "media:asset:view"
    #: upload assets (multipart or tus) and manage one's own
    UPLOAD = "media:asset:upload"
    #: see, deliver and delete every asset of the tenant
    MANAGE = "media:asset:manage"


DEFAULT_GRANTS: dict[str, tuple[str, ...]] = {
    "admin": tuple(MediaPermission),
    "instructor": (MediaPermission.VIEW, MediaPermission.UPLOAD),
    "learner": (MediaPermission.VIEW,),
}
