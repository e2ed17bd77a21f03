"""Permissions of the reviews plugin and their default grants.

Replying to reviews belongs to the course staff (``courses.services.is_staff``:
instructors, teaching assistants, tenant admins), whatever their tenant-wide role.
"""

from __future__ import annotations

import enum


class ReviewPermission(enum.StrEnum):
    #: review courses one is enrolled in, edit and delete one's review, vote, report
    WRITE = "reviews:review:write"
    #: hide and show reviews, see hidden ones and the reports
    MODERATE = "reviews:review:moderate"


DEFAULT_GRANTS: dict[str, tuple[str, ...]] = {
    "admin": tuple(ReviewPermission),
    "instructor": (ReviewPermission.WRITE,),
    "learner": (ReviewPermission.WRITE,),
}
