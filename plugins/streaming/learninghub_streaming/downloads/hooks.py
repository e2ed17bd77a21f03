"""Hook answers of the downloads part (gathered by the plugin's ``__init__``)."""

from __future__ import annotations

from . import services

TEMPLATE = "streaming/downloads/actions.jinja2"


def audit_auditable_events(request) -> list:
    """Allowing or forbidding a stream's offline download is audited."""
    return list(services.AUDITED_EVENTS)


def webhooks_event_types(request) -> list[tuple[str, str]]:
    return [
        (services.ALLOWED_EVENT, "A stream's offline download was allowed."),
        (services.DISALLOWED_EVENT, "A stream's offline download was forbidden."),
        (services.READY_EVENT, "A stream's offline download file was made."),
        (services.FAILED_EVENT, "A stream's offline download file could not be made."),
    ]


def status_label(request, stream) -> str:
    _ = request.gettext
    status = stream.download_status
    if not stream.downloadable:
        return _("Offline download is off.")
    if status == "ready":
        return _("The download file is ready.")
    if status == "failed":
        return _("The download file could not be made.")
    return _("The download file is being prepared…")


def content_lesson_actions(request, course, lesson) -> list:
    """Editors of a video or audio lesson whose media has a ready stream: the "Allow
    offline download" switch with the file's state and the count of downloads.
    Enrolled learners (and staff), when allowed and made: "Download for offline use"."""
    from markupsafe import Markup

    from learninghub_content import services as content
    from learninghub_media import services as media

    from ..transcoding import services as transcoding

    if lesson.type not in ("video", "audio"):
        return []  # no media: no query
    if request.identity is None:
        return []
    editor = content.can_edit(request, course)
    version = (
        content.latest_version(request.db, lesson)
        if editor
        else content.published_version(request.db, lesson)
    )
    if version is None or version.media_asset_id is None:
        return []
    stream = transcoding.stream_of_asset(request.db, version.media_asset_id)
    if stream is None or not stream.is_ready:
        return []
    available = services.is_available(stream)
    if not editor:
        if not available:
            return []
        from ..playback.access import resolve

        scope = resolve(request, stream, str(lesson.id))
        if scope is None or not services.may_download(request, scope):
            return []
    asset = media.get_asset(request.db, stream.asset_id)
    if asset is None:
        return []
    download_url = (
        request.route_path(
            "streaming.page.download", id=str(stream.id), _query={"scope": str(lesson.id)}
        )
        if available
        else ""
    )
    html = request.registry["templates"].render(
        TEMPLATE,
        {
            "editor": editor,
            "stream": stream,
            "label": status_label(request, stream) if editor else "",
            "downloads": services.download_count(request.db, stream.id) if editor else 0,
            "switch_url": request.route_path("streaming.page.offline", id=str(stream.id)),
            "back": request.path_qs,
            "download_url": download_url,
            "filename": services.stored_filename(stream),
            "size_mb": round(stream.download_size / 1_000_000, 1),
        },
        request,
    )
    return [Markup(html)]
