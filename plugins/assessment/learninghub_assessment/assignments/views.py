"""Pages of assignments (session cookie, CSRF on every POST; no JavaScript needed).

* the panel inside the lesson player (template function
  ``assessment_assignment_panel(request, course, lesson)``): instructions, due date in
  the viewer's time zone, their submission, grade and feedback, and the form;
* ``POST /assignments/{id}/submit`` — that form (multipart: text and/or file);
* ``/teach/courses/{course_id}/assignments/{id}`` — the staff's list of submissions
  with a grade form for each.

The editors' pages (set up, settings, the course's assignments) are in ``editor.py``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from markupsafe import Markup
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from learninghub.api import ProblemError
from learninghub.shell import gate, render_page
from learninghub.web import render_error_page
from learninghub_courses import services as courses

from ..models.assignments import Submission
from . import services
from .schemas import MAX_FEEDBACK, MAX_TEXT, SubmissionQuery

PANEL = "assessment/assignments/panel.jinja2"
REFUSED = "assessment/assignments/refused.jinja2"
STAFF = "assessment/assignments/submissions.jinja2"


def assignment_panel(request, course, lesson) -> Markup:
    """The assignment part of the player for ``lesson`` (the player checked that the
    visitor may see the lesson)."""
    from learninghub_enrollment import services as enrollment

    assignment = services.assignment_for_lesson(request.db, lesson.id)
    staff = services.is_staff(request, course)
    editor = services.can_edit(request, course)
    values: dict = {
        "assignment": assignment,
        "course": course,
        "lesson": lesson,
        "staff": staff,
        # editors set it up (or change it) from here; learners never see these links
        "setup_url": request.route_path(
            "assessment.page.new_assignment", course_id=str(course.id), lesson_id=str(lesson.id)
        )
        if editor and assignment is None
        else None,
        "settings_url": request.route_path(
            "assessment.page.assignment_settings", course_id=str(course.id), id=str(assignment.id)
        )
        if editor and assignment is not None
        else None,
    }
    if assignment is not None:
        submission = services.my_submission(request, assignment)
        file_url = file_name = None
        if submission is not None:
            file_url, file_name = services.file_url(request, submission)
        percent = services.percent_of(assignment, submission)
        enrolled = request.identity is not None and (
            enrollment.active_enrollment(request, course) is not None
        )
        values.update(
            instructions=Markup(services.sanitize(assignment.instructions)),
            submission=submission,
            file_url=file_url,
            file_name=file_name,
            percent=percent,
            passed=services.is_passed(assignment.passing_percent, percent),
            closed=services.is_closed(request, assignment),
            can_submit=enrolled
            and lesson.is_published
            and (submission is None or submission.status != "graded")
            and not services.is_closed(request, assignment),
            action=request.route_path("assessment.page.submit", id=str(assignment.id)),
            staff_url=request.route_path(
                "assessment.page.assignment", course_id=str(course.id), id=str(assignment.id)
            )
            if staff
            else None,
            submitted=request.GET.get("submitted") == "1",
        )
    return Markup(request.registry["templates"].render(PANEL, values, request))


def _refused(request, status: int, message: str, back: str | None) -> object:
    return render_page(request, REFUSED, status=status, message=message, back=back)


def _assignment_page(request):
    """``((assignment, course, lesson), None)`` for the assignment of the URL (``id``)
    when the signed-in caller may see it, else ``(None, response)`` (the sign-in
    redirect); 404 for unknown or hidden ones."""
    denied = gate(request, None)
    if denied is not None:
        return None, denied
    try:
        return services.visible_assignment(request, request.matchdict["id"]), None
    except ProblemError:
        raise HTTPNotFound() from None


@view_config(route_name="assessment.page.submit", request_method="POST")
def submit_form(request):
    """The player's form: the same rules as the API (due date, graded, enrolment)."""
    from learninghub_content import services as content

    found, denied = _assignment_page(request)
    if denied is not None:
        return denied
    assignment, course, lesson = found
    _ = request.gettext
    back = content.player_path(request, course, lesson)
    try:
        services.enrollment_for_submitting(request, course, lesson)
        previous = services.my_submission(request, assignment)
        services.check_open(request, assignment, previous)
    except ProblemError as exc:
        if exc.status == 409 and exc.type.endswith("deadline-passed"):
            message = _("The due date has passed: this assignment no longer takes submissions.")
        elif exc.status == 409:
            message = _("Your submission has been graded: it can no longer be replaced.")
        else:
            return render_error_page(request, 403, "Forbidden")
        return _refused(request, exc.status, message, back)
    text = request.POST.get("text", "")
    if len(text) > MAX_TEXT:
        return _refused(
            request, 422, _("The answer is too long (at most 100,000 characters)."), back
        )
    field = request.POST.get("file")
    asset_id = previous.media_asset_id if previous is not None else None
    if request.POST.get("remove_file") == "1":
        asset_id = None
    try:
        if hasattr(field, "file") and getattr(field, "filename", ""):
            from .api import read_upload, store_upload

            file, size, filename = read_upload(request)
            asset_id = store_upload(request, file, size, filename).id
        services.submit(request, assignment, course, lesson, text=text, asset_id=asset_id)
    except ProblemError as exc:
        if exc.status == 422 and exc.errors and exc.errors[0]["path"][-1] in ("text", "file"):
            message = _("Write an answer or attach a file, as the assignment asks.")
        elif exc.status == 422 and exc.errors and exc.errors[0]["path"][-1] == "media_asset_id":
            message = _("This assignment asks for a file: attach one.")
        else:
            from learninghub_media.views import refusal_message

            message = refusal_message(request, exc)
        return _refused(request, exc.status, message, back)
    return HTTPSeeOther(location=back + "?submitted=1")


