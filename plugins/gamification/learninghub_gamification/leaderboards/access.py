"""Who sees which board: the tenant's board needs the plugin's view permission; a
course's board also needs the course to be visible to the caller (else 404, like an
unknown id) and the caller to be one of its learners or staff (else 403)."""

from __future__ import annotations

import uuid

from learninghub.api import ProblemError

from ..permissions import GamificationPermission

VIEW = GamificationPermission.VIEW


class CourseRefused(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def board_course(request, course_id: uuid.UUID):
    """The course whose board the caller asks for; :class:`CourseRefused` (404 or
    403) otherwise."""
    from learninghub_courses import services as courses
    from learninghub_enrollment import services as enrollment

    course = courses.get_course(request.db, course_id)
    if course is None or not courses.can_view(request, course):
        raise CourseRefused(404)
    if courses.is_staff(request, course):
        return course
    if enrollment.find_enrollment(request.db, course.id, request.identity.id) is None:
        raise CourseRefused(403)
    return course


def api_course(request, course_id: uuid.UUID | None):
    if course_id is None:
        return None
    try:
        return board_course(request, course_id)
    except CourseRefused as refused:
        if refused.status == 404:
            raise ProblemError(404, "Not found", "no such course") from None
        raise ProblemError(
            403, "Forbidden", "only the course's learners and staff see its leaderboard"
        ) from None


def selectable_courses(request) -> list:
    """Courses whose boards the caller may open: those they are enrolled in or teach,
    visible to them, by title."""
    from learninghub_courses import services as courses
    from learninghub_enrollment import services as enrollment

    ids = set(enrollment.my_enrollments(request)) | set(courses.course_roles(request))
    found = courses.get_courses(request.db, ids)
    return sorted(
        (c for c in found.values() if courses.can_view(request, c)),
        key=lambda c: (c.title.casefold(), str(c.id)),
    )
