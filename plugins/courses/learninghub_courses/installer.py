"""Per-tenant install, upgrade, uninstall and purge of the courses plugin."""

from __future__ import annotations

import logging
from collections.abc import Callable

import sqlalchemy as sa

from learninghub.identity import RoleGrant
from learninghub.plugins import InstallContext, Installer

from .models import Course, CourseCategory

log = logging.getLogger(__name__)


class CoursesInstaller(Installer):
    """A tenant starts with no course and no category. Uninstall keeps the data;
    purge deletes the tenant's courses and categories (the kernel's default purge,
    which knows the plugin's tables by their models), its course role grants (kernel
    rows) and the courses' search documents."""

    upgrade_steps: dict[str, Callable[[InstallContext], None]] = {}

    def install(self, context: InstallContext) -> None:
        """Nothing to create. Idempotent by construction."""

    def purge(self, context: InstallContext) -> None:
        tid = context.tenant.id
        db = context.db
        course_ids = [
            str(cid) for cid in db.scalars(sa.select(Course.id).where(Course.tenant_id == tid))
        ]
        db.execute(
            sa.delete(RoleGrant)
            .where(RoleGrant.tenant_id == tid, RoleGrant.resource_type == "course")
            .execution_options(synchronize_session=False)
        )
        # rows of plugins that depend on courses go with them (ON DELETE CASCADE)
        db.execute(
            sa.delete(Course)
            .where(Course.tenant_id == tid)
            .execution_options(synchronize_session=False)
        )
        db.execute(
            sa.update(CourseCategory)
            .where(CourseCategory.tenant_id == tid)
            .values(parent_id=None)
            .execution_options(synchronize_session=False)
        )
        db.execute(
            sa.delete(CourseCategory)
            .where(CourseCategory.tenant_id == tid)
            .execution_options(synchronize_session=False)
        )
        super().purge(context)  # any other table of the plugin's models
        _forget_search_documents(context, course_ids)


def _forget_search_documents(context: InstallContext, course_ids: list[str]) -> None:
    """Drop the purged courses from the tenant's search index (now: an installer has
    no after-commit hook; a purge that rolls back leaves them out of search until
    their next change)."""
    if not course_ids:
        return
    from types import SimpleNamespace

    from pyramid_services import find_service_factory

    from learninghub.interfaces import ISearchIndex

    try:
        index = find_service_factory(SimpleNamespace(registry=context.registry), ISearchIndex)(
            None, None
        )
        index.delete(context.tenant.id, course_ids)
    except Exception:  # the index is a cache of the rows: never fail the purge for it
        log.warning("could not remove purged courses from the search index", exc_info=True)
