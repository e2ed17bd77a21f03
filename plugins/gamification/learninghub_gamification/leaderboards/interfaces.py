"""The leaderboard interface (docs/design/engagement-contracts.md, "Leaderboards").

Two implementations pass one contract test module
(``plugins/gamification/tests/leaderboards/test_contract.py``): :mod:`.sql` reads the
points ledger (embedded default), :mod:`.redis_backend` keeps sorted sets (production).
The instance setting ``plugin.gamification.leaderboard_backend`` chooses one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Literal

from zope.interface import Attribute, Interface

Period = Literal["week", "month", "all"]
PERIODS: tuple[Period, ...] = ("week", "month", "all")


@dataclass(frozen=True, order=True)
class Rank:
    """A user's place on a board: standard competition ranking ("1224")."""

    user_id: uuid.UUID
    points: int
    rank: int


@dataclass(frozen=True)
class Entry:
    """One ledger entry as the boards see it (``when``: timezone-aware)."""

    user_id: uuid.UUID
    points: int
    when: datetime
    course_id: uuid.UUID | None = None


class ILeaderboard(Interface):
    """Points per user and period, tenant-wide and per course.

    Periods: ``week`` (the ISO week), ``month`` and ``all``; weeks and months are those
    of ``zone``, the tenant's time zone (UTC when not given), and the current one is
    the one holding ``now`` (the current time when not given). Every call names its
    tenant; nothing is shared between tenants.

    Ranking: users sorted by points, most first; equal points share a rank and the
    next rank skips ("1224"); ties are listed by user id. A user hidden by the privacy
    switch never appears and ``rank_of`` answers None for them.
    """

    name = Attribute("'sql' or 'redis'")
    needs_feeding = Attribute(
        "True when add/remove_user/restore_user/rebuild change what the board shows "
        "(Redis); False when the board reads the ledger and the profiles itself (SQL)"
    )

    def add(
        tenant_id: uuid.UUID,
        user_id: uuid.UUID,
        points: int,
        when: datetime,
        course_id: uuid.UUID | None = None,
        *,
        zone: tzinfo | None = None,
    ) -> None:
        """Count one ledger entry (called once per entry, after its transaction
        commits): on the tenant's boards and, with ``course_id``, the course's, in the
        week and month holding ``when`` and all time. Ignored for hidden users."""

    def top(
        tenant_id: uuid.UUID,
        period: Period,
        course_id: uuid.UUID | None = None,
        limit: int = 10,
        offset: int = 0,
        *,
        zone: tzinfo | None = None,
        now: datetime | None = None,
    ) -> list[Rank]:
        """``limit`` places from position ``offset`` (0-based) of the current board."""

    def rank_of(
        tenant_id: uuid.UUID,
        user_id: uuid.UUID,
        period: Period,
        course_id: uuid.UUID | None = None,
        *,
        zone: tzinfo | None = None,
        now: datetime | None = None,
    ) -> Rank | None:
        """The user's place on the current board; None when they have no points in
        the period or are hidden."""

    def remove_user(tenant_id: uuid.UUID, user_id: uuid.UUID) -> None:
        """The privacy switch is on: take the user off every board of the tenant and
        keep them off (the caller has set ``hide_from_leaderboards``)."""

    def restore_user(
        tenant_id: uuid.UUID,
        user_id: uuid.UUID,
        entries: Iterable[Entry],
        *,
        zone: tzinfo | None = None,
    ) -> None:
        """The privacy switch is off again: put the user back with ``entries``, all of
        their ledger entries (the caller has cleared ``hide_from_leaderboards``)."""

    def rebuild(
        tenant_id: uuid.UUID,
        entries: Iterable[Entry],
        *,
        hidden: Iterable[uuid.UUID] = (),
        zone: tzinfo | None = None,
    ) -> None:
        """Replace the tenant's boards by those of ``entries`` (the whole ledger),
        ``hidden`` being the users with the privacy switch on: repairs drift after a
        crash between a commit and its ``add``."""
