"""Learning Hub plugin: assessment.

Question banks per course, quizzes as lessons (fixed or drawn questions, server-enforced
time limits, attempt limits, availability windows, sequential navigation, feedback
modes), attempts with autosave, automatic and manual grading, regrades with an audit of
changed scores, basic assignments, and the gradebook. The contract between its parts
and with the certificates plugin is docs/design/assessment-contracts.md.

The package is split into parts (``questions``, ``quizzes``, ``assignments``,
``gradebook``), each with its own routes (``includeme``) and an optional ``hooks``
module. Pluggy registers only this module, so the hook implementations below gather
the answers of every part's ``hooks`` module: a part implements a hook by defining a
function named like the hook without its ``learninghub_`` prefix.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from learninghub.hookspecs import hookimpl
from learninghub.manifest import PluginManifest

from . import models  # noqa: F401  (register the tables)
from .installer import AssessmentInstaller
from .permissions import DEFAULT_GRANTS, AssessmentPermission
from .settings import AssessmentSettings

__version__ = "0.1.0"

PARTS = ("questions", "quizzes", "assignments", "gradebook")

manifest = PluginManifest(
    name="assessment",
    version=__version__,
    title="Assessment",
    description="Question banks, quizzes, attempts and grading, basic assignments and the "
    "gradebook.",
    requires=("courses", "content", "media", "enrollment"),
    settings=AssessmentSettings,
    permissions=AssessmentPermission,
    default_grants=DEFAULT_GRANTS,
    migrations="learninghub_assessment:migrations/versions",
    installer=AssessmentInstaller(),
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


def _gather(name: str, **kwargs: Any) -> list:
    """Concatenate the lists the parts answer."""
    return [item for function in _part_hooks(name) for item in (function(**kwargs) or [])]


def _first(name: str, **kwargs: Any) -> Any:
    """The first answer that is not None."""
    for function in _part_hooks(name):
        answer = function(**kwargs)
        if answer is not None:
            return answer
    return None


@hookimpl
def learninghub_content_lesson_types(request) -> list:
    return _gather("content_lesson_types", request=request)


@hookimpl
def learninghub_content_lesson_actions(request, course, lesson) -> list:
    return _gather("content_lesson_actions", request=request, course=course, lesson=lesson)


@hookimpl
def learninghub_courses_teach_links(request, course) -> list:
    return _gather("courses_teach_links", request=request, course=course)


@hookimpl
def learninghub_media_can_access(request, asset):
    return _first("media_can_access", request=request, asset=asset)


@hookimpl
def learninghub_nav_items(request) -> list:
    return _gather("nav_items", request=request)


@hookimpl
def learninghub_dashboard_widgets(request) -> list:
    return _gather("dashboard_widgets", request=request)


@hookimpl
def learninghub_domain_event(request, event) -> None:
    for function in _part_hooks("domain_event"):
        function(request=request, event=event)


@hookimpl
def learninghub_audit_auditable_events(request) -> list:
    return _gather("audit_auditable_events", request=request)


@hookimpl
def learninghub_webhooks_event_types(request) -> list:
    return _gather("webhooks_event_types", request=request)


@hookimpl
def learninghub_certificates_requirements(request, course, user_id) -> list:
    return _gather("certificates_requirements", request=request, course=course, user_id=user_id)


@hookimpl
def learninghub_certificates_course_grade(request, course, user_id):
    return _first("certificates_course_grade", request=request, course=course, user_id=user_id)


@hookimpl
def learninghub_demo_data(request) -> None:
    for function in _part_hooks("demo_data"):
        function(request=request)
