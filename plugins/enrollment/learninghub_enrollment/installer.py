"""Per-tenant install, upgrade, uninstall and purge of the enrollment plugin."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from learninghub.plugins import InstallContext, Installer

from .models import ACCESS_STATUSES, Enrollment, LessonProgress


class EnrollmentInstaller(Installer):
    """A tenant starts without enrolments. Purge deletes the tenant's rows of
    ``lesson_progress`` and ``enrollments`` (named explicitly: the contract's table
    names do not carry the ``enrollment_`` prefix the default purge looks for) and
    takes the purged enrolments out of ``courses.enrolment_count``."""

    upgrade_steps: dict[str, Callable[[InstallContext], None]] = {}

    def install(self, context: InstallContext) -> None:
        """Nothing to create. Idempotent by construction."""

    def purge(self, context: InstallContext) -> None:
        from learninghub_courses.services import bump_stats

        db = context.db
        counted = db.execute(
            sa.select(Enrollment.course_id, sa.func.count())
            .where(Enrollment.status.in_(ACCESS_STATUSES))
            .group_by(Enrollment.course_id)
        ).all()
        for course_id, count in counted:
            bump_stats(db, course_id, enrolment_delta=-count)
        tenant_id = context.tenant.id
        for model in (LessonProgress, Enrollment):
            table = model.__table__
            db.execute(table.delete().where(table.c.tenant_id == tenant_id))
