"""Per-tenant install, upgrade, uninstall and purge of the reviews plugin."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from learninghub.plugins import InstallContext, Installer

from .models import Review, ReviewReport, ReviewVote


class ReviewsInstaller(Installer):
    """A tenant starts without reviews. Purge deletes the tenant's rows of
    ``review_reports``, ``review_votes`` and ``reviews`` (named explicitly: the
    contract's names do not carry the ``reviews_`` prefix the default purge looks
    for) and resets the rating of the courses that had reviews."""

    upgrade_steps: dict[str, Callable[[InstallContext], None]] = {}

    def install(self, context: InstallContext) -> None:
        """Nothing to create. Idempotent by construction."""

    def purge(self, context: InstallContext) -> None:
        from learninghub_courses.services import bump_stats

        db = context.db
        rated = db.scalars(sa.select(Review.course_id).distinct()).all()
        for course_id in rated:
            bump_stats(db, course_id, rating_average=0.0, rating_count=0)
        tenant_id = context.tenant.id
        for model in (ReviewReport, ReviewVote, Review):
            table = model.__table__
            db.execute(table.delete().where(table.c.tenant_id == tenant_id))
