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

from . import models, tasks  # noqa: F401  (register the tables and the reindex task)
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
    config.add_route("courses.page.landing", "/courses/{slug}")


@hookimpl
def learninghub_addhooks(pluginmanager) -> None:
    pluginmanager.add_hookspecs(CoursesSpecs)
