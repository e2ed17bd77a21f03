"""Hook answers of the analytics part (gathered by the plugin's ``__init__``)."""

from __future__ import annotations


def content_lesson_actions(request, course, lesson) -> list:
    """To the course's editors only: a link to the viewing analytics of the lesson's
    video or audio (of its newest version) once its stream is ready."""
    from markupsafe import Markup, escape

    from learninghub_content import services as content

    from ..transcoding.services import stream_of_asset

    if lesson.type not in ("video", "audio"):
        return []  # no media: no query
    if request.identity is None or not content.can_edit(request, course):
        return []
    version = content.latest_version(request.db, lesson)
    if version is None or version.media_asset_id is None:
        return []
    stream = stream_of_asset(request.db, version.media_asset_id)
    if stream is None or stream.status != "ready":
        return []
    url = request.route_path("streaming.page.analytics", id=str(stream.id))
    return [
        Markup('<p class="streaming-analytics-link"><a href="{}">{}</a></p>').format(
            url, escape(request.gettext("Viewing analytics"))
        )
    ]
