"""Permissions of the assessment plugin and their default grants.

What one may do with *one* course's questions, quizzes, assignments and grades is
decided by the course roles (``learninghub_courses.services``): editors (``can_edit``:
instructors, admins) write the bank, quizzes and assignments; the staff (``is_staff``:
instructors, teaching assistants, admins) grade and see the gradebook. The tenant-wide
permissions below say who may take assessments and who sees every course's grades.
"""

from __future__ import annotations

import enum


class AssessmentPermission(enum.StrEnum):
    #: take quizzes, submit assignments, see one's own results and grades
    TAKE = "assessment:attempt:take"
    #: grade and see the gradebook of every course of the tenant
    MANAGE = "assessment:grade:manage"


DEFAULT_GRANTS: dict[str, tuple[str, ...]] = {
    "admin": tuple(AssessmentPermission),
    "instructor": (AssessmentPermission.TAKE,),
    "learner": (AssessmentPermission.TAKE,),
}
