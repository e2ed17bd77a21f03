"""The enrollment plugin's answers to the announcements plugin's audience hooks, for
the scope type ``course``: a course's announcements are for its learners with access
(an enrolment ``active`` or ``completed``, inside its window) and its staff
(instructors and teaching assistants).

* ``learninghub_announcements_readable_scopes``: the courses the user has access to
  or is staff of (two statements per request, both cached and shared with the other
  pages of the request);
* ``learninghub_announcements_audience``: the ids of those users for one course (two
  statements), for the email sent on publication.

Imported into the package ``__init__``, the module pluggy registers. Nothing here
imports the announcements plugin: without it, these are never called.
"""

from __future__ import annotations

import sqlalchemy as sa

from learninghub.db import utcnow
from learninghub.hookspecs import hookimpl
from learninghub.identity import RoleGrant

from . import services
from .models import ACCESS_STATUSES, Enrollment

COURSE = "course"


@hookimpl
def learninghub_announcements_readable_scopes(request, scope_type):
    if scope_type != COURSE:
        return None
    if request.identity is None:
        return []
    from learninghub_courses import services as courses

    now = utcnow()
    # the ids only: filtered in SQL, no ORM instances (a learner may have hundreds)
    ids = {
        str(course_id)
        for course_id in request.db.scalars(
            sa.select(Enrollment.course_id).where(
                Enrollment.user_id == request.identity.id,
                Enrollment.status.in_(ACCESS_STATUSES),
                sa.or_(Enrollment.starts_at.is_(None), Enrollment.starts_at <= now),
                sa.or_(Enrollment.expires_at.is_(None), Enrollment.expires_at > now),
            )
        )
    }
    ids.update(courses.course_roles(request))
    return sorted(ids)


@hookimpl
def learninghub_announcements_audience(request, scope_type, scope_id):
    if scope_type != COURSE:
        return None
    course_id = services.as_uuid(scope_id)
    if course_id is None:
        return []
    now = utcnow()
    learners = request.db.scalars(
        sa.select(Enrollment.user_id).where(
            Enrollment.course_id == course_id,
            Enrollment.status.in_(ACCESS_STATUSES),
            sa.or_(Enrollment.starts_at.is_(None), Enrollment.starts_at <= now),
            sa.or_(Enrollment.expires_at.is_(None), Enrollment.expires_at > now),
        )
    )
    staff = request.db.scalars(
        sa.select(RoleGrant.user_id).where(
            RoleGrant.resource_type == "course", RoleGrant.resource_id == str(course_id)
        )
    )
    return sorted({*learners, *staff}, key=str)
