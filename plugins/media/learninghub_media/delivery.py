"""File delivery: ``/media/{id}/file``, ``/media/{id}/thumbnail`` and
``/media/{id}/poster``, on signed URLs.

The URL's ``exp`` and ``sig`` (see :mod:`.services`) are the whole authorization: a
page, the API or another plugin decided that the user may see the asset when it made
the URL. A missing, tampered or expired signature, or one made for another user,
answers 403; an unknown asset, or one that is not ``ready``, 404.

Responses carry the sniffed ``Content-Type``, ``X-Content-Type-Options: nosniff``, a
sandboxing ``Content-Security-Policy``, ``Accept-Ranges: bytes`` and honour a single
``Range`` (206 with ``Content-Range``; 416 when unsatisfiable: WebOb's conditional
responses over a seekable file iterator). Images, audio and video are ``inline``;
everything else is an ``attachment`` named after the upload.
"""

from __future__ import annotations

from urllib.parse import quote

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config
from webob.static import FileIter

from learninghub.interfaces import IFileStorage

from . import services
from .sniff import kind_of

THUMBNAIL_TYPE = POSTER_TYPE = "image/webp"


def _signed_asset(request, purpose: str):
    if request.tenant is None:
        raise HTTPNotFound()
    asset = services.get_asset(request.db, request.matchdict["id"])
    if asset is None or not asset.is_ready:
        raise HTTPNotFound()
    exp, sig = request.GET.get("exp", ""), request.GET.get("sig", "")
    if not services.check_signature(request, purpose, asset.id, exp, sig):
        raise HTTPForbidden("the link expired or is not yours: reload the page")
    return asset


def content_disposition(asset) -> str:
    disposition = (
        "inline" if kind_of(asset.content_type) in ("image", "audio", "video") else "attachment"
    )
    ascii_name = asset.filename.encode("ascii", "replace").decode().replace('"', "'")
    ascii_name = ascii_name.replace("?", "_") or "file"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(asset.filename)}"


def stream(request, key: str, content_type: str, etag: str) -> Response:
    storage = request.find_service(IFileStorage)
    try:
        size = storage.size(request.tenant.id, key)
        file = storage.open(request.tenant.id, key)
    except KeyError:
        raise HTTPNotFound() from None
    response = Response(
        app_iter=FileIter(file),
        content_type=content_type,
        content_length=size,
        conditional_response=True,
    )
    if content_type.startswith("text/"):
        response.charset = "utf-8"
    response.etag = etag
    response.accept_ranges = "bytes"
    response.cache_control = "private, max-age=300, no-transform"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@view_config(route_name="media.file", request_method="GET", require_csrf=False)
def deliver_file(request):
    asset = _signed_asset(request, services.FILE)
    response = stream(request, asset.storage_key, asset.content_type, asset.sha256)
    response.headers["Content-Disposition"] = content_disposition(asset)
    return response


@view_config(route_name="media.thumbnail", request_method="GET", require_csrf=False)
def deliver_thumbnail(request):
    asset = _signed_asset(request, services.THUMBNAIL)
    if not asset.thumbnail_key:
        raise HTTPNotFound()
    response = stream(request, asset.thumbnail_key, THUMBNAIL_TYPE, asset.sha256 + "-t")
    response.headers["Content-Disposition"] = "inline"
    return response


@view_config(route_name="media.poster", request_method="GET", require_csrf=False)
def deliver_poster(request):
    asset = _signed_asset(request, services.POSTER)
    if not asset.poster_key:
        raise HTTPNotFound()
    response = stream(request, asset.poster_key, POSTER_TYPE, asset.sha256 + "-p")
    response.headers["Content-Disposition"] = "inline"
    return response
