"""Who may do what, shared by the API, the pages and the hooks.

* Anyone who may view a course (``courses.can_view``) sees whether they are enrolled;
  learners (``enrollment:enrollment:learn``) enrol themselves in free, published
  courses when the tenant's ``self_enrolment`` setting is on.
* Paid courses are not enrolled here: 402 when a plugin sells them
  (``learninghub_enrollment_paid_enrolment`` answers), 409 when nobody does.
* The roster of a course: its staff (``courses.is_staff``: instructors, teaching
  assistants, tenant admins) and enrolment managers.
* One enrolment: its learner, the course staff, enrolment managers. Anyone else
  gets a 404, like for an id that does not exist.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from learninghub.api import PageQuery, ProblemError, paginate

from . import services
from .models import Enrollment
from .permissions import EnrollmentPermission as P


def not_found(what: str = "course") -> ProblemError:
    return ProblemError(404, "Not found", f"no such {what}")


def visible_course(request, raw_id: Any):
    """The course ``raw_id`` if the caller may view it; 404 otherwise."""
    from learninghub_courses import services as courses

    course = courses.get_course(request.db, services.as_uuid(raw_id))
    if course is None or not courses.can_view(request, course):
        raise not_found()
    return course


def is_manager(request) -> bool:
    return request.identity is not None and bool(request.has_permission(P.MANAGE))


def is_course_staff(request, course) -> bool:
    from learninghub_courses import services as courses

    return request.identity is not None and bool(courses.is_staff(request, course))


def may_see_roster(request, course) -> bool:
    return is_course_staff(request, course) or is_manager(request)


def require_roster(request, course) -> None:
    if not may_see_roster(request, course):
        raise ProblemError(403, "Forbidden", "only the course's staff see its learners")


def paid_offer(request, course):
    """The buy control a commerce plugin offers for ``course``, or None."""
    return request.hooks.learninghub_enrollment_paid_enrolment(request=request, course=course)


def self_enrolment_refusal(request, course) -> ProblemError | None:
    """Why the caller may not enrol themselves in ``course`` now (None: they may)."""
    if course.status != "published":
        return ProblemError(409, "Conflict", "the course is not published: nobody can enrol yet")
    if not request.plugin_settings(services.PLUGIN).self_enrolment:
        return ProblemError(
            403, "Forbidden", "learners do not enrol themselves here: an admin enrols you"
        )
    if course.price_minor > 0:
        if paid_offer(request, course) is not None:
            return ProblemError(
                402, "Payment required", "this course is sold: buy it to be enrolled"
            )
        return ProblemError(
            409, "Conflict", "this is a paid course and it cannot be bought on this site"
        )
    return None


def check_self_enrolment(request, course) -> None:
    refusal = self_enrolment_refusal(request, course)
    if refusal is not None:
        raise refusal


def roster_statement(course, status: str | None = None):
    stmt = (
        sa.select(Enrollment)
        .options(joinedload(Enrollment.user))
        .where(Enrollment.course_id == course.id)
    )
    if status is not None:
        stmt = stmt.where(Enrollment.status == status)
    return stmt


def roster_page(request, course, page: PageQuery, status: str | None = None):
    """One page of the roster, newest enrolments first (one statement)."""
    return paginate(
        request.db, roster_statement(course, status), Enrollment.enrolled_at, Enrollment.id, page
    )


def visible_enrollment(request, raw_id: Any):
    """``(enrollment, course)`` if the caller may see the enrolment; 404 otherwise."""
    from learninghub_courses import services as courses

    enrollment_id = services.as_uuid(raw_id)
    enrollment = request.db.get(Enrollment, enrollment_id) if enrollment_id else None
    if enrollment is None:
        raise not_found("enrolment")
    course = courses.get_course(request.db, enrollment.course_id)
    if course is None:
        raise not_found("enrolment")
    own = request.identity is not None and enrollment.user_id == request.identity.id
    if not (own or is_manager(request) or is_course_staff(request, course)):
        raise not_found("enrolment")
    return enrollment, course


def visible_lesson(request, raw_id: Any):
    """``(lesson, course)`` for a published lesson of a course the caller may view;
    404 otherwise (drafts included: progress is only kept on published lessons)."""
    from learninghub_courses import services as courses

    lesson = services.lesson_by_id(request.db, raw_id)
    if lesson is None or not lesson.is_published:
        raise not_found("lesson")
    course = courses.get_course(request.db, lesson.course_id)
    if course is None or course.status != "published" or not courses.can_view(request, course):
        raise not_found("lesson")
    return lesson, course
