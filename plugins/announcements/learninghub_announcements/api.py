"""JSON API: ``/api/v1/announcements`` and ``/api/v1/courses/{course_id}/announcements``.

Every endpoint needs a signed-in user (bearer token) with the ``view`` permission;
the finer rules live in :mod:`.services` and, for scoped announcements, in
:mod:`.scopes`. Unknown, malformed and other tenants' ids answer 404 alike.
"""

from __future__ import annotations

import sqlalchemy as sa
from pyramid.response import Response

from learninghub.api import Page, ProblemError, api_view, paginate

from . import scopes, services
from .models import Announcement
from .permissions import AnnouncementPermission as P
from .schemas import (
    AnnouncementCreate,
    AnnouncementListQuery,
    AnnouncementOut,
    AnnouncementUpdate,
    ScopedAnnouncementCreate,
    ScopedListQuery,
)

COLLECTION = "/api/v1/announcements"
ITEM = COLLECTION + "/{id}"
COURSE_COLLECTION = "/api/v1/courses/{course_id}/announcements"


def to_out(request, announcement: Announcement) -> AnnouncementOut:
    return AnnouncementOut(
        id=announcement.id,
        title=announcement.title,
        body=announcement.body,
        status=announcement.status,
        author_id=announcement.author_id,
        created_at=announcement.created_at,
        updated_at=announcement.updated_at,
        published_at=announcement.published_at,
        emailed_at=announcement.emailed_at,
        scope_type=announcement.scope_type,
        scope_id=announcement.scope_id,
        url=services.api_url(request, announcement),
        html_url=services.page_url(request, announcement),
    )


def _list(
    request,
    query: ScopedListQuery,
    scope: scopes.Scope | None = None,
    scope_type: str | None = None,
) -> Page[AnnouncementOut]:
    """One page of announcements: of ``scope`` (the caller reads it), or of every
    scope of ``scope_type``, or everything the caller reads. A fixed number of
    statements: the scope hooks are asked once per scope type, never per row."""
    stmt = sa.select(Announcement)
    status = query.status
    if scope is not None:
        stmt = stmt.where(scopes.in_scope(scope))
    elif scope_type is not None:
        stmt = stmt.where(Announcement.scope_type == scope_type)
    sees_drafts = services.can_manage(request) or (
        scope is not None and scopes.can_post(request, scope.type, scope.id)
    )
    if query.mine:
        stmt = stmt.where(Announcement.author_id == request.identity.id)
    elif not sees_drafts:
        if status not in (None, "published"):
            raise ProblemError(
                403,
                "Forbidden",
                f"filtering by status needs the permission {P.MANAGE}",
                errors=[
                    {"path": ["query", "status"], "message": "not allowed", "type": "forbidden"}
                ],
            )
        status = "published"
        if scope is None:
            stmt = stmt.where(scopes.readable_clause(request, scope_type))
    if status is not None:
        stmt = stmt.where(Announcement.status == status)
    sort_col = Announcement.published_at if status == "published" else Announcement.created_at
    rows, next_cursor = paginate(request.db, stmt, sort_col, Announcement.id, query)
    return Page[AnnouncementOut](items=[to_out(request, a) for a in rows], next_cursor=next_cursor)


def _created(request, announcement: Announcement) -> Response:
    out = to_out(request, announcement)
    response = Response(
        out.model_dump_json(), status=201, content_type="application/json", charset="utf-8"
    )
    response.location = out.url
    return response


def _post_in_scope(request, scope: scopes.Scope, title: str, body: str, publish: bool):
    scopes.require_poster(request, scope)
    announcement = services.create(request, title, body, scope)
    if publish:
        services.publish(request, announcement)
    return _created(request, announcement)


def _course_scope(request) -> scopes.Scope:
    """The course of the URL: 404 when it does not exist for the caller, or when no
    plugin of the tenant knows courses."""
    try:
        return scopes.require(request, scopes.COURSE, request.matchdict["course_id"])
    except ProblemError as exc:
        if exc.status == 400:
            raise ProblemError(404, "Not found", "no such course") from None
        raise


