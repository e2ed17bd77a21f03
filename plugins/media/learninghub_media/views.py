"""Pages: ``/media`` (my uploads, the upload forms)."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden
from pyramid.view import view_config

from .permissions import MediaPermission as P


def _require_uploader(request) -> None:
    if request.identity is None or not request.has_permission(P.UPLOAD):
        raise HTTPForbidden()


@view_config(route_name="media.page.list", request_method="GET", renderer="string")
def media_page(request):
    _require_uploader(request)
    return ""
