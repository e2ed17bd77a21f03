"""What the plugin's HTML pages share: the course a staff or editor page is about, and
the lesson a set-up page is for. (The JSON API has its own checks, in each part's
``services``: problems instead of pages.)"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from pyramid.httpexceptions import HTTPNotFound

from learninghub.shell import gate
from learninghub.web import render_error_page


def course_page(request, allowed: Callable[[Any, Any], bool]) -> tuple[Any, Any]:
    """``(course, None)`` for the course of the URL (``course_id``) when ``allowed(request,
    course)``; else ``(None, response)`` to return instead: the sign-in redirect for
    visitors, the themed 403 page for those the course is visible to but not allowed.
    Raises 404 for unknown courses, other tenants' and drafts the caller may not see."""
    from learninghub_courses import services as courses

    denied = gate(request, None)
    if denied is not None:
        return None, denied
    try:
        course_id = uuid.UUID(str(request.matchdict["course_id"]))
    except (ValueError, TypeError):
        raise HTTPNotFound() from None
    course = courses.get_course(request.db, course_id)
    if course is None or not courses.can_view(request, course):
        raise HTTPNotFound()
    if not allowed(request, course):
        return None, render_error_page(request, 403, "Forbidden")
    return course, None


def lesson_of_type(request, course, lesson_type: str):
    """The lesson of the URL (``lesson_id``) when it is one of ``course``'s lessons of
    type ``lesson_type``; 404 otherwise."""
    from learninghub_content.services import get_lesson_by_id

    lesson = get_lesson_by_id(request.db, request.matchdict["lesson_id"])
    if lesson is None or lesson.course_id != course.id or lesson.type != lesson_type:
        raise HTTPNotFound()
    return lesson
