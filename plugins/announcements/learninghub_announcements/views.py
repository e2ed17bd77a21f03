"""Pages: ``/announcements`` (published list; ``?scope_type=course&scope_id=<id>``
for one course's) and ``/announcements/{id}``.

Pages authenticate with the session cookie. Permission is checked inside the views
rather than with ``view_config(permission=...)``: Pyramid's security check runs
before the kernel's plugin-enabled check, and a tenant without the plugin must get
a 404, not a 403.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPBadRequest, HTTPForbidden, HTTPNotFound
from pyramid.view import view_config

from learninghub import pagecache
from learninghub.api import PageQuery, ProblemError, paginate

from . import scopes, services
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
    scope = _scope_of_page(request)
    try:
        page = PageQuery(limit=PAGE_SIZE, cursor=cursor)
        rows, next_cursor = paginate(
            request.db,
            services.published_statement(request, scope),
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
    scope_query = {"scope_type": scope.type, "scope_id": scope.id} if scope else {}
    next_url = (
        request.route_path("announcements.page.list", _query={**scope_query, "cursor": next_cursor})
        if next_cursor
        else None
    )
    return {
        **_base(request),
        "items": items,
        "next_url": next_url,
        "first_page": not cursor,
        "scope": scope,
        "all_url": request.route_path("announcements.page.list") if scope else None,
    }


def _scope_of_page(request) -> scopes.Scope | None:
    """The scope asked for by the query string: 400 when incomplete or of an unknown
    type, 404 when it does not exist for the user, 403 when they do not read it."""
    scope_type = request.GET.get("scope_type") or None
    scope_id = request.GET.get("scope_id") or None
    if scope_type is None and scope_id is None:
        return None
    if scope_type is None or scope_id is None or len(scope_id) > scopes.SCOPE_ID_MAX:
        raise HTTPBadRequest()
    try:
        scope = scopes.require(request, scope_type, scope_id, location="query")
    except ProblemError as exc:
        raise (HTTPBadRequest() if exc.status == 400 else HTTPNotFound()) from None
    if not scopes.can_read(request, scope.type, scope.id):
        raise HTTPForbidden()
    return scope


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
    scope = None
    if announcement.is_scoped:
        found = scopes.describe(request, announcement.scope_type, announcement.scope_id)
        scope = found if isinstance(found, scopes.Scope) else None
    return {
        **_base(request),
        "announcement": announcement,
        "body": services.body_markup(announcement),
        "list_url": request.route_path("announcements.page.list"),
        "scope": scope,
        "scope_list_url": (
            request.route_path(
                "announcements.page.list",
                _query={"scope_type": scope.type, "scope_id": scope.id},
            )
            if scope
            else None
        ),
    }


# ----------------------------------------------------------------- course landing page


LANDING_LIMIT = 3


def landing_section(request, course) -> list:
    """The ``learninghub_courses_landing_sections`` answer: the course's latest
    published announcements for its readers (nothing when there are none), plus the
    link to write one for those who may post. Fixed cost: the scope hooks once each,
    one query for the announcements."""
    from learninghub.web import Widget

    if request.identity is None or not request.has_permission(P.VIEW):
        return []
    scope_id = str(course.id)
    poster = scopes.can_post(request, scopes.COURSE, scope_id)
    if not (poster or scopes.can_read(request, scopes.COURSE, scope_id)):
        return []
    scope = scopes.Scope(scopes.COURSE, scope_id, course.title, None)

    def latest():  # the same for every reader: kept until an announcement changes
        return tuple(
            (str(a.id), a.title, a.published_at, services.excerpt(a, 160))
            for a in services.latest_published(request, LANDING_LIMIT, scope)
        )

    rows = pagecache.memo(request, f"announcements:course-latest:{scope_id}", latest)
    if not rows and not poster:
        return []
    items = [
        {
            "title": title,
            "published_at": published_at,
            "excerpt": excerpt,
            "url": request.route_path("announcements.page.detail", id=announcement_id),
        }
        for announcement_id, title, published_at, excerpt in rows
    ]
    return [
        Widget(
            order=10,
            title=request.gettext("Announcements"),
            template="announcements/landing.jinja2",
            context={
                "items": items,
                "all_url": request.route_path(
                    "announcements.page.list",
                    _query={"scope_type": scopes.COURSE, "scope_id": scope_id},
                ),
                "teach_url": (
                    request.route_path("announcements.page.course", course_id=scope_id)
                    if poster
                    else None
                ),
            },
            key="announcements",
        )
    ]
