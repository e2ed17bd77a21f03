"""Server-rendered pages: the web shell's navigation, dashboard, error pages and
static assets.

Templates are rendered through the override chain of :mod:`learninghub.templating`
(tenant → theme → plugin → kernel); plugin templates extend ``layout.jinja2`` (the
theme's layout) and are named ``<plugin>/<name>.jinja2``.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.static import QueryStringCacheBuster

from .i18n import N_

log = logging.getLogger("learninghub.web")


@dataclass(frozen=True, order=True)
class NavItem:
    """A navigation entry returned by ``learninghub_nav_items``."""

    order: int
    title: str
    url: str


@dataclass(frozen=True)
class Widget:
    """A dashboard widget returned by ``learninghub_dashboard_widgets``."""

    order: int
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    #: a short machine name (``announcements.latest``), used as the widget's HTML id
    key: str = ""


def hook_list(request, hook: str) -> list[Any]:
    """Concatenate the lists returned by every enabled implementation of ``hook``."""
    items: list[Any] = []
    for result in getattr(request.hooks, hook)(request=request):
        if result:
            items.extend(result)
    return items


def nav_items(request) -> list[NavItem]:
    return sorted(hook_list(request, "learninghub_nav_items"))


def require_tenant(request):
    """The request's tenant, or HTTPNotFound for an unknown host (a themed 404 page on
    pages, problem+json under /api/). API views declared with ``api_view`` need not
    call it: the wrapper answers 404 before the view runs."""
    tenant = request.tenant
    if tenant is None:
        from pyramid.httpexceptions import HTTPNotFound

        raise HTTPNotFound()
    return tenant


ERROR_MESSAGES = {
    403: N_("You do not have access to this page."),
    404: N_("There is nothing here."),
    429: N_("Too many requests from your address. Wait a moment, then try again."),
    500: N_("Something went wrong on our side. The error was logged."),
}
ERROR_TITLES = {
    403: N_("Forbidden"),
    404: N_("Not Found"),
    429: N_("Too Many Requests"),
    500: N_("Internal Server Error"),
}


def render_error_page(request, status: int, title: str) -> Response:
    try:
        request.tenant  # noqa: B018  (a broken tenant lookup must still render a page)
    except Exception:
        request.tenant = None
    from .i18n import gettext

    try:
        message = gettext(request, ERROR_MESSAGES[status]) if status in ERROR_MESSAGES else title
        shown_title = gettext(request, ERROR_TITLES[status]) if status in ERROR_TITLES else title
        response = render_to_response(
            "error.jinja2",
            {"status": status, "title": shown_title, "message": message},
            request=request,
        )
    except Exception:  # the themed page itself failed: a plain page, never a traceback
        log.exception("error page for %s could not be rendered", status)
        response = Response(
            f"<!doctype html><title>{status}</title><h1>{status} {title}</h1>",
            content_type="text/html",
        )
    response.status = status
    return response


def home(request):
    """The front page: signed-in users go to their dashboard."""
    tenant = require_tenant(request)
    if request.identity is not None:
        from pyramid.httpexceptions import HTTPFound

        return HTTPFound(location=request.route_path("dashboard"))
    return render_to_response("home.jinja2", {"tenant": tenant}, request=request)


def dashboard(request):
    """The learner dashboard, assembled from plugins' widgets."""
    require_tenant(request)
    if request.identity is None:
        from pyramid.httpexceptions import HTTPFound

        return HTTPFound(location="/login?next=/dashboard")
    widgets = sorted(hook_list(request, "learninghub_dashboard_widgets"), key=lambda w: w.order)
    return render_to_response("dashboard.jinja2", {"widgets": widgets}, request=request)


def internal_error_view(exc, request):
    log.exception("unhandled error", exc_info=exc)
    if request.registry.settings["environment"] == "development":
        raise exc  # let waitress/pyramid show it in development
    from .api import is_api_request, problem_response

    if is_api_request(request):
        return problem_response(
            request, 500, "Internal server error", "the error was logged with this request id"
        )
    return render_error_page(request, 500, "Internal Server Error")


def b64encode_filter(value) -> str:
    """Base64 of a string (UTF-8) or bytes, e.g. for data: URIs of generated SVG."""
    import base64

    raw = value.encode() if isinstance(value, str) else bytes(value)
    return base64.b64encode(raw).decode("ascii")


class ContentHashCacheBuster(QueryStringCacheBuster):
    """``?x=<sha256 of the file>`` on static URLs, so they can be cached for a year."""

    def __init__(self, root: Path) -> None:
        super().__init__(param="x")
        self.root = root
        self._tokens: dict[str, str] = {}

    def tokenize(self, request, subpath, kw):
        token = self._tokens.get(subpath)
        if token is None:
            path = self.root / subpath
            try:
                token = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            except OSError:
                token = "missing"
            self._tokens[subpath] = token
        return token


def includeme(config) -> None:
    from . import branding, i18n, templating, themes

    config.include(templating)
    templates = config.registry["templates"]
    templates.filters["b64encode"] = b64encode_filter
    templates.filters.update(i18n.FILTERS)
    config.include(themes)
    config.include(i18n)
    max_age = int(config.registry.settings.get("static.max_age", 31536000))
    static_root = Path(__file__).resolve().parent / "static"
    # absolute paths: editable installs use import hooks that pkg_resources cannot read
    config.add_static_view("static/kernel", str(static_root), cache_max_age=max_age)
    config.add_cache_buster(str(static_root) + "/", ContentHashCacheBuster(static_root))
    for theme in config.registry["themes"].themes.values():
        if theme.static.is_dir():
            config.add_cache_buster(str(theme.static) + "/", ContentHashCacheBuster(theme.static))
    templates.globals["FONTS"] = branding.FONTS
    templates.globals["ARABIC_FONT_STYLESHEETS"] = branding.ARABIC_FONT_STYLESHEETS
    templates.globals["admin_sections"] = lambda request: sorted(
        hook_list(request, "learninghub_admin_sections")
    )
    config.add_route("home", "/")
    config.add_view(home, route_name="home", request_method="GET")
    config.add_route("dashboard", "/dashboard")
    config.add_view(dashboard, route_name="dashboard", request_method="GET")
    config.add_exception_view(internal_error_view, context=Exception)
    config.add_request_method(nav_items, "nav_items", reify=True)