@api_view(
    "announcements.collection",
    COLLECTION,
    "GET",
    query=AnnouncementListQuery,
    response=Page[AnnouncementOut],
    permission=P.VIEW,
    summary="List announcements, newest first",
)
def list_announcements(request, query: AnnouncementListQuery):
    """Tenant-wide announcements and those of the scopes the caller reads (or of one
    scope: ``scope_type`` + ``scope_id``), published ones only unless the caller
    manages announcements, posts in the scope, or asks for ``mine``. Ordered by
    publication time for published ones, by creation time otherwise."""
    scope = None
    if query.scope_id is not None:
        scope = scopes.require(request, query.scope_type, query.scope_id, location="query")
        scopes.require_reader(request, scope)
    return _list(request, query, scope, query.scope_type)


@api_view(
    "announcements.collection",
    COLLECTION,
    "POST",
    body=AnnouncementCreate,
    response=AnnouncementOut,
    status=201,
    permission=P.CREATE,
    summary="Write an announcement (a draft, or published at once), tenant-wide or in a scope",
)
def create_announcement(request, body: AnnouncementCreate):
    """Tenant-wide, or in a scope the caller may post in. Course staff without the
    tenant-wide create permission (teaching assistants) post through
    ``POST /api/v1/courses/{course_id}/announcements``; the create permission is
    declared here so that an API key scoped to it may write."""
    if body.scope_type is not None:
        scope = scopes.require(request, body.scope_type, body.scope_id)
        return _post_in_scope(request, scope, body.title, body.body, body.publish)
    if body.publish and not request.has_permission(P.PUBLISH):
        raise ProblemError(403, "Forbidden", f"publishing needs the permission {P.PUBLISH}")
    announcement = services.create(request, body.title, body.body)
    if body.publish:
        services.publish(request, announcement)
    return _created(request, announcement)


@api_view(
    "announcements.course_collection",
    COURSE_COLLECTION,
    "GET",
    query=ScopedListQuery,
    response=Page[AnnouncementOut],
    permission=P.VIEW,
    summary="List a course's announcements (its audience and staff)",
)
def list_course_announcements(request, query: ScopedListQuery):
    scope = _course_scope(request)
    scopes.require_reader(request, scope)
    return _list(request, query, scope)


@api_view(
    "announcements.course_collection",
    COURSE_COLLECTION,
    "POST",
    body=ScopedAnnouncementCreate,
    response=AnnouncementOut,
    status=201,
    permission=P.VIEW,
    summary="Write an announcement of a course (its staff)",
)
def create_course_announcement(request, body: ScopedAnnouncementCreate):
    scope = _course_scope(request)
    return _post_in_scope(request, scope, body.title, body.body, body.publish)


@api_view(
    "announcements.item",
    ITEM,
    "GET",
    response=AnnouncementOut,
    permission=P.VIEW,
    summary="One announcement",
)
def get_announcement(request):
    return to_out(request, services.get_visible(request, request.matchdict["id"]))


@api_view(
    "announcements.item",
    ITEM,
    "PATCH",
    body=AnnouncementUpdate,
    response=AnnouncementOut,
    permission=P.VIEW,
    summary="Edit an announcement",
)
def update_announcement(request, body: AnnouncementUpdate):
    announcement = services.get_visible(request, request.matchdict["id"])
    if not services.can_edit(request, announcement):
        raise services.forbidden("edit")
    services.update(request, announcement, body.model_dump(exclude_unset=True))
    return to_out(request, announcement)


@api_view(
    "announcements.item",
    ITEM,
    "DELETE",
    status=204,
    permission=P.VIEW,
    summary="Delete an announcement",
)
def delete_announcement(request):
    announcement = services.get_visible(request, request.matchdict["id"])
    if not services.can_delete(request, announcement):
        raise services.forbidden("delete")
    services.delete(request, announcement)


@api_view(
    "announcements.publish",
    ITEM + "/publish",
    "POST",
    response=AnnouncementOut,
    permission=P.VIEW,
    summary="Publish an announcement (and email it)",
)
def publish_announcement(request):
    announcement = services.get_visible(request, request.matchdict["id"])
    if not services.can_publish(request, announcement):
        raise services.forbidden("publish")
    services.publish(request, announcement)
    return to_out(request, announcement)


@api_view(
    "announcements.archive",
    ITEM + "/archive",
    "POST",
    response=AnnouncementOut,
    permission=P.VIEW,
    summary="Archive an announcement (hidden from readers)",
)
def archive_announcement(request):
    announcement = services.get_visible(request, request.matchdict["id"])
    if not services.can_publish(request, announcement):
        raise services.forbidden("archive")
    services.archive(request, announcement)
    return to_out(request, announcement)
