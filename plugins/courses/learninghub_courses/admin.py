"""Admin page: ``/admin/courses``, the review queue (approve, or return with a
comment), in the admin shell (section "Courses")."""

from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from learninghub.api import ProblemError
from learninghub.i18n import N_
from learninghub.shell import gate, render_page

from . import catalog, services, workflow
from .models import Course
from .permissions import CoursePermission as P

QUEUE_PAGE = "courses/admin_queue.jinja2"
SECTION = "/admin/courses"
DONE = {
    "approved": N_("Course approved and published."),
    "returned": N_("Course returned to its instructors with your comment."),
}


def _queue(request, errors=None, comments=None, status: int = 200):
    courses = list(
        request.db.scalars(
            sa.select(Course)
            .where(Course.status == "in_review")
            .order_by(Course.updated_at.asc(), Course.id)
        )
    )
    done = request.GET.get("done")
    return render_page(
        request,
        QUEUE_PAGE,
        status,
        section=SECTION,
        courses=courses,
        instructors=catalog.instructors_of(request.db, [c.id for c in courses]),
        errors=errors or {},
        comments=comments or {},
        urls={c.id: services.course_url(request, c) for c in courses},
        flash=request.gettext(DONE[done]) if done in DONE else "",
    )


@view_config(route_name="courses.page.admin", request_method="GET")
def review_queue(request):
    denied = gate(request, P.REVIEW)
    if denied is not None:
        return denied
    return _queue(request)


@view_config(route_name="courses.page.admin_action", request_method="POST")
def review_action(request):
    denied = gate(request, P.REVIEW)
    if denied is not None:
        return denied
    course = services.get_course(request.db, request.matchdict["id"])
    if course is None:
        raise HTTPNotFound()
    action = request.matchdict["action"]
    try:
        if action == "approve":
            workflow.approve(request, course)
            done = "approved"
        elif action == "return":
            comment = request.POST.get("comment", "").strip()
            if not comment or len(comment) > 5000:
                message = request.gettext("Write what the instructors should change.")
                return _queue(
                    request, {course.id: message}, {course.id: comment[:5000]}, status=422
                )
            workflow.return_to_draft(request, course, comment)
            done = "returned"
        else:
            raise HTTPNotFound()
    except ProblemError:
        message = request.gettext("This course is no longer waiting for review.")
        return _queue(request, {"form": message}, status=409)
    return HTTPSeeOther(location=request.route_path("courses.page.admin", _query={"done": done}))
