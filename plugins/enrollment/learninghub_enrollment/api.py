"""JSON API of the enrollment plugin.

* ``/api/v1/courses/{course_id}/enrollment`` — the caller's own enrolment: GET,
  POST (enrol in a free course), DELETE (unenrol);
* ``/api/v1/courses/{course_id}/enrollments`` — the roster (GET, course staff) and
  admin enrolments (POST, ``enrollment:enrollment:manage``);
* ``/api/v1/enrollments/{id}`` — one enrolment (GET: its learner, the course staff,
  managers; PATCH: managers);
* ``/api/v1/me/enrollments`` — the caller's enrolments ("My learning");
* ``/api/v1/lessons/{lesson_id}/progress`` — record progress in a lesson.

Unknown, malformed, other tenants' and invisible ids answer 404 alike.
"""

from __future__ import annotations

import sqlalchemy as sa
from pyramid.response import Response

from learninghub.api import Page, ProblemError, api_view, paginate
from learninghub.db import utcnow
from learninghub.identity import User

from . import access, services
from .models import Enrollment
from .permissions import EnrollmentPermission as P
from .schemas import (
    AdminEnrol,
    EnrollmentOut,
    EnrollmentUpdate,
    MineQuery,
    MyEnrollmentOut,
    ProgressIn,
    ProgressOut,
    RosterEntryOut,
    RosterQuery,
)

MINE = "/api/v1/courses/{course_id}/enrollment"
ROSTER = "/api/v1/courses/{course_id}/enrollments"
ITEM = "/api/v1/enrollments/{id}"
MY_LIST = "/api/v1/me/enrollments"
PROGRESS = "/api/v1/lessons/{lesson_id}/progress"


def enrollment_fields(request, e: Enrollment) -> dict:
    now = utcnow()
    return {
        "id": e.id,
        "course_id": e.course_id,
        "user_id": e.user_id,
        "status": e.status,
        "effective_status": services.effective_status(e, now),
        "has_access": e.has_access_at(now),
        "source": e.source,
        "enrolled_at": e.enrolled_at,
        "starts_at": e.starts_at,
        "expires_at": e.expires_at,
        "completed_at": e.completed_at,
        "progress_percent": e.progress_percent,
        "last_lesson_id": e.last_lesson_id,
        "url": request.route_url("enrollment.item", id=str(e.id)),
    }


def to_out(request, e: Enrollment) -> EnrollmentOut:
    return EnrollmentOut(**enrollment_fields(request, e))


def to_mine(request, e: Enrollment, course, completed=None) -> MyEnrollmentOut:
    from learninghub_courses.services import course_url

    return MyEnrollmentOut(
        **enrollment_fields(request, e),
        course_title=course.title,
        course_url=request.application_url + course_url(request, course),
        continue_url=request.route_url("enrollment.page.continue", course_id=str(course.id)),
        completed_lesson_ids=sorted(completed, key=str) if completed is not None else None,
    )


def created(request, body: EnrollmentOut, status: int = 201) -> Response:
    """The body with its ``Location`` (201 for a new enrolment)."""
    response = Response(
        body.model_dump_json(), status=status, content_type="application/json", charset="utf-8"
    )
    response.location = body.url
    return response


# ----------------------------------------------------------------- the caller's own


@api_view(
    "enrollment.mine",
    MINE,
    "GET",
    response=MyEnrollmentOut,
    permission=P.LEARN,
    summary="Your enrolment in a course, with the lessons you completed",
)
def get_my_enrollment(request):
    course = access.visible_course(request, request.matchdict["course_id"])
    enrollment = services.my_enrollment(request, course)
    if enrollment is None:
        raise ProblemError(404, "Not found", "you are not enrolled in this course")
    completed = services.completed_lesson_ids(request, course)
    return to_mine(request, enrollment, course, completed)


@api_view(
    "enrollment.mine",
    MINE,
    "POST",
    response=MyEnrollmentOut,
    status=201,
    permission=P.LEARN,
    summary="Enrol in a free course (201; 200 when already enrolled)",
)
def enrol_me(request):
    course = access.visible_course(request, request.matchdict["course_id"])
    current = services.active_enrollment(request, course)
    if current is not None:
        body = to_mine(request, current, course)
        return created(request, body, status=200)
    access.check_self_enrolment(request, course)
    enrollment = services.enrol(
        request,
        course,
        request.identity,
        "free",
        expires_at=services.default_expiry(request),
    )
    body = to_mine(request, enrollment, course)
    return created(request, body)


@api_view(
    "enrollment.mine",
    MINE,
    "DELETE",
    status=204,
    permission=P.LEARN,
    summary="Unenrol from a course (your progress is kept if you come back)",
)
def unenrol_me(request):
    course = access.visible_course(request, request.matchdict["course_id"])
    enrollment = services.my_enrollment(request, course)
    if enrollment is None or enrollment.status == "cancelled":
        raise ProblemError(404, "Not found", "you are not enrolled in this course")
    services.cancel(request, enrollment)


