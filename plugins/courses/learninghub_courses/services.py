"""The courses plugin's Python API for the other plugins (content, media,
enrollment, reviews) and for its own views.

Only this module, the hookspecs and the events are promised to other plugins
(docs/design/catalog-contracts.md); reach courses through them, never through the
models.

Access rules:

* staff of a course = its instructors and teaching assistants (``RoleGrant`` with
  ``resource_type="course"``) and the tenant's admins (holders of
  ``courses:course:review``);
* a published course is visible to everyone (anonymous visitors too); any other
  status only to its staff;
* a course is edited by its instructors and by admins (not by teaching assistants).
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from learninghub.db import utcnow
from learninghub.identity import forget_role_rows, role_rows

from .models import Course
from .permissions import CoursePermission

PLUGIN = "courses"
REINDEX_TASK = "courses.reindex"
_ROLES_KEY = "_lh_courses_roles"
_NO_CONTEXT = object()


def _as_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def get_course(db, course_id) -> Course | None:
    """The course of the session's tenant with this id (a UUID or its string), or
    None (malformed id, another tenant's course, no such course)."""
    cid = _as_uuid(course_id)
    return db.get(Course, cid) if cid is not None else None


def get_course_by_slug(db, slug: str) -> Course | None:
    """The course of the session's tenant with this slug, or None."""
    return db.scalar(sa.select(Course).where(Course.slug == slug))


# ----------------------------------------------------------------- access


def course_roles(request) -> dict[str, set[str]]:
    """course id (str) -> the request user's course roles, read once per request."""
    cached = request.__dict__.get(_ROLES_KEY)
    if cached is not None:
        return cached
    roles: dict[str, set[str]] = {}
    # the kernel reads every grant of the user once per request for its permissions
    for role, rtype, rid in role_rows(request):
        if rtype == "course" and rid:
            roles.setdefault(rid, set()).add(role)
    request.__dict__[_ROLES_KEY] = roles
    return roles


def forget_course_roles(request) -> None:
    """Drop the per-request cache after granting or revoking a course role."""
    request.__dict__.pop(_ROLES_KEY, None)
    forget_role_rows(request)


def is_admin(request) -> bool:
    """A tenant admin for courses: reviews the queue and may act on every course."""
    if request.identity is None:
        return False
    # requests made for tasks have no traversal context
    context = getattr(request, "context", None) or _NO_CONTEXT
    return bool(request.has_permission(CoursePermission.REVIEW, context))


def is_staff(request, course: Course) -> bool:
    """Instructor or teaching assistant of ``course``, or tenant admin."""
    if request.identity is None:
        return False
    return bool(course_roles(request).get(str(course.id))) or is_admin(request)


def is_instructor(request, course: Course) -> bool:
    """Instructor of ``course`` (course role only; admins are not instructors)."""
    if request.identity is None:
        return False
    return "instructor" in course_roles(request).get(str(course.id), set())


def can_view(request, course: Course) -> bool:
    """Published, or the request's user is staff of the course."""
    return course.status == "published" or is_staff(request, course)


def can_edit(request, course: Course) -> bool:
    """Instructor of the course, or tenant admin."""
    return is_instructor(request, course) or is_admin(request)


# ----------------------------------------------------------------- writes by others


def bump_stats(
    db,
    course_id,
    *,
    enrolment_delta: int = 0,
    rating_average: float | None = None,
    rating_count: int | None = None,
) -> None:
    """Adjust the counters other plugins keep on a course, inside the caller's
    transaction: ``enrolment_count`` by ``enrolment_delta`` (never below 0, atomic
    in SQL), and ``rating_average`` / ``rating_count`` set to the given values. The
    only way the other plugins write to ``courses``. A search reindex is scheduled
    by the caller's request when it has one (:func:`request_reindex`); the sorts by
    popularity and rating read the columns directly, so they are exact at once."""
    cid = _as_uuid(course_id)
    if cid is None:
        return
    values: dict[str, Any] = {}
    if enrolment_delta:
        values["enrolment_count"] = sa.case(
            (Course.enrolment_count + enrolment_delta < 0, 0),
            else_=Course.enrolment_count + enrolment_delta,
        )
    if rating_average is not None:
        values["rating_average"] = float(rating_average)
    if rating_count is not None:
        values["rating_count"] = max(0, int(rating_count))
    if not values:
        return
    db.execute(
        sa.update(Course)
        .where(Course.id == cid)
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )


def course_url(request, course: Course) -> str:
    """The landing page's path: ``/courses/{slug}``."""
    return request.route_path("courses.page.landing", slug=course.slug)


def request_reindex(request, course_id) -> None:
    """Schedule the search reindex of a course after the request's commit (nothing
    when it rolls back). Other plugins call it when their search text changes."""
    request.tasks.enqueue(REINDEX_TASK, course_id=str(course_id))


def touch(course: Course) -> None:
    course.updated_at = utcnow()


def description_markup(course: Course):
    """The description for templates: sanitized when stored, cleaned again on the
    way out so that rows written by other means never inject markup."""
    import nh3
    from markupsafe import Markup

    return Markup(nh3.clean(course.description or ""))  # sanitized on this very line


def thumbnail_access(request, asset) -> bool | None:
    """The courses plugin's answer to ``learninghub_media_can_access``: True when
    ``asset`` is the thumbnail of a published course or of a course the user is
    staff of; None (no opinion) otherwise."""
    asset_id = _as_uuid(getattr(asset, "id", None))
    if asset_id is None:
        return None
    courses = list(
        request.db.scalars(sa.select(Course).where(Course.thumbnail_asset_id == asset_id))
    )
    if any(c.status == "published" or is_staff(request, c) for c in courses):
        return True
    return None


def get_courses(db, ids) -> dict[uuid.UUID, Course]:
    """The courses of the session's tenant among ``ids`` (UUIDs or their strings), by
    id, in one query (none for an empty list). Malformed ids, other tenants' courses
    and unknown ids are simply absent; repeats are looked up once. Visibility is the
    caller's business (:func:`can_view`)."""
    keys = {key for key in (_as_uuid(value) for value in ids) if key is not None}
    if not keys:
        return {}
    return {
        course.id: course for course in db.scalars(sa.select(Course).where(Course.id.in_(keys)))
    }
