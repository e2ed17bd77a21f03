"""Public pages: the catalog ``/courses`` and the landing page ``/courses/{slug}``,
and ``/courses/{slug}/thumbnail`` (a redirect to the media plugin's signed URL).

Both pages are open to visitors; drafts and archived courses answer 404 except to
their staff. The catalog's filters are a GET form, so it works without JavaScript.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from learninghub import pagecache
from learninghub.api import ProblemError
from learninghub.web import require_tenant

from . import catalog, services
from .models import Course, CourseCategory
from .schemas import CourseListQuery
from .workflow import category_tree

log = logging.getLogger(__name__)
CATALOG_PAGE = "courses/catalog.jinja2"
LANDING_PAGE = "courses/landing.jinja2"
FILTER_KEYS = ("q", "category", "level", "language", "price", "min_rating", "sort")


def thumbnail_url(request, course: Course) -> str | None:
    """Where the course's thumbnail is served, or None (no image, or the media
    plugin absent or disabled for the tenant). No query here: the redirect view
    looks the asset up when the browser asks for it."""
    if course.thumbnail_asset_id is None or not request.tenant.is_enabled("media"):
        return None
    return request.route_path("courses.page.thumbnail", slug=course.slug)


def card(request, course: Course, result: catalog.CatalogResult) -> dict[str, Any]:
    category = result.categories.get(course.category_id) if course.category_id else None
    return {
        "course": course,
        "url": services.course_url(request, course),
        "thumbnail": thumbnail_url(request, course),
        "category": category,
        "instructors": result.instructors.get(str(course.id), []),
    }


def _page_query(request) -> tuple[CourseListQuery, dict[str, str], int]:
    """The catalog form's values (bad ones are dropped, never an error page) and the
    page number."""
    raw = {k: request.GET.get(k, "").strip() for k in FILTER_KEYS}
    raw = {k: v for k, v in raw.items() if v}
    try:
        page = max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        page = 1
    size = request.plugin_settings("courses").page_size
    query = None
    while query is None:
        try:
            query = CourseListQuery(**raw, limit=size)
        except ValidationError as exc:
            for err in exc.errors():
                raw.pop(str(err["loc"][0]), None)
    return query, raw, page


@view_config(route_name="courses.page.catalog", request_method="GET")
def catalog_page(request):
    require_tenant(request)
    query, values, page = _page_query(request)
    result = catalog.run(
        request,
        catalog.CatalogQuery(
            **query.model_dump(exclude={"cursor"}), offset=(page - 1) * query.limit
        ),
    )
    pages = max(1, -(-result.total // query.limit))

    def page_url(n: int) -> str:
        return request.route_path("courses.page.catalog", _query={**values, "page": str(n)})

    tree = category_tree(list(result.categories.values()))
    pagecache.allow(request)  # anonymous visitors only (learninghub.pagecache)
    return _render(
        request,
        CATALOG_PAGE,
        values=values,
        result=result,
        cards=[card(request, c, result) for c in result.courses],
        category_options=tree,
        levels=catalog.level_labels(request),
        page=page,
        pages=pages,
        prev_url=page_url(page - 1) if page > 1 else None,
        next_url=page_url(page + 1) if page < pages else None,
        can_teach=_can_teach(request),
    )


def _can_teach(request) -> bool:
    from .permissions import CoursePermission

    return request.identity is not None and bool(request.has_permission(CoursePermission.CREATE))


def _render(request, template: str, **values):
    from pyramid.renderers import render_to_response

    return render_to_response(template, values, request=request)


@view_config(route_name="courses.page.landing", request_method="GET")
def landing_page(request):
    require_tenant(request)
    course = services.get_course_by_slug(request.db, request.matchdict["slug"])
    if course is None or not services.can_view(request, course):
        raise HTTPNotFound()
    category = request.db.get(CourseCategory, course.category_id) if course.category_id else None
    action = request.hooks.learninghub_courses_enrol_action(request=request, course=course)
    sections = []
    for found in request.hooks.learninghub_courses_landing_sections(request=request, course=course):
        sections.extend(found or [])
    sections.sort(key=lambda w: w.order)
    staff = services.is_staff(request, course)
    pagecache.allow(request)
    return _render(
        request,
        LANDING_PAGE,
        course=course,
        category=category,
        instructors=pagecache.memo(
            request,
            f"courses:instructors:{course.id}",
            lambda: catalog.instructors_of(request.db, [course.id]).get(str(course.id), []),
        ),
        thumbnail=thumbnail_url(request, course),
        description=services.description_markup(course),
        enrol_action=action,
        sections=sections,
        levels=catalog.level_labels(request),
        language=catalog.language_label(request, course.language),
        is_staff=staff,
        can_edit=services.can_edit(request, course),
        edit_url=request.route_path("courses.page.teach_edit", id=str(course.id)),
    )


@view_config(route_name="courses.page.thumbnail", request_method="GET")
def thumbnail(request):
    """303 to the media plugin's short-lived thumbnail URL."""
    require_tenant(request)
    course = services.get_course_by_slug(request.db, request.matchdict["slug"])
    if (
        course is None
        or course.thumbnail_asset_id is None
        or not services.can_view(request, course)
        or not request.tenant.is_enabled("media")
    ):
        raise HTTPNotFound()
    try:
        from learninghub_media import services as media
    except ImportError:
        raise HTTPNotFound() from None
    asset = media.get_asset(request.db, course.thumbnail_asset_id)
    if asset is None:
        raise HTTPNotFound()
    try:
        url = media.thumbnail_url(request, asset)
    except ProblemError:
        raise HTTPNotFound() from None
    if not url:
        raise HTTPNotFound()
    response = HTTPSeeOther(location=url)
    response.headers["Cache-Control"] = "private, max-age=60"
    return response
