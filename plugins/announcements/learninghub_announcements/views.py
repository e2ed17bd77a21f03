"""Pages: ``/announcements`` (published list) and ``/announcements/{id}``.

Pages authenticate with the session cookie. Permission is checked inside the views
rather than with ``view_config(permission=...)``: Pyramid's security check runs
before the kernel's plugin-enabled check, and a tenant without the plugin must get
a 404, not a 403.
"""

from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPBadRequest, HTTPForbidden, HTTPNotFound
from pyramid.view import view_config

from learninghub.api import PageQuery, ProblemError, paginate

from . import services
from .models import Announcement
from .permissions import AnnouncementPermission as P

PAGE_SIZE = 20


def _require_viewer(request) -> None:
    if request.identity is None or not request.has_permission(P.VIEW):
        raise HTTPForbidden()


def _base(request) -> dict:
    return {"tenant": request.tenant, "nav": request.nav_items, "user": request.identity}


@view_config(
    route_name="announcements.page.list",
    request_method="GET",
    renderer="learninghub_announcements:templates/list.jinja2",
)
def announcement_list_page(request):
    _require_viewer(request)
    cursor = request.GET.get("cursor") or None
    try:
        page = PageQuery(limit=PAGE_SIZE, cursor=cursor)
        rows, next_cursor = paginate(
            request.db,
            sa.select(Announcement).where(Announcement.status == "published"),
            Announcement.published_at,
            Announcement.id,
            page,
        )
    except (ProblemError, ValueError):
        raise HTTPBadRequest() from None
    items = [
        {
            "announcement": a,
            "excerpt": services.excerpt(a),
            "url": request.route_path("announcements.page.detail", id=str(a.id)),
        }
        for a in rows
    ]
    next_url = (
        request.route_path("announcements.page.list", _query={"cursor": next_cursor})
        if next_cursor
        else None
    )
    return {**_base(request), "items": items, "next_url": next_url, "first_page": not cursor}


@view_config(
    route_name="announcements.page.detail",
    request_method="GET",
    renderer="learninghub_announcements:templates/detail.jinja2",
)
def announcement_page(request):
    _require_viewer(request)
    try:
        announcement = services.get_visible(request, request.matchdict["id"])
    except ProblemError:
        raise HTTPNotFound() from None
    return {
        **_base(request),
        "announcement": announcement,
        "body": services.body_markup(announcement),
        "list_url": request.route_path("announcements.page.list"),
    }
