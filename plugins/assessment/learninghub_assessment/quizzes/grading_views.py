"""Staff pages of the quizzes part (session cookie, CSRF on every POST; they work
without JavaScript):

* ``/teach/courses/{id}/grading`` (+ ``/{answer_id}``) — the manual-grading queue.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from pydantic import ValidationError
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from learninghub.api import PageQuery, ProblemError
from learninghub.shell import render_page

from ..pages import course_page
from . import grading, services
from .services import Refusal
from .views import _refusal_text

GRADING = "assessment/quizzes/grading.jinja2"


# ----------------------------------------------------------------- grading queue


@view_config(route_name="assessment.page.grading", request_method="GET")
def grading_page(request):
    course, denied = course_page(request, services.is_staff)
    if denied is not None:
        return denied
    from .api import queue_page

    try:
        query = PageQuery(
            limit=min(100, request.plugin_settings(services.PLUGIN).page_size),
            cursor=request.GET.get("cursor") or None,
        )
        page = queue_page(request, course, query)
    except (ValidationError, ProblemError):
        raise HTTPNotFound() from None
    return render_page(
        request,
        GRADING,
        course=course,
        items=page["items"],
        next_url=request.route_path(
            "assessment.page.grading",
            course_id=str(course.id),
            _query={"cursor": page["next_cursor"]},
        )
        if page["next_cursor"]
        else None,
        errors={},
    )


@view_config(route_name="assessment.page.grade", request_method="POST")
def grade_page(request):
    course, denied = course_page(request, services.is_staff)
    if denied is not None:
        return denied
    try:
        answer, attempt, quiz, answer_course = grading.grading_answer(
            request, request.matchdict["answer_id"]
        )
    except ProblemError:
        raise HTTPNotFound() from None
    if answer_course.id != course.id:
        raise HTTPNotFound()
    raw = (request.POST.get("points") or "").strip().replace(",", ".")
    try:
        points = Decimal(raw)
        if not points.is_finite() or points < 0:
            raise InvalidOperation
    except InvalidOperation:
        return _grading_error(
            request, course, answer.id, request.gettext("Enter a number of points.")
        )
    try:
        grading.grade_by_hand(
            request,
            answer,
            attempt,
            quiz,
            points,
            (request.POST.get("feedback") or "").strip() or None,
        )
    except ProblemError:
        return _grading_error(
            request,
            course,
            answer.id,
            request.gettext("At most %(points)s points.", points=answer.max_points),
        )
    except Refusal as refusal:
        return _grading_error(request, course, answer.id, _refusal_text(request, refusal))
    return HTTPSeeOther(
        location=request.route_path("assessment.page.grading", course_id=str(course.id))
    )


def _grading_error(request, course, answer_id, message: str) -> Response:
    from .api import queue_page

    page = queue_page(request, course, PageQuery(limit=20))
    return render_page(
        request,
        GRADING,
        status=422,
        course=course,
        items=page["items"],
        next_url=None,
        errors={str(answer_id): message},
    )
