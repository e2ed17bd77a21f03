"""Permissions of the streaming plugin. What one may do with one lesson's video is
decided by the course roles (``learninghub_courses.services``: editors transcode and edit
captions) and by enrolment (learners watch); the tenant-wide permission below lets
admins see every stream's processing state."""

from __future__ import annotations

import enum


class StreamingPermission(enum.StrEnum):
    #: see and retry the processing of every stream of the tenant
    MANAGE = "streaming:stream:manage"


DEFAULT_GRANTS: dict[str, tuple[str, ...]] = {"admin": tuple(StreamingPermission)}
