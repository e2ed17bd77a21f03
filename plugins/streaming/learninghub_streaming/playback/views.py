"""The signed HLS files and the key endpoint (docs/plugins/streaming-playback.md).

* ``GET /streaming/hls/{scope}/{stream_id}/{exp}/{sig}/{path}`` — a file of a ready
  stream: the published set (``master.m3u8``, ``<rendition>/index.m3u8``,
  ``<rendition>/seg_NNNNN.ts``, ``poster.jpg``, ``sprite.jpg``, ``sprite.vtt``) or a
  generated subtitle file (``subs/<caption id>.m3u8`` / ``.vtt``). The signed prefix is
  the whole authorization (checked: signature, expiry, the user it was made for); it is
  not re-checked against enrolments per segment.
* ``GET /streaming/keys/{stream_id}?scope=&exp=&t=`` — the 16 bytes of the stream's
  key, only while the token is valid and the user still may watch in that scope.

Refusals are problem+json: 404 for an unknown stream (another tenant's included), one
not ready, or a name outside the published set; 403 for a bad, expired or someone
else's signature or token, and for a viewer who may no longer watch.
"""

from __future__ import annotations

import hashlib
import re

from pyramid.response import Response
from pyramid.view import view_config
from webob.static import FileIter

from learninghub.api import ProblemError

from ..transcoding import ladder
from ..transcoding.services import get_stream
from . import access, playlists, services

SEGMENT = re.compile(r"^seg_\d{1,9}\.ts$")
SUBTITLE = re.compile(
    r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(m3u8|vtt)$"
)
#: the published files at the top of a stream's prefix (beside master.m3u8)
TOP_FILES = {
    ladder.POSTER: "image/jpeg",
    ladder.SPRITE: "image/jpeg",
    ladder.SPRITE_VTT: "text/vtt",
}
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPE = "video/mp2t"
VTT_TYPE = "text/vtt"
SEGMENT_MAX_AGE = 3600


def not_found(what: str = "stream") -> ProblemError:
    return ProblemError(404, "Not found", f"no such {what}")


def forbidden(detail: str) -> ProblemError:
    return ProblemError(403, "Forbidden", detail)


def _ready_stream(request):
    if request.tenant is None:
        raise not_found()
    stream = get_stream(request.db, request.matchdict["stream_id"])
    if stream is None or not stream.is_ready or not stream.published_prefix:
        raise not_found()
    return stream


def _secure(response: Response, cache: str) -> Response:
    response.headers["Cache-Control"] = cache
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _text(request, body: str, content_type: str) -> Response:
    response = Response(
        body=body.encode("utf-8"),
        content_type=content_type,
        charset="utf-8",
        conditional_response=True,
    )
    return _secure(response, "private, no-cache")


def _rendition_dirs(stream) -> set[str]:
    return {r["playlist"].split("/")[0] for r in stream.renditions or [] if r.get("playlist")}


def _caption(request, stream, caption_id: str):
    from ..captions import services as captions

    caption = captions.get_caption(request, caption_id)
    if caption is None or caption.asset_id != stream.asset_id:
        raise not_found("caption")
    return caption


def _published(request, stream, path: str, content_type: str, max_age: int) -> Response:
    """A published file as it is stored, with Range support (as media's delivery:
    WebOb's conditional responses over a seekable file iterator)."""
    from learninghub.interfaces import IFileStorage

    storage = request.find_service(IFileStorage)
    key = stream.published_prefix + path
    try:
        size = storage.size(request.tenant.id, key)
        file = storage.open(request.tenant.id, key)
    except KeyError:
        raise not_found("file") from None
    response = Response(
        app_iter=FileIter(file),
        content_type=content_type,
        content_length=size,
        conditional_response=True,
    )
    if content_type.startswith("text/"):
        response.charset = "utf-8"
    response.etag = hashlib.sha256(key.encode()).hexdigest()[:32]
    response.accept_ranges = "bytes"
    return _secure(response, f"private, max-age={max_age}, no-transform")


def _read_text(request, stream, path: str) -> str:
    from learninghub.interfaces import IFileStorage

    storage = request.find_service(IFileStorage)
    try:
        return storage.read(request.tenant.id, stream.published_prefix + path).decode("utf-8")
    except KeyError:
        raise not_found("file") from None


@view_config(route_name=services.HLS_ROUTE, request_method="GET", require_csrf=False)
def hls_file(request):
    stream = _ready_stream(request)
    match = request.matchdict
    scope = match["scope"]
    if not services.check_signature(
        request, services.HLS_PURPOSE, scope, stream.id, match["exp"], match["sig"]
    ):
        raise forbidden("the link expired or is not yours: reload the page")
    path = match["path"]
    parts = path.split("/")
    if path.startswith("/") or "\\" in path or any(p in ("", ".", "..") for p in parts):
        raise not_found("file")
    if path == services.MASTER:
        return _master(request, stream)
    if len(parts) == 1 and path in TOP_FILES:
        return _published(request, stream, path, TOP_FILES[path], SEGMENT_MAX_AGE)
    if len(parts) != 2:
        raise not_found("file")
    directory, name = parts
    if directory == services.SUBS_DIR:
        found = SUBTITLE.match(name)
        if found is None:
            raise not_found("file")
        caption = _caption(request, stream, found.group(1))
        if found.group(2) == "m3u8":
            body = playlists.subtitle_playlist(caption.id, stream.duration_s or 0)
            return _text(request, body, PLAYLIST_TYPE)
        body = playlists.timed_vtt(caption.vtt, services.first_pts(request, stream))
        return _text(request, body, VTT_TYPE)
    if directory not in _rendition_dirs(stream):
        raise not_found("file")
    if name == ladder.PLAYLIST:
        text = _read_text(request, stream, path)
        body = playlists.rewrite_media(text, services.key_url(request, stream, scope))
        return _text(request, body, PLAYLIST_TYPE)
    if SEGMENT.match(name):
        return _published(request, stream, path, SEGMENT_TYPE, SEGMENT_MAX_AGE)
    raise not_found("file")


def _master(request, stream) -> Response:
    from ..captions import services as captions

    text = _read_text(request, stream, services.MASTER)
    tracks = captions.tracks(request, stream.asset_id)
    body = playlists.rewrite_master(text, tracks, services.caption_label)
    return _text(request, body, PLAYLIST_TYPE)


@view_config(route_name=services.KEY_ROUTE, request_method="GET", require_csrf=False)
def stream_key(request):
    stream = _ready_stream(request)
    scope = request.GET.get("scope", "")
    if not services.check_signature(
        request,
        services.KEY_PURPOSE,
        scope,
        stream.id,
        request.GET.get("exp", ""),
        request.GET.get("t", ""),
    ):
        raise forbidden("the key token expired or is not yours: reload the page")
    if not access.may_watch(request, stream, scope):
        raise forbidden("you may no longer watch this stream")
    response = Response(
        body=services.stream_key(request.registry, stream),
        content_type="application/octet-stream",
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
