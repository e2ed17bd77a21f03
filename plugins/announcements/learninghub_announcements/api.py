"""JSON API: ``/api/v1/announcements``.

Every endpoint needs a signed-in user (bearer token) with the ``view`` permission;
the finer rules live in :mod:`.services`. Unknown, malformed and other tenants' ids
answer 404 alike.
"""

from __future__ import annotations

import sqlalchemy as sa
from pyramid.response import Response

from learninghub.api import Page, ProblemError, api_view, paginate

from . import services
from .models import Announcement
from .permissions import AnnouncementPermission as P
from .schemas import AnnouncementCreate, AnnouncementListQuery, AnnouncementOut, AnnouncementUpdate

COLLECTION = "/api/v1/announcements"
ITEM = COLLECTION + "/{id}"


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
        url=services.api_url(request, announcement),
        html_url=services.page_url(request, announcement),
    )


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
    """Published announcements for everyone; ``status`` filters need ``manage``
    (or ``mine``). Ordered by publication time for published ones, by creation time
    otherwise."""
    stmt = sa.select(Announcement)
    status = query.status
    if query.mine:
        stmt = stmt.where(Announcement.author_id == request.identity.id)
    elif not services.can_manage(request):
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
    if status is not None:
        stmt = stmt.where(Announcement.status == status)
    sort_col = Announcement.published_at if status == "published" else Announcement.created_at
    rows, next_cursor = paginate(request.db, stmt, sort_col, Announcement.id, query)
    return Page[AnnouncementOut](items=[to_out(request, a) for a in rows], next_cursor=next_cursor)


@api_view(
    "announcements.collection",
    COLLECTION,
    "POST",
    body=AnnouncementCreate,
    response=AnnouncementOut,
    status=201,
    permission=P.CREATE,
    summary="Write an announcement (a draft, or published at once)",
)
def create_announcement(request, body: AnnouncementCreate):
    if body.publish and not request.has_permission(P.PUBLISH):
        raise ProblemError(403, "Forbidden", f"publishing needs the permission {P.PUBLISH}")
    announcement = services.create(request, body.title, body.body)
    if body.publish:
        services.publish(request, announcement)
    out = to_out(request, announcement)
    response = Response(
        out.model_dump_json(), status=201, content_type="application/json", charset="utf-8"
    )
    response.location = out.url
    return response


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
