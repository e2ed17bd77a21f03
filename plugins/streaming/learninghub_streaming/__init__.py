"""Learning Hub plugin: streaming.

Upgrades video and audio lessons: an adaptive HLS ladder transcoded by one ffmpeg
process per upload, AES-128 key-protected playback, captions and subtitles, and (later)
video analytics. The contract is docs/design/streaming-contracts.md.

The package is split into parts (``transcoding``, ``captions``, ``playback``,
``player``, ``analytics``, ``downloads``), each with its own
routes (``includeme``) and an optional ``hooks`` module. Pluggy registers only this
module, so the hook implementations below gather the answers of every part's ``hooks``
module: a part implements a hook by defining a function named like the hook without its
``learninghub_`` prefix.
"""

from __future__ import annotations

from learninghub.hookspecs import hookimpl
from learninghub.manifest import PluginManifest
from learninghub.parts import PluginParts

from . import models  # noqa: F401  (register the tables)
from .installer import StreamingInstaller
from .permissions import DEFAULT_GRANTS, StreamingPermission
from .settings import StreamingSettings

__version__ = "0.1.0"

PARTS = PluginParts(
    __name__, ("transcoding", "captions", "playback", "player", "analytics", "downloads")
)

manifest = PluginManifest(
    name="streaming",
    version=__version__,
    title="Streaming",
    description="Adaptive HLS streaming of video and audio lessons, key-protected playback "
    "and captions.",
    requires=("courses", "media", "content", "enrollment"),
    settings=StreamingSettings,
    permissions=StreamingPermission,
    default_grants=DEFAULT_GRANTS,
    migrations="learninghub_streaming:migrations/versions",
    installer=StreamingInstaller(),
)


def includeme(config) -> None:
    for part in PARTS:
        config.include(f".{part}")


@hookimpl
def learninghub_content_lesson_actions(request, course, lesson) -> list:
    return PARTS.gather("content_lesson_actions", request=request, course=course, lesson=lesson)


@hookimpl
def learninghub_content_media_player(request, course, lesson, version):
    return PARTS.first(
        "content_media_player", request=request, course=course, lesson=lesson, version=version
    )


@hookimpl
def learninghub_courses_teach_links(request, course) -> list:
    return PARTS.gather("courses_teach_links", request=request, course=course)


@hookimpl
def learninghub_domain_event_emitted(request, event) -> None:
    # inside the emitting transaction: an error here must propagate (nothing kept half)
    PARTS.call_each("domain_event_emitted", request=request, event=event)


@hookimpl
def learninghub_audit_auditable_events(request) -> list:
    return PARTS.gather("audit_auditable_events", request=request)


@hookimpl
def learninghub_webhooks_event_types(request) -> list:
    return PARTS.gather("webhooks_event_types", request=request)


@hookimpl(trylast=True)
def learninghub_demo_data(request) -> None:
    """After the demo plugin's lessons exist: streams, captions, offline downloads."""
    from .demo import seed

    seed(request)
