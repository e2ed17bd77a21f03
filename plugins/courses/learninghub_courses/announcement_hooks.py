"""The courses plugin's answers to the announcements plugin's hooks, for the scope
type ``course`` (scope id: the course's UUID as a string).

* ``learninghub_announcements_scope``: the course's title and landing page for a
  course the user may view (:func:`services.can_view`), ``False`` otherwise;
* ``learninghub_announcements_can_post``: the course's staff (instructors, teaching
  assistants, tenant admins: :func:`services.is_staff`);
* ``learninghub_announcements_readable_scopes`` (asked last, ``trylast``): the courses
  the user is staff of. The enrollment plugin answers first with the learners too.

Imported into the package ``__init__``, the module pluggy registers. Nothing here
imports the announcements plugin: without it, these are never called.
"""

from __future__ import annotations

from learninghub.hookspecs import hookimpl

from . import services

COURSE = "course"


@hookimpl
def learninghub_announcements_scope(request, scope_type, scope_id):
    if scope_type != COURSE:
        return None
    course = services.get_course(request.db, scope_id)
    if course is None or not services.can_view(request, course):
        return False
    return {"title": course.title, "url": services.course_url(request, course)}


@hookimpl
def learninghub_announcements_can_post(request, scope_type, scope_id):
    if scope_type != COURSE:
        return None
    if request.identity is None:
        return False
    course = services.get_course(request.db, scope_id)
    return course is not None and services.is_staff(request, course)


@hookimpl(trylast=True)
def learninghub_announcements_readable_scopes(request, scope_type):
    if scope_type != COURSE:
        return None
    return sorted(services.course_roles(request))
