"""Pages of the transcoding part: the instructor's status panel under a lesson (the
``learninghub_content_lesson_actions`` hook), the JSON its script polls, and the form
that queues a transcode (again).

* ``GET /streaming/streams/{id}/status`` — the stream's state for the panel's poll
  (session cookie; the API answers bearer tokens only); 404 for those who may not
  manage it, 401 without a session;
* ``POST /streaming/assets/{asset_id}/transcode`` — queue the asset's stream (a new
  one, or again after a failure); back to ``next`` (a local path).
"""

from __future__ import annotations

import json

from markupsafe import Markup
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from learninghub.api import ProblemError
from learninghub.templating import asset_url

from . import services
from .models import Stream

TEMPLATE = "streaming/transcoding/panel.jinja2"


def status_label(request, stream: Stream | None) -> str:
    _ = request.gettext
    if stream is None:
        return _("This media has no stream yet.")
    if stream.status == "queued":
        return _("Waiting to be transcoded…")
    if stream.status == "processing":
        return _("Transcoding: %(percent)s %%", percent=stream.progress_percent)
    if stream.status == "ready":
        return _("Ready to stream (%(renditions)s).", renditions=rendition_names(stream))
    return _("Transcoding failed.")


def rendition_names(stream: Stream) -> str:
    return ", ".join(r["name"] for r in stream.renditions if r.get("height")) or "audio"


def status_body(request, stream: Stream) -> dict:
    return {
        "id": str(stream.id),
        "status": stream.status,
        "progress_percent": stream.progress_percent,
        "label": status_label(request, stream),
        "error": stream.error if stream.status == "failed" else "",
    }


def status_panel(request, course, lesson) -> list[Markup]:
    """The panel for the course's editors when the lesson's latest version holds a
    video or audio asset; nothing for anyone else (two indexed queries)."""
    from learninghub_content import services as content
    from learninghub_courses import services as courses
    from learninghub_media import services as media

    if lesson.type not in ("video", "audio"):
        return []  # no media: no query
    if request.identity is None or not courses.can_edit(request, course):
        return []
    version = content.latest_version(request.db, lesson)
    if version is None or version.media_asset_id is None:
        return []
    asset = media.get_asset(request.db, version.media_asset_id)
    if asset is None or not asset.is_ready or not services.is_streamable(asset):
        return []
    stream = services.stream_of_asset(request.db, asset.id)
    html = request.registry["templates"].render(
        TEMPLATE,
        {
            "stream": stream,
            "label": status_label(request, stream),
            "status_url": request.route_path("streaming.page.stream_status", id=str(stream.id))
            if stream is not None
            else "",
            "queue_url": request.route_path("streaming.page.transcode", asset_id=str(asset.id)),
            "back": request.path_qs,
            "script": asset_url(request, "learninghub_streaming:static/transcoding_panel.js"),
            "can_queue": stream is None or stream.status == "failed" or services.is_stale(stream),
        },
        request,
    )
    return [Markup(html)]


def _json(status: int, body: dict) -> Response:
    response = Response(
        json.dumps(body), status=status, content_type="application/json", charset="utf-8"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@view_config(route_name="streaming.page.stream_status", request_method="GET")
def stream_status(request):
    if request.tenant is None:
        raise HTTPNotFound()
    if request.identity is None:
        return _json(401, {"status": None})
    try:
        stream = services.manageable_stream(request, request.matchdict["id"])
    except ProblemError:
        return _json(404, {"status": None})
    return _json(200, status_body(request, stream))


def _local(path: str) -> str:
    """``path`` when it is a path of this site, else the home page."""
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


@view_config(route_name="streaming.page.transcode", request_method="POST")
def transcode(request):
    if request.tenant is None or request.identity is None:
        raise HTTPNotFound()
    try:
        asset = services.manageable_asset(request, request.matchdict["asset_id"])
    except ProblemError:
        raise HTTPNotFound() from None
    if not asset.is_ready or not services.is_streamable(asset):
        raise HTTPNotFound()
    stream = services.stream_of_asset(request.db, asset.id)
    if stream is not None and services.is_stale(stream):
        services.queue(request, stream)
    else:
        services.ensure_stream(request, asset, requeue_failed=True)
    return HTTPSeeOther(location=_local(request.POST.get("next", "/")))
