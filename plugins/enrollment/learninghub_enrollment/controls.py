"""Markup the enrollment plugin puts on other plugins' pages (through their hooks):
the landing page's enrol control and the lesson player's "Mark complete". Rendered
from templates, so themes can override them (``enrollment/enrol_action.jinja2``,
``enrollment/lesson_actions.jinja2``)."""

from __future__ import annotations

from markupsafe import Markup

from learninghub.db import utcnow

from . import access, services
from .permissions import EnrollmentPermission as P


def render(request, name: str, **values) -> Markup:
    return Markup(request.registry["templates"].render(name, values, request))


def enrol_action(request, course) -> Markup | None:
    """See ``learninghub_courses_enrol_action``: None when another plugin should
    answer (a paid course nobody sells here) or nobody can enrol (unpublished)."""
    if course.status != "published":
        return None
    from learninghub_courses.services import course_url

    login_url = request.route_path("login", _query={"next": course_url(request, course)})
    user = request.identity
    enrollment = services.my_enrollment(request, course) if user is not None else None
    now = utcnow()
    if enrollment is not None and enrollment.has_access_at(now):
        return render(
            request,
            "enrollment/enrol_action.jinja2",
            state="enrolled",
            course=course,
            enrollment=enrollment,
            continue_url=request.route_path("enrollment.page.continue", course_id=str(course.id)),
            unenrol_url=request.route_path("enrollment.page.unenrol", course_id=str(course.id)),
        )
    if course.price_minor > 0:
        return access.paid_offer(request, course)
    if enrollment is not None and services.effective_status(enrollment, now) == "scheduled":
        return render(
            request,
            "enrollment/enrol_action.jinja2",
            state="scheduled",
            course=course,
            enrollment=enrollment,
        )
    if user is None:
        return render(
            request,
            "enrollment/enrol_action.jinja2",
            state="anonymous",
            course=course,
            login_url=login_url,
        )
    if not request.has_permission(P.LEARN) or access.self_enrolment_refusal(request, course):
        return None
    ended = enrollment is not None and enrollment.status in ("expired", "completed", "active")
    return render(
        request,
        "enrollment/enrol_action.jinja2",
        state="expired" if ended else "open",
        course=course,
        enrollment=enrollment,
        enrol_url=request.route_path("enrollment.page.enrol", course_id=str(course.id)),
    )


def lesson_actions(request, course, lesson) -> list[Markup]:
    """ "Mark complete" (or "Mark as not complete") for learners with access."""
    if request.identity is None or not getattr(lesson, "is_published", False):
        return []
    from learninghub_content.services import completed_by_owner

    if completed_by_owner(request, lesson):
        return []  # a quiz or an assignment: its plugin marks it when passed
    if services.active_enrollment(request, course) is None:
        return []
    done = lesson.id in services.completed_lesson_ids(request, course)
    return [
        render(
            request,
            "enrollment/lesson_actions.jinja2",
            done=done,
            lesson=lesson,
            action=request.route_path("enrollment.page.progress", lesson_id=str(lesson.id)),
            next_url=request.path_qs,
        )
    ]
