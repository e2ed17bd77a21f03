"""Pages of the gradebook (session cookie, CSRF on every POST).

* ``/teach/courses/{course_id}/gradebook`` — the course staff's table (learners ×
  graded items, total, current), a page at a time, and the override form;
* ``/teach/courses/{course_id}/gradebook.csv`` — the whole gradebook as CSV;
* ``/courses/{slug}/grades`` — a learner's own grades.

Permission is checked inside the views so that a tenant without the plugin gets its
404 first and visitors are sent to sign in.
"""

from __future__ import annotations

import csv
import io
import uuid
from decimal import Decimal, InvalidOperation

from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config

from learninghub.api import PageQuery, ProblemError
from learninghub.shell import gate, render_page
from learninghub.web import render_error_page
from learninghub_courses import services as courses

from ..pages import course_page
from . import services
from .compute import TOTAL

#: cells starting with these are formulas to a spreadsheet (CSV injection, OWASP)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _parse_percent(raw: str) -> Decimal | None:
    try:
        value = Decimal((raw or "").strip().replace(",", "."))
    except InvalidOperation:
        return None
    if (
        not value.is_finite()
        or value < 0
        or value > 100
        or value != value.quantize(Decimal("0.01"))
    ):
        return None
    return value


@view_config(route_name="assessment.page.gradebook", request_method=("GET", "POST"))
def gradebook_page(request):
    course, denied = course_page(request, services.may_see_gradebook)
    if denied is not None:
        return denied
    _ = request.gettext
    errors: dict[str, str] = {}
    form = {"user_id": "", "item": TOTAL, "percent": "", "reason": "", "action": "set"}
    flash = ""
    columns = services.items(request, course)
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in form}
        try:
            user_id = uuid.UUID(form["user_id"])
        except ValueError:
            user_id = None
        if user_id is None or not services.is_learner(request.db, course, user_id):
            errors["user_id"] = "missing"
        if form["item"] != TOTAL and form["item"] not in {c.key for c in columns}:
            errors["item"] = "missing"
        if form["action"] == "clear":
            if not errors:
                if services.clear_override(
                    request, course, user_id, form["item"], form["reason"] or None
                ):
                    flash = _("The override was removed.")
                else:
                    errors["item"] = "none"
        else:
            percent = _parse_percent(form["percent"])
            if percent is None:
                errors["percent"] = "invalid"
            if not form["reason"]:
                errors["reason"] = "missing"
            elif len(form["reason"]) > 500:
                errors["reason"] = "long"
            if not errors:
                services.set_override(
                    request, course, user_id, form["item"], percent, form["reason"]
                )
                flash = _("The grade was overridden.")
        if not errors:
            form = {"user_id": "", "item": TOTAL, "percent": "", "reason": "", "action": "set"}
    cursor = request.GET.get("cursor") or None
    size = request.plugin_settings(services.PLUGIN).page_size
    try:
        enrolments, next_cursor = services.roster_page(
            request, course, PageQuery(limit=min(size, 100), cursor=cursor)
        )
    except (ProblemError, ValueError):
        raise HTTPBadRequest() from None
    rows = services.rows(request, course, columns, [e.user_id for e in enrolments])
    next_url = (
        request.route_path(
            "assessment.page.gradebook", course_id=str(course.id), _query={"cursor": next_cursor}
        )
        if next_cursor
        else None
    )
    return render_page(
        request,
        "assessment/gradebook/gradebook.jinja2",
        status=422 if errors else 200,
        course=course,
        course_url=courses.course_url(request, course),
        columns=columns,
        learners=[{"user": e.user, "row": row} for e, row in zip(enrolments, rows, strict=True)],
        next_url=next_url,
        first_page=not cursor,
        csv_url=request.route_path("assessment.page.gradebook_csv", course_id=str(course.id)),
        action=request.route_path("assessment.page.gradebook", course_id=str(course.id)),
        assignment_urls={
            c.key: request.route_path(
                "assessment.page.assignment",
                course_id=str(course.id),
                id=c.key.split(":", 1)[1],
            )
            for c in columns
            if c.kind == "assignment"
        },
        form=form,
        errors=errors,
        flash=flash,
        TOTAL=TOTAL,
    )


def _percent_text(value) -> str:
    return "" if value is None else str(value)


@view_config(route_name="assessment.page.gradebook_csv", request_method="GET")
def gradebook_csv(request):
    course, denied = course_page(request, services.may_see_gradebook)
    if denied is not None:
        return denied
    columns = services.items(request, course)
    enrolments = services.roster_all(request, course)
    rows = services.rows(request, course, columns, [e.user_id for e in enrolments])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["name", "email", "status"]
        + [csv_cell(f"{c.title} [{c.key}]") for c in columns]
        + ["total", "current"]
    )
    for e, row in zip(enrolments, rows, strict=True):
        writer.writerow(
            [csv_cell(e.user.display_name), csv_cell(e.user.email), e.status]
            + [_percent_text(row.cells[c.key].percent) for c in columns]
            + [_percent_text(row.total), _percent_text(row.current)]
        )
    request.emit(
        services.EXPORTED_EVENT,
        resource_type="course",
        resource_id=course.id,
        payload={"course_id": str(course.id), "format": "csv", "rows": len(rows)},
    )
    response = Response(
        out.getvalue().encode("utf-8-sig"), content_type="text/csv", charset="utf-8"
    )
    response.content_disposition = f'attachment; filename="gradebook-{course.slug}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@view_config(route_name="assessment.page.my_grades", request_method="GET")
def my_grades_page(request):
    denied = gate(request, None)
    if denied is not None:
        return denied
    course = courses.get_course_by_slug(request.db, request.matchdict["slug"])
    if course is None or not courses.can_view(request, course):
        raise HTTPNotFound()
    if not services.is_learner(request.db, course, request.identity.id):
        return render_error_page(request, 403, "Forbidden")
    columns, row = services.row_of(request, course, request.identity.id)
    from learninghub_content import services as content

    lessons = {lesson.id: lesson for lesson in content.published_lessons(request.db, course.id)}
    return render_page(
        request,
        "assessment/gradebook/my_grades.jinja2",
        course=course,
        course_url=courses.course_url(request, course),
        columns=columns,
        row=row,
        lesson_urls={
            c.key: content.player_path(request, course, lessons[c.lesson_id])
            for c in columns
            if c.lesson_id in lessons
        },
    )
