"""Pages of the question bank, for the course's editors (instructors, tenant admins):

* ``/teach/courses/{course_id}/questions`` — the bank: filters (tag, difficulty, type,
  status, text), pages of ``page_size`` rows, archive and restore buttons;
* ``/teach/courses/{course_id}/questions/new?type=…`` — a new question: first the
  choice of a type, then the form of that type (``forms``);
* ``/teach/courses/{course_id}/questions/{question_id}`` — edit one question, with a
  preview as a learner sees it (``_render.jinja2``).

Everything goes through ``services`` (the API's functions). Permission is checked in
the views: a tenant without the plugin gets a 404 before any 403.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from learninghub.api import PageQuery, ProblemError, paginate

from ..models.questions import DIFFICULTIES, Question
from . import forms, services, types

PLUGIN = "assessment"
TEMPLATES = "learninghub_assessment:templates/questions/"


def type_titles(request) -> dict[str, str]:
    _ = request.gettext
    return {
        "single_choice": _("Single choice"),
        "multiple_choice": _("Multiple choice"),
        "true_false": _("True or false"),
        "short_answer": _("Short answer"),
        "essay": _("Essay"),
        "matching": _("Matching"),
        "ordering": _("Ordering"),
        "fill_blanks": _("Fill in the blanks"),
    }


def difficulty_titles(request) -> dict[str, str]:
    _ = request.gettext
    return {"easy": _("Easy"), "medium": _("Medium"), "hard": _("Hard")}


def _editable(request):
    """The course of the URL for its editors: 404 unknown or hidden, 403 (the shell
    sends visitors to sign in) for those who may see but not edit it."""
    from learninghub_courses import services as courses

    try:
        course_id = uuid.UUID(request.matchdict["course_id"])
    except ValueError:
        raise HTTPNotFound() from None
    course = courses.get_course(request.db, course_id)
    if course is None:
        raise HTTPNotFound()
    if request.identity is None:
        raise HTTPForbidden()
    if not courses.can_view(request, course):
        raise HTTPNotFound()
    if not services.can_edit(request, course):
        raise HTTPForbidden()
    return course


def _urls(request, course) -> dict[str, Any]:
    from learninghub_courses import services as courses

    cid = str(course.id)
    return {
        "bank_url": request.route_path("assessment.page.questions", course_id=cid),
        "new_url": request.route_path("assessment.page.question_new", course_id=cid),
        "teach_url": request.route_path("courses.page.teach_edit", id=cid),
        "course_url": courses.course_url(request, course),
        "edit_url": lambda q: request.route_path(
            "assessment.page.question", course_id=cid, question_id=str(q.id)
        ),
    }


# -- the bank ------------------------------------------------------------------------------------


@view_config(
    route_name="assessment.page.questions",
    request_method=("GET", "POST"),
    renderer=TEMPLATES + "bank.jinja2",
)
def bank(request):
    course = _editable(request)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            question = services.get_question(request, course, request.POST.get("question_id"))
        except ProblemError:
            raise HTTPNotFound() from None
        if action == "archive":
            services.archive_question(request, question)
        elif action == "restore":
            services.update_question(request, course, question, {"status": "active"})
        else:
            raise HTTPNotFound()
        return HTTPSeeOther(
            location=request.route_path(
                "assessment.page.questions", course_id=str(course.id), _query={"done": action}
            )
        )
    get = request.GET
    filters = {
        "tag": " ".join(get.get("tag", "").split())[:40],
        "difficulty": get.get("difficulty") if get.get("difficulty") in DIFFICULTIES else "",
        "type": get.get("type") if get.get("type") in types.TYPES else "",
        "status": get.get("status")
        if get.get("status") in ("active", "archived", "all")
        else "active",
        "q": get.get("q", "").strip()[:100],
    }
    stmt = services.list_statement(
        course.id,
        tag=filters["tag"] or None,
        difficulty=filters["difficulty"] or None,
        question_type=filters["type"] or None,
        status=None if filters["status"] == "all" else filters["status"],
        text=filters["q"] or None,
    )
    page = PageQuery(
        limit=min(100, request.plugin_settings(PLUGIN).page_size),
        cursor=(get.get("cursor") or None) and get.get("cursor")[:200],
    )
    try:
        rows, next_cursor = paginate(request.db, stmt, Question.created_at, Question.id, page)
    except ProblemError:  # a malformed cursor: start again
        rows, next_cursor = paginate(
            request.db, stmt, Question.created_at, Question.id, PageQuery(limit=page.limit)
        )
    query = {k: v for k, v in filters.items() if v and not (k == "status" and v == "active")}
    _ = request.gettext
    done = {
        "archive": _("The question was archived: quizzes no longer draw it."),
        "restore": _("The question is active again."),
        "saved": _("The question was saved."),
    }
    return {
        "course": course,
        "questions": rows,
        "filters": filters,
        "next_url": request.route_path(
            "assessment.page.questions",
            course_id=str(course.id),
            _query={**query, "cursor": next_cursor},
        )
        if next_cursor
        else None,
        "first_url": request.route_path(
            "assessment.page.questions", course_id=str(course.id), _query=query
        )
        if page.cursor
        else None,
        "notice": done.get(get.get("done", "")),
        "type_titles": type_titles(request),
        "difficulty_titles": difficulty_titles(request),
        **_urls(request, course),
    }


# -- the form ------------------------------------------------------------------------------------


def _media_choices(request, course, current: uuid.UUID | None) -> list[Any]:
    """Images, videos and recordings the editor may show with a question: their own
    uploads and the files of the course's lessons (content's list), plus the one
    chosen now."""
    from learninghub_content.services import media_choices
    from learninghub_media import services as media

    assets = [
        a
        for a in media_choices(request, course)
        if (a.content_type or "").split("/", 1)[0] in services.MEDIA_KINDS
    ]
    if current is not None and all(a.id != current for a in assets):
        asset = media.get_asset(request.db, current)
        if asset is not None:
            assets.insert(0, asset)
    return assets


def _common_values(question: Question | None) -> dict[str, Any]:
    if question is None:
        return {
            "title": "",
            "prompt": "",
            "points": "1",
            "tags": "",
            "difficulty": "medium",
            "media_asset_id": "",
        }
    return {
        "title": question.title,
        "prompt": question.prompt,
        "points": str(question.points) if question.points % 1 else str(int(question.points)),
        "tags": ", ".join(question.tags or []),
        "difficulty": question.difficulty,
        "media_asset_id": str(question.media_asset_id or ""),
    }


def _read_common(request, errors: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(posted values, API-shaped data) of the fields every type has."""
    _ = request.gettext
    form = request.POST
    values = {
        "title": " ".join(form.get("title", "").split()),
        "prompt": form.get("prompt", ""),
        "points": form.get("points", "").strip(),
        "tags": form.get("tags", ""),
        "difficulty": form.get("difficulty", "medium"),
        "media_asset_id": form.get("media_asset_id", "").strip(),
    }
    data: dict[str, Any] = {}
    if not values["title"] or len(values["title"]) > 200:
        errors["title"] = _("Enter a title of at most 200 characters.")
    data["title"] = values["title"]
    if len(values["prompt"]) > services.MAX_PROMPT:
        errors["prompt"] = _("The question is too long.")
    data["prompt"] = values["prompt"]
    try:
        points = Decimal(values["points"].replace(",", "."))
        if (
            not points.is_finite()
            or points <= 0
            or points > 1000
            or points != points.quantize(Decimal("0.01"))
        ):
            raise InvalidOperation
        data["points"] = points
    except InvalidOperation:
        errors["points"] = _("Enter points above 0 and at most 1000, with at most two decimals.")
    tags = [t for t in (" ".join(t.split()) for t in values["tags"].split(",")) if t]
    if len(tags) > 20 or any(len(t) > 40 for t in tags):
        errors["tags"] = _("At most 20 tags of at most 40 characters each.")
    data["tags"] = tags
    if values["difficulty"] not in DIFFICULTIES:
        errors["difficulty"] = _("Choose a difficulty.")
    data["difficulty"] = values["difficulty"]
    data["media_asset_id"] = None
    if values["media_asset_id"]:
        try:
            data["media_asset_id"] = uuid.UUID(values["media_asset_id"])
        except ValueError:
            errors["media_asset_id"] = _("Choose a file from the list.")
    return values, data


