"""Instructor pages: ``/teach`` (my courses), ``/teach/new`` (create),
``/teach/{id}`` (edit form with validation, thumbnail picker, staff, submit for review,
archive, restore, and the links of ``learninghub_courses_teach_links``).

The forms call the same workflow functions as the API. Actions are POSTs with a
CSRF token; success redirects (303) back with a notice.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import get_currency_precision
from pydantic import ValidationError
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from learninghub.api import ProblemError
from learninghub.i18n import N_, available_locales
from learninghub.shell import gate, render_page

from . import catalog, services, thumbnails, workflow
from .models import Course
from .permissions import CoursePermission as P
from .schemas import MAX_TAGS, CourseCreate, CourseUpdate

LIST_PAGE = "courses/teach_list.jinja2"
FORM_PAGE = "courses/teach_form.jinja2"
FORM_FIELDS = (
    "title",
    "slug",
    "subtitle",
    "description",
    "category_id",
    "tags",
    "level",
    "language",
    "price",
    "currency",
    "thumbnail_asset_id",
)
FIELD_MESSAGES = {
    "title": N_("Enter a title of at most 200 characters."),
    "slug": N_("Use lower-case letters, digits and single hyphens, such as intro-to-python."),
    "subtitle": N_("Enter at most 300 characters."),
    "description": N_("The description is too long."),
    "category_id": N_("Choose a category from the list."),
    "tags": N_("Enter at most 20 tags of at most 40 characters each, separated by commas."),
    "level": N_("Choose a level from the list."),
    "language": N_("Choose a language from the list."),
    "price": N_("Enter a price of zero or more, such as 19.99."),
    "price_minor": N_("Enter a price of zero or more, such as 19.99."),
    "currency": N_("Enter a currency code such as EUR or USD."),
    "thumbnail_asset_id": N_(
        "That image cannot be used here: it is not one of your uploads. Choose one from "
        "the list or upload a new one."
    ),
}
#: what the form says for each refusal of a thumbnail (error types of thumbnails.check)
THUMBNAIL_MESSAGES = {
    thumbnails.NOT_READY: N_(
        "That image is not ready: it is still being processed or it was refused. Choose "
        "another one."
    ),
    thumbnails.NOT_IMAGE: N_("That file is not an image. Choose an image for the course."),
}
CONFLICTS = {"slug": N_("Another course already uses this address.")}
DONE = {
    "created": N_("Course created. It is a draft: only you and the admins can see it."),
    "saved": N_("Changes saved."),
    "submitted": N_("Course submitted for review. An admin will approve it or send it back."),
    "published": N_("Course published."),
    "archived": N_("Course archived."),
    "restored": N_("Course restored as a draft. Submit it again when it is ready."),
    "restored_published": N_("Course restored and published."),
    "staff": N_("Course staff updated."),
}


def _empty_values(request) -> dict[str, str]:
    return {
        "title": "",
        "slug": "",
        "subtitle": "",
        "description": "",
        "category_id": "",
        "tags": "",
        "level": "all",
        "language": str(request.locale.language),
        "price": "0",
        "currency": request.plugin_settings("courses").default_currency,
        "thumbnail_asset_id": "",
    }


def _course_values(course: Course) -> dict[str, str]:
    digits = get_currency_precision(course.currency)
    price = Decimal(course.price_minor).scaleb(-digits)
    return {
        "title": course.title,
        "slug": course.slug,
        "subtitle": course.subtitle,
        "description": course.description,
        "category_id": str(course.category_id or ""),
        "tags": ", ".join(course.tags or []),
        "level": course.level,
        "language": course.language,
        "price": f"{price:f}",
        "currency": course.currency,
        "thumbnail_asset_id": str(course.thumbnail_asset_id or ""),
    }


def _parse_form(request) -> tuple[dict[str, str], dict[str, Any], dict[str, str]]:
    """(values as typed, data for the schema, errors of fields the schema cannot
    see, such as the price in major units)."""
    values = {k: request.POST.get(k, "").strip() for k in FORM_FIELDS}
    values["description"] = request.POST.get("description", "")
    errors: dict[str, str] = {}
    data: dict[str, Any] = {
        k: values[k] for k in ("title", "slug", "subtitle", "description", "level", "language")
    }
    data["currency"] = values["currency"] or "EUR"
    data["category_id"] = values["category_id"] or None
    if thumbnails.media_services(request) is not None:
        # without media the form has no picker: the saved id is left alone
        data["thumbnail_asset_id"] = values["thumbnail_asset_id"] or None
    data["tags"] = [t for t in (part.strip() for part in values["tags"].split(",")) if t]
    if len(data["tags"]) > MAX_TAGS:
        errors["tags"] = _field_message(request, "tags")
    try:
        digits = get_currency_precision(data["currency"].upper())
        price = Decimal(values["price"].replace(",", ".") or "0")
        minor = price.scaleb(digits)
        if price < 0 or minor != minor.to_integral_value():
            raise InvalidOperation
        data["price_minor"] = int(minor)
    except (InvalidOperation, ValueError):
        errors["price"] = _field_message(request, "price")
        data["price_minor"] = 0
    return values, data, errors


def _field_message(request, field: str) -> str:
    message = FIELD_MESSAGES[field]
    return request.gettext(message)


def _schema_errors(request, exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else "form"
        if field == "price_minor":
            field = "price"
        message = FIELD_MESSAGES.get(field)
        errors.setdefault(field, request.gettext(message) if message else err["msg"])
    return errors


def _problem_errors(request, exc: ProblemError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for e in exc.errors or []:
        field = str(e["path"][-1])
        if field == "price_minor":
            field = "price"
        table = CONFLICTS if exc.status == 409 else FIELD_MESSAGES
        message = table.get(field) or FIELD_MESSAGES.get(field)
        if field == thumbnails.FIELD:
            message = THUMBNAIL_MESSAGES.get(e.get("type"), message)
        errors[field] = request.gettext(message) if message else e["message"]
    return errors or {"form": exc.detail}


def _form_context(request, course: Course | None, values: dict[str, str]) -> dict[str, Any]:
    """Lists of the form: categories, levels, languages and the thumbnail picker. Back
    from the media page (``?media_asset_id=``), the new upload is chosen in the form
    (the user still saves)."""
    chosen = None
    if request.method == "GET" and request.GET.get("media_asset_id"):
        chosen = request.GET["media_asset_id"].strip()
        values["thumbnail_asset_id"] = chosen
    picker = thumbnails.picker(
        request,
        course.thumbnail_asset_id if course is not None else None,
        values.get("thumbnail_asset_id", ""),
        chosen,
    )
    if chosen and picker.get("thumbnail_chosen") is None:
        # not an image this user may pick: not offered, nothing preselected
        values["thumbnail_asset_id"] = (
            _course_values(course)["thumbnail_asset_id"] if course else ""
        )
    return {
        "categories": workflow.category_tree(workflow.all_categories(request.db)),
        "levels": catalog.level_labels(request),
        "languages": [
            (code, catalog.language_label(request, code))
            for code in available_locales(request.registry.settings)
        ],
        **picker,
    }


def _editable(request) -> Course:
    course = services.get_course(request.db, request.matchdict["id"])
    if course is None or not services.is_staff(request, course):
        raise HTTPNotFound()
    return course


def teach_links(request, course: Course) -> list[Any]:
    """The other plugins' links about the course (``learninghub_courses_teach_links``),
    sorted by order."""
    links = []
    for answer in request.hooks.learninghub_courses_teach_links(request=request, course=course):
        links.extend(answer or [])
    return sorted(links, key=lambda link: (link.order, link.title))


def _problems(request, course: Course, can_edit: bool) -> list[str]:
    """What stands in the way of the next step that would publish or put the course in
    review, translated; only asked when the page offers that step."""
    if not can_edit:
        return []
    offers_it = course.status == "draft" or (
        course.status == "archived" and workflow.publishes_directly(request)
    )
    if not offers_it:
        return []
    return [request.gettext(m) for m in workflow.publish_problems(request, course)]


def _edit_page(
    request,
    course: Course,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    flash: str = "",
):
    can_edit = services.can_edit(request, course)
    values = values if values is not None else _course_values(course)
    return render_page(
        request,
        FORM_PAGE,
        status,
        course=course,
        values=values,
        errors=errors or {},
        can_edit=can_edit,
        staff=workflow.staff_of(request, course),
        action=request.route_path("courses.page.teach_edit", id=str(course.id)),
        landing_url=services.course_url(request, course),
        publishes_directly=workflow.publishes_directly(request),
        problems=_problems(request, course, can_edit),
        links=teach_links(request, course),
        flash=flash,
        **_form_context(request, course, values),
    )


# ----------------------------------------------------------------- pages


@view_config(route_name="courses.page.teach", request_method="GET")
def teach_page(request):
    denied = gate(request, P.CREATE)
    if denied is not None:
        return denied
    result = catalog.run(request, catalog.CatalogQuery(mine=True, limit=100, sort="newest"))
    done = request.GET.get("done")
    return render_page(
        request,
        LIST_PAGE,
        courses=result.courses,
        total=result.total,
        flash=request.gettext(DONE[done]) if done in DONE else "",
    )


@view_config(route_name="courses.page.teach_new", request_method=("GET", "POST"))
def new_course_page(request):
    denied = gate(request, P.CREATE)
    if denied is not None:
        return denied
    values = _empty_values(request)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values, data, errors = _parse_form(request)
        try:
            body = CourseCreate(**data)
        except ValidationError as exc:
            errors = {**_schema_errors(request, exc), **errors}
        if not errors:
            try:
                course = workflow.create_course(request, body.model_dump())
            except ProblemError as exc:
                request.tm.doom()
                errors = _problem_errors(request, exc)
                status = exc.status
            else:
                return HTTPSeeOther(
                    location=request.route_path(
                        "courses.page.teach_edit", id=str(course.id), _query={"done": "created"}
                    )
                )
        status = status if status != 200 else 422
    return render_page(
        request,
        FORM_PAGE,
        status,
        course=None,
        values=values,
        errors=errors,
        action=request.route_path("courses.page.teach_new"),
        **_form_context(request, None, values),
    )


@view_config(route_name="courses.page.teach_edit", request_method=("GET", "POST"))
def edit_course_page(request):
    denied = gate(request, None)
    if denied is not None:
        return denied
    course = _editable(request)
    if request.method == "GET":
        done = request.GET.get("done")
        return _edit_page(
            request, course, flash=request.gettext(DONE[done]) if done in DONE else ""
        )
    if not services.can_edit(request, course):
        return _forbidden(request)
    values, data, errors = _parse_form(request)
    status = 422
    try:
        body = CourseUpdate(**data)
    except ValidationError as exc:
        errors = {**_schema_errors(request, exc), **errors}
    if not errors:
        changes = body.model_dump(exclude_unset=True)
        changes = {k: v for k, v in changes.items() if getattr(course, k) != v}
        try:
            workflow.update_course(request, course, changes)
        except ProblemError as exc:
            # the course object may hold half of the changes: none of them is saved
            request.tm.doom()
            errors = _problem_errors(request, exc)
            status = exc.status
        else:
            return _back(request, course, "saved")
    return _edit_page(request, course, status, values, errors)


def _forbidden(request):
    from learninghub.web import render_error_page

    return render_error_page(request, 403, "Forbidden")


def _back(request, course: Course, done: str):
    return HTTPSeeOther(
        location=request.route_path(
            "courses.page.teach_edit", id=str(course.id), _query={"done": done}
        )
    )


@view_config(route_name="courses.page.teach_action", request_method="POST")
def course_action(request):
    """submit / archive / restore / add or remove staff, from the edit page."""
    denied = gate(request, None)
    if denied is not None:
        return denied
    course = _editable(request)
    action = request.matchdict["action"]
    try:
        if action == "submit":
            workflow.submit(request, course)
            # in review, or published at once (no review for this tenant or an admin)
            done = "submitted" if course.status == "in_review" else course.status
            return _back(request, course, done)
        if action == "archive":
            workflow.archive(request, course)
            return _back(request, course, "archived")
        if action == "restore":
            target = request.POST.get("status", "draft")
            if target not in workflow.RESTORE_TARGETS:
                raise HTTPNotFound()
            workflow.restore(request, course, target)
            return _back(request, course, "restored" if target == "draft" else "restored_published")
        if action == "staff-add":
            return _staff_add(request, course)
        if action == "staff-remove":
            try:
                user_id = uuid.UUID(request.POST.get("user_id", ""))
            except ValueError:
                raise HTTPNotFound() from None
            workflow.remove_staff(request, course, user_id, request.POST.get("role") or None)
            return _back(request, course, "staff")
    except ProblemError as exc:
        request.tm.doom()
        if exc.status == 403:
            return _forbidden(request)
        if exc.status == 404:
            raise HTTPNotFound() from None
        return _back_with_error(request, course, exc)
    raise HTTPNotFound()


def _staff_add(request, course: Course):
    import sqlalchemy as sa

    from learninghub.identity import User, normalize_email

    role = request.POST.get("role", "")
    if role not in ("instructor", "teaching_assistant"):
        raise HTTPNotFound()
    email = normalize_email(request.POST.get("email", ""))
    user = request.db.scalar(sa.select(User).where(User.email == email)) if email else None
    if user is None or not user.is_active:
        return _back_with_error(
            request,
            course,
            None,
            request.gettext("No active user of this site has the address %(email)s.", email=email),
        )
    workflow.add_staff(request, course, user, role)
    return _back(request, course, "staff")


CONFLICT_MESSAGES = {
    "a course keeps at least one instructor": N_("A course keeps at least one instructor."),
}


def _back_with_error(request, course: Course, exc: ProblemError | None, message: str = ""):
    if exc is not None:
        known = CONFLICT_MESSAGES.get(exc.detail)
        if any(e.get("type") == workflow.PUBLISH_PROBLEM for e in exc.errors or []):
            # the list itself is shown under Publishing (see _problems)
            message = (
                request.gettext("This course cannot be published yet: see what is missing below.")
                if course.status != "draft" or workflow.publishes_directly(request)
                else request.gettext(
                    "This course cannot be submitted for review yet: see what is missing below."
                )
            )
        elif known:
            message = request.gettext(known)
        else:
            message = request.gettext("This action is not possible in the course's current state.")
    return _edit_page(request, course, 409, errors={"form": message})
