"""Server-rendered pages: Jinja2 set-up, navigation, home page and error pages.

Template lookup follows the override chain (the web-shell work extends it with
tenant branding and themes): ``learninghub:templates`` is the last resort; plugins
render ``learninghub_<plugin>:templates/<name>.jinja2`` and extend
``learninghub:templates/base.jinja2``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyramid.renderers import render_to_response
from pyramid.response import Response


@dataclass(frozen=True, order=True)
class NavItem:
    """A navigation entry returned by ``learninghub_nav_items``."""

    order: int
    title: str
    url: str


def nav_items(request) -> list[NavItem]:
    items: list[NavItem] = []
    for result in request.hooks.learninghub_nav_items(request=request):
        items.extend(result)
    return sorted(items)


def require_tenant(request):
    """The request's tenant, or HTTPNotFound for an unknown host (a themed 404 page on
    pages, problem+json under /api/). API views declared with ``api_view`` need not
    call it: the wrapper answers 404 before the view runs."""
    tenant = request.tenant
    if tenant is None:
        from pyramid.httpexceptions import HTTPNotFound

        raise HTTPNotFound()
    return tenant


def render_error_page(request, status: int, title: str) -> Response:
    messages = {
        403: "You do not have access to this page.",
        404: "There is nothing here.",
        429: "Too many requests from your address. Wait a moment, then try again.",
        500: "Something went wrong on our side. The error was logged.",
    }
    try:
        tenant = request.tenant
    except Exception:  # a broken tenant lookup must still render an error page
        tenant = None
    response = render_to_response(
        "learninghub:templates/error.jinja2",
        {
            "status": status,
            "title": title,
            "message": messages.get(status, title),
            "tenant": tenant,
            "nav": [],
        },
        request=request,
    )
    response.status = status
    return response


def home(request):
    tenant = require_tenant(request)
    return render_to_response(
        "learninghub:templates/home.jinja2",
        {"tenant": tenant, "nav": nav_items(request), "user": request.identity},
        request=request,
    )


def internal_error_view(exc, request):
    import logging

    logging.getLogger("learninghub.web").exception("unhandled error", exc_info=exc)
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


def includeme(config) -> None:
    config.include("pyramid_jinja2")
    config.add_jinja2_renderer(".jinja2")

    def add_filters() -> None:
        env = config.get_jinja2_environment(".jinja2")
        env.filters["b64encode"] = b64encode_filter

    config.action(("learninghub", "jinja2-filters"), add_filters, order=10**6)
    config.add_route("home", "/")
    config.add_view(home, route_name="home", request_method="GET")
    config.add_exception_view(internal_error_view, context=Exception)
    config.add_request_method(nav_items, "nav_items", reify=True)