def media_messages(request) -> dict[str, str]:
    _ = request.gettext
    return {
        "media": _("That file cannot be used here: it is not one of your files or of this course."),
        "not_ready": _("That file is not ready: it is still being processed or it was refused."),
        "type": _("Choose an image, a video or a recording."),
    }


def _form(request, course, question: Question | None, question_type: str):
    _ = request.gettext
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.POST
        values, data = _read_common(request, errors)
        type_values = forms.posted_values(question_type, form)
        rows = forms.row_count(form, question_type, len(type_values.get("rows", [])))
        if not form.get("add_row"):
            raw_spec = forms.spec_from_form(question_type, form)
            try:
                data["spec"] = types.validate_spec(question_type, raw_spec)
            except types.SpecError as exc:
                errors["spec"] = exc.translate(request.gettext)
                field = forms.field_of(question_type, exc.path)
                if field:
                    errors[field] = errors["spec"]
            if not errors:
                try:
                    if question is None:
                        question = services.create_question(
                            request, course, {**data, "type": question_type}
                        )
                    else:
                        services.update_question(request, course, question, data)
                except ProblemError as exc:
                    request.tm.doom()
                    for error in exc.errors or [{"path": ["body", "form"]}]:
                        field = error["path"][1] if len(error["path"]) > 1 else "form"
                        if field == "media_asset_id":
                            errors[field] = media_messages(request).get(
                                error.get("type"), media_messages(request)["media"]
                            )
                        else:
                            errors["spec" if field == "spec" else "form"] = _("Check this field.")
                else:
                    return HTTPSeeOther(
                        location=request.route_path(
                            "assessment.page.questions",
                            course_id=str(course.id),
                            _query={"done": "saved"},
                        )
                    )
            request.response.status_int = 400
    else:
        values = _common_values(question)
        type_values = forms.form_values(question_type, question.spec if question else None)
        rows = forms.row_count(None, question_type, len(type_values.get("rows", [])))
    current_media = question.media_asset_id if question is not None else None
    preview = None
    if question is not None:
        preview = {
            "id": str(question.id),
            "type": question.type,
            "prompt": question.prompt,
            "view": types.learner_view(question.type, question.spec, shuffle_seed=None),
        }
    return {
        "course": course,
        "question": question,
        "question_type": question_type,
        "values": values,
        "type_values": type_values,
        "rows": rows,
        "errors": errors,
        "preview": preview,
        "media_assets": _media_choices(request, course, current_media),
        "type_titles": type_titles(request),
        "difficulty_titles": difficulty_titles(request),
        "blank_modes": forms.BLANK_FORM_MODES,
        **_urls(request, course),
    }


@view_config(
    route_name="assessment.page.question_new",
    request_method=("GET", "POST"),
    renderer=TEMPLATES + "form.jinja2",
)
def new_question(request):
    course = _editable(request)
    question_type = request.params.get("type", "")
    if question_type not in types.TYPES:
        if request.method == "POST":
            raise HTTPNotFound()
        request.override_renderer = TEMPLATES + "choose_type.jinja2"
        return {"course": course, "type_titles": type_titles(request), **_urls(request, course)}
    return _form(request, course, None, question_type)


@view_config(
    route_name="assessment.page.question",
    request_method=("GET", "POST"),
    renderer=TEMPLATES + "form.jinja2",
)
def edit_question(request):
    course = _editable(request)
    try:
        question = services.get_question(request, course, request.matchdict["question_id"])
    except ProblemError:
        raise HTTPNotFound() from None
    return _form(request, course, question, question.type)
