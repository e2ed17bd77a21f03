"""Pages: the lesson player and the instructor's curriculum editor.

* ``/courses/{slug}/learn`` → the first lesson the visitor may open;
* ``/courses/{slug}/learn/{lesson_slug}`` — the player: curriculum sidebar, the
  lesson by type, previous/next, the actions of ``learninghub_content_lesson_actions``.
  Staff add ``?preview=1`` to see the newest (draft) versions and unpublished lessons.
  A fixed number of SQL statements whatever the size of the course;
* ``/teach/courses/{course_id}/curriculum`` — sections and lessons with forms (add,
  rename, delete, move up/down, publish); ``/teach/courses/{course_id}/lessons/{id}``
  edits one lesson (every save is a new draft version).

Permission is checked inside the views: a tenant without the plugin must get a 404
before any 403.
"""

from __future__ import annotations

import uuid
from typing import Any

from markupsafe import Markup, escape
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from learninghub import pagecache
from learninghub.api import ProblemError
from learninghub_courses import services as courses

from . import services
from .rendering import EmbedRefused, body_markup, normalize_embed_url


def _course_by_slug(request):
    course = courses.get_course_by_slug(request.db, request.matchdict["slug"])
    if course is None or not courses.can_view(request, course):
        raise HTTPNotFound()
    return course


def _media_url(request, version) -> str | None:
    if version is None or version.media_asset_id is None:
        return None
    from learninghub_media import services as media

    asset = media.get_asset(request.db, version.media_asset_id)
    if asset is None or not getattr(asset, "is_ready", True):
        return None
    return media.signed_url(request, asset)


@view_config(route_name="content.start", request_method="GET")
def start(request):
    """The first lesson the visitor may open (staff: the first lesson at all)."""
    course = _course_by_slug(request)
    full = services.has_full_access(request, course)
    for node in services.curriculum(request.db, course.id, drafts=False):
        for lesson in node.lessons:
            if full or lesson.is_free_preview:
                return HTTPSeeOther(location=services.player_path(request, course, lesson))
    raise HTTPNotFound()


@view_config(
    route_name="content.player",
    request_method="GET",
    renderer="learninghub_content:templates/player.jinja2",
)
def player(request):
    course = _course_by_slug(request)
    staff = services.is_staff(request, course)
    preview = staff and request.GET.get("preview") == "1"
    slug = request.matchdict["lesson_slug"]
    version = None
    if preview:  # drafts too: read from the database every time
        nodes: Any = [
            services.SyllabusSection(n.section.title, tuple(n.lessons))
            for n in services.curriculum(request.db, course.id, drafts=True)
        ]
        ordered: list[Any] = [lesson for n in nodes for lesson in n.lessons]
        index = next((i for i, item in enumerate(ordered) if item.slug == slug), None)
        if index is None:
            raise HTTPNotFound()
        lesson = ordered[index]
    else:
        # the published syllabus is the same for every learner (pagecache.memo, kept
        # until a section or lesson changes); the lesson itself and its published
        # version come in one statement
        nodes = pagecache.memo(
            request,
            f"content:syllabus:{course.id}",
            lambda: services.syllabus(request.db, course.id),
        )
        ordered = [item for n in nodes for item in n.lessons]
        index = next((i for i, item in enumerate(ordered) if item.slug == slug), None)
        if index is None:
            raise HTTPNotFound()
        found = services.lesson_with_published_version(request.db, ordered[index].id)
        if found is None:
            raise HTTPNotFound()
        lesson, version = found
    full = services.has_full_access(request, course)
    if not services.can_view_lesson(request, course, lesson):
        if request.identity is None:
            raise HTTPForbidden()  # the shell sends visitors to sign in
        request.response.status_int = 403
    allowed = request.response.status_int != 403
    if not allowed:
        version = None
    elif preview:
        version = services.latest_version(request.db, lesson)
    completed = set()
    actions: list[Markup] = []
    if allowed and not preview:
        completed = {
            str(lesson_id)
            for lesson_id in request.hooks.learninghub_content_completed_lessons(
                request=request, course=course
            )
            or ()
        }
        for result in request.hooks.learninghub_content_lesson_actions(
            request=request, course=course, lesson=lesson
        ):
            # Markup is trusted (the hook's contract); anything else is escaped
            actions.extend(a if isinstance(a, Markup) else escape(a) for a in result or ())

    def link(item) -> str | None:
        if staff or full or (item.is_free_preview and course.status == "published"):
            return services.player_path(request, course, item, preview)
        return None

    sidebar = [
        {
            "title": n.title,
            "lessons": [
                {
                    "title": item.title,
                    "url": link(item),
                    "current": item.id == lesson.id,
                    "completed": str(item.id) in completed,
                    "free": item.is_free_preview,
                    "draft": preview and not item.is_published,
                    "duration_s": item.duration_s,
                }
                for item in n.lessons
            ],
        }
        for n in nodes
    ]
    previous = ordered[index - 1] if index > 0 else None
    following = ordered[index + 1] if index + 1 < len(ordered) else None
    lesson_type = services.lesson_types(request).get(lesson.type)
    if version is not None and version.embed_url:
        # stored normalised; checked again so that a row written by other means (or a
        # host the tenant removed from its list since) is never framed
        try:
            embed_url = normalize_embed_url(
                version.embed_url, request.plugin_settings(services.PLUGIN).embed_hosts
            )
        except EmbedRefused:
            embed_url = None
    else:
        embed_url = None
    media_player = None
    if (
        allowed
        and version is not None
        and version.media_asset_id is not None
        and lesson.type in ("video", "audio")
    ):
        media_player = request.hooks.learninghub_content_media_player(
            request=request, course=course, lesson=lesson, version=version
        )
    return {
        "course": course,
        "course_url": courses.course_url(request, course),
        "lesson": lesson,
        "version": version,
        "allowed": allowed,
        "preview": preview,
        "staff": staff,
        "type_template": lesson_type.template if lesson_type else None,
        "body": body_markup(version.body) if version is not None else Markup(""),
        "media_player": media_player,
        "media_url": _media_url(request, version) if allowed and media_player is None else None,
        "embed_url": embed_url,
        "tracks": [],
        "sidebar": sidebar,
        "previous": {"title": previous.title, "url": link(previous)} if previous else None,
        "next": {"title": following.title, "url": link(following)} if following else None,
        "actions": actions,
        "preview_url": services.player_path(request, course, lesson, True) if staff else None,
        "live_url": services.player_path(request, course, lesson) if preview else None,
        "editor_url": request.route_path("content.editor", course_id=str(course.id))
        if services.can_edit(request, course)
        else None,
    }


