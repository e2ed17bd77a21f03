"""Leaderboards computed from the points ledger (embedded default back end).

One query per call: the sum of ``gamification_points.points`` per user inside the
period's window (tenant time zone, half-open ``[start, end)`` in UTC), filtered by
course, without the users whose ``gamification_profiles.hide_from_leaderboards`` is
set, ranked with ``RANK() OVER (ORDER BY total DESC)`` (standard competition
ranking) and listed by total then user id. The indexes
``ix_gamification_points_board`` (tenant, awarded_at, user_id, points) and
``ix_gamification_points_course_board`` (tenant, course_id, awarded_at, user_id,
points) of migration gm0002 cover the week, month and per-course scans.

The ledger and the profiles are the truth, so ``add``, ``remove_user``,
``restore_user`` and ``rebuild`` have nothing to do: the caller's transaction already
holds the ledger row or the privacy switch.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from zope.interface import implementer

from learninghub.db import metadata

from .interfaces import ILeaderboard, Period, Rank
from .periods import as_utc, window


def _tables() -> tuple[sa.Table, sa.Table]:
    return metadata.tables["gamification_points"], metadata.tables["gamification_profiles"]


@implementer(ILeaderboard)
class SQLLeaderboard:
    name = "sql"
    needs_feeding = False

    def __init__(self, session) -> None:
        self.session = session

    # the ledger is the truth: nothing to feed
    def add(self, tenant_id, user_id, points, when, course_id=None, *, zone=None) -> None:
        return None

    def remove_user(self, tenant_id, user_id) -> None:
        return None

    def restore_user(self, tenant_id, user_id, entries, *, zone=None) -> None:
        return None

    def rebuild(self, tenant_id, entries, *, hidden=(), zone=None) -> None:
        return None

    def _ranked(self, tenant_id: uuid.UUID, period: Period, course_id, zone, now):
        points, profiles = _tables()
        when = as_utc(now) if now is not None else datetime.now(UTC)
        hidden = sa.exists().where(
            profiles.c.tenant_id == tenant_id,
            profiles.c.user_id == points.c.user_id,
            profiles.c.hide_from_leaderboards.is_(True),
        )
        conditions = [points.c.tenant_id == tenant_id, ~hidden]
        bounds = window(period, when, zone if zone is not None else UTC)
        if bounds is not None:
            conditions += [points.c.awarded_at >= bounds[0], points.c.awarded_at < bounds[1]]
        if course_id is not None:
            conditions.append(points.c.course_id == course_id)
        total = sa.func.sum(points.c.points)
        totals = (
            sa.select(points.c.user_id.label("user_id"), total.label("total"))
            .where(*conditions)
            .group_by(points.c.user_id)
            .subquery("totals")
        )
        return sa.select(
            totals.c.user_id,
            totals.c.total,
            sa.func.rank().over(order_by=totals.c.total.desc()).label("rank"),
        ).subquery("ranked")

    def top(
        self, tenant_id, period, course_id=None, limit=10, offset=0, *, zone=None, now=None
    ) -> list[Rank]:
        if limit <= 0:
            return []
        ranked = self._ranked(tenant_id, period, course_id, zone, now)
        rows = self.session.execute(
            sa.select(ranked.c.user_id, ranked.c.total, ranked.c.rank)
            .order_by(ranked.c.total.desc(), ranked.c.user_id)
            .limit(limit)
            .offset(offset)
        )
        return [Rank(row.user_id, int(row.total), int(row.rank)) for row in rows]

    def rank_of(
        self, tenant_id, user_id, period, course_id=None, *, zone=None, now=None
    ) -> Rank | None:
        ranked = self._ranked(tenant_id, period, course_id, zone, now)
        row = self.session.execute(
            sa.select(ranked.c.total, ranked.c.rank).where(ranked.c.user_id == user_id)
        ).first()
        return None if row is None else Rank(user_id, int(row.total), int(row.rank))
