"""Hook answers of the captions part (gathered by the plugin's ``__init__``)."""

from __future__ import annotations

from . import services


def content_lesson_actions(request, course, lesson) -> list:
    """To the course's editors only: "This video has no captions yet" under a lesson
    whose video (of its newest version) has no caption track, with a link to add one."""
    from markupsafe import Markup, escape

    from learninghub_content import services as content

    if lesson.type not in ("video", "audio"):
        return []  # no media: no query
    if request.identity is None or not content.can_edit(request, course):
        return []
    version = content.latest_version(request.db, lesson)
    if version is None or version.media_asset_id is None:
        return []
    asset = services.get_asset(request, version.media_asset_id)
    if asset is None or not (asset.content_type or "").startswith("video/"):
        return []
    if services.has_tracks(request, asset.id):
        return []
    url = request.route_path("streaming.page.captions", asset_id=str(asset.id))
    return [
        Markup(
            '<div class="lh-alert streaming-captions-warning" role="note"><p>{} <a href="{}">{}</a></p></div>'
        ).format(
            escape(request.gettext("This video has no captions yet.")),
            url,
            escape(request.gettext("Add captions")),
        )
    ]


def audit_auditable_events(request) -> list:
    return list(services.EVENTS)


def webhooks_event_types(request) -> list[tuple[str, str]]:
    """Caption tracks, for integrations (payload: asset id, language, kind)."""
    return [
        (services.CREATED_EVENT, "A caption track was added to a media asset."),
        (services.UPDATED_EVENT, "A caption track was replaced or edited."),
        (services.DELETED_EVENT, "A caption track was deleted."),
    ]
