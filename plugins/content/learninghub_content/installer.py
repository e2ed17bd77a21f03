"""Per-tenant install, upgrade, uninstall and purge of the content plugin."""

from __future__ import annotations

from collections.abc import Callable

from learninghub.plugins import InstallContext, Installer

from .models import CourseSection, Lesson, LessonVersion


class ContentInstaller(Installer):
    """A tenant starts with no sections or lessons; uninstall keeps them, purge
    deletes the tenant's rows (versions, then lessons, then sections)."""

    upgrade_steps: dict[str, Callable[[InstallContext], None]] = {}

    def install(self, context: InstallContext) -> None:
        """Nothing to create. Idempotent by construction."""

    def purge(self, context: InstallContext) -> None:
        # the tables are not prefixed "content_" (the contract names them), so the
        # inherited purge would not find them; the session is bound to the tenant
        for model in (LessonVersion, Lesson, CourseSection):
            table = model.__table__
            context.db.execute(table.delete().where(table.c.tenant_id == context.tenant.id))
