"""Leaderboards for a request: the configured :class:`ILeaderboard`, feeding it after
commit, the privacy switch, rebuilding from the ledger, and the standings pages show.

Callers (the rules that write the ledger, the privacy switch) use:

* :func:`record` after adding a ledger row: the board counts it once the transaction
  commits (never for a rolled-back entry);
* :func:`privacy_changed` after setting or clearing ``hide_from_leaderboards``;
* :func:`rebuild` (``learninghub gamification rebuild-leaderboards``) after a crash
  between a commit and its feeding.

Periods are those of the tenant's time zone (``tenants.default_timezone``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from learninghub.db import metadata
from learninghub.events import after_commit

from .interfaces import Entry, ILeaderboard, Period, Rank

log = logging.getLogger("learninghub_gamification.leaderboards")


def board(request) -> ILeaderboard:
    return request.find_service(ILeaderboard)


def tenant_zone(request) -> tzinfo:
    name = getattr(request.tenant, "default_timezone", None) or "UTC"
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return UTC


def _guarded(what: str, call) -> None:
    """Run a board write after commit; a failure (Redis down) is logged, not raised:
    the ledger is committed and ``rebuild-leaderboards`` repairs the board."""
    try:
        call()
    except Exception:
        log.exception(
            "leaderboard %s failed; run 'learninghub gamification "
            "rebuild-leaderboards' when the back end is back",
            what,
        )


def record(request, entry) -> None:
    """Count ledger ``entry`` (a ``gamification_points`` row: user_id, points,
    awarded_at, course_id) on the boards after the transaction commits."""
    target = board(request)
    if not target.needs_feeding:
        return
    tenant_id, zone = request.tenant.id, tenant_zone(request)
    user_id, points, when, course_id = (
        entry.user_id,
        int(entry.points),
        _aware(entry.awarded_at),
        entry.course_id,
    )
    after_commit(
        request.tm,
        lambda: _guarded(
            "add", lambda: target.add(tenant_id, user_id, points, when, course_id, zone=zone)
        ),
    )


def privacy_changed(request, user_id: uuid.UUID, hidden: bool) -> None:
    """The user's ``hide_from_leaderboards`` was just set to ``hidden`` in this
    transaction: take them off the boards, or put them back, after commit."""
    target = board(request)
    if not target.needs_feeding:
        return
    tenant_id = request.tenant.id
    if hidden:
        after_commit(
            request.tm, lambda: _guarded("remove", lambda: target.remove_user(tenant_id, user_id))
        )
        return
    zone = tenant_zone(request)
    entries = list(ledger_entries(request.db, tenant_id, user_id))
    after_commit(
        request.tm,
        lambda: _guarded(
            "restore", lambda: target.restore_user(tenant_id, user_id, entries, zone=zone)
        ),
    )


def _aware(when: datetime) -> datetime:
    # SQLite hands back naive datetimes; the ledger stores UTC
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def ledger_entries(db, tenant_id: uuid.UUID, user_id: uuid.UUID | None = None) -> Iterator[Entry]:
    points = metadata.tables["gamification_points"]
    stmt = sa.select(
        points.c.user_id, points.c.points, points.c.awarded_at, points.c.course_id
    ).where(points.c.tenant_id == tenant_id)
    if user_id is not None:
        stmt = stmt.where(points.c.user_id == user_id)
    for row in db.execute(stmt.execution_options(yield_per=5000)):
        yield Entry(row.user_id, int(row.points), _aware(row.awarded_at), row.course_id)


def hidden_users(db, tenant_id: uuid.UUID) -> list[uuid.UUID]:
    profiles = metadata.tables["gamification_profiles"]
    return list(
        db.scalars(
            sa.select(profiles.c.user_id).where(
                profiles.c.tenant_id == tenant_id, profiles.c.hide_from_leaderboards.is_(True)
            )
        )
    )


def rebuild(request) -> int:
    """Rebuild the tenant's boards from the ledger now; the number of entries read."""
    target = board(request)
    tenant_id = request.tenant.id
    counted = 0

    def counting() -> Iterator[Entry]:
        nonlocal counted
        for entry in ledger_entries(request.db, tenant_id):
            counted += 1
            yield entry

    target.rebuild(
        tenant_id, counting(), hidden=hidden_users(request.db, tenant_id), zone=tenant_zone(request)
    )
    return counted


# ------------------------------------------------------------------ standings


@dataclass(frozen=True)
class Standing:
    rank: int
    points: int
    user_id: uuid.UUID
    name: str
    is_me: bool


@dataclass(frozen=True)
class Standings:
    period: Period
    course_id: uuid.UUID | None
    rows: list[Standing]
    me: Rank | None
    offset: int
    has_more: bool


def display_names(db, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    from learninghub.identity import User

    if not user_ids:
        return {}
    return {
        row.id: row.display_name or row.email.split("@")[0]
        for row in db.execute(
            sa.select(User.id, User.display_name, User.email).where(User.id.in_(user_ids))
        )
    }


def standings(
    request, period: Period, course_id: uuid.UUID | None, limit: int, offset: int
) -> Standings:
    """A page of the current board with names, and the caller's own place."""
    target = board(request)
    tenant_id, zone = request.tenant.id, tenant_zone(request)
    now = datetime.now(UTC)
    ranks = target.top(tenant_id, period, course_id, limit + 1, offset, zone=zone, now=now)
    has_more = len(ranks) > limit
    ranks = ranks[:limit]
    me_id = request.identity.id if request.identity is not None else None
    me = (
        target.rank_of(tenant_id, me_id, period, course_id, zone=zone, now=now)
        if me_id is not None
        else None
    )
    names = display_names(request.db, [r.user_id for r in ranks])
    rows = [
        Standing(r.rank, r.points, r.user_id, names.get(r.user_id, ""), r.user_id == me_id)
        for r in ranks
    ]
    return Standings(period, course_id, rows, me, offset, has_more)
