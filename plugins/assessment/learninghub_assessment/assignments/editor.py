"""The course editors' pages of assignments (session cookie, CSRF on every POST; no
JavaScript needed):

* ``/teach/courses/{course_id}/lessons/{lesson_id}/assignment`` — set up the
  assignment of a lesson of type ``assignment`` (course editors);
* ``/teach/courses/{course_id}/assignments/{id}/settings`` — change it (course
  editors);
* ``/teach/courses/{course_id}/assignments`` — the course's assignment lessons with
  links to set them up, change them and grade them (course staff; linked from the
  course's teach page through ``courses_teach_links``).

The form is checked by the API's model (``AssignmentFields``) and saved by the API's
service functions (``services.create_assignment`` / ``update_assignment``): the page
only turns fields into values (decimal commas, the due date read in the editor's time
zone and stored in UTC) and the model's errors into messages next to the fields.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from learninghub.api import ProblemError
from learninghub.shell import render_page

from ..models.assignments import Assignment, Submission
from ..pages import course_page, lesson_of_type
from ..timeinput import (
    NonexistentTime,
    local_input,
    nonexistent_time_message,
    read_local,
    zone_name,
)
from . import services
from .schemas import AssignmentFields

SETTINGS = "assessment/assignments/settings.jinja2"
OVERVIEW = "assessment/assignments/overview.jinja2"

#: the form's fields, in the order of the page (the error summary follows it)
FIELDS = (
    "instructions",
    "submission_type",
    "due_at",
    "max_points",
    "passing_percent",
    "weight",
    "required",
)


# ----------------------------------------------------------------- the form


def _decimal_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def _form_of(assignment: Assignment | None, tz: tzinfo) -> dict[str, Any]:
    """The form's values (text, as posted) of ``assignment`` or of a new one."""
    if assignment is None:
        defaults = AssignmentFields()
        return {
            "instructions": defaults.instructions,
            "submission_type": defaults.submission_type,
            "due_at": "",
            "max_points": _decimal_text(defaults.max_points),
            "passing_percent": _decimal_text(defaults.passing_percent),
            "weight": _decimal_text(defaults.weight),
            "required": defaults.required,
        }
    return {
        "instructions": assignment.instructions,
        "submission_type": assignment.submission_type,
        "due_at": local_input(assignment.due_at, tz),
        "max_points": _decimal_text(assignment.max_points),
        "passing_percent": _decimal_text(assignment.passing_percent),
        "weight": _decimal_text(assignment.weight),
        "required": assignment.required,
    }


def _bounds(name: str) -> dict[str, str]:
    """``{"low", "high"}`` of a number field, read from the model (its rules are
    written once, there)."""
    found: dict[str, str] = {}
    for rule in AssignmentFields.model_fields[name].metadata:
        for attr, key in (("gt", "low"), ("ge", "low"), ("lt", "high"), ("le", "high")):
            if getattr(rule, attr, None) is not None:
                found[key] = str(getattr(rule, attr))
    return found


def _messages(request) -> dict[str, str]:
    _ = request.gettext
    max_length = next(
        (
            rule.max_length
            for rule in AssignmentFields.model_fields["instructions"].metadata
            if getattr(rule, "max_length", None) is not None
        ),
        0,
    )
    return {
        "instructions": _(
            "The instructions are too long: at most %(max)s characters.", max=max_length
        ),
        "submission_type": _("Choose how learners hand in their work."),
        "due_at": _("Enter a date and a time, or leave the field empty for no due date."),
        "max_points": _(
            "Enter the points: more than %(low)s and at most %(high)s, with at most two decimals.",
            **_bounds("max_points"),
        ),
        "passing_percent": _(
            "Enter a percent from %(low)s to %(high)s with at most two decimals, or leave "
            "the field empty: then any grade passes.",
            **_bounds("passing_percent"),
        ),
        "weight": _(
            "Enter a weight from %(low)s to %(high)s with at most two decimals.",
            **_bounds("weight"),
        ),
        "required": _("Check this field."),
    }


def _read_form(request, assignment: Assignment | None):
    """``(posted values, checked AssignmentFields or None, errors by field)``."""
    _ = request.gettext
    post = request.POST
    tz = request.timezone
    form: dict[str, Any] = {
        "instructions": post.get("instructions", ""),
        "submission_type": post.get("submission_type", ""),
        "due_at": post.get("due_at", "").strip(),
        "max_points": post.get("max_points", "").strip(),
        "passing_percent": post.get("passing_percent", "").strip(),
        "weight": post.get("weight", "").strip(),
        "required": post.get("required") == "1",
    }
    errors: dict[str, str] = {}
    messages = _messages(request)
    due_at: datetime | None = None
    try:
        # unchanged: the stored time exactly (seconds the page does not show)
        due_at = read_local(form["due_at"], tz, assignment.due_at if assignment else None)
    except NonexistentTime:
        errors["due_at"] = nonexistent_time_message(request)
    except ValueError:
        errors["due_at"] = messages["due_at"]
    values = {
        "instructions": form["instructions"],
        "submission_type": form["submission_type"],
        "due_at": due_at,
        # decimal commas as typed in many languages; the model checks the rest
        "max_points": form["max_points"].replace(",", "."),
        "passing_percent": form["passing_percent"].replace(",", ".") or None,
        "weight": form["weight"].replace(",", "."),
        "required": form["required"],
    }
    try:
        checked = AssignmentFields.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            field = str(error["loc"][0]) if error["loc"] else "form"
            errors.setdefault(field, messages.get(field, _("Check this field.")))
        return form, None, errors
    if errors:
        return form, None, errors
    return form, checked, errors


# ----------------------------------------------------------------- pages


