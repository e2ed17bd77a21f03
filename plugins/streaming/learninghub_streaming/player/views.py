"""The lesson player's markup (docs/design/streaming-contracts.md, "player";
docs/plugins/streaming-player.md).

:func:`media_player` answers content's ``learninghub_content_media_player`` hook: for a
video or audio lesson whose asset has a ready stream that the visitor may watch in
this lesson (:func:`learninghub_streaming.playback.access.resolve`), the player of
``templates/player/player.jinja2``. Everything the script (``static/player.js``) needs
travels in ``data-*`` attributes: no inline script.

What the page reads:

* the signed master playlist, the ``<track>``s (signed WebVTT) and the poster from
  the playback part;
* the resume position: the enrolment's ``LessonProgress.position_s`` unless it lies in
  the last 5 % of the duration (the lesson was finished: start again);
* the heartbeat route of the analytics part (the page's session cookie and its CSRF
  token; the JSON API takes bearer tokens only) and ``heartbeat_seconds``;
* the bookmarks routes of this part (the downloads part's API run with the page
  session: player/bridge.py);
* hls.js's ``drmSystems`` when a multi-DRM provider is registered (none by default).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from learninghub.templating import asset_url

PLUGIN = "streaming"
TEMPLATE = "streaming/player/player.jinja2"
#: a saved position in the last 5 % of the duration does not resume
RESUME_LIMIT = 0.95
#: playback speeds of the speed menu
SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0)
#: page routes of other parts the player calls (absent until their part lands)
HEARTBEAT_ROUTE = "streaming.page.heartbeat"
BOOKMARKS_ROUTE = "streaming.player.bookmarks"
BOOKMARK_ROUTE = "streaming.player.bookmark"


def playable_stream(request, lesson, version):
    """``(stream, scope)`` when the version's asset has a ready stream that the
    request's user may watch in ``lesson``; None otherwise."""
    from ..playback import access
    from ..transcoding.services import stream_of_asset

    if version is None or version.media_asset_id is None or request.identity is None:
        return None
    stream = stream_of_asset(request.db, version.media_asset_id)
    if stream is None or not stream.is_ready or not stream.published_prefix:
        return None
    scope = access.resolve(request, stream, str(lesson.id))
    if scope is None:
        return None
    return stream, scope


def learner_progress(request, course, lesson):
    """The request user's ``LessonProgress`` in the lesson, or None."""
    from learninghub_enrollment import services as enrollment

    mine = enrollment.my_enrollment(request, course)
    if mine is None:
        return None
    return enrollment.lesson_progress(request.db, mine, lesson.id)


def resume_position(progress, duration_s: float | None) -> int:
    """Where the page starts: the learner's saved position in the lesson, or 0 when
    there is none, it is past the media's end, or within its last 5 %."""
    position = int(progress.position_s or 0) if progress is not None else 0
    if position <= 0 or not duration_s or position >= duration_s * RESUME_LIMIT:
        return 0
    return position


def _route(request, name: str, **kw: Any) -> str:
    """The path of route ``name``, or '' when no part registered it (yet)."""
    try:
        return request.route_path(name, **kw)
    except KeyError:
        return ""


def speed_label(rate: float) -> str:
    return f"{rate:g}×"


def quality_label(rendition: dict) -> str:
    return f"{rendition['height']}p"


