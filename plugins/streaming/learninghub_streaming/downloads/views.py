"""Pages and the file of the downloads part.

* ``GET /streaming/downloads/{scope}/{stream_id}/{exp}/{sig}/{filename}`` — the file,
  as an attachment, on a signed link made for the request's user (403 when the
  signature is missing, tampered with, expired or another user's; 404 when the stream
  or its download is gone or no longer allowed). ``Range`` is honoured; every fetch
  that is not a range continuation (no ``Range``, or one starting at byte 0) is
  counted in ``streaming_downloads``;
* ``GET /streaming/streams/{id}/download?scope=<lesson id>`` — signs a link for the
  signed-in user and redirects to it (the lesson page only links here, so it can be
  cached per user);
* ``POST /streaming/streams/{id}/offline`` — the editors' switch (a form with a CSRF
  token); back to ``next`` (a local path).
"""

from __future__ import annotations

from urllib.parse import quote

from pyramid.httpexceptions import HTTPConflict, HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from learninghub.api import ProblemError
from learninghub.shell import gate

from ..playback import access
from ..transcoding import services as transcoding
from ..transcoding.views import _local
from . import services


def content_disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _counts(request, etag: str) -> bool:
    """A fetch that starts the file (not a continuation of a paused download, nor a
    revalidation answered 304, nor a HEAD)."""
    if request.method != "GET" or etag in request.if_none_match:
        return False
    wanted = request.range
    if request.headers.get("Range") and wanted is None:
        return True  # a Range header WebOb cannot read is answered in full
    return wanted is None or wanted.start == 0


@view_config(route_name="streaming.download.file", request_method="GET", require_csrf=False)
def deliver(request):
    from learninghub_content import services as content
    from learninghub_media.delivery import stream as deliver_stored

    if request.tenant is None:
        raise HTTPNotFound()
    md = request.matchdict
    scope = access.parse_scope(md["scope"])
    stream = transcoding.get_stream(request.db, md["stream_id"])
    if scope is None or stream is None:
        raise HTTPNotFound()
    if not services.check_signature(request, scope, stream.id, md["exp"], md["sig"]):
        raise HTTPForbidden("the link expired or is not yours: download it again from the lesson")
    filename = services.stored_filename(stream)
    if not services.is_available(stream) or md["filename"] != filename:
        raise HTTPNotFound()
    etag = stream.download_key.rsplit("/", 2)[-2]  # the file's own uuid
    response = deliver_stored(
        request, stream.download_key, services.content_type_of(filename), etag
    )
    response.headers["Content-Disposition"] = content_disposition(filename)
    if _counts(request, etag):
        lesson = content.get_lesson_by_id(request.db, scope) if scope != access.MANAGE else None
        services.record_download(request, stream, lesson.id if lesson is not None else None)
    return response


@view_config(route_name="streaming.page.download", request_method="GET")
def sign_and_redirect(request):
    denied = gate(request, None)
    if denied is not None:
        return denied
    stream = transcoding.get_stream(request.db, request.matchdict["id"])
    scope = access.resolve(request, stream, request.GET.get("scope", ""))
    if stream is None or scope is None or not stream.is_ready:
        raise HTTPNotFound()
    if not services.may_download(request, scope):
        raise HTTPForbidden()
    if not services.is_available(stream):
        raise HTTPConflict()
    response = HTTPSeeOther(location=services.signed_link(request, stream, scope.name).url)
    response.headers["Cache-Control"] = "no-store"
    return response


@view_config(route_name="streaming.page.offline", request_method="POST")
def switch(request):
    if request.tenant is None or request.identity is None:
        raise HTTPNotFound()
    try:
        stream = transcoding.manageable_stream(request, request.matchdict["id"])
    except ProblemError:
        raise HTTPNotFound() from None
    allowed = request.POST.get("allowed") == "1"
    if allowed and not stream.is_ready:
        raise HTTPConflict()
    services.set_allowed(request, stream, allowed)
    return HTTPSeeOther(location=_local(request.POST.get("next", "/")))
