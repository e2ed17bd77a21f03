"""Hook implementations of the transcoding part (gathered by the plugin's __init__)."""

from __future__ import annotations

from learninghub import inbox

from . import services


def domain_event_emitted(request, event) -> None:
    """A video or audio upload that became ready gets a stream: the event is kept in
    the inbox in the upload's transaction, so that it is never missed."""
    if event.name != services.MEDIA_UPLOADED:
        return
    payload = event.payload or {}
    if payload.get("status") == "ready" and payload.get("kind") in services.STREAMABLE_KINDS:
        inbox.keep(request, services.INBOX_CONSUMER, event, services.INBOX_TASK)


def audit_auditable_events(request) -> list:
    """Queueing a transcode by hand (or again after a failure) is audited."""
    return [services.QUEUED_EVENT]


def webhooks_event_types(request) -> list[tuple[str, str]]:
    return [
        (services.QUEUED_EVENT, "A media asset's stream was queued for transcoding."),
        (services.READY_EVENT, "A media asset's stream finished transcoding and can be played."),
        (services.FAILED_EVENT, "A media asset's stream could not be transcoded."),
    ]


def content_lesson_actions(request, course, lesson) -> list:
    """The processing state of the lesson's video or audio, for the course's editors,
    updated live while it is transcoded."""
    from .views import status_panel

    return status_panel(request, course, lesson)
