"""Learning Hub plugin: streaming.

Upgrades video and audio lessons: an adaptive HLS ladder transcoded by one ffmpeg
process per upload, AES-128 key-protected playback, captions and subtitles, and (later)
video analytics. The contract is docs/design/streaming-contracts.md.

The package is split into parts (``transcoding``, ``captions``), each with its own
routes (``includeme``) and an optional ``hooks`` module. Pluggy registers only this
module, so the hook implementations below gather the answers of every part's ``hooks``
module: a part implements a hook by defining a function named like the hook without its
``learninghub_`` prefix.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from learninghub.hookspecs import hookimpl
from learninghub.manifest import PluginManifest

from . import models  # noqa: F401  (register the tables)
from .installer import StreamingInstaller
from .permissions import DEFAULT_GRANTS, StreamingPermission
from .settings import StreamingSettings

__version__ = "0.1.0"

log = logging.getLogger(__name__)

PARTS = ("transcoding", "captions")

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


def _part_hooks(name: str) -> Iterator[Any]:
    for part in PARTS:
        try:
            module: ModuleType = importlib.import_module(f"{__name__}.{part}.hooks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{part}.hooks":
                raise
            continue
        function = getattr(module, name, None)
        if function is not None:
            yield function


def _answers(name: str, **kwargs: Any) -> Iterator[Any]:
    """Each part's answer; a part that raises is logged and skipped, like a plugin
    under ``request.hooks``, so that it never hides the other parts' answers."""
    for function in _part_hooks(name):
        try:
            yield function(**kwargs)
        except Exception:
            log.exception(
                "streaming: hook %s of part %s raised; skipped", name, function.__module__
            )


def _gather(name: str, **kwargs: Any) -> list:
    """Concatenate the lists the parts answer."""
    return [item for answer in _answers(name, **kwargs) for item in (answer or [])]


@hookimpl
def learninghub_content_lesson_actions(request, course, lesson) -> list:
    return _gather("content_lesson_actions", request=request, course=course, lesson=lesson)


@hookimpl
def learninghub_courses_teach_links(request, course) -> list:
    return _gather("courses_teach_links", request=request, course=course)


@hookimpl
def learninghub_domain_event_emitted(request, event) -> None:
    # inside the emitting transaction: an error here must propagate (nothing kept half)
    for function in _part_hooks("domain_event_emitted"):
        function(request=request, event=event)


@hookimpl
def learninghub_audit_auditable_events(request) -> list:
    return _gather("audit_auditable_events", request=request)


@hookimpl
def learninghub_webhooks_event_types(request) -> list:
    return _gather("webhooks_event_types", request=request)