def _lesson_url(request, course, lesson) -> str:
    from learninghub_content.services import player_path

    return player_path(request, course, lesson, preview=not lesson.is_published)


def _settings_url(request, course, assignment: Assignment, **query) -> str:
    return request.route_path(
        "assessment.page.assignment_settings",
        course_id=str(course.id),
        id=str(assignment.id),
        _query=query,
    )


def _render_settings(request, course, lesson, assignment, form, errors, status=200):
    tz = request.timezone
    return render_page(
        request,
        SETTINGS,
        status=status,
        course=course,
        lesson=lesson,
        assignment=assignment,
        form=form,
        errors=errors,
        fields=FIELDS,
        timezone_name=zone_name(tz),
        saved=request.GET.get("saved") == "1",
        lesson_url=_lesson_url(request, course, lesson),
        overview_url=request.route_path("assessment.page.assignments", course_id=str(course.id)),
        submissions_url=request.route_path(
            "assessment.page.assignment", course_id=str(course.id), id=str(assignment.id)
        )
        if assignment is not None
        else None,
    )


@view_config(route_name="assessment.page.new_assignment", request_method=("GET", "POST"))
def new_assignment_page(request):
    """Set up the assignment of a lesson of type assignment (course editors)."""
    course, denied = course_page(request, services.can_edit)
    if denied is not None:
        return denied
    lesson = lesson_of_type(request, course, services.LESSON_TYPE)
    existing = services.assignment_for_lesson(request.db, lesson.id)
    if existing is not None:
        return HTTPSeeOther(location=_settings_url(request, course, existing))
    if request.method != "POST":
        form = _form_of(None, request.timezone)
        return _render_settings(request, course, lesson, None, form, {})
    form, checked, errors = _read_form(request, None)
    if checked is not None:
        try:
            assignment, _lesson = services.create_assignment(request, course, lesson.id, checked)
        except ProblemError as exc:
            if exc.status == 409:  # set up meanwhile (another tab, another editor)
                found = services.assignment_for_lesson(request.db, lesson.id)
                if found is not None:
                    return HTTPSeeOther(location=_settings_url(request, course, found))
            raise
        return HTTPSeeOther(location=_settings_url(request, course, assignment, saved="1"))
    return _render_settings(request, course, lesson, None, form, errors, status=422)


@view_config(route_name="assessment.page.assignment_settings", request_method=("GET", "POST"))
def assignment_settings_page(request):
    """Change an assignment's instructions, type, due date and grading (course editors)."""
    course, denied = course_page(request, services.can_edit)
    if denied is not None:
        return denied
    try:
        assignment = request.db.get(
            Assignment, services.parse_id(request.matchdict["id"], "assignment")
        )
    except ProblemError:
        raise HTTPNotFound() from None
    if assignment is None or assignment.course_id != course.id:
        raise HTTPNotFound()
    lesson = services.lesson_of(request, assignment)
    if lesson is None:
        raise HTTPNotFound()
    if request.method != "POST":
        form = _form_of(assignment, request.timezone)
        return _render_settings(request, course, lesson, assignment, form, {})
    form, checked, errors = _read_form(request, assignment)
    if checked is not None:
        services.update_assignment(request, assignment, checked.model_dump())
        return HTTPSeeOther(location=_settings_url(request, course, assignment, saved="1"))
    return _render_settings(request, course, lesson, assignment, form, errors, status=422)


@view_config(route_name="assessment.page.assignments", request_method="GET")
def assignments_overview_page(request):
    """The course's assignment lessons, in curriculum order (course staff): set up or
    not, due date, submissions waiting for a grade, and the links."""
    from learninghub_content import services as content
    from learninghub_courses import services as courses

    course, denied = course_page(request, services.is_staff)
    if denied is not None:
        return denied
    editor = services.can_edit(request, course)
    lessons = [
        lesson
        for node in content.curriculum(request.db, course.id, drafts=True)
        for lesson in node.lessons
        if lesson.type == services.LESSON_TYPE
    ]
    by_lesson = {
        row.lesson_id: row
        for row in request.db.scalars(
            sa.select(Assignment).where(Assignment.course_id == course.id)
        )
    }
    counts = {
        assignment_id: (total, waiting or 0)
        for assignment_id, total, waiting in request.db.execute(
            sa.select(
                Submission.assignment_id,
                sa.func.count(),
                sa.func.sum(sa.case((Submission.status == "submitted", 1), else_=0)),
            )
            .join(Assignment, Assignment.id == Submission.assignment_id)
            .where(Assignment.course_id == course.id)
            .group_by(Submission.assignment_id)
        )
    }
    rows = []
    for lesson in lessons:
        assignment = by_lesson.get(lesson.id)
        total, waiting = counts.get(assignment.id, (0, 0)) if assignment else (0, 0)
        rows.append(
            {
                "lesson": lesson,
                "assignment": assignment,
                "lesson_url": _lesson_url(request, course, lesson),
                "setup_url": request.route_path(
                    "assessment.page.new_assignment",
                    course_id=str(course.id),
                    lesson_id=str(lesson.id),
                )
                if editor and assignment is None
                else None,
                "settings_url": _settings_url(request, course, assignment)
                if editor and assignment is not None
                else None,
                "submissions_url": request.route_path(
                    "assessment.page.assignment", course_id=str(course.id), id=str(assignment.id)
                )
                if assignment is not None
                else None,
                "submissions": total,
                "waiting": waiting,
            }
        )
    return render_page(
        request,
        OVERVIEW,
        course=course,
        rows=rows,
        editor=editor,
        teach_url=request.route_path("courses.page.teach_edit", id=str(course.id)),
        course_url=courses.course_url(request, course),
        curriculum_url=request.route_path("content.editor", course_id=str(course.id))
        if editor
        else None,
    )
