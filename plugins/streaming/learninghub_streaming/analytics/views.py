"""Pages of the analytics part (docs/plugins/streaming-analytics.md).

* ``GET /streaming/streams/{id}/analytics`` — the figures, the drop-off curve as an
  inline SVG line chart drawn here (no script) and the same points as a table;
* ``GET /streaming/streams/{id}/analytics.csv`` — the curve (one row per 5 % point),
  then a blank line and the summary figures;
* ``POST /streaming/streams/{id}/heartbeats`` — the heartbeat of the API for the
  player's page, which holds a session cookie and no bearer token: the CSRF token in
  the ``X-CSRF-Token`` header (JSON body), or for ``navigator.sendBeacon`` (which
  sets no header) a form body with ``csrf_token`` and the JSON in ``beat``.

The pages are for those who may manage the stream (404 for everyone else; visitors
are sent to sign in).
"""

from __future__ import annotations

import csv
import io
import json

from pydantic import ValidationError
from pyramid.csrf import check_csrf_origin, check_csrf_token
from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config

from learninghub.api import ProblemError, validation_errors
from learninghub.shell import gate, render_page

from ..transcoding.services import manageable_stream
from . import services
from .api import HeartbeatIn, beat

TEMPLATE = "streaming/analytics/stream.jinja2"

# the chart's geometry (SVG user units)
WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 48
TICKS = (0, 25, 50, 75, 100)


def _stream_or_404(request):
    try:
        return manageable_stream(request, request.matchdict["id"])
    except ProblemError:
        raise HTTPNotFound() from None


def chart(stats: services.Stats) -> dict:
    """The drop-off chart's geometry: the polyline's points (x: the position, 0–100 %
    of the duration; y: the share of views, 0–100 %) and the axes' ticks."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(percent: float) -> float:
        return round(LEFT + plot_w * percent / 100, 2)

    def y(percent: float) -> float:
        return round(TOP + plot_h * (1 - percent / 100), 2)

    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "top": TOP,
        "right": WIDTH - RIGHT,
        "bottom": HEIGHT - BOTTOM,
        "points": " ".join(f"{x(p.at_percent)},{y(p.share * 100)}" for p in stats.curve),
        "dots": [(x(p.at_percent), y(p.share * 100)) for p in stats.curve],
        "x_ticks": [(t, x(t)) for t in TICKS],
        "y_ticks": [(t, y(t)) for t in TICKS],
    }


def _asset_name(request, stream) -> str:
    from learninghub_media import services as media

    asset = media.get_asset(request.db, stream.asset_id)
    return asset.filename if asset is not None else ""


@view_config(route_name="streaming.page.analytics", request_method="GET")
def analytics_page(request):
    denied = gate(request, None)
    if denied is not None:
        return denied
    stream = _stream_or_404(request)
    stats = services.stats_for(request, stream)
    return render_page(
        request,
        TEMPLATE,
        stream=stream,
        name=_asset_name(request, stream),
        stats=stats,
        chart=chart(stats),
        csv_url=request.route_path("streaming.page.analytics_csv", id=str(stream.id)),
    )


# ----------------------------------------------------------------- CSV

#: a cell starting with one of these is a formula to a spreadsheet
_FORMULA = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value) -> str:
    """A CSV cell a spreadsheet will not run: text starting like a formula gets a
    leading apostrophe (numbers are written as they are)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def csv_text(stream, name: str, stats: services.Stats) -> str:
    """The CSV (see the module's docstring): section 1 ``position_percent, bucket,
    views, share`` (share 0 … 1, rounded to 6 places); a blank line; section 2
    ``metric, value``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["position_percent", "bucket", "views", "share"])
    for p in stats.curve:
        writer.writerow(
            [safe_cell(v) for v in (p.at_percent, p.bucket, p.views, round(p.share, 6))]
        )
    writer.writerow([])
    writer.writerow(["metric", "value"])
    summary = [
        ("stream_id", str(stream.id)),
        ("media", name),
        ("duration_s", stream.duration_s if stream.duration_s is not None else ""),
        ("views", stats.views),
        ("unique_viewers", stats.unique_viewers),
        ("total_watch_s", round(stats.total_watch_s, 3)),
        ("average_watch_s", round(stats.average_watch_s, 3)),
        ("complete_percent", stats.complete_percent),
        ("completed_views", stats.completed_views),
        ("completion_rate", round(stats.completion_rate, 6)),
    ]
    for metric, value in summary:
        writer.writerow([metric, safe_cell(value)])
    return out.getvalue()


@view_config(route_name="streaming.page.analytics_csv", request_method="GET")
def analytics_csv(request):
    denied = gate(request, None)
    if denied is not None:
        return denied
    stream = _stream_or_404(request)
    stats = services.stats_for(request, stream)
    response = Response(
        csv_text(stream, _asset_name(request, stream), stats),
        content_type="text/csv",
        charset="utf-8",
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="stream-{stream.id}-analytics.csv"'
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# ----------------------------------------------------------------- the player's beat


def _json(status: int, body: dict) -> Response:
    response = Response(
        json.dumps(body), status=status, content_type="application/json", charset="utf-8"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _page_beat_body(request) -> HeartbeatIn:
    ctype = (request.content_type or "").lower()
    if ctype == "application/json":
        raw = request.body or b"null"
    elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raw = request.POST.get("beat", "null")
    else:
        raise ProblemError(415, "Unsupported media type", "send application/json or a form")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProblemError(400, "Malformed JSON", str(exc)) from None
    try:
        return HeartbeatIn.model_validate(data)
    except ValidationError as exc:
        raise ProblemError(
            422,
            "Validation failed",
            "the request body is invalid",
            errors=validation_errors(exc, "body"),
        ) from None


@view_config(route_name="streaming.page.heartbeat", request_method="POST", require_csrf=False)
def page_heartbeat(request):
    """Problems are raised: the exception view answers problem+json and the
    transaction aborts."""
    if request.tenant is None:
        raise ProblemError(404, "Not found", "no tenant answers on this host")
    if request.identity is None:
        raise ProblemError(401, "Unauthorized", "sign in to report playback")
    # the token as a header (fetch) or a form field (sendBeacon)
    if not (check_csrf_token(request, raises=False) and check_csrf_origin(request, raises=False)):
        raise ProblemError(403, "Forbidden", "missing or wrong CSRF token")
    result = beat(request, request.matchdict["id"], _page_beat_body(request))
    return _json(200, result.model_dump())
