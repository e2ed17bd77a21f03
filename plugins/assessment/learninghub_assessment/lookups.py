"""Lookups every part of the plugin shares: 404 problems, ids from URLs, the course of
a URL. Unknown, malformed and other tenants' ids all answer the same 404."""

from __future__ import annotations

import uuid
from typing import Any

from learninghub.api import ProblemError


def not_found(what: str) -> ProblemError:
    return ProblemError(404, "Not found", f"no such {what}")


def parse_id(raw: Any, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except (TypeError, ValueError):
        raise not_found(what) from None


def visible_course(request, raw_id: Any):
    """The course if the caller may see it (published, or staff); 404 otherwise."""
    from learninghub_courses import services as courses

    course = courses.get_course(request.db, parse_id(raw_id, "course"))
    if course is None or not courses.can_view(request, course):
        raise not_found("course")
    return course
