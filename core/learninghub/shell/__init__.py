"""The web shell's pages: tenant admin shell (site settings, branding, domains,
plugins), visitor preferences (language, display and accessibility).

Every module here has its own ``includeme``; :func:`includeme` includes them all.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.response import Response

from ..web import render_error_page, require_tenant

MODULES = (".admin", ".preferences", ".branding_pages", ".domains")


def gate(request, permission: str | None):
    """None when the signed-in user holds ``permission``; else the response to return
    (a sign-in redirect for visitors, a themed 403 page otherwise). Unknown hosts get
    a 404 first."""
    require_tenant(request)
    if request.identity is None:
        return HTTPSeeOther(location=f"/login?next={request.path_qs}")
    if permission is not None and not request.has_permission(permission):
        return render_error_page(request, 403, "Forbidden")
    return None


def render_page(request, template: str, status: int = 200, **values) -> Response:
    """Render a page with ``no-store`` caching (admin and preference pages show
    per-user state)."""
    response = render_to_response(template, values, request=request)
    response.status = status
    response.headers["Cache-Control"] = "no-store"
    return response


def includeme(config) -> None:
    for module in MODULES:
        config.include(module, route_prefix=None)
