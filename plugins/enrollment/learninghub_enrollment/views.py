"""Pages and forms of the enrollment plugin (session cookie, CSRF on every POST).

* ``/my-learning`` — the signed-in learner's courses with progress and a continue
  link; ``/my-learning/continue/{course_id}`` resumes where they left off;
* ``/my-learning/enrol/{course_id}``, ``/my-learning/unenrol/{course_id}`` and
  ``/my-learning/lessons/{lesson_id}/progress`` — the forms behind the landing
  page's "Enrol" button and the player's "Mark complete";
* ``/teach/courses/{course_id}/roster`` (+ ``.csv``) — the course staff's roster;
  enrolment managers also enrol users there with an access window.

Permission is checked inside the views (not ``view_config(permission=...)``) so that
a tenant without the plugin gets its 404 first and visitors are sent to sign in.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from learninghub.api import PageQuery, ProblemError
from learninghub.db import utcnow
from learninghub.identity import User, normalize_email
from learninghub.shell import gate, render_page
from learninghub.web import render_error_page

from . import access, services
from .models import Enrollment
from .permissions import EnrollmentPermission as P

#: cells starting with these are formulas to a spreadsheet (CSV injection)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_next(request, default: str) -> str:
    """A local path to go back to (never another host: ``//x`` and ``\\x`` refused)."""
    target = request.POST.get("next") or ""
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default


# ----------------------------------------------------------------- My learning


def my_learning_items(request, limit: int | None = None) -> list[dict]:
    """The user's enrolments with their courses: two statements whatever their
    number. Current ones first (most recently enrolled first), then ended ones."""
    stmt = (
        sa.select(Enrollment)
        .where(Enrollment.user_id == request.identity.id, Enrollment.status != "cancelled")
        .order_by(Enrollment.enrolled_at.desc(), Enrollment.id.desc())
    )
    rows = list(request.db.scalars(stmt))
    now = utcnow()
    rows.sort(key=lambda e: not e.has_access_at(now))  # stable: keeps the date order
    if limit is not None:
        rows = rows[:limit]
    courses = services.courses_by_id(request.db, [e.course_id for e in rows])
    from learninghub_courses.services import course_url

    items = []
    for e in rows:
        course = courses.get(e.course_id)
        if course is None:
            continue
        items.append(
            {
                "enrollment": e,
                "course": course,
                "status": services.effective_status(e, now),
                "has_access": e.has_access_at(now),
                "course_url": course_url(request, course),
                "continue_url": request.route_path(
                    "enrollment.page.continue", course_id=str(course.id)
                ),
                "started": e.last_lesson_id is not None,
            }
        )
    return items


@view_config(
    route_name="enrollment.page.my_learning",
    request_method="GET",
    renderer="learninghub_enrollment:templates/my_learning.jinja2",
)
def my_learning_page(request):
    denied = gate(request, P.LEARN)
    if denied is not None:
        return denied
    items = my_learning_items(request)
    return {
        "current": [i for i in items if i["has_access"] or i["status"] == "scheduled"],
        "ended": [i for i in items if not i["has_access"] and i["status"] != "scheduled"],
    }


@view_config(route_name="enrollment.page.continue", request_method="GET")
def continue_page(request):
    """Resume where the learner left off (:func:`resume_lesson`); the landing page
    when the learner has no access or the course has no lesson yet."""
    denied = gate(request, P.LEARN)
    if denied is not None:
        return denied
    try:
        course = access.visible_course(request, request.matchdict["course_id"])
    except ProblemError:
        raise HTTPNotFound() from None
    from learninghub_content.services import player_path, published_lessons
    from learninghub_courses.services import course_url

    enrollment = services.active_enrollment(request, course)
    if enrollment is None:
        return HTTPSeeOther(location=course_url(request, course))
    lessons = published_lessons(request.db, course.id)
    if not lessons:
        return HTTPSeeOther(location=course_url(request, course))
    done = services.completed_lesson_ids(request, course)
    target = resume_lesson(lessons, enrollment.last_lesson_id, done)
    return HTTPSeeOther(location=player_path(request, course, target))


def resume_lesson(lessons: list, last_id, done: set):
    """The lesson to continue with, from the course's published ``lessons`` in order:
    the last one touched while it is not completed; once it is, the next lesson not
    completed after it (then before it); when every lesson is done, the last one
    touched (or the first). When the lesson touched was unpublished since, the first
    lesson not completed."""
    index = next((i for i, lesson in enumerate(lessons) if lesson.id == last_id), None)
    if index is not None and lessons[index].id not in done:
        return lessons[index]
    start = 0 if index is None else index + 1
    for lesson in [*lessons[start:], *lessons[:start]]:
        if lesson.id not in done:
            return lesson
    return lessons[index] if index is not None else lessons[0]


@view_config(route_name="enrollment.page.enrol", request_method="POST")
def enrol_form(request):
    denied = gate(request, P.LEARN)
    if denied is not None:
        return denied
    try:
        course = access.visible_course(request, request.matchdict["course_id"])
    except ProblemError:
        raise HTTPNotFound() from None
    if services.active_enrollment(request, course) is None:
        refusal = access.self_enrolment_refusal(request, course)
        if refusal is not None:
            return render_error_page(request, 403, "Forbidden")
        services.enrol(
            request, course, request.identity, "free", expires_at=services.default_expiry(request)
        )
    return HTTPSeeOther(
        location=request.route_path("enrollment.page.continue", course_id=str(course.id))
    )


@view_config(route_name="enrollment.page.unenrol", request_method="POST")
def unenrol_form(request):
    denied = gate(request, P.LEARN)
    if denied is not None:
        return denied
    try:
        course = access.visible_course(request, request.matchdict["course_id"])
    except ProblemError:
        raise HTTPNotFound() from None
    enrollment = services.my_enrollment(request, course)
    if enrollment is not None and enrollment.status != "cancelled":
        services.cancel(request, enrollment)
    return HTTPSeeOther(location=request.route_path("enrollment.page.my_learning"))


@view_config(route_name="enrollment.page.progress", request_method="POST")
def progress_form(request):
    """ "Mark complete" / "Mark as not complete" under a lesson."""
    denied = gate(request, P.LEARN)
    if denied is not None:
        return denied
    try:
        lesson, course = access.visible_lesson(request, request.matchdict["lesson_id"])
    except ProblemError:
        raise HTTPNotFound() from None
    enrollment = services.active_enrollment(request, course)
    if enrollment is None:
        return render_error_page(request, 403, "Forbidden")
    from learninghub_content.services import completed_by_owner, player_path

    if completed_by_owner(request, lesson):
        return render_error_page(request, 409, "Conflict")
    completed = request.POST.get("completed", "1") != "0"
    services.record_progress(request, enrollment, lesson, completed=completed)

    return HTTPSeeOther(location=safe_next(request, player_path(request, course, lesson)))


# ----------------------------------------------------------------- roster


def _staff_course(request):
    """The course of the roster pages, or the response to return instead."""
    denied = gate(request, None)
    if denied is not None:
        return None, denied
    try:
        course = access.visible_course(request, request.matchdict["course_id"])
    except ProblemError:
        raise HTTPNotFound() from None
    if not access.may_see_roster(request, course):
        return None, render_error_page(request, 403, "Forbidden")
    return course, None


def _parse_day(raw: str, field: str, errors: dict, end: bool = False) -> datetime | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        errors[field] = "date"
        return None
    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)


