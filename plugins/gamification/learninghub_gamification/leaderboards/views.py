"""``/leaderboards``: period tabs (week, month, all time), the tenant's board or one of
the caller's courses, "you are #N", a page at a time (``?cursor=``).

Permission is checked inside the view so that a tenant without the plugin gets its
404 first and visitors are sent to sign in.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from pyramid.view import view_config

from learninghub.api import ProblemError, encode_cursor
from learninghub.shell import gate, render_page
from learninghub.web import render_error_page

from . import services
from .access import VIEW, CourseRefused, board_course, selectable_courses
from .api import offset_of
from .interfaces import PERIODS

PAGE_SIZE = 25


@view_config(route_name="gamification.page.leaderboards", request_method="GET")
def leaderboards_page(request):
    denied = gate(request, VIEW)
    if denied is not None:
        return denied
    _ = request.gettext
    period = request.GET.get("period", "week")
    if period not in PERIODS:
        return render_error_page(request, 400, "Bad request")
    course = None
    raw_course = request.GET.get("course_id", "")
    if raw_course:
        try:
            course = board_course(request, uuid.UUID(raw_course))
        except ValueError:
            return render_error_page(request, 404, "Not found")
        except CourseRefused as refused:
            return render_error_page(request, refused.status, "Forbidden")
    try:
        offset = offset_of(request.GET.get("cursor") or None)
    except ProblemError:
        return render_error_page(request, 400, "Bad request")
    board = services.standings(request, period, course.id if course else None, PAGE_SIZE, offset)

    def link(**changes) -> str:
        params = {"period": period, "course_id": str(course.id) if course else ""}
        params.update(changes)
        return (
            request.route_path("gamification.page.leaderboards")
            + "?"
            + urlencode({k: v for k, v in params.items() if v})
        )

    tabs = [
        (name, label, link(period=name))
        for name, label in (
            ("week", _("This week")),
            ("month", _("This month")),
            ("all", _("All time")),
        )
    ]
    return render_page(
        request,
        "gamification/leaderboards/leaderboards.jinja2",
        board=board,
        period=period,
        course=course,
        courses=selectable_courses(request),
        tabs=tabs,
        next_url=link(cursor=encode_cursor([offset + PAGE_SIZE])) if board.has_more else None,
        first_url=link() if offset else None,
    )
