"""Learning Hub plugin: the course catalog.

Courses (title, slug, subtitle, sanitized description, hierarchical category, tags,
level, language, price, thumbnail) go from draft to review to published to archived;
instructors and teaching assistants are course-scoped roles. The catalog searches
through the kernel's search service. The contract with the content, media,
enrollment and reviews plugins (tables, Python API, hooks, events) is
docs/design/catalog-contracts.md; the Python API is :mod:`learninghub_courses.services`.
"""

from __future__ import annotations

from learninghub.hookspecs import hookimpl
from learninghub.manifest import PluginManifest
from learninghub.web import NavItem

from . import models, tasks  # noqa: F401  (register the tables and the reindex task)
from .announcement_hooks import (  # noqa: F401  (answers for course announcements)
    learninghub_announcements_can_post,
    learninghub_announcements_readable_scopes,
    learninghub_announcements_scope,
)
from .hookspecs import CoursesSpecs
from .installer import CoursesInstaller
from .permissions import DEFAULT_GRANTS, CoursePermission
from .settings import CoursesSettings

__version__ = "0.1.0"

manifest = PluginManifest(
    name="courses",
    version=__version__,
    title="Courses",
    description="The course catalog: courses, categories, instructors and the approval workflow.",
    settings=CoursesSettings,
    permissions=CoursePermission,
    default_grants=DEFAULT_GRANTS,
    migrations="learninghub_courses:migrations/versions",
    installer=CoursesInstaller(),
)


def includeme(config) -> None:
    config.add_route("courses.page.catalog", "/courses")
    config.add_route("courses.page.landing", "/courses/{slug}")
    config.add_route("courses.page.thumbnail", "/courses/{slug}/thumbnail")
    config.add_route("courses.page.teach", "/teach")
    config.add_route("courses.page.teach_new", "/teach/new")
    config.add_route("courses.page.teach_edit", "/teach/{id}")
    config.add_route("courses.page.teach_action", "/teach/{id}/{action}")
    config.add_route("courses.page.admin", "/admin/courses")
    config.add_route("courses.page.admin_categories", "/admin/courses/categories")
    config.add_route("courses.page.admin_category", "/admin/courses/categories/{id}")
    config.add_route("courses.page.admin_action", "/admin/courses/{id}/{action}")
    config.scan(".api")
    config.scan(".views")
    config.scan(".teach")
    config.scan(".admin")


@hookimpl
def learninghub_addhooks(pluginmanager) -> None:
    pluginmanager.add_hookspecs(CoursesSpecs)


@hookimpl
def learninghub_nav_items(request) -> list[NavItem]:
    items = [
        NavItem(
            order=20,
            title=request.gettext("Courses"),
            url=request.route_path("courses.page.catalog"),
        )
    ]
    if request.identity is not None and request.has_permission(CoursePermission.CREATE):
        items.append(
            NavItem(
                order=25,
                title=request.gettext("Teach"),
                url=request.route_path("courses.page.teach"),
            )
        )
    return items


@hookimpl
def learninghub_admin_sections(request) -> list[NavItem]:
    if request.identity is None:
        return []
    items = []
    if request.has_permission(CoursePermission.REVIEW):
        items.append(NavItem(order=250, title=request.gettext("Courses"), url="/admin/courses"))
    if request.has_permission(CoursePermission.CATEGORIES):
        items.append(
            NavItem(
                order=251,
                title=request.gettext("Course categories"),
                url="/admin/courses/categories",
            )
        )
    return items


#: status changes of a course go to the audit trail (when the audit plugin is enabled)
AUDITED_EVENTS = [
    "courses.course.submitted",
    "courses.course.returned",
    "courses.course.published",
    "courses.course.archived",
    "courses.course.restored",
]


@hookimpl
def learninghub_audit_auditable_events(request) -> list:
    """The workflow's transitions (who submitted, approved, returned, archived or
    restored a course) are audited; edits and staff changes are events only."""
    return list(AUDITED_EVENTS)


@hookimpl
def learninghub_media_can_access(request, asset):
    """Course thumbnails are public when the course is published, and visible to the
    course's staff otherwise; other assets: no opinion."""
    from .services import thumbnail_access

    return thumbnail_access(request, asset)
