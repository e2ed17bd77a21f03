"""Learning Hub plugin: enrolments and progress.

Learners enrol in free courses (paid ones through the
``learninghub_enrollment_paid_enrolment`` hook a commerce plugin answers), admins
enrol users with access windows; lesson progress (completed, media position) makes
the course progress, and reaching 100 % emits ``course.completed`` once per
enrolment. "My learning" (page and dashboard widget), the instructor roster with
its CSV export, and the hooks the courses and content plugins ask: the landing
page's enrol control, access to lessons, "Mark complete" and completed marks.
The contract with the other catalog plugins is docs/design/catalog-contracts.md.
"""

from __future__ import annotations

from markupsafe import Markup

from learninghub.hookspecs import hookimpl
from learninghub.manifest import PluginManifest
from learninghub.web import NavItem, Widget

from . import models, tasks  # noqa: F401  (register the tables and the expiry task)
from .announcement_hooks import (  # noqa: F401  (audience of course announcements)
    learninghub_announcements_audience,
    learninghub_announcements_readable_scopes,
)
from .hookspecs import EnrollmentSpecs
from .installer import EnrollmentInstaller
from .permissions import DEFAULT_GRANTS, EnrollmentPermission
from .settings import EnrollmentSettings

__version__ = "0.1.0"

manifest = PluginManifest(
    name="enrollment",
    version=__version__,
    title="Enrollment",
    description="Enrolments, access windows, lesson progress, My learning and course rosters.",
    requires=("courses", "content"),
    settings=EnrollmentSettings,
    permissions=EnrollmentPermission,
    default_grants=DEFAULT_GRANTS,
    migrations="learninghub_enrollment:migrations/versions",
    installer=EnrollmentInstaller(),
)


def includeme(config) -> None:
    config.add_route("enrollment.page.my_learning", "/my-learning")
    config.add_route("enrollment.page.continue", "/my-learning/continue/{course_id}")
    config.add_route("enrollment.page.enrol", "/my-learning/enrol/{course_id}")
    config.add_route("enrollment.page.unenrol", "/my-learning/unenrol/{course_id}")
    config.add_route("enrollment.page.progress", "/my-learning/lessons/{lesson_id}/progress")
    config.add_route("enrollment.page.roster_csv", "/teach/courses/{course_id}/roster.csv")
    config.add_route("enrollment.page.roster", "/teach/courses/{course_id}/roster")
    config.scan(".api")
    config.scan(".views")


@hookimpl
def learninghub_addhooks(pluginmanager) -> None:
    pluginmanager.add_hookspecs(EnrollmentSpecs)


def _learner(request) -> bool:
    return request.identity is not None and bool(request.has_permission(EnrollmentPermission.LEARN))


@hookimpl
def learninghub_nav_items(request) -> list[NavItem]:
    if not _learner(request):
        return []
    return [
        NavItem(
            order=30,
            title=request.gettext("My learning"),
            url=request.route_path("enrollment.page.my_learning"),
        )
    ]


@hookimpl
def learninghub_dashboard_widgets(request) -> list[Widget]:
    """The learner's current courses with progress bars and continue links."""
    if not _learner(request):
        return []
    from .views import my_learning_items

    items = [i for i in my_learning_items(request) if i["has_access"]][:5]
    return [
        Widget(
            order=10,
            title=request.gettext("My learning"),
            template="enrollment/widget.jinja2",
            context={
                "items": items,
                "all_url": request.route_path("enrollment.page.my_learning"),
            },
            key="enrollment-my-learning",
        )
    ]


@hookimpl
def learninghub_courses_enrol_action(request, course):
    """The landing page's control: "Continue" for enrolled learners, "Enrol" for free
    courses, a sign-in link for visitors; paid courses ask
    ``learninghub_enrollment_paid_enrolment`` (None when nobody sells them)."""
    from .controls import enrol_action

    return enrol_action(request, course)


@hookimpl
def learninghub_content_has_access(request, course):
    """True with an active, unexpired enrolment; None otherwise (no opinion: other
    plugins, e.g. a subscription, may grant access)."""
    from .services import active_enrollment

    if request.identity is None:
        return None
    return True if active_enrollment(request, course) is not None else None


@hookimpl
def learninghub_content_lesson_actions(request, course, lesson) -> list[Markup]:
    from .controls import lesson_actions

    return lesson_actions(request, course, lesson)


@hookimpl
def learninghub_domain_event(request, event) -> None:
    """A lesson was published, unpublished or deleted: the course's denominator
    changed, so every enrolment's progress is recomputed in a task (after commit: no
    writes here)."""
    from .services import LESSONS_CHANGED_EVENTS, RECOMPUTE_TASK

    if event.name in LESSONS_CHANGED_EVENTS and event.payload.get("course_id"):
        request.tasks.enqueue(RECOMPUTE_TASK, course_id=str(event.payload["course_id"]))


@hookimpl
def learninghub_content_completed_lessons(request, course):
    from .services import completed_lesson_ids, my_enrollment

    if request.identity is None or my_enrollment(request, course) is None:
        return None
    return completed_lesson_ids(request, course)
