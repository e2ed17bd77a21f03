"""Permissions of the enrollment plugin and their default grants.

What one may do with *one* course's learners (roster, CSV) is decided by the
course roles through ``learninghub_courses.services.is_staff``; the tenant-wide
permissions below only say who may learn and who administers enrolments.
"""

from __future__ import annotations

import enum


class EnrollmentPermission(enum.StrEnum):
    #: enrol oneself in free courses, unenrol, record progress, see "My learning"
    LEARN = "enrollment:enrollment:learn"
    #: enrol other users (source ``admin``) with access windows, change or cancel any
    #: enrolment, see every course's roster
    MANAGE = "enrollment:enrollment:manage"


DEFAULT_GRANTS: dict[str, tuple[str, ...]] = {
    "admin": tuple(EnrollmentPermission),
    "instructor": (EnrollmentPermission.LEARN,),
    "learner": (EnrollmentPermission.LEARN,),
}
