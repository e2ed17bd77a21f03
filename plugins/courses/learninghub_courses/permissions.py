"""Permissions of the courses plugin and their default grants.

Tenant-wide permissions only say what kind of work a role may start (create a
course, review the queue, manage categories). What one may do to *one* course is
decided by the course roles (``RoleGrant`` with ``resource_type="course"``) in
:mod:`learninghub_courses.services` (``is_staff``, ``can_edit``).
"""

from __future__ import annotations

import enum


class CoursePermission(enum.StrEnum):
    #: create courses (the creator becomes the course's instructor) and use /teach
    CREATE = "courses:course:create"
    #: approve or return submitted courses; edit, archive and staff any course
    REVIEW = "courses:course:review"
    #: create, rename, move and delete categories
    CATEGORIES = "courses:category:manage"


#: the course-scoped roles (granted per course through the kernel's RoleGrant)
COURSE_ROLES = ("instructor", "teaching_assistant")

DEFAULT_GRANTS: dict[str, tuple[str, ...]] = {
    "admin": tuple(CoursePermission),
    "instructor": (CoursePermission.CREATE,),
    # a course-scoped role: declared here so that the kernel knows it; it grants no
    # tenant-wide permission
    "teaching_assistant": (),
}