# ----------------------------------------------------------------- editor


def _editable(request):
    """The course of the URL for its editors; 404 when the visitor may not even see
    it, 403 when they may see but not edit it."""
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


def _editor_context(request, course, error: str | None = None) -> dict:
    nodes = services.curriculum(request.db, course.id, drafts=True)
    types = services.lesson_types(request)
    return {
        "course": course,
        "course_url": courses.course_url(request, course),
        # the course's own form (courses' /teach/{id}): its details, submit for review
        "details_url": request.route_path("courses.page.teach_edit", id=str(course.id)),
        "nodes": nodes,
        "pending": services.unpublished_changes(request.db, course.id),
        "types": list(types.values()),
        "type_titles": {k: t.title for k, t in types.items()},
        "error": error,
        "action_url": request.route_path("content.editor", course_id=str(course.id)),
        "lesson_url": lambda lesson: request.route_path(
            "content.editor.lesson", course_id=str(course.id), lesson_id=str(lesson.id)
        ),
        "preview_url": lambda lesson: services.player_path(request, course, lesson, True),
    }


@view_config(
    route_name="content.editor",
    request_method="GET",
    renderer="learninghub_content:templates/editor.jinja2",
)
def editor(request):
    course = _editable(request)
    return _editor_context(request, course)


def _form_id(request, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(request.POST.get(name, ""))
    except ValueError:
        raise services.not_found(name.removesuffix("_id")) from None


def _title(request) -> str:
    title = " ".join((request.POST.get("title") or "").split())
    if not title or len(title) > 200:
        raise services.invalid(["title"], "a title of 1 to 200 characters", "title")
    return title


@view_config(
    route_name="content.editor",
    request_method="POST",
    renderer="learninghub_content:templates/editor.jinja2",
)
def editor_action(request):
    """One form per change; each goes through the same services as the API (moves
    through the reorder service), then back to the editor (303)."""
    course = _editable(request)
    action = request.POST.get("action", "")
    _ = request.gettext
    try:
        if action == "add_section":
            services.create_section(request, course, _title(request))
        elif action == "rename_section":
            section = services.get_section(request, course, _form_id(request, "section_id"))
            services.rename_section(request, section, _title(request))
        elif action == "delete_section":
            section = services.get_section(request, course, _form_id(request, "section_id"))
            services.delete_section(request, section)
        elif action == "add_lesson":
            section = services.get_section(request, course, _form_id(request, "section_id"))
            lesson_type = request.POST.get("type", "text")
            if lesson_type not in ("text", "embed") and lesson_type in services.lesson_types(
                request
            ):
                # media types need their asset: create as text, the edit page switches
                created = services.create_lesson(
                    request, course, section, title=_title(request), lesson_type="text"
                )
                url = request.route_path(
                    "content.editor.lesson",
                    course_id=str(course.id),
                    lesson_id=str(created.id),
                    _query={"type": lesson_type},
                )
                return HTTPSeeOther(location=url)
            if lesson_type == "embed":
                lesson_type = "text"  # an embed needs its URL: set on the edit page
            created = services.create_lesson(
                request, course, section, title=_title(request), lesson_type=lesson_type
            )
        elif action in ("move_up", "move_down"):
            kind = "section" if request.POST.get("kind") == "section" else "lesson"
            services.move(
                request,
                course,
                kind,
                _form_id(request, "item_id"),
                -1 if action == "move_up" else 1,
            )
        elif action in ("publish", "unpublish", "delete_lesson"):
            lesson = services.get_lesson(request, course, _form_id(request, "lesson_id"))
            if action == "publish":
                services.publish_lesson(request, course, lesson)
            elif action == "unpublish":
                services.unpublish_lesson(request, lesson)
            else:
                services.delete_lesson(request, lesson)
        else:
            raise services.invalid(["action"], "unknown action", "action")
    except ProblemError as exc:
        request.tm.doom()
        request.response.status_int = 404 if exc.status == 404 else 400
        messages = {
            404: _("That item no longer exists. Reload the page and try again."),
            409: _("Nothing to do: the lesson is already in that state."),
        }
        return _editor_context(
            request,
            course,
            messages.get(exc.status, _("The change could not be made. Check the form.")),
        )
    return HTTPSeeOther(location=request.route_path("content.editor", course_id=str(course.id)))


@view_config(
    route_name="content.editor.lesson",
    request_method=("GET", "POST"),
    renderer="learninghub_content:templates/lesson_form.jinja2",
)
def lesson_form(request):
    course = _editable(request)
    try:
        lesson = services.get_lesson(request, course, request.matchdict["lesson_id"])
    except ProblemError:
        raise HTTPNotFound() from None
    version = services.latest_version(request.db, lesson)
    errors: dict[str, str] = {}
    _ = request.gettext
    values = {
        "title": lesson.title,
        "slug": lesson.slug,
        "type": request.GET.get("type") or lesson.type,
        "is_free_preview": lesson.is_free_preview,
        "duration_s": "" if lesson.duration_s is None else str(lesson.duration_s),
        "format": "markdown" if version and "markdown" in (version.data or {}) else "html",
        "body": (version.data or {}).get("markdown", version.body) if version else "",
        "media_asset_id": str(version.media_asset_id or "") if version else "",
        "embed_url": version.embed_url if version else "",
    }
    if request.method == "POST":
        form = request.POST
        values.update(
            title=" ".join(form.get("title", "").split()),
            slug=form.get("slug", "").strip(),
            type=form.get("type", lesson.type),
            is_free_preview=form.get("is_free_preview") == "on",
            duration_s=form.get("duration_s", "").strip(),
            format="markdown" if form.get("format") == "markdown" else "html",
            body=form.get("body", ""),
            media_asset_id=form.get("media_asset_id", "").strip(),
            embed_url=form.get("embed_url", "").strip(),
        )
        changes: dict = {
            "is_free_preview": values["is_free_preview"],
            "type": values["type"],
        }
        if not values["title"] or len(values["title"]) > 200:
            errors["title"] = _("Enter a title of at most 200 characters.")
        changes["title"] = values["title"]
        if values["slug"] != lesson.slug:
            changes["slug"] = values["slug"]
            if not services.SLUG_RE.match(values["slug"]):
                errors["slug"] = _("Use lower-case letters, digits and hyphens.")
        if values["duration_s"]:
            if not values["duration_s"].isdigit():
                errors["duration_s"] = _("Enter a whole number of seconds.")
            else:
                changes["duration_s"] = int(values["duration_s"])
        else:
            changes["duration_s"] = None
        if values["type"] not in services.lesson_types(request):
            errors["type"] = _("Choose a lesson type.")
        # the text of a text lesson; under a video, a recording, a file or an embed, notes
        changes["body"] = values["body"]
        changes["format"] = values["format"]
        if values["type"] in services.MEDIA_LESSON_TYPES:
            if not values["media_asset_id"]:
                errors["media_asset_id"] = media_messages(request, values["type"])["missing"]
            else:
                try:
                    changes["media_asset_id"] = uuid.UUID(values["media_asset_id"])
                except ValueError:
                    errors["media_asset_id"] = media_messages(request, values["type"])["media"]
        elif values["type"] == "embed":
            changes["embed_url"] = values["embed_url"]
        if not errors:
            try:
                services.update_lesson(request, course, lesson, changes)
                if form.get("publish"):
                    services.publish_lesson(request, course, lesson)
            except ProblemError as exc:
                request.tm.doom()
                messages = {
                    "slug": _("Another lesson of this course has this address."),
                    "embed_url": _(
                        "Only YouTube, Vimeo and the sites your organisation allows can be "
                        "embedded."
                    ),
                    "body": _("The text is too long."),
                }
                by_type = media_messages(request, values["type"])
                for error in exc.errors or [{"path": ["body", "form"]}]:
                    field = error["path"][1] if len(error["path"]) > 1 else "form"
                    if field == "media_asset_id":
                        errors[field] = by_type.get(error.get("type"), by_type["media"])
                    else:
                        errors[field] = messages.get(field, _("Check this field."))
            else:
                return HTTPSeeOther(
                    location=request.route_path("content.editor", course_id=str(course.id))
                )
        request.response.status_int = 400
    chosen = None
    if request.method == "GET" and request.GET.get("media_asset_id"):
        # back from the media page with a new upload: choose it (the user saves)
        values["media_asset_id"] = request.GET["media_asset_id"].strip()
        chosen = values["media_asset_id"]
    return {
        "course": course,
        "lesson": lesson,
        "version": version,
        "values": values,
        "errors": errors,
        "types": list(services.lesson_types(request).values()),
        "editor_url": request.route_path("content.editor", course_id=str(course.id)),
        "preview_url": services.player_path(request, course, lesson, True),
        **media_picker(request, course, values, version, chosen),
    }


def media_messages(request, lesson_type: str) -> dict[str, str]:
    """What the lesson form says for each refusal of a media file (error types of
    ``services._check_asset``)."""
    _ = request.gettext
    wrong = {
        "video": _("This file is not a video. Choose a video for a video lesson."),
        "audio": _("This file is not a recording. Choose an audio file for an audio lesson."),
    }
    return {
        "missing": _("Choose one of your files for this lesson, or upload a new one."),
        "media": _(
            "That file cannot be used here: it is not one of your files or of this "
            "course. Choose one from the list or upload a new one."
        ),
        "not_ready": _(
            "That file is not ready: it is still being processed or it was refused. "
            "Choose another one."
        ),
        "type": wrong.get(lesson_type, _("Choose a file that suits the lesson type.")),
    }


def _asset_kind(asset) -> str:
    major = (asset.content_type or "").split("/", 1)[0]
    return major if major in ("video", "audio") else "file"


def media_picker(request, course, values: dict, version, chosen: str | None) -> dict:
    """The media field of the lesson form: the assets the user may pick, grouped by
    kind (only the lesson type's own kind for video and audio lessons), the one
    chosen kept even when the list would not offer it (a file an admin picked), and
    the link to upload a new one and come back here."""
    from learninghub_media import services as media

    _ = request.gettext
    assets = services.media_choices(request, course)
    listed = {str(a.id) for a in assets}
    current = values.get("media_asset_id") or ""
    if current and current not in listed:
        asset = media.get_asset(request.db, current)
        if asset is not None and (
            (version is not None and version.media_asset_id == asset.id)
            or (asset.is_ready and services.may_use_asset(request, course.id, asset))
        ):
            assets.insert(0, asset)
            listed.add(current)
    lesson_type = values.get("type")
    groups = []
    for kind, title in (
        ("video", _("Videos")),
        ("audio", _("Audio")),
        ("file", _("Other files")),
    ):
        if lesson_type in ("video", "audio") and kind != lesson_type:
            continue
        items = [a for a in assets if _asset_kind(a) == kind]
        if items:
            groups.append({"title": title, "assets": items})
    chosen_asset = next((a for a in assets if str(a.id) == chosen), None) if chosen else None
    upload_url = None
    if media.can_upload(request):
        upload_url = request.route_path("media.page.list", _query={"next": request.path_qs})
    return {
        "media_groups": groups,
        "media_chosen": chosen_asset,
        "media_upload_url": upload_url,
    }
