"""Admin page: ``/admin/courses``, the review queue (approve, or return with a
comment) and the archived courses (restore as a draft or published), in the admin
shell (section "Courses")."""

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
    "restored": N_("Course restored as a draft. Its instructors can submit it again."),
    "restored_published": N_("Course restored and published."),
}
#: the archived courses listed, most recently archived first
MAX_ARCHIVED = 100


def _archived(request) -> list[Course]:
    return list(
        request.db.scalars(
            sa.select(Course)
            .where(Course.status == "archived")
            .order_by(Course.updated_at.desc(), Course.id)
            .limit(MAX_ARCHIVED)
        )
    )


def _queue(request, errors=None, comments=None, status: int = 200):
    courses = list(
        request.db.scalars(
            sa.select(Course)
            .where(Course.status == "in_review")
            .order_by(Course.updated_at.asc(), Course.id)
        )
    )
    archived = _archived(request)
    done = request.GET.get("done")
    return render_page(
        request,
        QUEUE_PAGE,
        status,
        section=SECTION,
        courses=courses,
        archived=archived,
        max_archived=MAX_ARCHIVED,
        instructors=catalog.instructors_of(request.db, [c.id for c in courses + archived]),
        errors=errors or {},
        comments=comments or {},
        urls={c.id: services.course_url(request, c) for c in courses},
        edit_urls={
            c.id: request.route_path("courses.page.teach_edit", id=str(c.id)) for c in archived
        },
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
    if action == "restore":
        return _restore(request, course)
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
    except ProblemError as exc:
        request.tm.doom()
        return _queue(request, {"form": _refusal(request, exc, "review")}, status=409)
    return HTTPSeeOther(location=request.route_path("courses.page.admin", _query={"done": done}))


def _refusal(request, exc: ProblemError, step: str) -> str:
    """What the queue says when the workflow refused: the publish problems (translated)
    or the course's state having changed meanwhile."""
    # the hook's messages are msgids of the answering plugin's catalog
    messages = [e.get("message", "") for e in exc.errors or []]
    kinds = [e.get("type") for e in exc.errors or []]
    problems = [
        request.gettext(text)
        for text, kind in zip(messages, kinds, strict=True)
        if kind == workflow.PUBLISH_PROBLEM
    ]
    if problems:
        return " ".join([request.gettext("This course cannot be published yet:"), *problems])
    if step == "restore":
        return request.gettext("This course is no longer archived.")
    return request.gettext("This course is no longer waiting for review.")


def _restore(request, course: Course):
    target = request.POST.get("status", "draft")
    if target not in workflow.RESTORE_TARGETS:
        raise HTTPNotFound()
    try:
        workflow.restore(request, course, target)
    except ProblemError as exc:
        request.tm.doom()
        return _queue(request, {"form": _refusal(request, exc, "restore")}, status=409)
    done = "restored" if target == "draft" else "restored_published"
    return HTTPSeeOther(location=request.route_path("courses.page.admin", _query={"done": done}))


# ----------------------------------------------------------------- categories

CATEGORIES_PAGE = "courses/admin_categories.jinja2"
CATEGORIES_SECTION = "/admin/courses/categories"
CATEGORY_DONE = {
    "created": N_("Category created."),
    "saved": N_("Category saved."),
    "deleted": N_("Category deleted. Its sub-categories moved up; its courses have no category."),
}
CATEGORY_MESSAGES = {
    "name": N_("Enter a name of at most 120 characters."),
    "slug": N_("Use lower-case letters, digits and single hyphens, such as intro-to-python."),
    "parent_id": N_("Choose another parent: not the category itself or one of its sub-categories."),
    "position": N_("Enter a whole number of zero or more."),
}
CATEGORY_CONFLICT = N_("Another category already uses this address.")


def _category_values(request) -> dict[str, str]:
    return {
        "name": request.POST.get("name", "").strip(),
        "slug": request.POST.get("slug", "").strip(),
        "parent_id": request.POST.get("parent_id", "").strip(),
        "position": request.POST.get("position", "0").strip() or "0",
    }


def _category_errors(request, exc) -> dict[str, str]:
    from pydantic import ValidationError

    errors: dict[str, str] = {}
    if isinstance(exc, ValidationError):
        fields = [str(e["loc"][0]) if e["loc"] else "form" for e in exc.errors()]
    else:
        fields = [str(e["path"][-1]) for e in (exc.errors or [])] or ["form"]
    for field in fields:
        if isinstance(exc, ProblemError) and exc.status == 409:
            message = CATEGORY_CONFLICT
        else:
            message = CATEGORY_MESSAGES.get(field, CATEGORY_MESSAGES["name"])
        errors.setdefault(field, request.gettext(message))
    return errors


def _categories_page(request, status=200, values=None, errors=None, editing=None):
    done = request.GET.get("done")
    return render_page(
        request,
        CATEGORIES_PAGE,
        status,
        section=CATEGORIES_SECTION,
        tree=workflow.category_tree(workflow.all_categories(request.db)),
        values=values or {"name": "", "slug": "", "parent_id": "", "position": "0"},
        errors=errors or {},
        editing=editing,
        flash=request.gettext(CATEGORY_DONE[done]) if done in CATEGORY_DONE else "",
    )


def _categories_done(request, done: str):
    return HTTPSeeOther(
        location=request.route_path("courses.page.admin_categories", _query={"done": done})
    )


@view_config(route_name="courses.page.admin_categories", request_method=("GET", "POST"))
def categories_page(request):
    """The category tree; POST creates one."""
    from pydantic import ValidationError

    from .schemas import CategoryCreate

    denied = gate(request, P.CATEGORIES)
    if denied is not None:
        return denied
    if request.method == "GET":
        return _categories_page(request)
    values = _category_values(request)
    try:
        body = CategoryCreate(**{**values, "parent_id": values["parent_id"] or None})
        workflow.create_category(request, body.model_dump())
    except (ValidationError, ProblemError) as exc:
        status = exc.status if isinstance(exc, ProblemError) else 422
        return _categories_page(request, status, values, _category_errors(request, exc))
    return _categories_done(request, "created")


@view_config(route_name="courses.page.admin_category", request_method="POST")
def category_action(request):
    """Save (rename, move, reorder) or delete one category."""
    import uuid

    from pydantic import ValidationError

    from .models import CourseCategory
    from .schemas import CategoryUpdate

    denied = gate(request, P.CATEGORIES)
    if denied is not None:
        return denied
    try:
        category = request.db.get(CourseCategory, uuid.UUID(request.matchdict["id"]))
    except ValueError:
        category = None
    if category is None:
        raise HTTPNotFound()
    if request.POST.get("action") == "delete":
        workflow.delete_category(request, category)
        return _categories_done(request, "deleted")
    values = _category_values(request)
    try:
        body = CategoryUpdate(**{**values, "parent_id": values["parent_id"] or None})
        workflow.update_category(request, category, body.model_dump())
    except (ValidationError, ProblemError) as exc:
        status = exc.status if isinstance(exc, ProblemError) else 422
        errors = _category_errors(request, exc)
        return _categories_page(request, status, errors=errors, editing=(category.id, values))
    return _categories_done(request, "saved")