def _parse_points(raw: str) -> Decimal | None:
    try:
        value = Decimal((raw or "").strip().replace(",", "."))
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        return None
    return value


@view_config(route_name="assessment.page.assignment", request_method=("GET", "POST"))
def submissions_page(request):
    """The staff's list of submissions, a page at a time, with a grade form each."""
    from .api import submission_out, users_by_id

    found, denied = _assignment_page(request)
    if denied is not None:
        return denied
    assignment, course, lesson = found
    _ = request.gettext
    if str(course.id) != request.matchdict["course_id"]:
        raise HTTPNotFound()
    if not services.is_staff(request, course):
        return render_error_page(request, 403, "Forbidden")
    errors: dict[str, str] = {}
    flash = ""
    graded_id = ""
    form = {"points": "", "feedback": ""}
    if request.method == "POST":
        graded_id = request.POST.get("submission_id", "")
        form = {k: request.POST.get(k, "").strip() for k in form}
        try:
            submission = request.db.get(Submission, services.parse_id(graded_id, "submission"))
        except ProblemError:
            submission = None
        if submission is None or submission.assignment_id != assignment.id:
            raise HTTPNotFound()
        points = _parse_points(form["points"])
        if points is None or points > assignment.max_points:
            errors["points"] = "invalid"
        if len(form["feedback"]) > MAX_FEEDBACK:
            errors["feedback"] = "long"
        if not errors:
            services.grade(request, assignment, course, submission, points, form["feedback"])
            flash = _("The grade was saved.")
            graded_id, form = "", {"points": "", "feedback": ""}
    try:
        query = SubmissionQuery(limit=50, cursor=request.GET.get("cursor") or None)
        from learninghub.api import paginate

        stmt = sa.select(Submission).where(Submission.assignment_id == assignment.id)
        rows, next_cursor = paginate(
            request.db, stmt, Submission.submitted_at, Submission.id, query
        )
    except (ProblemError, ValueError):
        raise HTTPBadRequest() from None
    users = users_by_id(request.db, [row.user_id for row in rows])
    next_url = (
        request.route_path(
            "assessment.page.assignment",
            course_id=str(course.id),
            id=str(assignment.id),
            _query={"cursor": next_cursor},
        )
        if next_cursor
        else None
    )
    return render_page(
        request,
        STAFF,
        status=422 if errors else 200,
        course=course,
        course_url=courses.course_url(request, course),
        lesson=lesson,
        assignment=assignment,
        submissions=[
            submission_out(request, assignment, row, users.get(row.user_id)) for row in rows
        ],
        next_url=next_url,
        first_page=not request.GET.get("cursor"),
        action=request.route_path(
            "assessment.page.assignment", course_id=str(course.id), id=str(assignment.id)
        ),
        gradebook_url=request.route_path("assessment.page.gradebook", course_id=str(course.id)),
        errors=errors,
        form=form,
        graded_id=graded_id,
        flash=flash,
    )