@view_config(route_name="enrollment.page.roster", request_method=("GET", "POST"))
def roster_page(request):
    course, denied = _staff_course(request)
    if denied is not None:
        return denied
    _ = request.gettext
    errors: dict[str, str] = {}
    flash = ""
    form = {"email": "", "starts_at": "", "expires_at": ""}
    manager = access.is_manager(request)
    if request.method == "POST":
        if not manager:
            return render_error_page(request, 403, "Forbidden")
        form = {k: request.POST.get(k, "").strip() for k in form}
        starts = _parse_day(form["starts_at"], "starts_at", errors)
        expires = _parse_day(form["expires_at"], "expires_at", errors, end=True)
        if starts and expires and expires <= starts:
            errors["expires_at"] = "order"
        user = None
        if not form["email"]:
            errors["email"] = "missing"
        else:
            user = request.db.scalar(
                sa.select(User).where(User.email == normalize_email(form["email"]))
            )
            if user is None:
                errors["email"] = "unknown"
        if not errors:
            services.enrol(request, course, user, "admin", starts_at=starts, expires_at=expires)
            flash = _("%(name)s is enrolled.", name=user.display_name or user.email)
            form = {"email": "", "starts_at": "", "expires_at": ""}
    cursor = request.GET.get("cursor") or None
    size = request.plugin_settings(services.PLUGIN).roster_page_size
    try:
        page = PageQuery(limit=size, cursor=cursor)
        rows, next_cursor = access.roster_page(request, course, page)
    except (ProblemError, ValueError):
        raise HTTPBadRequest() from None
    now = utcnow()
    learners = [
        {"enrollment": e, "user": e.user, "status": services.effective_status(e, now)} for e in rows
    ]
    next_url = (
        request.route_path(
            "enrollment.page.roster", course_id=str(course.id), _query={"cursor": next_cursor}
        )
        if next_cursor
        else None
    )
    from learninghub_courses.services import course_url

    return render_page(
        request,
        "enrollment/roster.jinja2",
        status=422 if errors else 200,
        course=course,
        course_url=course_url(request, course),
        learners=learners,
        next_url=next_url,
        first_page=not cursor,
        csv_url=request.route_path("enrollment.page.roster_csv", course_id=str(course.id)),
        manager=manager,
        form=form,
        errors=errors,
        flash=flash,
        action=request.route_path("enrollment.page.roster", course_id=str(course.id)),
    )


def csv_cell(value) -> str:
    """A CSV cell a spreadsheet will not run: text starting like a formula gets a
    leading apostrophe (OWASP's advice for CSV injection)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


@view_config(route_name="enrollment.page.roster_csv", request_method="GET")
def roster_csv(request):
    course, denied = _staff_course(request)
    if denied is not None:
        return denied
    now = utcnow()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "name",
            "email",
            "status",
            "source",
            "enrolled_at",
            "starts_at",
            "expires_at",
            "progress_percent",
            "completed_at",
        ]
    )
    stmt = access.roster_statement(course).order_by(
        Enrollment.enrolled_at.desc(), Enrollment.id.desc()
    )
    for e in request.db.scalars(stmt):
        writer.writerow(
            [
                csv_cell(e.user.display_name),
                csv_cell(e.user.email),
                services.effective_status(e, now),
                e.source,
                e.enrolled_at.isoformat(),
                e.starts_at.isoformat() if e.starts_at else "",
                e.expires_at.isoformat() if e.expires_at else "",
                e.progress_percent,
                e.completed_at.isoformat() if e.completed_at else "",
            ]
        )
    response = Response(
        out.getvalue().encode("utf-8-sig"), content_type="text/csv", charset="utf-8"
    )
    filename = f"roster-{course.slug}.csv"
    response.content_disposition = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