def labels(request) -> dict[str, str]:
    """The script's visible strings, translated here (one place for the catalog)."""
    _ = request.gettext
    return {
        "play": _("Play"),
        "pause": _("Pause"),
        "mute": _("Mute"),
        "unmute": _("Unmute"),
        "fullscreen": _("Full screen"),
        "exitFullscreen": _("Exit full screen"),
        "auto": _("Auto"),
        "autoLevel": _("Auto (%(quality)s)"),
        "off": _("Off"),
        "of": _("%(position)s of %(duration)s"),
        "completed": _("Lesson completed."),
        "bookmarkAdded": _("Bookmark added at %(time)s."),
        "bookmarkDeleted": _("Bookmark deleted."),
        "bookmarkError": _("The bookmark could not be saved."),
        "jump": _("Play from %(time)s"),
        "delete": _("Delete"),
        "deleteBookmark": _("Delete the bookmark at %(time)s"),
        "noBookmarks": _("No bookmarks yet."),
        "nowPlaying": _("Now playing"),
        "miniPlayer": _("Audio player"),
        "close": _("Close the player"),
        "backToLesson": _("Back to the lesson"),
        "playbackError": _("The media cannot be played here."),
        "speed": _("Speed: %(speed)s"),
        "quality": _("Quality: %(quality)s"),
        "captions": _("Captions: %(track)s"),
    }


def drm_systems(request, stream, scope_name: str) -> dict[str, Any] | None:
    """hls.js's ``drmSystems`` when a multi-DRM provider (``playback.drm.IDrmProvider``)
    protects the stream: its ``key_system``, each system given the provider's licence
    URL unless it names one; None otherwise (the AES-128 HLS plays)."""
    from ..playback import drm

    provider = drm.drm_provider(request)
    if provider is None:
        return None
    systems = provider.key_system(request, stream)
    if not systems:
        return None
    license_url = provider.license_url(request, stream, scope_name)
    out: dict[str, Any] = {}
    for name, options in systems.items():
        options = dict(options or {})
        if license_url and not options.get("licenseUrl"):
            options["licenseUrl"] = license_url
        out[name] = options
    return out


def player_context(request, course, lesson, stream, scope) -> dict[str, Any]:
    from learninghub_content import services as content

    from ..playback import services as playback

    settings = request.plugin_settings(PLUGIN)
    kind = "video" if stream.has_video else "audio"
    duration = float(stream.duration_s or 0)
    renditions = [
        {"name": r["name"], "height": r["height"], "label": quality_label(r)}
        for r in stream.renditions
        if r.get("height")
    ]
    stream_id = str(stream.id)
    progress = learner_progress(request, course, lesson)
    return {
        "kind": kind,
        "stream_id": stream_id,
        "scope": scope.name,
        "lesson": lesson,
        "course": course,
        "title": lesson.title,
        "lesson_url": content.player_path(request, course, lesson),
        "course_path": request.route_path("content.player", slug=course.slug, lesson_slug=""),
        "src": playback.master_url(request, stream, scope.name),
        "poster": playback.file_url(request, stream, scope.name, "poster.jpg")
        if kind == "video"
        else "",
        "tracks": playback.tracks(request, stream, scope.name),
        "duration": duration,
        "resume": resume_position(progress, duration),
        # announced when a beat completes the lesson, not again on every visit
        "completed": progress is not None and progress.completed_at is not None,
        "heartbeat_seconds": int(settings.heartbeat_seconds),
        "heartbeat_url": _route(request, HEARTBEAT_ROUTE, id=stream_id),
        "bookmarks_url": _route(request, BOOKMARKS_ROUTE, id=stream_id),
        "bookmark_url": _route(request, BOOKMARK_ROUTE, id="__id__"),
        "renditions": renditions,
        "drm": drm_systems(request, stream, scope.name),
        "speeds": [{"rate": rate, "label": speed_label(rate)} for rate in SPEEDS],
        "labels": labels(request),
        "hls_js": asset_url(request, "learninghub:static/vendor/hls.min.js"),
        "script": asset_url(request, "learninghub_streaming:static/player.js"),
        "stylesheet": asset_url(request, "learninghub_streaming:static/player.css"),
    }


def media_player(request, course, lesson, version) -> Markup | None:
    found = playable_stream(request, lesson, version)
    if found is None:
        return None
    stream, scope = found
    html = request.registry["templates"].render(
        TEMPLATE, player_context(request, course, lesson, stream, scope), request
    )
    return Markup(html)
