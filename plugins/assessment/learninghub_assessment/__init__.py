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

from learninghub.hookspecs import hookimpl
from learninghub.manifest import PluginManifest
from learninghub.parts import PluginParts

from . import models  # noqa: F401  (register the tables)
from .installer import AssessmentInstaller
from .permissions import DEFAULT_GRANTS, AssessmentPermission
from .settings import AssessmentSettings

__version__ = "0.1.0"

PARTS = PluginParts(__name__, ("questions", "quizzes", "assignments", "gradebook"))

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


@hookimpl
def learninghub_content_lesson_types(request) -> list:
    return PARTS.gather("content_lesson_types", request=request)


@hookimpl
def learninghub_content_lesson_actions(request, course, lesson) -> list:
    return PARTS.gather("content_lesson_actions", request=request, course=course, lesson=lesson)


@hookimpl
def learninghub_courses_teach_links(request, course) -> list:
    return PARTS.gather("courses_teach_links", request=request, course=course)


@hookimpl
def learninghub_media_can_access(request, asset):
    return PARTS.first("media_can_access", request=request, asset=asset)


@hookimpl
def learninghub_nav_items(request) -> list:
    return PARTS.gather("nav_items", request=request)


@hookimpl
def learninghub_dashboard_widgets(request) -> list:
    return PARTS.gather("dashboard_widgets", request=request)


@hookimpl
def learninghub_domain_event(request, event) -> None:
    PARTS.call_each("domain_event", request=request, event=event)


@hookimpl
def learninghub_audit_auditable_events(request) -> list:
    return PARTS.gather("audit_auditable_events", request=request)


@hookimpl
def learninghub_webhooks_event_types(request) -> list:
    return PARTS.gather("webhooks_event_types", request=request)


@hookimpl
def learninghub_certificates_requirements(request, course, user_id) -> list:
    return PARTS.gather(
        "certificates_requirements", request=request, course=course, user_id=user_id
    )


@hookimpl
def learninghub_certificates_course_grade(request, course, user_id):
    return PARTS.first("certificates_course_grade", request=request, course=course, user_id=user_id)


@hookimpl
def learninghub_demo_data(request) -> None:
    PARTS.call_each("demo_data", request=request)
