"""The course staff's page: ``/teach/courses/{course_id}/announcements`` lists the
course's announcements in every status and has the form to write one;
``/teach/courses/{course_id}/announcements/{id}/{publish|archive|delete}`` act on one.

Who may use it: users who may post in the course
(``learninghub_announcements_can_post``: its instructors, teaching assistants and the
tenant's admins). Visitors are sent to sign in; a course that does not exist for the
user (or when no plugin of the tenant knows courses) is a 404, a course they may not
post in a 403. Forms are POSTs with a CSRF token; success redirects (303) back with
a notice, invalid input re-renders the form (422) with its errors.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from learninghub.api import PageQuery, ProblemError, paginate
from learninghub.i18n import N_
from learninghub.shell import gate, render_page
from learninghub.web import render_error_page

from . import scopes, services
from .models import Announcement
from .permissions import AnnouncementPermission as P
from .schemas import ScopedAnnouncementCreate

PAGE = "announcements/teach.jinja2"
PAGE_SIZE = 20
ACTIONS = ("publish", "archive", "delete")
DONE = {
    "draft": N_("Announcement saved as a draft."),
    "published": N_("Announcement published."),
    "archived": N_("Announcement archived."),
    "deleted": N_("Draft deleted."),
}


def _course_scope(request) -> tuple[scopes.Scope | None, Any]:
    """(the course's scope, None), or (None, the response to return instead)."""
    denied = gate(request, P.VIEW)
    if denied is not None:
        return None, denied
    found = scopes.describe(request, scopes.COURSE, request.matchdict["course_id"])
    if not isinstance(found, scopes.Scope):
        raise HTTPNotFound()
    if not scopes.can_post(request, found.type, found.id):
        return None, render_error_page(request, 403, "Forbidden")
    return found, None


def _page_url(request, scope: scopes.Scope, **query: str) -> str:
    return request.route_path("announcements.page.course", course_id=scope.id, _query=query)


def _render(request, scope: scopes.Scope, status: int = 200, **values):
    cursor = request.GET.get("cursor") or None
    try:
        rows, next_cursor = paginate(
            request.db,
            sa.select(Announcement).where(scopes.in_scope(scope)),
            Announcement.created_at,
            Announcement.id,
            PageQuery(limit=PAGE_SIZE, cursor=cursor),
        )
    except (ProblemError, ValueError):
        raise HTTPBadRequest() from None
    done = request.GET.get("done")
    values.setdefault("values", {"title": "", "body": "", "publish": False})
    values.setdefault("errors", {})
    return render_page(
        request,
        PAGE,
        status,
        tenant=request.tenant,
        nav=request.nav_items,
        user=request.identity,
        scope=scope,
        items=[
            {
                "announcement": a,
                "url": request.route_path("announcements.page.detail", id=str(a.id)),
                "can_delete": services.can_delete(request, a),
            }
            for a in rows
        ],
        next_url=_page_url(request, scope, cursor=next_cursor) if next_cursor else None,
        first_page=not cursor,
        action=_page_url(request, scope),
        flash=request.gettext(DONE[done]) if done in DONE else "",
        **values,
    )


def _form_errors(request, exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else "form"
        if field == "title":
            errors["title"] = request.gettext("Enter a title of at most 200 characters.")
        elif field == "body":
            errors["body"] = _too_long(request)
        else:
            errors.setdefault("form", err["msg"])
    return errors


def _too_long(request) -> str:
    limit = request.plugin_settings(services.PLUGIN).max_body_chars
    return request.gettext("Enter at most %(limit)s characters.", limit=limit)


@view_config(route_name="announcements.page.course", request_method=("GET", "POST"))
def course_announcements_page(request):
    scope, denied = _course_scope(request)
    if denied is not None:
        return denied
    if request.method != "POST":
        return _render(request, scope)
    values = {
        "title": request.POST.get("title", ""),
        "body": request.POST.get("body", ""),
        "publish": request.POST.get("publish") == "1",
    }
    errors: dict[str, str] = {}
    try:
        body = ScopedAnnouncementCreate(**values)
    except ValidationError as exc:
        errors = _form_errors(request, exc)
    else:
        limit = request.plugin_settings(services.PLUGIN).max_body_chars
        if len(body.body) > limit:
            errors["body"] = _too_long(request)
    if errors:
        return _render(request, scope, 422, values=values, errors=errors)
    announcement = services.create(request, body.title, body.body, scope)
    if body.publish:
        services.publish(request, announcement)
    done = "published" if body.publish else "draft"
    return HTTPSeeOther(location=_page_url(request, scope, done=done))


@view_config(route_name="announcements.page.course_action", request_method="POST")
def course_announcement_action(request):
    """Publish, archive or delete one of the course's announcements."""
    scope, denied = _course_scope(request)
    if denied is not None:
        return denied
    action = request.matchdict["action"]
    if action not in ACTIONS:
        raise HTTPNotFound()
    try:
        announcement = services.get_visible(request, request.matchdict["id"])
    except ProblemError:
        raise HTTPNotFound() from None
    if (announcement.scope_type, announcement.scope_id) != (scope.type, scope.id):
        raise HTTPNotFound()
    allowed = (
        services.can_delete(request, announcement)
        if action == "delete"
        else services.can_publish(request, announcement)
    )
    if not allowed:
        return render_error_page(request, 403, "Forbidden")
    try:
        if action == "publish":
            services.publish(request, announcement)
            done = "published"
        elif action == "archive":
            services.archive(request, announcement)
            done = "archived"
        else:
            services.delete(request, announcement)
            done = "deleted"
    except ProblemError:
        return _render(
            request,
            scope,
            409,
            errors={
                "form": request.gettext(
                    "This action is not possible in the announcement's current state."
                )
            },
        )
    return HTTPSeeOther(location=_page_url(request, scope, done=done))