@api_view(
    "enrollment.my_list",
    MY_LIST,
    "GET",
    query=MineQuery,
    response=Page[MyEnrollmentOut],
    permission=P.LEARN,
    summary="Your enrolments, most recent first",
)
def list_my_enrollments(request, query: MineQuery):
    stmt = sa.select(Enrollment).where(Enrollment.user_id == request.identity.id)
    if query.status is not None:
        stmt = stmt.where(Enrollment.status == query.status)
    rows, next_cursor = paginate(request.db, stmt, Enrollment.enrolled_at, Enrollment.id, query)
    courses = services.courses_by_id(request.db, [e.course_id for e in rows])
    items = [to_mine(request, e, courses[e.course_id]) for e in rows if e.course_id in courses]
    return Page[MyEnrollmentOut](items=items, next_cursor=next_cursor)


# ----------------------------------------------------------------- roster and admins


@api_view(
    "enrollment.roster",
    ROSTER,
    "GET",
    query=RosterQuery,
    response=Page[RosterEntryOut],
    permission=P.LEARN,
    summary="The course's learners with their progress (course staff)",
)
def list_roster(request, query: RosterQuery):
    course = access.visible_course(request, request.matchdict["course_id"])
    access.require_roster(request, course)
    rows, next_cursor = access.roster_page(request, course, query, query.status)
    items = [
        RosterEntryOut(
            **enrollment_fields(request, e),
            user_display_name=e.user.display_name,
            user_email=e.user.email,
        )
        for e in rows
    ]
    return Page[RosterEntryOut](items=items, next_cursor=next_cursor)


@api_view(
    "enrollment.roster",
    ROSTER,
    "POST",
    body=AdminEnrol,
    response=EnrollmentOut,
    status=201,
    permission=P.MANAGE,
    summary="Enrol a user (source admin) with an optional access window",
)
def admin_enrol(request, body: AdminEnrol):
    course = access.visible_course(request, request.matchdict["course_id"])
    user = request.db.get(User, body.user_id)
    if user is None:
        raise ProblemError(
            422,
            "Validation failed",
            "the request body is invalid",
            errors=[{"path": ["body", "user_id"], "message": "no such user", "type": "not_found"}],
        )
    enrollment = services.enrol(
        request, course, user, "admin", starts_at=body.starts_at, expires_at=body.expires_at
    )
    return created(request, to_out(request, enrollment))


@api_view(
    "enrollment.item",
    ITEM,
    "GET",
    response=EnrollmentOut,
    permission=P.LEARN,
    summary="One enrolment (its learner, the course staff, enrolment managers)",
)
def get_enrollment(request):
    enrollment, _course = access.visible_enrollment(request, request.matchdict["id"])
    return to_out(request, enrollment)


@api_view(
    "enrollment.item",
    ITEM,
    "PATCH",
    body=EnrollmentUpdate,
    response=EnrollmentOut,
    permission=P.MANAGE,
    summary="Change an enrolment's access window or status (managers)",
)
def update_enrollment(request, body: EnrollmentUpdate):
    enrollment, course = access.visible_enrollment(request, request.matchdict["id"])
    changes = body.model_dump(exclude_unset=True)
    if "starts_at" in changes or "expires_at" in changes:
        services.change_window(
            request,
            enrollment,
            starts_at=changes.get("starts_at", enrollment.starts_at),
            expires_at=changes.get("expires_at", enrollment.expires_at),
        )
    status = changes.get("status")
    if status == "cancelled" and enrollment.status != "cancelled":
        services.cancel(request, enrollment, reason="cancelled by an admin")
    elif status == "active" and enrollment.status in ("cancelled", "expired"):
        user = request.db.get(User, enrollment.user_id)
        open_until = enrollment.expires_at
        if services.is_lapsed_window(open_until, utcnow()):
            open_until = None  # enrolling again without a new window: no expiry
        services.enrol(
            request, course, user, "admin", starts_at=enrollment.starts_at, expires_at=open_until
        )
    return to_out(request, enrollment)


# ----------------------------------------------------------------- progress


@api_view(
    "enrollment.progress",
    PROGRESS,
    "POST",
    body=ProgressIn,
    response=ProgressOut,
    permission=P.LEARN,
    summary="Record progress in a lesson: completed and/or media position",
)
def record_progress(request, body: ProgressIn):
    lesson, course = access.visible_lesson(request, request.matchdict["lesson_id"])
    enrollment = services.active_enrollment(request, course)
    if enrollment is None:
        raise ProblemError(
            403, "Forbidden", "enrol in the course (or renew your access) to record progress"
        )
    from learninghub_content.services import completed_by_owner

    if body.completed is not None and completed_by_owner(request, lesson):
        raise ProblemError(
            409,
            "Conflict",
            "this lesson is completed by passing it (a quiz or an assignment), not by marking it",
            errors=[{"path": ["body", "completed"], "message": "completed by passing the lesson"}],
        )
    row = services.record_progress(
        request, enrollment, lesson, completed=body.completed, position_s=body.position_s
    )
    return ProgressOut(
        enrollment_id=enrollment.id,
        lesson_id=lesson.id,
        completed=row.completed_at is not None,
        completed_at=row.completed_at,
        position_s=row.position_s,
        progress_percent=enrollment.progress_percent,
        course_completed=enrollment.completed_at is not None,
    )
